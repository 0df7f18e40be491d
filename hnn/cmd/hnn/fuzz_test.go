package main

import (
	"strings"
	"testing"
)

// FuzzFlags drives the command with fuzzed arguments: whatever the flags,
// the answer is an exit status of 0, 1 or 2 and messages without a trace.
// The output directory is forced to one that cannot be created and the data
// file to none, so that no argument list starts real work: parsing,
// validation and the first checks are what is fuzzed.
//
//	go test -run '^$' -fuzz '^FuzzFlags$' -fuzztime 5m ./hnn/cmd/hnn
func FuzzFlags(f *testing.F) {
	for _, s := range []string{
		"train --epochs 3 --lr 0.01", "train --resume", "train --system coupled-oscillator --alpha 2",
		"train --widths 16,,32 --rollout -1", "train --dt NaN --noise -1", "train --trajectories 99999999999",
		"eval --model", "eval --json --model /", "generate --system henon-heiles --steps 0",
		"generate --system double-well --dt 1e300 --substeps 0", "gradcheck --epsilon 0", "bench step --batch 0",
		"bench memory --rollout 1,x", "reproduce --systems a,b --seeds -1", "help train", "version", "train -h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) == 0 {
			return
		}
		switch args[0] {
		case "train":
			args = append(args, "--data", "", "--out", "/proc/hnn-fuzz/out")
		case "generate":
			args = append(args, "--trajectories", "1", "--steps", "1", "--out", "/proc/hnn-fuzz/out.csv")
		case "eval", "help", "version":
		case "gradcheck", "bench", "reproduce":
			if !strings.Contains(line, "-h") {
				return // valid flags start real work there: their parsing is covered by the tests
			}
		default:
			return
		}
		code, stdout, stderr := runHNN(t, args...)
		if code < 0 || code > 2 {
			t.Fatalf("%q: exit %d", line, code)
		}
		for _, out := range []string{stdout, stderr} {
			if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") || strings.Contains(out, "internal error") {
				t.Fatalf("%q: a trace reached the user:\n%s", line, out)
			}
		}
	})
}
