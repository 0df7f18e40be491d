// Package data holds datasets of observed trajectories of a Hamiltonian system:
// their generation from reference solutions with additive Gaussian noise, the
// train/validation split, random windows for training, their provenance, and
// file formats: CSV, and NumPy's .npz and .npy.
//
// # Layout
//
// A Trajectories value holds N trajectories, States[i][k] being the state
// y = (q₁,…,q_d, p₁,…,p_d) of trajectory i at time T0[i] + k·Dt. The time step
// Dt is the same for all trajectories. Generated data are rectangular: every
// trajectory has S+1 states (Steps() = S) and starts at t = 0 (T0 = nil).
// Data read from a recording may be ragged (Length(i) differs; Steps is then
// the shortest trajectory's number of steps, MinSteps, and MaxSteps the
// longest's) and start at any time. Meta records where the data came from
// (nil: unknown).
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
// Generate fills Meta with the system's name and parameters (the coupled
// oscillator's alpha), Dt, Noise, Seed, the number of substeps and the
// integrator.
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
// trajectory"); for ragged data every window is equally likely.
//
// # Provenance
//
// Files carry Meta as a JSON object (see Meta for the keys), for example
//
//	{"format":1,"system":"coupled-oscillator","params":{"alpha":0.5},"dt":0.01,
//	 "noise":0.01,"seed":7,"substeps":10,"generator":"hnnlab data.Generate, Gauss-Legendre 3 stages"}
//
// "format" (FormatVersion, now 1) is always written; the other keys are
// written when nonzero, and an absent key reads as zero (unknown). Keys that
// are not fields of Meta (say "units" or "source", from another program) are
// kept in Meta.Extra and written back. "gaps" and "dropped" count what the
// readers did to the recording (below); each reading adds to them. A
// positive "dt" is the time step, exactly: the readers check the file's times
// against it. A record with a format newer than FormatVersion, negative
// counts, a negative dt or noise, or a value of the wrong JSON type is an
// error.
//
// # Times, gaps and segments
//
// Within one trajectory of a file the times must increase, and each must lie a
// whole number of steps after the trajectory's first time: |t − (t₀ + k·dt)| ≤
// 1e-9·k·dt + 4 ulp(max(|t|, |t₀|)). The step dt is the record's dt if
// positive, else the first time step of the file (its first trajectory with
// two states). A jump of one step continues the trajectory; a jump of m > 1
// steps is a gap: the trajectory is split there into segments, each its own
// trajectory of the result with its own start time T0 (so that no window
// straddles a gap), and Meta.Gaps counts the splits. A segment of a single
// state defines no step: it is dropped, and Meta.Dropped counts it (a file
// whose every segment has a single state is an error). A repeated or
// decreasing time, a jump that is not a whole number of steps, and times too
// large for float64 to resolve one step (e.g. Unix times with dt = 1 ms;
// subtract an offset) are errors. When every trajectory starts at 0 the
// readers return T0 = nil.
//
// # CSV format
//
// WriteCSV writes an optional provenance line, a header and one row per
// observed state:
//
//	# hnnlab-data {"format":1,"system":"pendulum","dt":0.01,…}
//	trajectory,t,q1,…,qd,p1,…,pd
//	0,0,0.5,1
//	0,0.01,0.51,0.99
//	…
//
// (for d = 1 the header is "trajectory,t,q1,p1"). Trajectories are numbered
// 0…N−1 and written in order, trajectory i with t = T0[i] + k·Dt; numbers are
// written with strconv's 'g' format and the shortest representation (-1
// precision), so reading them back is exact. The provenance line is written
// when Meta is set, or when the time step could not be read back exactly
// from the first two times (a first trajectory that does not start at 0,
// e.g. 0.4 − 0.3 ≠ 0.1 in float64): the line then records dt, filling in a
// zero Meta.Dt or, for data without Meta, holding only format and dt, and the
// data read back have that Meta. Everything else (states, T0, ragged
// lengths, Dt, Meta) reads back exactly.
//
// ReadCSV accepts this layout with these freedoms: any number of comment
// lines ('#' after optional spaces) before the header, one of which may be
// the provenance line "# hnnlab-data {JSON}"; trajectory ids that are any
// integers ≥ 0, in any order, as long as the rows of each id are contiguous
// and in time order (the ids are labels: the result numbers the trajectories,
// or segments, 0…N−1 in file order); trajectories of different lengths and
// start times; gaps. Surrounding spaces, CRLF line ends and a UTF-8
// byte-order mark are tolerated. Every malformed input is an error of the
// form "FILE:LINE: problem": bad or missing header, a dimension that differs
// from the expected system's, rows with the wrong number of columns,
// non-numeric or non-finite values, blank lines, comments after the header, a
// malformed or second provenance line, an id that reappears after another
// trajectory, the time errors above, a line longer than MaxLineBytes (1 MiB)
// and more than MaxValues values (ErrTooLarge).
//
// Other programs: NumPy skips the '#' lines but counts them in skiprows, so
//
//	np.loadtxt(path, delimiter=",", comments=("#", "trajectory"))  # with or without the line
//	np.genfromtxt(path, delimiter=",")[1:]                          # the same
//	np.loadtxt(path, delimiter=",", skiprows=2)                     # with the line
//	json.loads(open(path).readline()[len("# hnnlab-data "):])       # the record
//
// (np.genfromtxt(…, names=True) would take the provenance line for the
// names: add skip_header=1). pandas needs pd.read_csv(path, comment="#").
//
// # NumPy formats
//
// A .npz file (as np.savez or np.savez_compressed writes it; a zip archive of
// .npy arrays, loaded by np.load without pickle) holds:
//
//   - states, required: shape (M, S+1, 2d), dtype float64 or float32
//     (little-endian, C or Fortran order): M trajectories of S+1 ≥ 2 states;
//     float32 values widen to float64 exactly;
//   - the time, at least one of
//     t of shape (S+1,): the times of every trajectory (any start), or of
//     shape (M, S+1): per trajectory (starts may differ, and a jump of m·dt
//     inside a row is a gap, as in CSV); dtype float64, float32, int64 or
//     int32;
//     dt, a scalar of shape () or (1,): the time step (with t, t is checked
//     against it; without t, all trajectories start at 0);
//   - meta, optional: the provenance record as the bytes (uint8, shape (n,))
//     of its UTF-8 JSON, written from NumPy by
//     np.frombuffer(json.dumps(meta).encode(), np.uint8) and read by
//     json.loads(bytes(z["meta"]).decode()).
//
// Other arrays and other members are ignored. The time step is dt if given,
// else the record's dt, else the first step of t. Errors name the file, the
// array and the problem: a missing states array (listing the arrays found),
// the wrong rank or shape (with the shape found and the one expected:
// (M, S+1, 2d), and t matching the states), a d that differs from the
// expected system's, a dtype other than the valid ones (named: int64,
// big-endian float64 (>f8), complex128, object, strings, structured), a
// non-finite value (array, trajectory, step and coordinate), a non-finite,
// repeated, decreasing or non-uniform time (t[i, k]), a dt that is not
// positive or that disagrees with the record's, a malformed record, a file
// that is not a zip archive or is truncated, a member that is not a .npy
// array or whose data are short or followed by more, and more than
// MaxValues values (ErrTooLarge, detected from the header before anything is
// allocated), or states that decompress to more than 64 MiB and more than
// MaxCompression times their compressed size (ErrTooLarge: a "zip bomb",
// found from the archive's directory before anything is decompressed). The arrays are decoded by GoMLX's numpy package; their headers
// are validated here first, since GoMLX accepts more than is safe.
//
// WriteNPZ writes states (float64), t (float64: shape (S+1,) of times k·Dt if
// T0 is nil, else (M, S+1) of times T0[i] + k·Dt), dt (a float64 scalar, the
// exact step) and, when Meta is set, meta, in that order, uncompressed, with
// fixed timestamps (the same data give the same bytes). A .npz holds
// trajectories of equal length only: WriteNPZ refuses ragged data (such as
// recordings split at gaps) with an error; write CSV for those.
//
// A .npy file holds the states array alone, in the same shape and dtypes, so
// the caller gives the time step (ReadNPY, ReadNPYFile, ReadFileDt); the
// trajectories start at t = 0 and have no Meta.
//
// ReadFile and WriteFile choose the format by the file's extension (.csv,
// .npz; ReadFileDt also .npy), in any case.
package data
