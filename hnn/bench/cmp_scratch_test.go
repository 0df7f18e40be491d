//go:build benchcmp

package bench

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hnnlab/hnnlab/hnn"
)

// go test -tags benchcmp -run TestCompare ./hnn/bench  (CMP_N=32 CMP_METHODS=backprop,adjoint CMP_STEPS=15)
func TestCompare(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CMP_N"))
	steps, _ := strconv.Atoi(os.Getenv("CMP_STEPS"))
	if steps == 0 {
		steps = 15
	}
	dtype := os.Getenv("CMP_DTYPE")
	methods := strings.Split(os.Getenv("CMP_METHODS"), ",")
	type run struct {
		name  string
		train func() error
		times []float64
	}
	var runs []*run
	backend, _ := hnn.Backend()
	for _, name := range methods {
		m, err := ParseMethod(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := newSetup(hnn.Spec{Rollout: n, DType: dtype}, 1)
		if err != nil {
			t.Fatal(err)
		}
		obs := RandomWindows(s.sys, s.dtype, 2, 512, n)
		c, err := m.Compile(backend, s.model.Store, s.problem, s.adamUpdate(1e-3))
		if err != nil {
			t.Fatal(err)
		}
		r := &run{name: name, train: func() error { _, err := c.Train(obs); return err }}
		for range 2 {
			if err := r.train(); err != nil {
				t.Fatal(err)
			}
		}
		runs = append(runs, r)
	}
	for range steps {
		for _, r := range runs {
			t0 := time.Now()
			if err := r.train(); err != nil {
				t.Fatal(err)
			}
			r.times = append(r.times, ms(time.Since(t0)))
		}
	}
	for _, r := range runs {
		fmt.Printf("N=%d %-18s median %8.2f ms  min %8.2f ms  (median/min ratio vs first: %.3f / %.3f)\n", n, r.name, median(r.times), slices.Min(r.times),
			median(r.times)/median(runs[0].times), slices.Min(r.times)/slices.Min(runs[0].times))
	}
}
