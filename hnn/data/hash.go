package data

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// hashChunk is the number of bytes Hash buffers before each write to the
// hash, and between two checks of HashContext's context.
const hashChunk = 1 << 16

// Hash returns the hex SHA-256 of the data's content: the dimension, the
// time step and every state of every trajectory, in order (float64 bits).
// Two data sets with the same values have the same hash, whatever file they
// were read from; a changed value, trajectory or step changes it. The start
// times T0, System and Meta are not part of it (they do not change what a
// model learns from the states), so the hash of rectangular data is what it
// was before they existed.
func (t *Trajectories) Hash() string {
	s, _ := t.HashContext(context.Background())
	return s
}

// HashContext is Hash, stopped with ctx's error when ctx is done (it is
// checked every 64 KiB of data, so that hashing a large data set can be
// interrupted).
func (t *Trajectories) HashContext(ctx context.Context) (string, error) {
	h := sha256.New()
	buf := make([]byte, 0, hashChunk)
	var err error
	put := func(v uint64) {
		buf = binary.LittleEndian.AppendUint64(buf, v)
		if len(buf) == cap(buf) {
			h.Write(buf)
			buf = buf[:0]
			if err == nil {
				err = ctx.Err()
			}
		}
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
			if err != nil {
				return "", err
			}
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil)), nil
}
