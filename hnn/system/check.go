package system

import (
	"math"
	"math/rand/v2"
	"slices"
)

// CheckGradient compares s.Grad with central differences of s.H at n
// random points of s's training box and returns the largest relative
// difference max |g − g_fd| / max(1, |g_fd|): a quick check of a
// hand-written gradient (expect ≲ 1e-7; a wrong one gives ≳ 1e-3).
func CheckGradient(s System, n int, seed uint64) float64 {
	rng := rand.New(rand.NewPCG(seed, 11))
	box := s.Box()
	d2 := 2 * s.Dim()
	worst := 0.0
	g := make([]float64, d2)
	for range n {
		y := make([]float64, d2)
		for a := range y {
			y[a] = box.Lo[a] + (box.Hi[a]-box.Lo[a])*rng.Float64()
		}
		s.Grad(g, y)
		for a := range y {
			h := 1e-6 * math.Max(1, math.Abs(y[a]))
			yp, ym := slices.Clone(y), slices.Clone(y)
			yp[a] += h
			ym[a] -= h
			fd := (s.H(yp) - s.H(ym)) / (2 * h)
			worst = math.Max(worst, math.Abs(g[a]-fd)/math.Max(1, math.Abs(fd)))
		}
	}
	return worst
}
