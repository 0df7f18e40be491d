package data

// Count returns the number of trajectories (the same as N; it lets
// *Trajectories serve as train.Trajectories).
func (t *Trajectories) Count() int { return len(t.States) }

// Length returns the number of observed states of trajectory i.
func (t *Trajectories) Length(i int) int { return len(t.States[i]) }

// State returns observed state j of trajectory i (not a copy).
func (t *Trajectories) State(i, j int) []float64 { return t.States[i][j] }

// AtLeast returns the trajectories of t with at least n observed states (a
// shallow copy: the states are shared) and how many shorter ones it left
// out: the pieces of a recording between gaps that are too short for a
// training window of n − 1 steps.
func (t *Trajectories) AtLeast(n int) (kept *Trajectories, dropped int) {
	out := *t
	out.States, out.T0 = nil, nil
	for i, tr := range t.States {
		if len(tr) < n {
			dropped++
			continue
		}
		out.States = append(out.States, tr)
		if t.T0 != nil {
			out.T0 = append(out.T0, t.T0[i])
		}
	}
	return &out, dropped
}
