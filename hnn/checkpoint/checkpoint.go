package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
)

// FormatVersion is written into every file. Version 2 adds the SHA-256
// checksum of the content; version 1 files (no checksum) are still read.
const FormatVersion = 2

// ErrInvalid is matched (errors.Is) by every error of Read and Decode about
// a file's content: corrupt, truncated, edited, of another format, or too
// large. Callers report it as an input error.
var ErrInvalid = errors.New("invalid checkpoint")

// invalidError marks an error as ErrInvalid without changing its message.
type invalidError struct{ err error }

func (e invalidError) Error() string   { return e.err.Error() }
func (e invalidError) Unwrap() []error { return []error{ErrInvalid, e.err} }

// MaxFileBytes bounds the size of a checkpoint file Read accepts.
const MaxFileBytes = 1 << 30

// Variable is one stored variable.
type Variable struct {
	Path      string    `json:"path"`
	DType     string    `json:"dtype"`
	Dims      []int     `json:"dims"`
	Trainable bool      `json:"trainable"`
	Values    []float64 `json:"values"`
}

type file struct {
	Format int `json:"format"`
	// SHA256 is the hex SHA-256 of the JSON encoding of content{Meta, Variables}.
	SHA256    string          `json:"sha256,omitempty"`
	Meta      json.RawMessage `json:"meta"`
	Variables []Variable      `json:"variables"`
}

// content is what the checksum covers.
type content struct {
	Meta      json.RawMessage `json:"meta"`
	Variables []Variable      `json:"variables"`
}

func (f file) checksum() (string, error) {
	b, err := json.Marshal(content{Meta: f.Meta, Variables: f.Variables})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Save writes meta (any JSON-encodable value) and every variable of store to
// path atomically.
func Save(path string, store *model.Store, meta any) error {
	m, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("checkpoint: encoding metadata: %w", err)
	}
	f := file{Format: FormatVersion, Meta: m}
	for v := range store.IterVariables() {
		sv, err := fromTensor(v.Path(), v.MustValue())
		if err != nil {
			return err
		}
		sv.Trainable = v.Trainable
		f.Variables = append(f.Variables, sv)
	}
	if f.SHA256, err = f.checksum(); err != nil {
		return fmt.Errorf("checkpoint: encoding %s: %w", path, err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("checkpoint: encoding %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Read parses a checkpoint file: its metadata into meta (a pointer, or nil)
// and its variables, without touching any store.
func Read(path string, meta any) ([]Variable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, invalidError{fmt.Errorf("checkpoint: %s is larger than %d bytes: not a checkpoint of this toolkit", path, MaxFileBytes)}
	}
	return Decode(path, data, meta)
}

// Decode parses checkpoint bytes (name is used in error messages). Its
// errors match ErrInvalid.
func Decode(name string, data []byte, meta any) (vars []Variable, err error) {
	defer func() {
		if err != nil {
			err = invalidError{err}
		}
	}()
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("checkpoint: %s is not a valid checkpoint (corrupt or truncated): %w", name, err)
	}
	if f.Format != 1 && f.Format != FormatVersion {
		return nil, fmt.Errorf("checkpoint: %s has format version %d, this build reads versions 1 and %d", name, f.Format, FormatVersion)
	}
	seen := map[string]bool{}
	for _, v := range f.Variables {
		if err := v.check(); err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
		}
		if seen[v.Path] {
			return nil, fmt.Errorf("checkpoint: %s: variable %s appears twice", name, v.Path)
		}
		seen[v.Path] = true
	}
	if f.Format == FormatVersion { // version 1 has no checksum
		sum, err := f.checksum()
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
		}
		if sum != f.SHA256 {
			return nil, fmt.Errorf("checkpoint: %s is corrupt: its content does not match its checksum (edited or damaged)", name)
		}
	}
	if meta != nil {
		if len(f.Meta) == 0 {
			return nil, fmt.Errorf("checkpoint: %s has no metadata", name)
		}
		if err := json.Unmarshal(f.Meta, meta); err != nil {
			return nil, fmt.Errorf("checkpoint: %s: metadata: %w", name, err)
		}
	}
	return f.Variables, nil
}

