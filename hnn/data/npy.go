package data

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/numpy"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// MaxMetaBytes bounds the length of the JSON provenance record of a .npz
// file (its meta array).
const MaxMetaBytes = 1 << 20

// MaxCompression bounds how many times larger than its compressed size
// the states of a .npz file may decompress to, once they decompress to more
// than 64 MiB: recorded or simulated states never compress that well (a
// time array t with equal rows may, and is bounded by the states), and
// a small file that decompresses to gigabytes (a "zip bomb") is refused
// before it is read (ErrTooLarge).
const MaxCompression = 100

// minCompressionCheck is the decompressed size from which MaxCompression applies.
const minCompressionCheck = 64 << 20

// readArray reads a .npy array of the given role from r: the header is
// validated first (dtype, then shape by check, which returns the problem or
// nil), so that nothing is allocated for a hostile header; the data are then
// decoded by GoMLX's numpy package. r must end with the array.
func readArray(r io.Reader, role arrayRole, check func(h *npyHeader) error) (tensor *tensors.Tensor, h *npyHeader, err error) {
	h, err = readNpyHeader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", role.name, err)
	}
	if !slices.Contains(role.descrs, h.descr) {
		return nil, nil, fmt.Errorf("%s has dtype %s; want %s", role.name, dtypeName(h.descr), role.want)
	}
	if err := check(h); err != nil {
		return nil, nil, fmt.Errorf("%s has shape %s; %w", role.name, shapeString(h.shape), err)
	}
	defer func() {
		if p := recover(); p != nil { // GoMLX panics on what it cannot represent
			tensor, h, err = nil, nil, fmt.Errorf("%s: cannot decode the array: %v", role.name, p)
		}
	}()
	tensor, err = numpy.FromNpyReader(io.MultiReader(bytes.NewReader(h.raw), r))
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nil, fmt.Errorf("%s: truncated: fewer data than the %s elements of shape %s", role.name,
			strconv.FormatFloat(h.size(), 'f', -1, 64), shapeString(h.shape))
	} else if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", role.name, err)
	}
	if got := tensor.Shape().Dimensions; !slices.Equal(got, h.shape) {
		return nil, nil, fmt.Errorf("%s: GoMLX decoded shape %v, header says %s", role.name, got, shapeString(h.shape))
	}
	// The array must end the stream: reading on checks a zip member's CRC.
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return nil, nil, fmt.Errorf("%s: data after the array's %s elements", role.name, strconv.FormatFloat(h.size(), 'f', -1, 64))
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("%s: %v", role.name, err)
	}
	return tensor, h, nil
}

// floats returns the elements of a float64, float32, int64 or int32 tensor
// as float64 (exactly for the floats; integers beyond 2^53 round).
func floats(t *tensors.Tensor) ([]float64, error) {
	switch t.Shape().DType {
	case dtypes.Float64:
		return tensors.CopyFlatData[float64](t)
	case dtypes.Float32:
		return convert[float32](t)
	case dtypes.Int64:
		return convert[int64](t)
	case dtypes.Int32:
		return convert[int32](t)
	}
	return nil, fmt.Errorf("unexpected dtype %s", t.Shape().DType)
}

func convert[T float32 | int64 | int32](t *tensors.Tensor) ([]float64, error) {
	var out []float64
	err := tensors.ConstFlatData(t, func(flat []T) {
		out = make([]float64, len(flat))
		for i, v := range flat {
			out[i] = float64(v)
		}
	})
	return out, err
}

// statesCheck returns the shape check of a states array for system s (nil:
// any d).
func statesCheck(s system.System) func(h *npyHeader) error {
	return func(h *npyHeader) error {
		const want = "want (M, S+1, 2d): M ≥ 1 trajectories of S+1 ≥ 2 states of 2d ≥ 2 coordinates"
		sh := h.shape
		switch {
		case len(sh) != 3:
			return errors.New(want)
		case sh[0] < 1 || sh[1] < 2 || sh[2] < 2 || sh[2]%2 != 0:
			return errors.New(want)
		case s != nil && sh[2] != 2*s.Dim():
			return fmt.Errorf("its last axis, %d = 2d, gives d=%d degrees of freedom but system %s has d=%d (want (M, S+1, %d))",
				sh[2], sh[2]/2, s.Name(), s.Dim(), 2*s.Dim())
		}
		return CheckSize(sh[0], sh[1]-1, sh[2]/2)
	}
}

