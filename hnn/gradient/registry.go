package gradient

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// methods maps the names ByName accepts to their methods.
var methods = map[string]Method{
	"auto":              Auto{},
	"backprop":          Backprop{},
	"adjoint":           DiscreteAdjoint{},
	"adjoint-step":      DiscreteAdjoint{Chunk: 1},
	"adjoint-recompute": DiscreteAdjoint{Recompute: true},
	"adjoint-converged": DiscreteAdjoint{Variant: Converged},
}

// ByName returns the gradient method called name: one of Names(). Each
// method's String is its name, so ByName(m.String()) rebuilds m.
func ByName(name string) (Method, error) {
	if m, ok := methods[name]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("gradient: unknown method %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// Names returns the registered names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(methods))
}
