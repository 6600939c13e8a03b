package rs2

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// encodeAll encodes data and returns the metadata and copies of all slivers
// by sliver index.
func encodeAll(t testing.TB, e *Encoder, data []byte) (*Metadata, []*Sliver, []*Sliver) {
	t.Helper()
	n := e.Params().N
	prim := make([]*Sliver, n)
	sec := make([]*Sliver, n)
	var mu sync.Mutex
	m, err := e.Encode(data, func(s *Sliver) error {
		c := *s
		c.Data = bytes.Clone(s.Data)
		mu.Lock()
		defer mu.Unlock()
		if s.Type == Primary {
			prim[s.Index] = &c
		} else {
			sec[s.Index] = &c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if prim[i] == nil || sec[i] == nil {
			t.Fatalf("sliver %d not emitted", i)
		}
	}
	return m, prim, sec
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 5, 7, 10, 13, 31, 100} {
		e, err := NewEncoder(n)
		if err != nil {
			t.Fatal(err)
		}
		p := e.Params()
		for _, length := range []int{0, 1, 2, 3, 63, 64, 65, 1000, p.SourceSymbols()*2 + 1, 100003} {
			data := randBytes(rng, length)
			m, prim, sec := encodeAll(t, e, data)
			if cm, err := e.ComputeMetadata(data); err != nil || cm.BlobID() != m.BlobID() {
				t.Fatalf("n=%d len=%d: ComputeMetadata differs from Encode (%v)", n, length, err)
			}
			if err := m.Check(m.BlobID(), n); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if err := e.VerifySliver(m, prim[i]); err != nil {
					t.Fatalf("n=%d len=%d primary %d: %v", n, length, i, err)
				}
				if err := e.VerifySliver(m, sec[i]); err != nil {
					t.Fatalf("n=%d len=%d secondary %d: %v", n, length, i, err)
				}
			}
			// Any P primary slivers, mostly recovery ones.
			perm := rng.Perm(n)
			subset := make([]*Sliver, 0, p.P)
			for _, i := range perm[:p.P] {
				subset = append(subset, prim[i])
			}
			got, err := e.Decode(uint64(length), subset)
			if err != nil {
				t.Fatalf("n=%d len=%d decode from %v: %v", n, length, perm[:p.P], err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("n=%d len=%d: decoded blob differs", n, length)
			}
			// Recovery-only slivers.
			got, err = e.Decode(uint64(length), prim[n-p.P:])
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("n=%d len=%d: decode from recovery slivers: %v", n, length, err)
			}
			if p.P > 1 {
				if _, err := e.Decode(uint64(length), prim[n-p.P+1:]); !errors.Is(err, ErrNotEnoughSlivers) && length > 0 {
					t.Fatalf("n=%d len=%d: decode from P-1 slivers: err = %v", n, length, err)
				}
			}
			// Ranges.
			if length > 0 {
				for range 5 {
					off := rng.IntN(length)
					cnt := 1 + rng.IntN(length-off)
					got, err := e.DecodeRange(uint64(length), subset, uint64(off), uint64(cnt))
					if err != nil || !bytes.Equal(got, data[off:off+cnt]) {
						t.Fatalf("n=%d len=%d range %d+%d: %v", n, length, off, cnt, err)
					}
				}
			}
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	e, _ := NewEncoder(10)
	data := []byte("hello walrus, a blob with more than a few bytes in it")
	m, prim, sec := encodeAll(t, e, data)
	bad := *prim[3]
	bad.Data = bytes.Clone(bad.Data)
	bad.Data[0] ^= 1
	if err := e.VerifySliver(m, &bad); !errors.Is(err, ErrInvalidSliver) {
		t.Errorf("flipped primary: %v", err)
	}
	bad = *sec[2]
	bad.Data = bad.Data[:len(bad.Data)-2]
	if err := e.VerifySliver(m, &bad); !errors.Is(err, ErrInvalidSliver) {
		t.Errorf("short secondary: %v", err)
	}
	bad = *prim[1]
	bad.Index = 2 // right size, wrong index
	if err := e.VerifySliver(m, &bad); !errors.Is(err, ErrInvalidSliver) {
		t.Errorf("wrong index: %v", err)
	}
	bad = *prim[1]
	bad.Index = 10
	if err := e.VerifySliver(m, &bad); !errors.Is(err, ErrInvalidSliver) {
		t.Errorf("index out of range: %v", err)
	}
	bad = *prim[1]
	bad.SymbolSize = 4
	if err := e.VerifySliver(m, &bad); !errors.Is(err, ErrInvalidSliver) {
		t.Errorf("wrong symbol size: %v", err)
	}
	other, _ := e.ComputeMetadata([]byte("other"))
	if err := other.Check(m.BlobID(), 10); !errors.Is(err, ErrInvalidMetadata) {
		t.Errorf("metadata for another blob: %v", err)
	}
}

func TestPrepareSlivers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{4, 10, 100} {
		e, _ := NewEncoder(n)
		for _, length := range []int{0, 5, 70001, 300001} {
			data := randBytes(rng, length)
			m, prim, sec := encodeAll(t, e, data)
			x, err := e.Prepare(data)
			if err != nil {
				t.Fatal(err)
			}
			if x.Metadata().BlobID() != m.BlobID() {
				t.Fatalf("n=%d len=%d: Prepare metadata differs", n, length)
			}
			for range 2 { // Slivers may be called again
				seen := 0
				var mu sync.Mutex
				err := x.Slivers(func(s *Sliver) error {
					want := prim[s.Index]
					if s.Type == Secondary {
						want = sec[s.Index]
					}
					if !bytes.Equal(s.Data, want.Data) || s.SymbolSize != want.SymbolSize {
						return fmt.Errorf("%s sliver %d differs", s.Type, s.Index)
					}
					mu.Lock()
					seen++
					mu.Unlock()
					return nil
				})
				if err != nil || seen != 2*n {
					t.Fatalf("n=%d len=%d: %v, %d slivers", n, length, err, seen)
				}
			}
		}
	}
}

// TestVerifySliverHinted: repair leaves from RepairLeaves prove a sliver
// with its own symbols hashed only; a wrong hint (any flipped bit, wrong
// length) never rejects a good sliver nor accepts a bad one.
func TestVerifySliverHinted(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{4, 10, 100} {
		e, _ := NewEncoder(n)
		p := e.Params()
		data := randBytes(rng, 100000)
		m, prim, sec := encodeAll(t, e, data)
		for _, s := range []*Sliver{prim[0], prim[n-1], sec[0], sec[n/2]} {
			hint, err := e.RepairLeaves(m, s)
			if err != nil {
				t.Fatalf("n=%d %s %d: RepairLeaves: %v", n, s.Type, s.Index, err)
			}
			r := p.F
			if s.Type == Secondary {
				r = 2 * p.F
			}
			if len(hint) != 32*r {
				t.Fatalf("n=%d %s: %d hint bytes, want %d", n, s.Type, len(hint), 32*r)
			}
			// The hinted check must be the one that decides: with the
			// hint, the full check of a good sliver is skipped.
			if ok, err := e.verifyHint(m, s, hint); !ok || err != nil {
				t.Fatalf("n=%d %s %d: good hint not accepted: %v %v", n, s.Type, s.Index, ok, err)
			}
			badHint := bytes.Clone(hint)
			badHint[rng.IntN(len(badHint))] ^= 1
			for name, h := range map[string][]byte{"good": hint, "flipped": badHint, "short": hint[:len(hint)-1], "none": nil} {
				if err := e.VerifySliverHinted(m, s, h); err != nil {
					t.Errorf("n=%d %s %d, %s hint: good sliver rejected: %v", n, s.Type, s.Index, name, err)
				}
				bad := *s
				bad.Data = bytes.Clone(s.Data)
				bad.Data[rng.IntN(len(bad.Data))] ^= 0x80
				if err := e.VerifySliverHinted(m, &bad, h); !errors.Is(err, ErrInvalidSliver) {
					t.Errorf("n=%d %s %d, %s hint: corrupt sliver: %v, want ErrInvalidSliver", n, s.Type, s.Index, name, err)
				}
			}
			if ok, _ := e.verifyHint(m, s, badHint); ok {
				t.Fatalf("n=%d: a flipped hint proved the sliver", n)
			}
		}
	}
}
