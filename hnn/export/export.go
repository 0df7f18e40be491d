// Package export writes a learned Hamiltonian as a NumPy .npz file that
// other programs read without this toolkit: the network's weights and a
// small, versioned metadata record. hnn_model.py, in this directory, is the
// reference NumPy implementation of H, ∇H and the vector field of such a
// file (tested against hnn.Model to 1e-12).
//
// # Schema "hnnlab-model", version 1
//
// Arrays (float64, little-endian, NumPy's own .npz layout, written with
// GoMLX's NumPy support):
//
//	meta          uint8 [n]: the Meta record as UTF-8 JSON (bytes(z["meta"]).decode())
//	N.w0 … N.w{L−1}  [in, width_l]   hidden weights of network N
//	N.b0 … N.b{L−1}  [width_l]       hidden biases
//	N.w_out          [width_L]       output weights (no output bias)
//
// with N = "mlp" for the MLP ansatz, H(y) = a_L·w_out, a_l = σ(a_{l−1}W_l +
// b_l), a₀ = y = (q₁…q_d, p₁…p_d); and N = "kinetic" (input p) and
// "potential" (input q) for the separable ansatz, H = T(p) + V(q). σ is
// Meta.Activation: tanh, or softplus log(1 + eᶻ).
package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/numpy"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Schema and Version identify the file format.
const (
	Schema  = "hnnlab-model"
	Version = 1
)

// Meta is the metadata record of an exported model.
type Meta struct {
	Schema  string `json:"schema"`
	Version int    `json:"version"`
	// Ansatz is "mlp" or "separable"; Widths and Activation its networks'.
	Ansatz     string `json:"ansatz"`
	Widths     []int  `json:"widths"`
	Activation string `json:"activation"`
	// D is the number of degrees of freedom; StateLayout names the 2d
	// coordinates of a state row, positions first.
	D           int      `json:"d"`
	StateLayout []string `json:"state_layout"`
	// System is the system the model was trained on ("none" if unknown).
	System string `json:"system"`
	// Dt and Integrator are the observation step and the integrator the
	// model was trained through.
	Dt         float64 `json:"dt"`
	Integrator string  `json:"integrator"`
	// BiasCorrected reports whether the weights describe an energy
	// corrected for the integrator's modified Hamiltonian (false: the
	// network as trained).
	BiasCorrected bool `json:"bias_corrected"`
	// Spec is the model's full hnn.Spec, for hnn.NewModel.
	Spec hnn.Spec `json:"spec"`
	// Arrays lists the weight arrays in the order of the networks' layers.
	Arrays []string `json:"arrays"`
}

// Arrays returns the arrays of model m, keyed by their names in the file,
// and the metadata record.
func Arrays(m *hnn.Model) (map[string]*tensors.Tensor, Meta, error) {
	spec := m.Spec.WithDefaults()
	names := system.DefaultCoordNames(m.Dim())
	if m.System != nil {
		names = system.CoordNames(m.System)
	}
	meta := Meta{Schema: Schema, Version: Version, Ansatz: spec.Ansatz, Widths: spec.Widths, Activation: spec.Activation,
		D: m.Dim(), StateLayout: names, System: spec.System, Dt: spec.Dt, Integrator: spec.Integrator, Spec: spec}
	var nets []string
	switch spec.Ansatz {
	case "mlp":
		nets = []string{""}
	case "separable":
		nets = []string{"kinetic/", "potential/"}
	default:
		return nil, Meta{}, fmt.Errorf("export: ansatz %q is not exportable", spec.Ansatz)
	}
	store := m.Store
	out := map[string]*tensors.Tensor{}
	for _, net := range nets {
		prefix := strings.TrimSuffix(net, "/")
		if prefix == "" {
			prefix = "mlp"
		}
		get := func(path string) ([]float64, error) {
			full := "/" + gradient.ScopeName + "/" + net + path
			v := store.GetVariable(full)
			if v == nil {
				return nil, fmt.Errorf("export: the model has no variable %s", full)
			}
			return tensorconv.ToFloat64(v.MustValue()), nil
		}
		in := 2 * m.Dim()
		if spec.Ansatz == "separable" {
			in = m.Dim()
		}
		for l, w := range spec.Widths {
			wv, err := get(fmt.Sprintf("layer%d/weights", l))
			if err != nil {
				return nil, Meta{}, err
			}
			bv, err := get(fmt.Sprintf("layer%d/biases", l))
			if err != nil {
				return nil, Meta{}, err
			}
			wn, bn := fmt.Sprintf("%s.w%d", prefix, l), fmt.Sprintf("%s.b%d", prefix, l)
			out[wn] = tensors.FromFlatDataAndDimensions(wv, in, w)
			out[bn] = tensors.FromFlatDataAndDimensions(bv, w)
			meta.Arrays = append(meta.Arrays, wn, bn)
			in = w
		}
		ov, err := get("output/weights")
		if err != nil {
			return nil, Meta{}, err
		}
		on := prefix + ".w_out"
		out[on] = tensors.FromFlatDataAndDimensions(ov, in)
		meta.Arrays = append(meta.Arrays, on)
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("export: %w", err)
	}
	out["meta"] = tensors.FromFlatDataAndDimensions(js, len(js))
	return out, meta, nil
}

// WriteFile writes model m to path (a .npz file), atomically.
func WriteFile(m *hnn.Model, path string) error {
	if !strings.HasSuffix(strings.ToLower(path), ".npz") {
		return fmt.Errorf("export: %s: the file must end in .npz", path)
	}
	arrays, _, err := Arrays(m)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return numpy.ToNpzWriter(arrays, w) })
}

// ReadMeta reads the metadata record of an exported model.
func ReadMeta(path string) (Meta, error) {
	arrays, err := numpy.FromNpzFile(path)
	if err != nil {
		return Meta{}, fmt.Errorf("export: %s: %w", path, err)
	}
	t, ok := arrays["meta"]
	if !ok || t.DType() != dtypes.Uint8 {
		return Meta{}, fmt.Errorf("export: %s has no uint8 array \"meta\": not a model exported by hnn export", path)
	}
	var meta Meta
	if err := json.Unmarshal(tensors.MustCopyFlatData[uint8](t), &meta); err != nil {
		return Meta{}, fmt.Errorf("export: %s: meta: %w", path, err)
	}
	if meta.Schema != Schema || meta.Version != Version {
		return Meta{}, fmt.Errorf("export: %s has schema %q version %d, this build reads %q version %d", path, meta.Schema, meta.Version, Schema, Version)
	}
	return meta, nil
}
