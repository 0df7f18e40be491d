package hnn

import (
	"cmp"
	"errors"
	"fmt"
	"math"

	"github.com/hnnlab/hnnlab/hnn/eval"
)

// DataScoreConfig configures Model.ScoreData. The zero value of each field
// means its default.
type DataScoreConfig struct {
	// Horizons are the rollout lengths (in observation steps) at which the
	// learned flow is compared with the observed states; nil means 1, 10,
	// 100 and 1000, those the trajectories are long enough for.
	Horizons []int
	// MaxStarts bounds the number of rollouts from observed states; 0
	// means 256. With at least MaxStarts trajectories, each rolls out from
	// its first state (the first MaxStarts of them); with fewer, from states
	// spread evenly along each (every state of a short recording), so that
	// one long recording is scored at every horizon by many rollouts.
	MaxStarts int
	// LongSteps is the length of the long rollouts of the learned energy's
	// own conservation; 0 means 10000.
	LongSteps int
}

// HorizonError is the learned flow's error after a number of steps from
// observed starts.
type HorizonError struct {
	// Steps is the horizon in observation steps, Time = Steps·dt.
	Steps int     `json:"steps"`
	Time  float64 `json:"time"`
	// RMSE is the root mean square over trajectories and coordinates of
	// the rolled-out state minus the observed one (both starts and targets
	// carry the observation noise: √2·σ is the floor of a perfect model).
	RMSE float64 `json:"rmse"`
	// Starts is the number of rollouts that reach the horizon inside the
	// data, from Trajectories distinct trajectories.
	Starts       int `json:"starts"`
	Trajectories int `json:"trajectories"`
}

// DerivativeError is the mean square, over consecutive pairs (y_k, y_{k+1})
// of the trajectories and over coordinates, of the learned vector field
// minus the forward difference (y_{k+1} − y_k)/h.
//
// At evaluates the field at y_k, Greydanus et al.'s metric: its floor is the
// forward difference's own error, O(h) from the curvature of the true flow
// plus 2σ²/h² from the noise, whatever the model. Midpoint evaluates it at
// (y_k + y_{k+1})/2, where the implicit midpoint rule puts it: zero for
// data that are a midpoint trajectory of H_θ (the SHNN objective), O(h²)
// for the exact flow of a true H, plus the same noise term.
type DerivativeError struct {
	At       float64 `json:"at"`
	Midpoint float64 `json:"midpoint"`
	// AtSE and MidpointSE are the standard errors as Greydanus et al.
	// report them: the standard deviation of the squared errors over the
	// √(number of pairs).
	AtSE       float64 `json:"at_se"`
	MidpointSE float64 `json:"midpoint_se"`
	// Pairs is the number of consecutive pairs.
	Pairs int `json:"pairs"`
}

// DataScores is what can be measured of a learned Hamiltonian on observed
// trajectories without knowing the true one.
type DataScores struct {
	// Noise is the observation noise σ̂ estimated from the data (eval.NoiseEstimate).
	Noise float64 `json:"noise"`
	// Horizons are the rollout errors at several horizons.
	Horizons []HorizonError `json:"horizons"`
	// Conservation is the learned energy's trend along the observed
	// trajectories against what the noise explains (eval.ConservationOf):
	// a ratio about 1 means H_θ is conserved along the data as a true
	// energy would be.
	Conservation eval.Conservation `json:"conservation"`
	// Derivative compares the learned vector field J⁻¹∇H_θ with the
	// forward differences of the observations, as the test metric of
	// Greydanus et al.'s real-pendulum experiment (HNN, NeurIPS 2019) does.
	Derivative DerivativeError `json:"derivative"`
	// LongSteps and LongDrift: the largest |H_θ(y_n) − H_θ(y_0)| along
	// rollouts of LongSteps steps of the implicit midpoint rule from
	// held-out starts, relative to the spread (std) of H_θ over the data;
	// LongBounded reports whether every rollout stayed within 10 times the
	// data's extent.
	LongSteps   int     `json:"long_steps"`
	LongDrift   float64 `json:"long_drift"`
	LongBounded bool    `json:"long_bounded"`
	// LongFailure says why a long rollout stopped (the implicit solve did
	// not converge far from the data), "" when none did.
	LongFailure string `json:"long_failure,omitempty"`
}

