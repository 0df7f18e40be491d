package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// FormatVersion is the version of the provenance record (Meta) that this
// package writes and the newest it reads.
const FormatVersion = 1

// Meta is the provenance of a data set: where the data came from and what was
// done to them on the way. The zero value of a field means unknown (or, for
// the generator's settings Noise, Seed and Substeps, zero). Files store it as
// a JSON object (see the package documentation), with the keys given in the
// field comments; absent keys are zero.
type Meta struct {
	// Format ("format") is the version of the record, FormatVersion for the
	// records Generate and the readers make; 0 means unspecified.
	Format int
	// System ("system") is the name of the observed system, e.g. "pendulum".
	System string
	// Params ("params") holds the system's parameters by name, e.g.
	// {"alpha": 0.5} for the coupled oscillator.
	Params map[string]float64
	// Dt ("dt") is the observation time step. When a file's record has a
	// positive dt, the readers take the data's time step from it (exactly)
	// and check the file's times against it; it must then agree with
	// Trajectories.Dt.
	Dt float64
	// Noise ("noise") is the standard deviation of the additive Gaussian
	// noise of generated data.
	Noise float64
	// Seed ("seed") is the seed of the random streams of generated data.
	Seed uint64
	// Substeps ("substeps") is the number of internal integrator steps per
	// observation step of generated data.
	Substeps int
	// Generator ("generator") names the program or method that made the
	// data, e.g. "hnnlab data.Generate, Gauss-Legendre 3 stages".
	Generator string
	// Gaps ("gaps") counts the gaps (time jumps of a whole number m > 1 of
	// steps) at which readers split a recorded trajectory into segments.
	// Each reading adds its splits to the count found in the file.
	Gaps int
	// Dropped ("dropped") counts the single-state segments that readers
	// dropped, since one state defines no step. Each reading adds its drops
	// to the count found in the file.
	Dropped int
	// Extra holds the record's other keys (e.g. "units" or "source" written
	// by another program), each a compact JSON value; the writers store them
	// back, sorted by key.
	Extra map[string]json.RawMessage
}

// metaFields is the JSON form of Meta's named fields, in the order written.
type metaFields struct {
	Format    int                `json:"format"`
	System    string             `json:"system,omitempty"`
	Params    map[string]float64 `json:"params,omitempty"`
	Dt        float64            `json:"dt,omitempty"`
	Noise     float64            `json:"noise,omitempty"`
	Seed      uint64             `json:"seed,omitempty"`
	Substeps  int                `json:"substeps,omitempty"`
	Generator string             `json:"generator,omitempty"`
	Gaps      int                `json:"gaps,omitempty"`
	Dropped   int                `json:"dropped,omitempty"`
}

// metaKeys are the JSON keys of metaFields.
var metaKeys = []string{"format", "system", "params", "dt", "noise", "seed", "substeps", "generator", "gaps", "dropped"}

// isMetaKey reports whether key names a field of Meta. encoding/json matches
// keys without regard to case, so "DT" is Dt too.
func isMetaKey(key string) bool {
	return slices.ContainsFunc(metaKeys, func(k string) bool { return strings.EqualFold(k, key) })
}

