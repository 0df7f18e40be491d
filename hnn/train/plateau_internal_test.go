package train

import "testing"

func TestPlateauSchedule(t *testing.T) {
	p := Plateau{Factor: 0.5, Patience: 2, Threshold: 0.01}
	var s plateauSt
	lr := 1.0
	// improving, then flat for 3 epochs (patience 2 → reduce on the 3rd), then flat again.
	vals := []float64{10, 9, 8.99, 8.98, 8.97, 8.96, 8.95, 8.94}
	want := []float64{1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25}
	for i, v := range vals {
		lr = p.next(&s, v, lr)
		if lr != want[i] {
			t.Fatalf("epoch %d (val %g): lr %g, want %g", i+1, v, lr, want[i])
		}
	}
	s = plateauSt{}
	lr = 1e-6
	for range 10 {
		lr = Plateau{}.next(&s, 1, lr)
	}
	if lr != 1e-6 {
		t.Errorf("lr fell below MinLR: %g", lr)
	}
}

// The default patience waits MinPlateauSteps optimizer steps on short
// epochs; an explicit one is kept.
func TestPlateauForSteps(t *testing.T) {
	for _, tc := range []struct {
		p           Plateau
		steps, want int
	}{
		{Plateau{}, 32, 2}, {Plateau{}, 8, 2}, {Plateau{}, 5, 4}, {Plateau{}, 4, 4}, {Plateau{}, 1, 16}, {Plateau{}, 0, 16},
		{Plateau{Patience: 3}, 1, 3},
	} {
		if got := tc.p.forSteps(tc.steps).patience(); got != tc.want {
			t.Errorf("%+v with %d steps an epoch: patience %d, want %d", tc.p, tc.steps, got, tc.want)
		}
	}
}
