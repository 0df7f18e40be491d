package reproduce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/dirlock"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Merge copies the finished trainings (run directories holding ResultFile)
// of the output directories from into outDir's runs/, for shards that ran
// on separate machines; a Run on outDir then reuses them all. A training
// present in outDir already must be the same (its result file equal), else
// Merge stops with an error naming it; nothing in outDir is overwritten.
// It returns the number of run directories copied.
func Merge(from []string, outDir string) (int, error) {
	lock, err := dirlock.Acquire(outDir)
	if err != nil {
		return 0, fmt.Errorf("reproduce: %w", err)
	}
	defer lock.Unlock()
	copied := 0
	for _, src := range from {
		results, err := filepath.Glob(filepath.Join(src, "runs", "*", "*", "*", ResultFile))
		if err != nil {
			return copied, err
		}
		if len(results) == 0 {
			return copied, fmt.Errorf("reproduce: %s holds no finished training (runs/SYSTEM/MODEL/seedK/%s)", src, ResultFile)
		}
		for _, res := range results {
			runDir := filepath.Dir(res)
			rel, err := filepath.Rel(src, runDir)
			if err != nil {
				return copied, err
			}
			dst := filepath.Join(outDir, rel)
			want, err := os.ReadFile(res)
			if err != nil {
				return copied, err
			}
			// What is merged must be what Run can use: a damaged shard is
			// found here, not when the table is made.
			var r RunResult
			if err := json.Unmarshal(want, &r); err != nil {
				return copied, fmt.Errorf("reproduce: %s: %w: %w (retrain this run in its shard, or delete its directory there)", res, ErrBadResults, err)
			}
			files := []string{train.CheckpointFile, train.MetricsFile, ResultFile}
			if r.Failure != "" { // a recorded failure: whatever the training left, and its result
				files = nil
				for _, f := range []string{train.CheckpointFile, train.MetricsFile} {
					if _, err := os.Stat(filepath.Join(runDir, f)); err == nil {
						files = append(files, f)
					}
				}
				files = append(files, ResultFile)
			} else if _, err := checkpoint.Read(filepath.Join(runDir, train.CheckpointFile), nil); err != nil {
				return copied, fmt.Errorf("reproduce: merging %s: %w", runDir, err)
			}
			if have, err := os.ReadFile(filepath.Join(dst, ResultFile)); err == nil {
				if !bytes.Equal(have, want) {
					return copied, fmt.Errorf("reproduce: %s and %s hold different results of the same training", runDir, dst)
				}
				continue
			}
			// The result last: a directory with a result is a finished training.
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(runDir, f))
				if err != nil {
					return copied, fmt.Errorf("reproduce: %w", err)
				}
				if err := atomicfile.WriteFile(filepath.Join(dst, f), b); err != nil {
					return copied, fmt.Errorf("reproduce: %w", err)
				}
			}
			copied++
		}
	}
	return copied, nil
}