// MarshalJSON returns the JSON object of m: the named fields (format always,
// the others when nonzero) followed by the Extra keys in sorted order. It
// returns an error if a value is invalid (see Meta's fields) or a parameter
// is not finite.
func (m Meta) MarshalJSON() ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	for name, v := range m.Params {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("parameter %q = %v is not finite", name, v)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(metaFields{m.Format, m.System, m.Params, m.Dt, m.Noise, m.Seed, m.Substeps, m.Generator, m.Gaps, m.Dropped}); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("}\n"))
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if isMetaKey(k) {
			return nil, fmt.Errorf("Extra key %q is a field of Meta", k)
		}
		v := m.Extra[k]
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, fmt.Errorf("Extra key %q: invalid JSON value %s", k, quote(string(v)))
		}
		name, _ := json.Marshal(k)
		out = append(out, ',')
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, c.Bytes()...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON sets m from a JSON object as MarshalJSON writes it. Keys that
// are not fields of Meta go to Extra. It returns an error for anything but an
// object, a value of the wrong type, and invalid values (a format newer than
// FormatVersion, negative counts, a negative dt or noise).
func (m *Meta) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return jsonError(err)
	}
	if all == nil {
		return errors.New("want a JSON object, not null")
	}
	var f metaFields
	if err := json.Unmarshal(b, &f); err != nil {
		return jsonError(err)
	}
	if len(f.Params) == 0 {
		f.Params = nil // "params": {} reads as absent, as MarshalJSON writes it
	}
	out := Meta{Format: f.Format, System: f.System, Params: f.Params, Dt: f.Dt, Noise: f.Noise, Seed: f.Seed,
		Substeps: f.Substeps, Generator: f.Generator, Gaps: f.Gaps, Dropped: f.Dropped}
	for k, v := range all {
		if isMetaKey(k) {
			continue
		}
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return err
		}
		if out.Extra == nil {
			out.Extra = make(map[string]json.RawMessage)
		}
		out.Extra[k] = c.Bytes()
	}
	if err := out.validate(); err != nil {
		return err
	}
	*m = out
	return nil
}

// jsonError rewords the errors of encoding/json without its "json: " prefix
// and Go type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("key %q: JSON %s is not a valid value", te.Field, te.Value)
		}
		return fmt.Errorf("want a JSON object, not %s", te.Value)
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// validate returns an error for values outside their range.
func (m *Meta) validate() error {
	switch {
	case m.Format > FormatVersion:
		return fmt.Errorf("format %d is newer than this reader's %d (update hnnlab)", m.Format, FormatVersion)
	case m.Format < 0:
		return fmt.Errorf("format %d, want 0…%d", m.Format, FormatVersion)
	case m.Dt < 0 || math.IsNaN(m.Dt) || math.IsInf(m.Dt, 0):
		return fmt.Errorf("dt = %v, want positive and finite (or 0 for unknown)", m.Dt)
	case m.Noise < 0 || math.IsNaN(m.Noise) || math.IsInf(m.Noise, 0):
		return fmt.Errorf("noise = %v, want ≥ 0 and finite", m.Noise)
	case m.Substeps < 0:
		return fmt.Errorf("substeps = %d, want ≥ 0", m.Substeps)
	case m.Gaps < 0:
		return fmt.Errorf("gaps = %d, want ≥ 0", m.Gaps)
	case m.Dropped < 0:
		return fmt.Errorf("dropped = %d, want ≥ 0", m.Dropped)
	}
	return nil
}

// encodeMeta returns the JSON of m for a file of data whose time step is dt:
// a zero m.Dt is set to dt when withDt is true (the step cannot be read back
// from the file otherwise). It returns an error if m.Dt is set and differs
// from dt.
func encodeMeta(m *Meta, dt float64, withDt bool) ([]byte, error) {
	c := *m
	if c.Dt != 0 && c.Dt != dt {
		return nil, fmt.Errorf("data: Meta.Dt = %v differs from Dt = %v", c.Dt, dt)
	}
	if withDt {
		c.Dt = dt
	}
	b, err := c.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("data: Meta: %w", err)
	}
	return b, nil
}

// parseMeta decodes a provenance record; the error names the problem only
// (the caller adds the file and place).
func parseMeta(b []byte) (*Meta, error) {
	m := new(Meta)
	if err := m.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return m, nil
}

// paramser is implemented by systems that report their parameters by name.
type paramser interface {
	Params() map[string]float64
}

// systemParams returns the parameters of s by name (nil if it has none):
// alpha for system.CoupledOscillator, Params() for a system that has such a
// method.
func systemParams(s system.System) map[string]float64 {
	switch s := s.(type) {
	case system.CoupledOscillator:
		return map[string]float64{"alpha": s.Alpha}
	case *system.CoupledOscillator:
		return map[string]float64{"alpha": s.Alpha}
	case paramser:
		if p := s.Params(); len(p) > 0 {
			return maps.Clone(p)
		}
	}
	return nil
}