// decodeStates returns the trajectories of a states tensor of shape
// [M, L, C], one backing array for all states, and reports the first value
// that is not finite.
func decodeStates(tensor *tensors.Tensor, h *npyHeader) ([][][]float64, error) {
	flat, err := floats(tensor)
	if err != nil {
		return nil, fmt.Errorf("states: %v", err)
	}
	m, l, c := h.shape[0], h.shape[1], h.shape[2]
	out := make([][][]float64, m)
	for i := range out {
		out[i] = make([][]float64, l)
		for k := range out[i] {
			off := (i*l + k) * c
			y := flat[off : off+c : off+c]
			for j, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("states[%d, %d, %d] (trajectory %d, step %d, coordinate %s) is %v; values must be finite",
						i, k, j, i, k, coordName(j, c/2), v)
				}
			}
			out[i][k] = y
		}
	}
	return out, nil
}

// ReadNPYFile reads the .npy file at path; see ReadNPY.
func ReadNPYFile(path string, dt float64, s system.System) (*Trajectories, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadNPY(f, path, dt, s)
}

// ReadNPY reads a .npy array of states, of shape (M, S+1, 2d) and dtype
// float64 or float32 (little-endian), as M trajectories starting at t = 0
// with time step dt, which the caller gives since the array holds states
// only. name is the file name used in error messages ("name: problem"). If s
// is non-nil, 2d must be 2·s.Dim() and the result's System is s.Name(). The
// result has no Meta. It returns an error if dt is not positive and finite,
// for a malformed array (see the package documentation) and for an array of
// more than MaxValues values.
func ReadNPY(r io.Reader, name string, dt float64, s system.System) (*Trajectories, error) {
	if !(dt > 0) || math.IsInf(dt, 0) {
		return nil, fmt.Errorf("%s: time step dt = %v; a .npy file holds the states only, so give a positive finite dt", name, dt)
	}
	tensor, h, err := readArray(r, statesRole, statesCheck(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	states, err := decodeStates(tensor, h)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	out := &Trajectories{Dim: h.shape[2] / 2, Dt: dt, States: states}
	if s != nil {
		out.System = s.Name()
	}
	return out, nil
}

// ReadNPZFile reads the .npz file at path; see ReadNPZ.
func ReadNPZFile(path string, s system.System) (*Trajectories, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ReadNPZ(f, fi.Size(), path, s)
}

// ReadNPZ reads trajectories from a .npz archive (as np.savez writes it) of
// size bytes in the format of the package documentation: the array states,
// a time (the array t, the array dt, or both), and optionally the
// provenance record meta. Other arrays are ignored. name is the file name
// used in error messages ("name: problem"). If s is non-nil, the states must
// have s.Dim() degrees of freedom and the result's System is s.Name();
// otherwise System is the record's system ("" if none).
//
// The time step is the array dt if present, else the record's dt, else the
// first step of t. With t, every row of times is split at gaps into segments
// as ReadCSV splits a trajectory, single-state segments are dropped, and
// Meta counts both.
func ReadNPZ(r io.ReaderAt, size int64, name string, s system.System) (*Trajectories, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a .npz file (a zip archive of .npy arrays): %s", name, strings.TrimPrefix(err.Error(), "zip: "))
	}
	members := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		key, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			continue
		}
		if _, dup := members[key]; dup {
			return nil, fmt.Errorf("%s: the archive holds array %s twice", name, key)
		}
		members[key] = f
		names = append(names, key)
	}
	read := func(role arrayRole, check func(*npyHeader) error) (*tensors.Tensor, *npyHeader, error) {
		f := members[role.name]
		if u, c := f.UncompressedSize64, f.CompressedSize64; role.name == statesRole.name && u > minCompressionCheck && u > MaxCompression*c {
			return nil, nil, fmt.Errorf("%s: %w: array %s decompresses to %d bytes (%.3g GB) from %d, %.0f times its compressed size (at most %d: recorded or simulated data never compress that well; a zip bomb?)",
				name, ErrTooLarge, role.name, u, float64(u)/1e9, c, float64(u)/float64(max(c, 1)), MaxCompression)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %v", name, role.name, err)
		}
		defer rc.Close()
		t, h, err := readArray(rc, role, check)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return t, h, nil
	}
	if members["states"] == nil {
		held := "no arrays"
		if len(names) > 0 {
			held = "arrays " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("%s: no array states (the archive holds %s); want states of shape (M, S+1, 2d)", name, held)
	}
	st, sh, err := read(statesRole, statesCheck(s))
	if err != nil {
		return nil, err
	}
	states, err := decodeStates(st, sh)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	m, l := sh.shape[0], sh.shape[1]
	out := &Trajectories{Dim: sh.shape[2] / 2}

	var meta *Meta
	if members["meta"] != nil {
		mt, _, err := read(metaRole, func(h *npyHeader) error {
			switch {
			case len(h.shape) != 1 || h.shape[0] < 1:
				return errors.New("want (n,) with n ≥ 1: the bytes of a JSON object")
			case h.shape[0] > MaxMetaBytes:
				return fmt.Errorf("%w: more than %d bytes (MaxMetaBytes)", ErrTooLarge, MaxMetaBytes)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		js, err := tensors.CopyFlatData[uint8](mt)
		if err != nil {
			return nil, fmt.Errorf("%s: meta: %v", name, err)
		}
		if meta, err = parseMeta(js); err != nil {
			return nil, fmt.Errorf("%s: meta: %v", name, err)
		}
	}

	tl := &timeline{}
	if members["dt"] != nil {
		dtT, _, err := read(dtRole, func(h *npyHeader) error {
			if len(h.shape) == 0 || (len(h.shape) == 1 && h.shape[0] == 1) {
				return nil
			}
			return errors.New("want a scalar: shape () or (1,)")
		})
		if err != nil {
			return nil, err
		}
		v, err := floats(dtT)
		if err != nil {
			return nil, fmt.Errorf("%s: dt: %v", name, err)
		}
		if !(v[0] > 0) || math.IsInf(v[0], 0) {
			return nil, fmt.Errorf("%s: dt = %v; want positive and finite", name, v[0])
		}
		if meta != nil && meta.Dt > 0 && math.Abs(meta.Dt-v[0]) > timeTol*v[0] {
			return nil, fmt.Errorf("%s: dt = %v but meta records dt = %v", name, v[0], meta.Dt)
		}
		tl.dt, tl.dtNote = v[0], " from array dt"
	} else if meta != nil && meta.Dt > 0 {
		tl.dt, tl.dtNote = meta.Dt, " from meta"
	}

	if members["t"] == nil {
		if tl.dt == 0 {
			return nil, fmt.Errorf("%s: no time: want an array t of shape (S+1,) = (%d,) or (M, S+1) = (%d, %d), or a scalar dt", name, l, m, l)
		}
		out.Dt, out.States = tl.dt, states
	} else {
		tt, th, err := read(timeRole, func(h *npyHeader) error {
			if slices.Equal(h.shape, []int{l}) || slices.Equal(h.shape, []int{m, l}) {
				return nil
			}
			return fmt.Errorf("want (S+1,) = (%d,) or (M, S+1) = (%d, %d) to match states of shape %s", l, m, l, shapeString(sh.shape))
		})
		if err != nil {
			return nil, err
		}
		times, err := floats(tt)
		if err != nil {
			return nil, fmt.Errorf("%s: t: %v", name, err)
		}
		shared := len(th.shape) == 1
		for i := range m {
			row := times
			if !shared {
				row = times[i*l : (i+1)*l]
			}
			for k, v := range row {
				where := fmt.Sprintf("t[%d]", k)
				if !shared {
					where = fmt.Sprintf("t[%d, %d]", i, k)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%s: %s is %v; times must be finite", name, where, v)
				}
				if k == 0 {
					tl.begin(i, v, states[i][0])
				} else if err := tl.next(v, states[i][k]); err != nil {
					return nil, fmt.Errorf("%s: %s: %v", name, where, err)
				}
			}
		}
		tl.end()
		if len(tl.states) == 0 {
			return nil, fmt.Errorf("%s: t: every segment between gaps has a single state; need one with at least 2", name)
		}
		out.Dt, out.States, out.T0 = tl.dt, tl.states, tl.starts()
	}
	out.Meta = tl.record(meta)
	if s != nil {
		out.System = s.Name()
	} else if meta != nil {
		out.System = meta.System
	}
	return out, nil
}

// WriteNPZFile writes t to the file path atomically as WriteCSVFile does, in
// the .npz format of WriteNPZ.
func (t *Trajectories) WriteNPZFile(path string) error {
	return atomicfile.Write(path, t.WriteNPZ)
}

// WriteNPZ writes t as a .npz archive (uncompressed, like np.savez) in the
// format of the package documentation, with the arrays, in this order,
// states (float64, shape (M, S+1, 2d)), t (float64: shape (S+1,) of times
// k·Dt if T0 is nil, else (M, S+1) of times T0[i] + k·Dt), dt (a float64
// scalar, shape ()) and, if Meta is set, meta (the JSON record as uint8
// bytes). The arrays are encoded by GoMLX's numpy package.
//
// A .npz file holds trajectories of equal length only: WriteNPZ returns an
// error for ragged data (write CSV instead), as it does for the errors of
// WriteCSV. It panics if the layout of t is inconsistent.
func (t *Trajectories) WriteNPZ(w io.Writer) error {
	if err := t.checkWritable(); err != nil {
		return err
	}
	if t.N() == 0 {
		return errors.New("data: no trajectories to write")
	}
	if !t.rectangular() {
		return fmt.Errorf("data: trajectories have %d to %d states; a .npz file holds trajectories of equal length only (states of shape (M, S+1, 2d)); write CSV for ragged data",
			t.MinSteps()+1, t.MaxSteps()+1)
	}
	m, l, c := t.N(), len(t.States[0]), 2*t.Dim
	states := tensors.FromShape(shapes.Make(dtypes.Float64, m, l, c))
	if err := tensors.MutableFlatData(states, func(flat []float64) {
		off := 0
		for _, tr := range t.States {
			for _, y := range tr {
				off += copy(flat[off:], y)
			}
		}
	}); err != nil {
		return err
	}
	var times *tensors.Tensor
	if t.T0 == nil {
		ts := make([]float64, l)
		for k := range ts {
			ts[k] = t.Time(0, k)
		}
		times = tensors.FromFlatDataAndDimensions(ts, l)
	} else {
		ts := make([]float64, 0, m*l)
		for i := range m {
			for k := range l {
				ts = append(ts, t.Time(i, k))
			}
		}
		times = tensors.FromFlatDataAndDimensions(ts, m, l)
	}
	arrays := []struct {
		name string
		t    *tensors.Tensor
	}{
		{"states", states},
		{"t", times},
		{"dt", tensors.FromFlatDataAndDimensions([]float64{t.Dt})},
	}
	if t.Meta != nil {
		js, err := encodeMeta(t.Meta, t.Dt, false)
		if err != nil {
			return err
		}
		if len(js) > MaxMetaBytes {
			return fmt.Errorf("data: Meta has %d bytes of JSON, more than %d (MaxMetaBytes)", len(js), MaxMetaBytes)
		}
		arrays = append(arrays, struct {
			name string
			t    *tensors.Tensor
		}{"meta", tensors.FromFlatDataAndDimensions(js, len(js))})
	}
	zw := zip.NewWriter(w)
	for _, a := range arrays {
		fw, err := zw.CreateHeader(&zip.FileHeader{
			Name:     a.name + ".npy",
			Method:   zip.Store,
			Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), // reproducible files
		})
		if err != nil {
			return err
		}
		if err := numpy.ToNpyWriter(a.t, fw); err != nil {
			return fmt.Errorf("data: writing array %s: %v", a.name, err)
		}
	}
	return zw.Close()
}
