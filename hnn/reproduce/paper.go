package reproduce

// Stat is a mean and standard deviation over seeds (N values).
type Stat struct {
	Mean   float64   `json:"mean"`
	Std    float64   `json:"std"`
	N      int       `json:"n"`
	Values []float64 `json:"values,omitempty"`
}

// PaperTableI holds Table I of the paper (mean ± std of the gauge-fixed
// |H_pred − H_true| per test set), keyed by system, then model name
// ("nssnn", "shnn", "this-work"), then test set ("uniform", "grid",
// "gaussian"). Hénon–Heiles is scored on the slice qx = 0.1, px = 0.2.
var PaperTableI = map[string]map[string]map[string]Stat{
	"double-well": {
		"nssnn":     {"uniform": {Mean: 7.80, Std: 0.02}, "grid": {Mean: 8.00, Std: 1.23}, "gaussian": {Mean: 4.81, Std: 0.02}},
		"shnn":      {"uniform": {Mean: 0.40, Std: 0.001}, "grid": {Mean: 0.41, Std: 0.55}, "gaussian": {Mean: 0.62, Std: 0.005}},
		"this-work": {"uniform": {Mean: 1.00e-2, Std: 1.00e-5}, "grid": {Mean: 1.2e-2, Std: 2.6e-3}, "gaussian": {Mean: 1.57e-1, Std: 3.3e-3}},
	},
	"coupled-oscillator": {
		"nssnn":     {"uniform": {Mean: 0.80, Std: 0.002}, "grid": {Mean: 0.86, Std: 0.14}, "gaussian": {Mean: 0.79, Std: 0.003}},
		"shnn":      {"uniform": {Mean: 1.3e-2, Std: 3e-5}, "grid": {Mean: 1.3e-2, Std: 1.68e-3}, "gaussian": {Mean: 1.7e-2, Std: 1.6e-4}},
		"this-work": {"uniform": {Mean: 2.5e-2, Std: 6e-5}, "grid": {Mean: 2.6e-2, Std: 3.3e-3}, "gaussian": {Mean: 2.8e-2, Std: 2.7e-4}},
	},
	"henon-heiles": {
		"nssnn":     {"uniform": {Mean: 5.55e-1, Std: 2.63e-2}, "grid": {Mean: 5.03e-1, Std: 2.8e-3}, "gaussian": {Mean: 1.65, Std: 9.61e-3}},
		"shnn":      {"uniform": {Mean: 1.51e-2, Std: 4.42e-4}, "grid": {Mean: 1.38e-2, Std: 5.38e-2}, "gaussian": {Mean: 1.03e-1, Std: 7.79e-4}},
		"this-work": {"uniform": {Mean: 1.14e-2, Std: 4.26e-4}, "grid": {Mean: 1.02e-2, Std: 5.12e-5}, "gaussian": {Mean: 9.11e-2, Std: 7.69e-4}},
	},
}
