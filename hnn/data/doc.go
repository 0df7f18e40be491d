// Package data holds datasets of observed trajectories of a Hamiltonian system:
// their generation from reference solutions with additive Gaussian noise, the
// train/validation split, random windows for training, and a CSV file format.
//
// # Layout
//
// A Trajectories value holds N trajectories of S+1 observed states each,
// States[i][k] being the state y = (q₁,…,q_d, p₁,…,p_d) of trajectory i at time
// t = k·Dt (k = 0…S). All trajectories have the same length and time step.
//
// # Generation
//
// Generate draws the initial condition of trajectory i uniformly in the system's
// box s.Box(), integrates it with the order-6 Gauss–Legendre method of package
// reference (Substeps internal steps per observation step; by default internal
// steps of at most 0.001), and adds independent noise σ·N(0, 1) to every
// coordinate of every recorded state, the initial one included:
//
//	States[i][k] = Φ_{k·Dt}(y₀ⁱ) + σ·ξ_{ik},   ξ_{ik} ~ N(0, I_{2d}),   y₀ⁱ ~ U(Box).
//
// Initial conditions and noise come from two separate random streams per
// trajectory (ChaCha8 keyed by a SHA-256 hash of the seed, the system name, the
// stream's purpose and i). Consequently
//   - the data depend only on (Seed, system name, i, Dt, Steps, Substeps, Noise),
//     not on the number of goroutines or their scheduling;
//   - a noisy and a clean (Noise = 0) dataset with the same seed share their
//     initial conditions, so their difference is exactly the noise;
//   - the first n trajectories do not depend on the total number N.
//
// For Hénon–Heiles the default acceptance rule redraws initial conditions with
// H ≥ 1/6 (the escape energy), so that every trajectory stays bounded; a draw
// of the box [−0.3, 0.3]⁴ is rejected with probability about 2.6·10⁻⁴ (the
// corner near qy = 0.3 where H reaches 0.198). Other systems accept every draw. GenerateConfig.Accept overrides the rule.
//
// # Train/validation split and windows
//
// Since the initial conditions are independent and identically distributed,
// the recommended split is to generate N_train + N_val trajectories at once and
// call Split(N_val): the last N_val trajectories are the validation set.
// (Generating the validation set with a different seed works too.)
// Windows fills a batch of random windows of length+1 consecutive observed
// states, choosing the trajectory and the start index uniformly, as the paper
// does ("the starting point was sampled at a random timestep along the
// trajectory").
//
// # CSV format
//
// WriteCSV writes a header and one row per observed state:
//
//	trajectory,t,q1,…,qd,p1,…,pd
//	0,0,0.5,1
//	0,0.01,0.51,0.99
//	…
//
// (for d = 1 the header is "trajectory,t,q1,p1"). Trajectories are numbered
// 0…N−1 and written in order, S+1 rows each, with t = k·Dt; numbers are written
// with strconv's 'g' format and the shortest representation (-1 precision), so
// reading them back is exact. ReadCSV accepts exactly this layout (surrounding
// spaces and CRLF line ends are tolerated) and reports every malformed input as
// an error of the form "FILE:LINE: problem": bad or missing header, a dimension
// that differs from the expected system's, rows with the wrong number of
// columns, non-numeric or non-finite values, trajectory numbers out of order,
// a trajectory not starting at t = 0, duplicated or decreasing times, a
// non-uniform time step (relative tolerance 1e-9), trajectories of differing
// lengths, and trajectories with fewer than two states.
package data
