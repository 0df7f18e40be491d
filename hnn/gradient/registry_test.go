package gradient_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/gradient"
)

func TestByName(t *testing.T) {
	want := map[string]gradient.Method{
		"auto":              gradient.Auto{},
		"backprop":          gradient.Backprop{},
		"adjoint":           gradient.DiscreteAdjoint{},
		"adjoint-step":      gradient.DiscreteAdjoint{Chunk: 1},
		"adjoint-recompute": gradient.DiscreteAdjoint{Recompute: true},
		"adjoint-converged": gradient.DiscreteAdjoint{Variant: gradient.Converged},
	}
	names := gradient.Names()
	if !slices.IsSorted(names) || len(names) != len(want) {
		t.Errorf("Names() = %v, want the %d names sorted", names, len(want))
	}
	for _, name := range names {
		m, err := gradient.ByName(name)
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		if m != want[name] {
			t.Errorf("ByName(%q) = %#v, want %#v", name, m, want[name])
		}
		// String round-trips through ByName.
		if m.String() != name {
			t.Errorf("ByName(%q).String() = %q, want %q", name, m, name)
		}
		if back, err := gradient.ByName(m.String()); err != nil || back.String() != m.String() {
			t.Errorf("ByName(%q) (the String of %q) = %v, %v", m, name, back, err)
		}
	}
	_, err := gradient.ByName("adjoint-exact")
	if err == nil {
		t.Fatal(`ByName("adjoint-exact"): no error`)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, `gradient: unknown method "adjoint-exact"`) ||
		!strings.Contains(msg, strings.Join(names, ", ")) {
		t.Errorf("ByName error %q does not name the method and list %v", msg, names)
	}
}
