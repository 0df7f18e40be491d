package data

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/system"
)

func TestMetaJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Meta
		js   string
	}{
		{"zero", Meta{}, `{"format":0}`},
		{"generated", Meta{Format: 1, System: "coupled-oscillator", Params: map[string]float64{"alpha": 0.5}, Dt: 0.01, Noise: 0.01,
			Seed: math.MaxUint64, Substeps: 10, Generator: "g"},
			`{"format":1,"system":"coupled-oscillator","params":{"alpha":0.5},"dt":0.01,"noise":0.01,"seed":18446744073709551615,"substeps":10,"generator":"g"}`},
		{"recording", Meta{Format: 1, Gaps: 3, Dropped: 1, Extra: map[string]json.RawMessage{"b": json.RawMessage(`[1,{"c":null}]`), "a": json.RawMessage(`"x<y"`)}},
			`{"format":1,"gaps":3,"dropped":1,"a":"x<y","b":[1,{"c":null}]}`},
		{"exact-floats", Meta{Dt: add(0.1, 0.2), Params: map[string]float64{"tiny": 5e-324, "big": math.MaxFloat64}},
			`{"format":0,"params":{"big":1.7976931348623157e+308,"tiny":5e-324},"dt":0.30000000000000004}`},
	} {
		b, err := tc.m.MarshalJSON() // as the writers use it: no HTML escapes
		if err != nil || string(b) != tc.js {
			t.Errorf("%s: Marshal = %s, %v; want %s", tc.name, b, err, tc.js)
		}
		var back Meta
		if err := back.UnmarshalJSON(b); err != nil || !reflect.DeepEqual(back, tc.m) {
			t.Errorf("%s: Unmarshal = %+v, %v; want %+v", tc.name, back, err, tc.m)
		}
	}
	// encoding/json calls the methods too.
	if b, err := json.Marshal(&Meta{Format: 1, Seed: 2}); err != nil || string(b) != `{"format":1,"seed":2}` {
		t.Errorf("json.Marshal: %s, %v", b, err)
	}
	// Other programs' spacing and key case are normalized; {} params read as absent.
	var m Meta
	if err := json.Unmarshal([]byte(` { "FORMAT" : 1 , "params" : { } , "units" : [ "m" , "s" ] } `), &m); err != nil {
		t.Fatal(err)
	}
	if want := (Meta{Format: 1, Extra: map[string]json.RawMessage{"units": json.RawMessage(`["m","s"]`)}}); !reflect.DeepEqual(m, want) {
		t.Errorf("normalized: %+v, want %+v", m, want)
	}
}

func TestMetaJSONErrors(t *testing.T) {
	for _, tc := range []struct{ js, want string }{
		{`[]`, "want a JSON object, not array"},
		{`null`, "want a JSON object, not null"},
		{`"x"`, "want a JSON object, not string"},
		{`{`, "invalid JSON"},
		{`{"format":1}{}`, "invalid JSON"},
		{`{"format":"1"}`, `key "format": JSON string is not a valid value`},
		{`{"format":1.5}`, `key "format": JSON number 1.5 is not a valid value`},
		{`{"params":{"alpha":"x"}}`, `key "params.alpha": JSON string`},
		{`{"dt":1e400}`, `key "dt": JSON number 1e400`},
		{`{"format":2}`, "format 2 is newer than this reader's 1"},
		{`{"format":-1}`, "format -1, want 0…1"},
		{`{"dt":-1}`, "dt = -1, want positive"},
		{`{"noise":-1}`, "noise = -1"},
		{`{"substeps":-1}`, "substeps = -1"},
		{`{"gaps":-1}`, "gaps = -1"},
		{`{"dropped":-1}`, "dropped = -1"},
	} {
		var m Meta
		err := m.UnmarshalJSON([]byte(tc.js))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.js, err, tc.want)
		}
	}
	// Negative control: a valid record of every field decodes.
	var m Meta
	if err := json.Unmarshal([]byte(`{"format":1,"system":"s","params":{"a":1},"dt":1,"noise":0,"seed":1,"substeps":1,"generator":"g","gaps":0,"dropped":0}`), &m); err != nil {
		t.Error(err)
	}
}

// add returns a+b in float64 arithmetic.
func add(a, b float64) float64 { return a + b }

type paramSystem struct{ system.Pendulum }

func (paramSystem) Params() map[string]float64 { return map[string]float64{"g": 9.81} }

// TestGenerateMeta: Generate records the system, its parameters and the
// configuration (with the defaults resolved).
func TestGenerateMeta(t *testing.T) {
	for _, tc := range []struct {
		sys    system.System
		cfg    GenerateConfig
		params map[string]float64
		sub    int
	}{
		{system.CoupledOscillator{Alpha: 0.25}, GenerateConfig{Trajectories: 1, Steps: 1, Noise: 0.1, Seed: 9}, map[string]float64{"alpha": 0.25}, 10},
		{&system.CoupledOscillator{Alpha: 2}, GenerateConfig{Trajectories: 1, Steps: 1, Dt: 0.05, Substeps: 3}, map[string]float64{"alpha": 2}, 3},
		{paramSystem{}, GenerateConfig{Trajectories: 1, Steps: 1, Dt: 0.1}, map[string]float64{"g": 9.81}, 100},
		{system.DoubleWell{}, GenerateConfig{Trajectories: 1, Steps: 1}, nil, 10},
	} {
		tr, err := Generate(tc.sys, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		dt := tc.cfg.Dt
		if dt == 0 {
			dt = 0.01
		}
		want := &Meta{Format: FormatVersion, System: tc.sys.Name(), Params: tc.params, Dt: dt, Noise: tc.cfg.Noise, Seed: tc.cfg.Seed,
			Substeps: tc.sub, Generator: "hnnlab data.Generate, Gauss-Legendre 3 stages"}
		if !reflect.DeepEqual(tr.Meta, want) {
			t.Errorf("%s: Meta %+v, want %+v", tc.sys.Name(), tr.Meta, want)
		}
		if tr.T0 != nil {
			t.Errorf("%s: T0 = %v, want nil", tc.sys.Name(), tr.T0)
		}
	}
}
