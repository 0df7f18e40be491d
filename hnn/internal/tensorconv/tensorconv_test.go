package tensorconv_test

import (
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
)

func TestRoundTrip(t *testing.T) {
	vals := []float64{1, -2.5, 1.0 / 3}
	for _, tc := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float64, 0}, {dtypes.Float32, 1e-7}} {
		tt := tensorconv.FromFloat64(tc.dtype, vals, 3, 1)
		if tt.DType() != tc.dtype || tt.Shape().Dimensions[0] != 3 {
			t.Fatalf("%s: shape %s", tc.dtype, tt.Shape())
		}
		got := tensorconv.ToFloat64(tt)
		for i := range vals {
			if d := got[i] - vals[i]; d > tc.tol || d < -tc.tol {
				t.Errorf("%s: value %d = %v, want %v", tc.dtype, i, got[i], vals[i])
			}
		}
	}
	// The float64 tensor holds a copy.
	src := []float64{1, 2}
	tt := tensorconv.FromFloat64(dtypes.Float64, src, 2)
	src[0] = 99
	if got := tensorconv.ToFloat64(tt); got[0] != 1 {
		t.Errorf("the tensor aliases its input: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("an integer dtype must panic")
		}
	}()
	tensorconv.FromFloat64(dtypes.Int64, src, 2)
}
