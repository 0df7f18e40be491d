package data

// Count returns the number of trajectories (the same as N; it lets
// *Trajectories serve as train.Trajectories).
func (t *Trajectories) Count() int { return len(t.States) }

// Length returns the number of observed states of trajectory i.
func (t *Trajectories) Length(i int) int { return len(t.States[i]) }

// State returns observed state j of trajectory i (not a copy).
func (t *Trajectories) State(i, j int) []float64 { return t.States[i][j] }
