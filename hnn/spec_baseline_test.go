package hnn_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// TestSpecBaselineFields checks the Spec fields that make baselines
// (Ansatz, Integrator leapfrog/tao, Omega, Objective) and that a spec
// written before they existed still builds the paper's model.
func TestSpecBaselineFields(t *testing.T) {
	var old hnn.Spec
	if err := json.Unmarshal([]byte(`{"system":"double-well","widths":[16,32,16],"dtype":"float64","dt":0.01,"rollout":6,"integrator":"implicit-midpoint","iterations":3,"predictor":"rk2"}`), &old); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		spec      hnn.Spec
		ansatz    string
		integ     string
		objective bool
		err       string
	}{
		{"old JSON: the paper's model", old, "mlp 2-16-32-16-1 tanh", "implicit-midpoint", false, ""},
		{"zero spec", hnn.Spec{}, "mlp 2-16-32-16-1 softplus", "implicit-midpoint", false, ""},
		{"separable leapfrog", hnn.Spec{Ansatz: "separable", Integrator: "leapfrog"}, "separable T(p)+V(q), each 1-16-32-16-1 softplus", "leapfrog", false, ""},
		{"tao, default ω", hnn.Spec{Integrator: "tao"}, "mlp 2-16-32-16-1 softplus", "tao (augmented explicit symplectic, ω = 20)", false, ""},
		{"tao ω = 5", hnn.Spec{Integrator: "tao", Omega: 5}, "mlp 2-16-32-16-1 softplus", "tao (augmented explicit symplectic, ω = 5)", false, ""},
		{"hnn objective", hnn.Spec{Objective: "hnn"}, "mlp 2-16-32-16-1 softplus", "implicit-midpoint", true, ""},
		{"shnn objective", hnn.Spec{Objective: "shnn", System: "henon-heiles"}, "mlp 4-16-32-16-1 softplus", "implicit-midpoint", true, ""},
		{"unknown ansatz", hnn.Spec{Ansatz: "kan"}, "", "", false, `unknown ansatz "kan"`},
		{"unknown objective", hnn.Spec{Objective: "mse"}, "", "", false, `unknown objective "mse"`},
		{"negative ω", hnn.Spec{Integrator: "tao", Omega: -1}, "", "", false, "binding ω must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.spec.Resolve()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Resolve error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h, p := r.Hamiltonian, r.Problem
			if h.String() != tc.ansatz || p.Model.String() != tc.ansatz {
				t.Errorf("ansatz %q, want %q", h, tc.ansatz)
			}
			if !strings.HasPrefix(p.Integ().String(), tc.integ) {
				t.Errorf("integrator %q, want %q…", p.Integ(), tc.integ)
			}
			if (p.Objective != nil) != tc.objective {
				t.Errorf("custom objective set: %v, want %v", p.Objective != nil, tc.objective)
			}
		})
	}
	// The types behind the names.
	r, _ := hnn.Spec{Ansatz: "separable", Integrator: "tao"}.Resolve()
	h, p := r.Hamiltonian, r.Problem
	if _, ok := h.(ansatz.Separable); !ok {
		t.Errorf("ansatz %T, want ansatz.Separable", h)
	}
	if tao, ok := p.Integrator.(integrator.Tao); !ok || tao.Omega != integrator.DefaultOmega {
		t.Errorf("integrator %#v, want integrator.Tao{Omega: 20}", p.Integrator)
	}
	// A spec's JSON round trip keeps its activation, the zero one included.
	for _, sp := range []hnn.Spec{{}, {Activation: "tanh"}, {Activation: "softplus"}} {
		b, _ := json.Marshal(sp)
		var back hnn.Spec
		if err := json.Unmarshal(b, &back); err != nil || back.Activation != sp.Activation {
			t.Errorf("%s read back with activation %q (%v), want %q", b, back.Activation, err, sp.Activation)
		}
	}
	// Defaults fill the new fields; zero values stay omitted in old specs' JSON.
	d := old.WithDefaults()
	if d.Ansatz != "mlp" || d.Objective != "rollout" || d.Omega != 0 {
		t.Errorf("WithDefaults: ansatz %q objective %q omega %g", d.Ansatz, d.Objective, d.Omega)
	}
	b, _ := json.Marshal(old)
	for _, k := range []string{"ansatz", "omega", "objective"} {
		if strings.Contains(string(b), `"`+k+`"`) {
			t.Errorf("JSON of an old spec gained %q: %s", k, b)
		}
	}
}
