package data_test

import (
	"testing"

	"github.com/hnnlab/hnnlab/hnn/data"
)

func TestHash(t *testing.T) {
	mk := func() *data.Trajectories {
		return &data.Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{{{0, 1}, {0.1, 0.9}}, {{1, 0}, {1.1, -0.1}}}}
	}
	a, b := mk(), mk()
	if a.Hash() != b.Hash() {
		t.Fatal("equal data, different hashes")
	}
	for name, change := range map[string]func(*data.Trajectories){
		"a value":      func(d *data.Trajectories) { d.States[1][1][0] = 1.1000000000000002 },
		"the step":     func(d *data.Trajectories) { d.Dt = 0.2 },
		"a trajectory": func(d *data.Trajectories) { d.States = d.States[:1] },
		"the order":    func(d *data.Trajectories) { d.States[0], d.States[1] = d.States[1], d.States[0] },
	} {
		c := mk()
		change(c)
		if c.Hash() == a.Hash() {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}
