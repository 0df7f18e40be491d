// Package tensorconv converts between float64 host slices, the toolkit's
// reference precision, and GoMLX tensors of either floating dtype: the one
// place where float32 models meet float64 numerics.
package tensorconv

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// FromFloat64 returns vals as a tensor of dtype with the given dimensions:
// a copy for dtypes.Float64, rounded to float32 for dtypes.Float32. Any
// other dtype panics.
func FromFloat64(dtype dtypes.DType, vals []float64, dims ...int) *tensors.Tensor {
	switch dtype {
	case dtypes.Float64:
		return tensors.FromFlatDataAndDimensions(slices.Clone(vals), dims...)
	case dtypes.Float32:
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	panic(fmt.Sprintf("tensorconv: dtype must be Float64 or Float32, got %s", dtype))
}

// ToFloat64 returns a copy of the values of a Float64 or Float32 tensor as
// float64 (row-major). Any other dtype panics.
func ToFloat64(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)
	case dtypes.Float32:
		f := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	}
	panic(fmt.Sprintf("tensorconv: tensor must be Float64 or Float32, got %s", t.Shape()))
}

// ParseDType returns the floating dtype called name: "float64" or "float32".
func ParseDType(name string) (dtypes.DType, error) {
	switch name {
	case "float64":
		return dtypes.Float64, nil
	case "float32":
		return dtypes.Float32, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("unknown dtype %q (valid: float64, float32)", name)
}
