package identify

import "testing"

func TestKnee(t *testing.T) {
	type pt struct {
		k int
		r float64
	}
	for _, c := range []struct {
		name  string
		front []pt
		want  int // terms of the knee
	}{
		{"only the empty model", []pt{{0, 1}}, 0},
		{"exact: the front ends at the truth", []pt{{0, 1}, {1, 0.6}, {2, 0.3}, {3, 1e-15}}, 3},
		{"noise floor", []pt{{0, 1}, {1, 0.7}, {2, 0.3}, {3, 1e-3}, {5, 9.9e-4}, {14, 9e-4}}, 3},
		{"two scales", []pt{{0, 1}, {1, 1e-4}, {2, 1e-7}, {10, 9e-8}}, 2},
		{"one term", []pt{{0, 1}, {1, 1e-6}, {4, 9e-7}}, 1},
		// Criteria 0.587 (6 terms) and 0.590 (7): within KneeTolerance, the smaller.
		{"near tie", []pt{{0, 1}, {4, 0.192}, {5, 0.105}, {6, 0.0351}, {7, 0.032}, {69, 0.00691}}, 6},
		{"a clear extra drop", []pt{{0, 1}, {4, 0.192}, {6, 0.0351}, {7, 0.001}, {69, 0.0009}}, 7},
	} {
		front := make([]PathPoint, len(c.front))
		for i, p := range c.front {
			front[i] = PathPoint{Terms: p.k, Residual: p.r}
		}
		if got := front[knee(front)].Terms; got != c.want {
			t.Errorf("%s: knee at %d terms, want %d (criteria %+v)", c.name, got, c.want, front)
		}
	}
}
