package train

// The default batch adapts to smaller data sets: with Config.BatchSize 0
// an epoch of W windows runs at least MinStepsPerEpoch optimizer steps (the
// batch is min(DefaultBatchSize, W, max(MinBatchSize, ⌊W/MinStepsPerEpoch⌋)),
// the 32 steps an epoch of the paper's 16,384 trajectories makes, so that
// DefaultEpochs are about 1,600 steps whatever the data's size; an explicit
// batch size is only capped at W. (Fewer steps leave mid-sized data sets
// limited by the optimizer: the README's section "Training to the data's
// limit".)
const (
	MinStepsPerEpoch = 32
	MinBatchSize     = 16
)

// EpochSpan is the number of observation steps per window that an epoch
// draws from each trajectory: a trajectory of L states contributes
// max(1, ⌊(L−1)/EpochSpan⌋) windows to every epoch (one for the paper's
// 30-step trajectories, many for a long recorded series), at random starts.
// An epoch draws at least MinEpochWindows windows: when the trajectories
// give fewer, trajectory i contributes max(that, ⌈MinEpochWindows·(L_i−1)/
// Σ_j(L_j−1)⌉), in proportion to its length, so that small data sets still
// make epochs of MinStepsPerEpoch steps.
const EpochSpan = 30

// MinEpochWindows is the fewest windows an epoch draws (EpochSpan):
// MinStepsPerEpoch batches of MinBatchSize.
const MinEpochWindows = MinStepsPerEpoch * MinBatchSize

// windowsOf returns, for each trajectory of set, max(1, ⌊(L−1)/EpochSpan⌋)
// windows, and their total: the windows of the validation loss and of the
// refinement's objective.
func windowsOf(set Trajectories) (per []int, total int) {
	per = make([]int, set.Count())
	for i := range per {
		per[i] = max(1, (set.Length(i)-1)/EpochSpan)
		total += per[i]
	}
	return per, total
}

// epochWindows returns, for each trajectory of set, the number of windows
// an epoch draws from it, and their total: windowsOf's, raised to
// MinEpochWindows in all for small data (EpochSpan).
func epochWindows(set Trajectories) (per []int, total int) {
	per, total = windowsOf(set)
	steps := 0
	for i := range per {
		steps += set.Length(i) - 1
	}
	if total >= MinEpochWindows || steps <= 0 {
		return per, total
	}
	total = 0
	for i := range per {
		per[i] = max(per[i], (MinEpochWindows*(set.Length(i)-1)+steps-1)/steps)
		total += per[i]
	}
	return per, total
}

// slots returns the trajectory index of each window of an epoch: trajectory
// i repeated per[i] times.
func slots(per []int) []int {
	var out []int
	for i, k := range per {
		for range k {
			out = append(out, i)
		}
	}
	return out
}

// batchFor returns the batch size for an epoch of w windows.
func (c Config) batchFor(w int) int {
	if c.BatchSize > 0 {
		return min(c.BatchSize, w)
	}
	return min(DefaultBatchSize, w, max(MinBatchSize, w/MinStepsPerEpoch))
}
