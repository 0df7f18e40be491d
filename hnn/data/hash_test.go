package data_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/data"
)

func TestHash(t *testing.T) {
	mk := func() *data.Trajectories {
		return &data.Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{{{0, 1}, {0.1, 0.9}}, {{1, 0}, {1.1, -0.1}}}}
	}
	a, b := mk(), mk()
	if a.Hash() != b.Hash() {
		t.Fatal("equal data, different hashes")
	}
	for name, change := range map[string]func(*data.Trajectories){
		"a value":      func(d *data.Trajectories) { d.States[1][1][0] = 1.1000000000000002 },
		"the step":     func(d *data.Trajectories) { d.Dt = 0.2 },
		"a trajectory": func(d *data.Trajectories) { d.States = d.States[:1] },
		"the order":    func(d *data.Trajectories) { d.States[0], d.States[1] = d.States[1], d.States[0] },
	} {
		c := mk()
		change(c)
		if c.Hash() == a.Hash() {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}

// oldHash is Hash as first written (one 8-byte write per value): the
// buffered Hash must give the same bytes, so that recorded runs still match.
func oldHash(t *data.Trajectories) string {
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

// The buffered hash equals the unbuffered one across chunk boundaries, and
// HashContext stops on a cancelled context.
func TestHashBufferedAndCancellable(t *testing.T) {
	for _, n := range []int{1, 2, 100, 5000} {
		d := &data.Trajectories{Dim: 2, Dt: 0.05}
		for i := range n {
			tr := make([][]float64, 3+i%5)
			for k := range tr {
				tr[k] = []float64{float64(i), float64(k), 0.5, -1}
			}
			d.States = append(d.States, tr)
		}
		if got, want := d.Hash(), oldHash(d); got != want {
			t.Errorf("%d trajectories: hash %s, want %s", n, got, want)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := d.HashContext(ctx); n == 5000 && !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	}
}
