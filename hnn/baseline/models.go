package baseline

import (
	"fmt"
	"strings"
)

// Model is one entry of the comparison of Table I: the pieces of an
// hnn.Spec that make the model what it is (the other Spec fields — system,
// widths, activation, step — are shared by all models of a comparison) and
// the citation. A baseline is just a Spec: set hnn.Spec's Ansatz,
// Integrator, Omega, Objective and Rollout to these values.
type Model struct {
	// Name is the model's identifier, e.g. "nssnn".
	Name string `json:"name"`
	// Label is the column header in tables, e.g. "NSSNN".
	Label string `json:"label"`
	// Cite names the method's paper.
	Cite string `json:"cite"`
	// Ansatz is "mlp" or "separable" (hnn.Spec.Ansatz).
	Ansatz string `json:"ansatz"`
	// Integrator is the integrator trained through: "implicit-midpoint",
	// "tao" or "leapfrog"; "" for objectives without an integrator.
	Integrator string `json:"integrator,omitempty"`
	// Solver is the implicit midpoint rule's solver, "newton" or ""
	// (hnn.Spec.Solver: the default fixed-point sweeps).
	Solver string `json:"solver,omitempty"`
	// Omega is Tao's binding constant (hnn.Spec.Omega); 0 unless Integrator is "tao".
	Omega float64 `json:"omega,omitempty"`
	// Objective is "rollout", "hnn" or "shnn" (hnn.Spec.Objective).
	Objective string `json:"objective"`
	// Rollout is the window length N (states per window − 1); 0 means the
	// Spec's default (6). All models of the comparison use the same windows:
	// the same observed states per step, in the same order.
	Rollout int `json:"rollout,omitempty"`
}

// ThisWork is the paper's model: an MLP H(q, p) trained through the fully
// implicit implicit-midpoint rule, loss (26) over N = 6 steps.
func ThisWork() Model {
	return Model{Name: "this-work", Label: "This work", Ansatz: "mlp", Integrator: "implicit-midpoint", Objective: RolloutObjective,
		Cite: "Choudhary, Kungurtsev, Gupta, Leok, Korpas: Learning Generalized Hamiltonians Using Fully Symplectic Mappings"}
}

// NSSNNModel is the non-separable symplectic neural network (Xiong, Tong, He,
// Liu, Lu & Zhang, "Nonseparable symplectic neural networks", ICLR 2021):
// an MLP H(q, p) on the augmented phase space, trained through Tao's
// explicit symplectic integrator (binding ω = 20) over the same windows as
// this work, the doubled state carried over each window (objective NSSNN).
// Its rollouts outside training (figures, energy) use integrator.Tao's
// projected step.
func NSSNNModel() Model {
	return Model{Name: "nssnn", Label: "NSSNN", Ansatz: "mlp", Integrator: "tao", Omega: 20, Objective: NSSNNObjective,
		Cite: "Xiong et al. 2021, Nonseparable symplectic neural networks (ICLR)"}
}

// SHNNModel is the symplectic HNN of David & Méhats 2023: an MLP H trained
// with the SHNN objective (midpoint regression, no solve) on the N = 6
// consecutive pairs of each window.
func SHNNModel() Model {
	return Model{Name: "shnn", Label: "SHNN", Ansatz: "mlp", Objective: SHNNObjective,
		Cite: "David & Méhats 2023, Symplectic learning for Hamiltonian neural networks (J. Comput. Phys.)"}
}

// HNNModel is the Hamiltonian neural network of Greydanus et al. 2019: an
// MLP H trained on central-difference derivatives at the N − 1 = 5 inner
// states of each window.
func HNNModel() Model {
	return Model{Name: "hnn", Label: "HNN", Ansatz: "mlp", Objective: HNNObjective,
		Cite: "Greydanus, Dzamba & Yosinski 2019, Hamiltonian neural networks (NeurIPS)"}
}

// SeparableLeapfrog is a separable ansatz H = T(p) + V(q) trained through the
// explicit Störmer–Verlet (leapfrog) integrator with the rollout loss, as in
// symplectic recurrent networks (Chen, Zhang, Arjovsky & Bottou, ICLR
// 2020): accurate for separable systems, biased for non-separable ones.
func SeparableLeapfrog() Model {
	return Model{Name: "separable-leapfrog", Label: "Separable leapfrog", Ansatz: "separable", Integrator: "leapfrog", Objective: RolloutObjective,
		Cite: "Separable H = T(p) + V(q) with Störmer–Verlet, as in Chen et al. 2020, Symplectic recurrent neural networks (ICLR)"}
}

// ThisWorkGL4 is this work trained through the 2-stage Gauss–Legendre
// method (order 4) instead of the implicit midpoint rule: a fully implicit
// symplectic map whose bias is O(h⁴) instead of O(h²).
func ThisWorkGL4() Model {
	m := ThisWork()
	m.Name, m.Label, m.Integrator = "this-work-gl4", "This work, GL order 4", "gauss-legendre"
	return m
}

// ThisWorkGL6 is this work trained through the 3-stage Gauss–Legendre
// method (order 6, 4 fixed-point sweeps by default).
func ThisWorkGL6() Model {
	m := ThisWork()
	m.Name, m.Label, m.Integrator = "this-work-gl6", "This work, GL order 6", "gauss-legendre-3"
	return m
}

// ThisWorkNewton is this work with the implicit midpoint rule solved by
// Newton steps instead of fixed-point sweeps: the same map where both
// converge, but it still converges at the coarse steps where the sweeps
// stop contracting (integrator.Newton), at several times the cost per step.
func ThisWorkNewton() Model {
	m := ThisWork()
	m.Name, m.Label, m.Solver = "this-work-newton", "This work, Newton solve", "newton"
	return m
}

// Models returns the comparison's models in Table I's column order.
func Models() []Model {
	return []Model{NSSNNModel(), SHNNModel(), HNNModel(), SeparableLeapfrog(), ThisWork()}
}

// All returns Models and the variants of this work through higher-order
// integrators (ThisWorkGL4, ThisWorkGL6) and with a Newton solve
// (ThisWorkNewton), for the observation-step sweep.
func All() []Model {
	return append(Models(), ThisWorkGL4(), ThisWorkGL6(), ThisWorkNewton())
}

// Names returns the names of All, in Table I's column order first.
func Names() []string {
	var ns []string
	for _, m := range All() {
		ns = append(ns, m.Name)
	}
	return ns
}

// Lookup returns the model of All called name, or an error listing the valid names.
func Lookup(name string) (Model, error) {
	for _, m := range All() {
		if m.Name == name {
			return m, nil
		}
	}
	return Model{}, fmt.Errorf("unknown model %q (valid: %s)", name, strings.Join(Names(), ", "))
}
