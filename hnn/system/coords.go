package system

import "fmt"

// CoordNamer is implemented by a system that names its coordinates (used by
// CoordNames); HenonHeiles does: qx, qy, px, py.
type CoordNamer interface {
	CoordNames() []string
}

// CoordNames names the 2d coordinates of a state of s, for axes and tables:
// the system's own names (CoordNamer), else DefaultCoordNames(s.Dim()).
func CoordNames(s System) []string {
	if c, ok := s.(CoordNamer); ok {
		if n := c.CoordNames(); len(n) == 2*s.Dim() {
			return n
		}
	}
	return DefaultCoordNames(s.Dim())
}

// DefaultCoordNames names the coordinates of a d-degree-of-freedom state:
// q, p for d = 1, else q1…qd, p1…pd.
func DefaultCoordNames(d int) []string {
	if d == 1 {
		return []string{"q", "p"}
	}
	out := make([]string, 2*d)
	for i := range d {
		out[i], out[d+i] = fmt.Sprintf("q%d", i+1), fmt.Sprintf("p%d", i+1)
	}
	return out
}

// CoordNames implements CoordNamer: the Cartesian names of the paper.
func (HenonHeiles) CoordNames() []string { return []string{"qx", "qy", "px", "py"} }