// ScoreData measures the model on observed trajectories (each a sequence of
// states of length 2d at the model's step Spec.Dt): rollout errors at
// several horizons, the learned energy's conservation along the data, and
// its conservation along its own long rollouts. It is the evaluation of a
// model without a known system (NoSystem), on held-out data.
func (m *Model) ScoreData(trajs [][][]float64, cfg DataScoreConfig) (DataScores, error) {
	d2 := 2 * m.Dim()
	var s DataScores
	if len(trajs) == 0 {
		return s, errors.New("hnn: no trajectories to score on")
	}
	maxLen := 0
	var lo, hi []float64
	for i, tr := range trajs {
		maxLen = max(maxLen, len(tr))
		for k, y := range tr {
			if len(y) != d2 {
				return s, fmt.Errorf("hnn: trajectory %d state %d has %d coordinates, the model expects %d", i, k, len(y), d2)
			}
			if lo == nil {
				lo, hi = append([]float64(nil), y...), append([]float64(nil), y...)
			}
			for a, v := range y {
				lo[a], hi[a] = math.Min(lo[a], v), math.Max(hi[a], v)
			}
		}
	}
	s.Noise = eval.NoiseEstimate(trajs)
	horizons := cfg.Horizons
	if horizons == nil {
		for _, h := range []int{1, 10, 100, 1000} {
			if h < maxLen {
				horizons = append(horizons, h)
			}
		}
	}
	maxStarts := cmp.Or(cfg.MaxStarts, 256)
	starts := spreadStarts(trajs, maxStarts)
	var y0 [][]float64
	for _, st := range starts {
		y0 = append(y0, trajs[st.traj][st.at])
	}
	longest := 0
	for _, h := range horizons {
		longest = max(longest, h)
	}
	m64, err := m.AsFloat64()
	if err != nil {
		return s, err
	}
	if longest > 0 {
		roll, _, err := m64.Flow().Converged(y0, m.Spec.Dt, longest)
		if err != nil {
			return s, err
		}
		for _, h := range horizons {
			e := HorizonError{Steps: h, Time: float64(h) * m.Spec.Dt}
			sum, n := 0.0, 0
			seen := map[int]bool{}
			for k, st := range starts {
				tr := trajs[st.traj]
				if st.at+h >= len(tr) {
					continue
				}
				for a := range d2 {
					d := roll[k][h][a] - tr[st.at+h][a]
					sum += d * d
					n++
				}
				e.Starts++
				seen[st.traj] = true
			}
			e.Trajectories = len(seen)
			if n > 0 {
				e.RMSE = math.Sqrt(sum / float64(n))
				s.Horizons = append(s.Horizons, e)
			}
		}
	}
	// The learned energy along the data.
	var pts [][]float64
	for _, tr := range trajs {
		pts = append(pts, tr...)
	}
	e, err := m64.Energy(pts)
	if err != nil {
		return s, err
	}
	g, err := m64.Gradient(pts)
	if err != nil {
		return s, err
	}
	h, grad2 := make([][]float64, len(trajs)), make([][]float64, len(trajs))
	off := 0
	var mean, mean2 float64
	for i, tr := range trajs {
		h[i], grad2[i] = e[off:off+len(tr)], make([]float64, len(tr))
		for k := range tr {
			for _, v := range g[off+k] {
				grad2[i][k] += v * v
			}
			mean, mean2 = mean+e[off+k], mean2+e[off+k]*e[off+k]
		}
		off += len(tr)
	}
	if s.Conservation, err = eval.ConservationOf("learned H", h, grad2, s.Noise); err != nil {
		return s, err
	}
	if s.Derivative, err = derivativeError(m64, trajs); err != nil {
		return s, err
	}
	// Its own long rollouts.
	mean, mean2 = mean/float64(len(pts)), mean2/float64(len(pts))
	spread := math.Sqrt(math.Max(mean2-mean*mean, 0))
	s.LongSteps = cmp.Or(cfg.LongSteps, 10000)
	var long [][]float64 // the first state of (at most) 16 trajectories
	for _, tr := range trajs[:min(len(trajs), 16)] {
		long = append(long, tr[0])
	}
	roll, _, err := m64.Flow().Converged(long, m.Spec.Dt, s.LongSteps)
	if err != nil {
		s.LongDrift, s.LongFailure = math.Inf(1), err.Error()
		return s, nil
	}
	s.LongBounded = true
	for _, tr := range roll {
		el, err := m64.Energy(tr)
		if err != nil {
			return s, err
		}
		for k, v := range el {
			d := math.Abs(v - el[0])
			if math.IsNaN(d) || math.IsInf(d, 0) {
				d = math.Inf(1)
			}
			s.LongDrift = math.Max(s.LongDrift, d/math.Max(spread, 1e-300))
			for a, x := range tr[k] {
				if w := hi[a] - lo[a]; math.Abs(x-(lo[a]+hi[a])/2) > 10*math.Max(w, 1e-12) || math.IsNaN(x) {
					s.LongBounded = false
				}
			}
		}
	}
	return s, nil
}