func (v Variable) check() error {
	if v.Path == "" {
		return errors.New("variable with an empty path")
	}
	n := 1
	for _, d := range v.Dims {
		if d < 0 || d > 1<<30 {
			return fmt.Errorf("variable %s has invalid dimensions %v", v.Path, v.Dims)
		}
		n *= d
		if n > 1<<30 {
			return fmt.Errorf("variable %s is too large: dimensions %v", v.Path, v.Dims)
		}
	}
	if n != len(v.Values) {
		return fmt.Errorf("variable %s has %d values for dimensions %v (want %d)", v.Path, len(v.Values), v.Dims, n)
	}
	if _, err := parseDType(v.DType); err != nil {
		return fmt.Errorf("variable %s: %w", v.Path, err)
	}
	for i, x := range v.Values {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("variable %s: value %d is %v; a checkpoint holds finite values only", v.Path, i, x)
		}
	}
	return nil
}

// Restore sets every variable of vars into store, creating variables that do
// not exist yet. A variable that exists with another shape or dtype is an error
// naming it (a checkpoint from another architecture; it matches ErrInvalid).
func Restore(store *model.Store, vars []Variable) error {
	for _, sv := range vars {
		t, err := sv.tensor()
		if err != nil {
			return err
		}
		if v := store.GetVariable(sv.Path); v != nil {
			if !v.Shape().Equal(t.Shape()) { // an input error: the checkpoint is not this model's
				return invalidError{fmt.Errorf("checkpoint: variable %s has shape %s in the checkpoint but %s in the model (another architecture?)",
					sv.Path, t.Shape(), v.Shape())}
			}
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("checkpoint: setting %s: %w", sv.Path, err)
			}
			v.Trainable = sv.Trainable
			continue
		}
		v, err := store.CreateVariable(sv.Path, t)
		if err != nil {
			return fmt.Errorf("checkpoint: creating %s: %w", sv.Path, err)
		}
		v.Trainable = sv.Trainable
	}
	return nil
}

// Load reads path and restores its variables into store.
func Load(path string, store *model.Store, meta any) error {
	vars, err := Read(path, meta)
	if err != nil {
		return err
	}
	return Restore(store, vars)
}

func parseDType(s string) (dtypes.DType, error) {
	if s == "int64" {
		return dtypes.Int64, nil
	}
	if dt, err := tensorconv.ParseDType(s); err == nil {
		return dt, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("unsupported dtype %q (valid: float64, float32, int64)", s)
}

func fromTensor(path string, t *tensors.Tensor) (Variable, error) {
	v := Variable{Path: path, Dims: append([]int{}, t.Shape().Dimensions...)}
	switch t.DType() {
	case dtypes.Float64:
		v.DType, v.Values = "float64", tensorconv.ToFloat64(t)
	case dtypes.Float32:
		v.DType, v.Values = "float32", tensorconv.ToFloat64(t)
	case dtypes.Int64:
		v.DType = "int64"
		for _, x := range tensors.MustCopyFlatData[int64](t) {
			v.Values = append(v.Values, float64(x))
		}
	default:
		return v, fmt.Errorf("checkpoint: variable %s has unsupported dtype %s", path, t.DType())
	}
	if v.Values == nil {
		v.Values = []float64{}
	}
	for _, x := range v.Values {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return v, fmt.Errorf("checkpoint: variable %s holds a non-finite value; refusing to save it", path)
		}
	}
	return v, nil
}

func (v Variable) tensor() (*tensors.Tensor, error) {
	dt, err := parseDType(v.DType)
	if err != nil {
		return nil, err
	}
	switch dt {
	case dtypes.Float64, dtypes.Float32:
		return tensorconv.FromFloat64(dt, v.Values, v.Dims...), nil
	default:
		f := make([]int64, len(v.Values))
		for i, x := range v.Values {
			f[i] = int64(x)
		}
		return tensors.FromFlatDataAndDimensions(f, v.Dims...), nil
	}
}
