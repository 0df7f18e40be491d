package train_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/train"
)

// FuzzResume feeds checkpoint files (a real one, then mutations of it)
// through Resume and, when it accepts one, Fit: a corrupt, forged or
// inconsistent checkpoint must give an error, never a panic (an index out
// of range was the symptom before checkpoints were validated).
//
//	go test -run '^$' -fuzz '^FuzzResume$' -fuzztime 5m ./hnn/train
func FuzzResume(f *testing.F) {
	trainSet, valSet := smallData(&testing.T{}, 0.05)
	dir := f.TempDir()
	tr, _ := newTrainer(&testing.T{}, dir, 0.05, 1, train.Config{Epochs: 1, CheckpointEvery: 2})
	if _, err := tr.Fit(context.Background(), trainSet, valSet); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"format":1,"meta":{"run":{},"trainer":{"epoch":0,"batch":3,"step":3,"perm":[7,-1],"lr":0.01,"history":[]}},"variables":[]}`))
	// One trainer (its graphs compile once); Resume replaces its whole state.
	d := f.TempDir()
	tr2, _ := newTrainer(&testing.T{}, d, 0.05, 1, train.Config{Epochs: 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(filepath.Join(d, train.CheckpointFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tr2.Resume(d); err != nil {
			return
		}
		_, _ = tr2.Fit(context.Background(), trainSet, valSet) // an error is fine, a panic is not
	})
}