// derivativeError measures DerivativeError of m on trajs.
func derivativeError(m *Model, trajs [][][]float64) (DerivativeError, error) {
	var at, mid, diff [][]float64
	for _, tr := range trajs {
		for k := 0; k+1 < len(tr); k++ {
			a, b := tr[k], tr[k+1]
			c, df := make([]float64, len(a)), make([]float64, len(a))
			for i := range a {
				c[i], df[i] = (a[i]+b[i])/2, (b[i]-a[i])/m.Spec.Dt
			}
			at, mid, diff = append(at, a), append(mid, c), append(diff, df)
		}
	}
	var e DerivativeError
	if len(at) == 0 {
		return e, nil
	}
	e.Pairs = len(at)
	stats := func(points [][]float64) (mse, se float64, err error) {
		f, err := m.VectorField(points)
		if err != nil {
			return 0, 0, err
		}
		var sum, sum2 float64
		n := 0
		for k := range f {
			for i, v := range f[k] {
				d := (v - diff[k][i]) * (v - diff[k][i])
				sum, sum2, n = sum+d, sum2+d*d, n+1
			}
		}
		mse = sum / float64(n)
		sd := math.Sqrt(math.Max(sum2/float64(n)-mse*mse, 0) * float64(n) / math.Max(float64(n-1), 1))
		return mse, sd / math.Sqrt(float64(len(f))), nil
	}
	var err error
	if e.At, e.AtSE, err = stats(at); err != nil {
		return e, err
	}
	e.Midpoint, e.MidpointSE, err = stats(mid)
	return e, err
}

// start is an observed state a rollout starts from: trajectory traj, state at.
type start struct{ traj, at int }

// spreadStarts chooses at most maxStarts starts (DataScoreConfig.MaxStarts):
// the first states of the first maxStarts trajectories when there are that
// many, else states spaced by a common stride along every trajectory (the
// last state of each excepted: it starts no step inside the data).
func spreadStarts(trajs [][][]float64, maxStarts int) []start {
	var out []start
	if len(trajs) >= maxStarts {
		for i := range maxStarts {
			out = append(out, start{i, 0})
		}
		return out
	}
	total := 0
	for _, tr := range trajs {
		total += max(len(tr)-1, 1)
	}
	stride := max(1, (total+maxStarts-1)/maxStarts)
	for i, tr := range trajs {
		for k := 0; k < max(len(tr)-1, 1); k += stride {
			out = append(out, start{i, k})
		}
	}
	return out
}
