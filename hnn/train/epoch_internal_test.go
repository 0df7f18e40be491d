package train

import "testing"

type lengths []int

func (l lengths) Count() int               { return len(l) }
func (l lengths) Length(i int) int         { return l[i] }
func (l lengths) State(i, j int) []float64 { return nil }

func rep(n, v int) lengths {
	out := make(lengths, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestEpochWindowsAndBatch: the paper's data keep one window per trajectory
// and batch 512; a long recorded series gives many windows per epoch; a
// small data set draws MinEpochWindows windows in proportion to the
// trajectories' lengths, with a batch that leaves at least MinStepsPerEpoch
// steps; an explicit batch is only capped.
func TestEpochWindowsAndBatch(t *testing.T) {
	for _, tc := range []struct {
		name          string
		set           lengths
		batch         int
		windows, want int
	}{
		{"paper data", rep(16384, 31), 0, 16384, 512},
		{"paper data, explicit 256", rep(16384, 31), 256, 16384, 256},
		{"4096 trajectories", rep(4096, 31), 0, 4096, 128},
		{"380 windows", rep(380, 31), 0, 760, 23},                            // ⌈512·30/11400⌉ = 2 each
		{"a handful", rep(20, 31), 0, 20 * 26, 16},                           // ⌈512·30/600⌉ = 26 each
		{"fewer than the minimum batch", rep(5, 31), 0, 5 * 103, 16},         // ⌈512·30/150⌉ = 103 each
		{"explicit batch larger than the data", rep(100, 31), 512, 600, 512}, // ⌈5.12⌉ = 6 each
		{"one long series in 3 segments", lengths{301, 151, 40}, 0, 315 + 158 + 41, 16},
	} {
		per, w := epochWindows(tc.set)
		if w != tc.windows || len(slots(per)) != w {
			t.Errorf("%s: %d windows (%d slots), want %d", tc.name, w, len(slots(per)), tc.windows)
		}
		if got := (Config{BatchSize: tc.batch}).batchFor(w); got != tc.want {
			t.Errorf("%s: batch %d, want %d", tc.name, got, tc.want)
		}
		if _, natural := windowsOf(tc.set); w < MinEpochWindows || (natural >= MinEpochWindows && w != natural) {
			t.Errorf("%s: %d windows an epoch, %d natural ones", tc.name, w, natural)
		}
		if tc.batch == 0 && w/(Config{}).batchFor(w) < MinStepsPerEpoch && w < DefaultBatchSize*MinStepsPerEpoch {
			t.Errorf("%s: %d steps per epoch", tc.name, w/(Config{}).batchFor(w))
		}
	}
}
