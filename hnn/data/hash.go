package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Hash returns the hex SHA-256 of the data's content: the dimension, the
// time step and every state of every trajectory, in order (float64 bits).
// Two data sets with the same values have the same hash, whatever file they
// were read from; a changed value, trajectory or step changes it. The start
// times T0, System and Meta are not part of it (they do not change what a
// model learns from the states), so the hash of rectangular data is what it
// was before they existed.
func (t *Trajectories) Hash() string {
	h := sha256.New()
	var buf [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	h.Write([]byte("hnnlab/data/trajectories/v1\x00"))
	put(uint64(t.Dim))
	put(math.Float64bits(t.Dt))
	put(uint64(len(t.States)))
	for _, tr := range t.States {
		put(uint64(len(tr)))
		for _, y := range tr {
			for _, v := range y {
				put(math.Float64bits(v))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
