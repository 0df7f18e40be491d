package system

import "math"

// DoublePendulum is the planar double pendulum with unit masses, unit lengths
// and unit gravity, in canonical coordinates y = (q₁, q₂, p₁, p₂): q₁ is the
// angle of the inner rod from the downward vertical, q₂ that of the outer rod,
// and p₁, p₂ their conjugate momenta. With Δ = q₁ − q₂,
//
//	H = (p₁² + 2p₂² − 2p₁p₂·cos Δ) / (2(1 + sin²Δ)) − 2cos q₁ − cos q₂.
//
// It comes from the Lagrangian L = q̇₁² + q̇₂²/2 + q̇₁q̇₂·cos Δ + 2cos q₁ + cos q₂,
// whose momenta are p₁ = 2q̇₁ + q̇₂·cos Δ and p₂ = q̇₂ + q̇₁·cos Δ; the mass matrix
// [[2, cos Δ], [cos Δ, 1]] has determinant 1 + sin²Δ. The kinetic energy depends
// on the angles, so H is non-separable (leapfrog is neither symplectic nor of
// order 2 for it), nonlinear and, at higher energies, chaotic.
//
// Energies: the minimum is H = −3 at rest hanging down. The potential's saddles
// are at (q₁, q₂) = (0, π), H = −1 (the outer rod can just reach the top), and
// (π, 0), H = 1 (the inner rod can), so orbits with H < −1 cannot turn over
// at all. The small oscillations have frequencies √(2 ∓ √2) ≈ 0.77 and 1.85.
//
// The training box is [−1, 1]⁴ (angles up to 57°, where sin q falls 16% short
// of q): it spans H from −3 to 2.5 − 3cos 1 ≈ 0.88 (the corners q₁ = q₂ = ±1,
// p₁ = −p₂ = ±1), so it reaches well past the linear regime and, near its
// energetic corners (a few percent of its volume), past the outer rod's
// turnover threshold DoublePendulumTurnover, where chaotic orbits appear; it
// stays below the inner rod's threshold H = 1, and most of its orbits are
// regular. A larger box would be dominated by chaotic, turning-over orbits, on
// which the error of any learned H grows exponentially along a rollout.
type DoublePendulum struct{}

// DoublePendulumTurnover is the energy −1 of the potential's lowest saddle,
// (q₁, q₂) = (0, π): below it neither rod of DoublePendulum can turn over.
const DoublePendulumTurnover = -1.0

// Name returns "double-pendulum".
func (DoublePendulum) Name() string { return "double-pendulum" }

// Dim returns 2: the two angles.
func (DoublePendulum) Dim() int { return 2 }

// H returns N/(2D) − 2cos q₁ − cos q₂ with N = p₁² + 2p₂² − 2p₁p₂·cos Δ,
// D = 1 + sin²Δ, Δ = q₁ − q₂.
func (DoublePendulum) H(y []float64) float64 {
	q1, q2, p1, p2 := y[0], y[1], y[2], y[3]
	s, c := math.Sincos(q1 - q2)
	n := p1*p1 + 2*p2*p2 - 2*p1*p2*c
	return n/(2*(1+s*s)) - 2*math.Cos(q1) - math.Cos(q2)
}

// Grad writes ∇H into dst. With Δ, N and D as in H, s = sin Δ, c = cos Δ and
// T = ∂(N/(2D))/∂Δ = p₁p₂·s/D − N·s·c/D²,
//
//	∂H/∂q₁ = T + 2sin q₁,  ∂H/∂q₂ = −T + sin q₂,
//	∂H/∂p₁ = (p₁ − p₂·c)/D,  ∂H/∂p₂ = (2p₂ − p₁·c)/D.
//
// Along the flow T = q̇₁q̇₂·sin Δ (the Lagrangian's ∂L/∂Δ).
func (DoublePendulum) Grad(dst, y []float64) {
	q1, q2, p1, p2 := y[0], y[1], y[2], y[3]
	s, c := math.Sincos(q1 - q2)
	d := 1 + s*s
	n := p1*p1 + 2*p2*p2 - 2*p1*p2*c
	t := p1*p2*s/d - n*s*c/(d*d)
	dst[0] = t + 2*math.Sin(q1)
	dst[1] = -t + math.Sin(q2)
	dst[2] = (p1 - p2*c) / d
	dst[3] = (2*p2 - p1*c) / d
}

// Box returns the training box [−1, 1]⁴ (see DoublePendulum for why).
func (DoublePendulum) Box() Box { return Cube(4, -1, 1) }

// Domains returns, first, the slice q₁ = 0.1, p₁ = 0.2, (q₂, p₂) ∈ [−1, 1]²
// (the outer rod's phase plane with the inner rod near rest, as Hénon–Heiles'
// slice fixes its first coordinate and momentum) with 50,000 uniform points, a
// 30×30 grid and σ = 0.5; then the training box [−1, 1]⁴ with 100,000 uniform
// points, a 10⁴ grid and σ = 0.5 (Gaussian points centred at 0, 95% of them
// inside the box on each axis).
func (DoublePendulum) Domains() []Domain {
	return []Domain{
		{Name: "slice", Box: Box{Lo: []float64{0.1, -1, 0.2, -1}, Hi: []float64{0.1, 1, 0.2, 1}},
			Sigma: 0.5, Uniform: 50_000, GridPerAxis: 30},
		{Name: "box", Box: Cube(4, -1, 1), Sigma: 0.5, Uniform: 100_000, GridPerAxis: 10},
	}
}
