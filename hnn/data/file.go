package data

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// ext returns the lower-case extension of path, e.g. ".csv".
func ext(path string) string { return strings.ToLower(filepath.Ext(path)) }

// ReadFile reads the data file at path, choosing the format by the
// extension (in any case): .csv (ReadCSVFile) or .npz (ReadNPZFile). A .npy
// file holds the states only: read it with ReadFileDt, which takes the time
// step. s is the expected system as for ReadCSV (nil: any).
func ReadFile(path string, s system.System) (*Trajectories, error) {
	return ReadFileDt(path, 0, s)
}

// ReadFileDt is ReadFile with a time step dt: for a .npy file (ReadNPYFile)
// dt is the time step and must be positive; for .csv and .npz files, dt = 0
// means the file's time step, and a positive dt must agree with it (relative
// tolerance 1e-9; the result has the file's Dt). It returns an error for
// another extension or a negative or non-finite dt.
func ReadFileDt(path string, dt float64, s system.System) (*Trajectories, error) {
	if dt < 0 || math.IsNaN(dt) || math.IsInf(dt, 0) {
		return nil, fmt.Errorf("%s: time step dt = %v, want positive and finite (or 0 for the file's)", path, dt)
	}
	var (
		tr  *Trajectories
		err error
	)
	switch ext(path) {
	case ".csv":
		tr, err = ReadCSVFile(path, s)
	case ".npz":
		tr, err = ReadNPZFile(path, s)
	case ".npy":
		if dt == 0 {
			return nil, fmt.Errorf("%s: a .npy file holds the states only; give the time step dt (or write a .npz with states and t or dt)", path)
		}
		return ReadNPYFile(path, dt, s)
	default:
		return nil, fmt.Errorf("%s: unknown data file extension %q, want .csv, .npz or .npy", path, filepath.Ext(path))
	}
	if err != nil {
		return nil, err
	}
	if dt > 0 && math.Abs(dt-tr.Dt) > timeTol*tr.Dt {
		return nil, fmt.Errorf("%s: the file's time step %v differs from dt = %v", path, tr.Dt, dt)
	}
	return tr, nil
}

// WriteFile writes t to path atomically in the format of its extension (in
// any case): .csv (WriteCSVFile) or .npz (WriteNPZFile). It returns an error
// for another extension (.npy would lose the times and Meta: write .npz).
func (t *Trajectories) WriteFile(path string) error {
	switch ext(path) {
	case ".csv":
		return t.WriteCSVFile(path)
	case ".npz":
		return t.WriteNPZFile(path)
	}
	return fmt.Errorf("data: %s: unknown data file extension %q, want .csv or .npz", path, filepath.Ext(path))
}
