package rs2

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPrepareYield: a Prepare with WithYield calls it before every batch
// of both phases (and of Slivers), with one worker gives the same blob
// and slivers as the default, and stops with yield's error.
func TestPrepareYield(t *testing.T) {
	e, err := NewEncoder(10)
	if err != nil {
		t.Fatal(err)
	}
	data := randBytes(rand.New(rand.NewPCG(7, 8)), 300001)
	m, prim, sec := encodeAll(t, e, data)
	var yields atomic.Int64
	x, err := e.Prepare(data, WithYield(func() error { yields.Add(1); return nil }), WithJobWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	if x.Metadata().BlobID() != m.BlobID() {
		t.Fatal("throttled Prepare gives another blob ID")
	}
	afterPrepare := yields.Load()
	if afterPrepare == 0 {
		t.Fatal("Prepare never yielded")
	}
	var mu sync.Mutex
	seen := 0
	err = x.Slivers(func(s *Sliver) error {
		want := prim[s.Index]
		if s.Type == Secondary {
			want = sec[s.Index]
		}
		if !bytes.Equal(s.Data, want.Data) {
			t.Errorf("%s sliver %d differs", s.Type, s.Index)
		}
		mu.Lock()
		seen++
		mu.Unlock()
		return nil
	})
	if err != nil || seen != 2*e.Params().N {
		t.Fatalf("Slivers: %v, %d slivers", err, seen)
	}
	if yields.Load() == afterPrepare {
		t.Fatal("Slivers never yielded")
	}

	stop := errors.New("stop")
	n := 0
	_, err = e.Prepare(data, WithYield(func() error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	}), WithJobWorkers(1))
	if !errors.Is(err, stop) {
		t.Fatalf("Prepare with a failing yield: %v, want %v", err, stop)
	}
	if n != 3 {
		t.Fatalf("yield called %d times after failing at call 3, want no more calls (one worker)", n)
	}
}
