package checkpoint_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
)

type meta struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

func newStore(t *testing.T) *model.Store {
	t.Helper()
	s := model.NewStore()
	root := s.RootScope()
	if _, err := root.At("a").CreateVariable("w", tensors.FromFlatDataAndDimensions([]float64{0.1, 1.0 / 3, -2e-300, 7}, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := root.At("b").CreateVariable("step", tensors.FromScalar(int64(42))); err != nil {
		t.Fatal(err)
	}
	v, err := root.At("b").CreateVariable("f32", tensors.FromFlatDataAndDimensions([]float32{1.5, -0.25}, 2))
	if err != nil {
		t.Fatal(err)
	}
	v.SetTrainable(false)
	return s
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	src := newStore(t)
	if err := checkpoint.Save(path, src, meta{"x", 1.0 / 7}); err != nil {
		t.Fatal(err)
	}
	dst := model.NewStore()
	var m meta
	if err := checkpoint.Load(path, dst, &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "x" || m.Value != 1.0/7 {
		t.Errorf("metadata %+v", m)
	}
	for v := range src.IterVariables() {
		w := dst.GetVariable(v.Path())
		if w == nil {
			t.Fatalf("variable %s not restored", v.Path())
		}
		if !w.Shape().Equal(v.Shape()) || w.Trainable != v.Trainable {
			t.Errorf("%s: restored %s trainable=%v, want %s trainable=%v", v.Path(), w.Shape(), w.Trainable, v.Shape(), v.Trainable)
		}
		if a, b := v.MustValue().String(), w.MustValue().String(); a != b {
			t.Errorf("%s: restored %s, want %s (bit-exact)", v.Path(), b, a)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := checkpoint.Save(good, newStore(t), meta{}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	cases := []struct {
		name, content, want string
	}{
		{"truncated", string(raw[:len(raw)/2]), "corrupt or truncated"},
		{"empty", "", "corrupt or truncated"},
		{"other format", strings.Replace(string(raw), fmt.Sprintf(`"format":%d`, checkpoint.FormatVersion), `"format":9`, 1), "format version 9"},
		{"a changed weight", strings.Replace(string(raw), `"values":[0.1,`, `"values":[0.2,`, 1), "does not match its checksum"},
		{"wrong value count", strings.Replace(string(raw), `"dims":[2,2]`, `"dims":[3,2]`, 1), "values for dimensions"},
		{"bad dtype", strings.Replace(string(raw), `"dtype":"int64"`, `"dtype":"int8"`, 1), "unsupported dtype"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".json")
			os.WriteFile(p, []byte(tc.content), 0o644)
			err := checkpoint.Load(p, model.NewStore(), &meta{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming %s and containing %q", err, p, tc.want)
			}
		})
	}
	// Another architecture: same path, other shape.
	other := model.NewStore()
	other.RootScope().At("a").CreateVariable("w", tensors.FromFlatDataAndDimensions([]float64{1, 2, 3}, 3))
	if err := checkpoint.Load(good, other, nil); !errors.Is(err, checkpoint.ErrInvalid) || !strings.Contains(err.Error(), "another architecture") { // an input error (exit 2 in the command)
		t.Errorf("shape mismatch: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.json")
	s := model.NewStore()
	s.RootScope().CreateVariable("w", tensors.FromFlatDataAndDimensions([]float64{1, 2}, 2))
	if err := checkpoint.Save(path, s, meta{"m", 2}); err != nil {
		f.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	f.Add(raw)
	f.Add([]byte(`{"format":1,"meta":{},"variables":[{"path":"/x","dtype":"float64","dims":[],"values":[1]}]}`))
	f.Add([]byte(`{"format":1,"variables":[{"path":"/x","dtype":"float64","dims":[-1],"values":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		vars, err := checkpoint.Decode("fuzz", b, &meta{})
		if err != nil {
			return
		}
		// Whatever decodes must restore without panicking.
		_ = checkpoint.Restore(model.NewStore(), vars)
	})
}
