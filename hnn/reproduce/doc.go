// Package reproduce runs the comparison of Table I of the paper in one
// harness: for every system and seed it generates one data set, trains
// every model of package baseline on it (this work: an MLP H through the
// implicit midpoint rule; NSSNN: Tao's augmented explicit integrator; SHNN
// and HNN: derivative-matching objectives; a separable H = T(p) + V(q)
// through leapfrog), scores each learned H with package eval on the
// system's test sets, and writes
//
//	table.md      Table I (system × test set, a column per model, mean ± std
//	              over seeds, the paper's numbers beside), which cells meet
//	              the paper and which model wins each row
//	results.json  every number: the protocol, each run's history, errors on
//	              every domain, the long-rollout energy drifts, timings
//	figures/      per system (drawn by package figure): training data,
//	              train/val losses, true vs learned phase portraits,
//	              |H_pred − H_true| heat maps on the three test sets, energy
//	              along a long rollout of the learned H (implicit midpoint vs RK4)
//	runs/         each run's checkpoint (hnn eval --model runs/SYSTEM/MODEL/seedK)
//
// A Protocol fixes everything that decides the numbers (data, shared
// architecture, per-model training budgets, rollout settings);
// DefaultProtocol and QuickProtocol are `hnn reproduce`'s and
// `hnn reproduce --quick`'s. Trainings run in parallel, one per core
// (Config.Workers): GoMLX's pure-Go backend executes a training step of
// these sizes essentially on one core.
//
// Sweep repeats the comparison at several observation steps h
// (SweepProtocol, `hnn reproduce --dt h1,h2,…`): sweep.md, sweep.json and a
// log–log figure per system. Budget (`--budget`) trains the models at each
// step on three kinds of data — clean data of each model's own training
// map (hnn.DataConfig.Map: the true H is an exact optimum, what is left is
// the optimizer's), clean data of the exact flow (+ the integrator's
// shadow) and the protocol's noisy data (+ the noise) — and writes
// budget.md with the term that dominates, budget.json and a figure per
// system. Protocol.WithRefine (`--refine N`) adds a full-batch L-BFGS stage
// to every model's recipe. Shard and Merge split a Run's trainings over
// processes or machines.
package reproduce
