package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// NoiseEstimate estimates the standard deviation σ of independent
// observation noise on trajectories sampled at a uniform step, from their
// fourth differences: for a smooth trajectory Δ⁴y_k = h⁴y⁗ + Δ⁴n_k, whose
// noise part has variance 70σ², so σ̂ = RMS(Δ⁴y)/√70 over every coordinate
// and window of 5 consecutive states. The dynamics' part makes σ̂ an upper
// estimate when the sampling is coarse for the motion (h⁴y⁗ not small
// against σ). It returns 0 when no trajectory has 5 states.
func NoiseEstimate(trajs [][][]float64) float64 {
	sum, n := 0.0, 0
	for _, tr := range trajs {
		for k := 4; k < len(tr); k++ {
			for a := range tr[k] {
				d := tr[k][a] - 4*tr[k-1][a] + 6*tr[k-2][a] - 4*tr[k-3][a] + tr[k-4][a]
				sum += d * d
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n) / 70)
}

// Conservation is how well a system's energy is conserved along observed
// trajectories, against what the observation noise explains.
type Conservation struct {
	// System is the system checked.
	System string `json:"system"`
	// Noise is the estimated observation noise σ̂ (NoiseEstimate).
	Noise float64 `json:"noise"`
	// Ratio measures the energy's systematic change along the trajectories
	// against the noise. Per trajectory, H(y_k) is fitted by a quadratic in
	// time; the variance of the fit's non-constant part, summed over the
	// states, is divided by its expectation under noise alone (2 degrees of
	// freedom times σ̂²·mean_k ‖∇H(y_k)‖²). Ratio is the square root of the
	// mean of that over trajectories: about 1 for trajectories of the
	// system, far above for another system's, or for damped or forced data.
	Ratio float64 `json:"ratio"`
	// Drift is the median over trajectories of max_k H(y_k) − min_k H(y_k).
	Drift float64 `json:"drift"`
	// Trajectories is the number of trajectories checked.
	Trajectories int `json:"trajectories"`
}

// MaxConservationRatio is the largest Conservation.Ratio with which data are
// accepted as trajectories of a system: noise alone gives about 1 (the
// built-in systems' noisy data, 200 trajectories of 30 steps at h = 0.01 or
// 0.1, gave 0.89–1.06 against their own system in TestConservationTellsSystemsApart,
// and 3.7 or more against every other system of the same dimension).
const MaxConservationRatio = 3

// Conserves reports whether c's ratio is at most MaxConservationRatio.
func (c Conservation) Conserves() bool { return c.Ratio <= MaxConservationRatio }

// String describes the check, e.g. for an error message.
func (c Conservation) String() string {
	return fmt.Sprintf("the energy of %s drifts along the data by %.3g (median over %d trajectories), %.3g times what the observation noise (σ ≈ %.2g) explains (at most %g expected)",
		c.System, c.Drift, c.Trajectories, c.Ratio, c.Noise, float64(MaxConservationRatio))
}

// CheckConservation measures how well s's energy is conserved along the
// trajectories (each a sequence of states of length 2·s.Dim(); those with
// fewer than 5 states are skipped), against the noise estimated from them.
// States at which the energy or its gradient overflows, or data whose noise
// estimate overflows, are an error naming them.
func CheckConservation(s system.System, trajs [][][]float64) (Conservation, error) {
	g := make([]float64, 2*s.Dim())
	h := make([][]float64, len(trajs))
	grad2 := make([][]float64, len(trajs))
	for i, tr := range trajs {
		h[i], grad2[i] = make([]float64, len(tr)), make([]float64, len(tr))
		for k, y := range tr {
			if len(y) != 2*s.Dim() {
				return Conservation{System: s.Name()}, fmt.Errorf("eval: trajectory %d has states of length %d, system %s has 2d = %d", i, len(y), s.Name(), 2*s.Dim())
			}
			h[i][k] = s.H(y)
			s.Grad(g, y)
			for _, v := range g {
				grad2[i][k] += v * v
			}
			if math.IsNaN(h[i][k]+grad2[i][k]) || math.IsInf(h[i][k]+grad2[i][k], 0) {
				return Conservation{System: s.Name()}, fmt.Errorf("eval: trajectory %d, state %d (%v): the energy of %s or its gradient is not finite there (%v): the values are too large for this system", i, k, y, s.Name(), h[i][k])
			}
		}
	}
	noise := NoiseEstimate(trajs)
	if math.IsInf(noise, 0) || math.IsNaN(noise) {
		return Conservation{System: s.Name()}, errors.New("eval: the noise estimate overflows (squared fourth differences of the data beyond the float64 range): the values are too large")
	}
	return ConservationOf(s.Name(), h, grad2, noise)
}

// ConservationOf is CheckConservation from an energy's values h[i][k] and
// squared gradient norms grad2[i][k] along trajectories i, with the noise
// σ̂ of the data: for an energy that is not a system.System, such as a
// learned one evaluated in batches.
func ConservationOf(name string, h, grad2 [][]float64, noise float64) (Conservation, error) {
	c := Conservation{System: name, Noise: noise}
	var drifts []float64
	sum := 0.0
	for i := range h {
		if len(h[i]) < 5 {
			continue
		}
		lo, hi, g2 := math.Inf(1), math.Inf(-1), 0.0
		for k, v := range h[i] {
			lo, hi, g2 = math.Min(lo, v), math.Max(hi, v), g2+grad2[i][k]
		}
		noise2 := noise * noise * g2 / float64(len(h[i]))
		sum += trendVariance(h[i]) / math.Max(2*noise2, math.SmallestNonzeroFloat64)
		drifts = append(drifts, hi-lo)
	}
	if len(drifts) == 0 {
		return c, fmt.Errorf("eval: no trajectory has the 5 states the conservation check needs")
	}
	c.Trajectories = len(drifts)
	c.Ratio, c.Drift = math.Sqrt(sum/float64(len(drifts))), median(drifts)
	return c, nil
}

// trendVariance fits h_k = a + b·t_k + c·t_k² (t uniform in [−1, 1]) by
// least squares and returns Σ_k (fit_k − mean(h))²: the variation a smooth
// trend explains (the noise part has expectation 2σ² under white noise).
func trendVariance(h []float64) float64 {
	n := len(h)
	// Orthogonal polynomials on the grid: P1 = t, P2 = t² − mean(t²).
	t := make([]float64, n)
	m2 := 0.0
	for k := range t {
		t[k] = -1 + 2*float64(k)/float64(n-1)
		m2 += t[k] * t[k]
	}
	m2 /= float64(n)
	var mean float64
	for _, v := range h {
		mean += v
	}
	mean /= float64(n)
	var s1, n1, s2, n2 float64
	for k := range h {
		p1, p2 := t[k], t[k]*t[k]-m2
		s1, n1 = s1+(h[k]-mean)*p1, n1+p1*p1
		s2, n2 = s2+(h[k]-mean)*p2, n2+p2*p2
	}
	return s1*s1/n1 + s2*s2/n2
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
