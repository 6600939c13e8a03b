package rs2

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestComputeMetadataFrom checks the metadata computed from source hashes
// (hashing source and row-repair symbols in place) against Encode, which
// hashes every symbol of the expanded columns, for blob lengths around the
// row and symbol boundaries.
func TestComputeMetadataFrom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 10, 100} {
		e, err := NewEncoder(n)
		if err != nil {
			t.Fatal(err)
		}
		p := e.Params()
		row := p.S * 2 // a row at the smallest symbol size
		for _, length := range []int{0, 1, 2, 3, row - 1, row, row + 1, p.P*row - 1, p.P * row, p.P*row + 1, 5 * p.P * row / 2, 100_003} {
			t.Run(fmt.Sprintf("n=%d/len=%d", n, length), func(t *testing.T) {
				data := make([]byte, length)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				want, err := e.Encode(data, func(*Sliver) error { return nil })
				if err != nil {
					t.Fatal(err)
				}
				for _, workers := range []int{0, 1, 3} {
					h, err := HashSource(n, data, workers)
					if err != nil {
						t.Fatal(err)
					}
					for range 2 { // a SourceHashes can be used again
						got, err := e.ComputeMetadataFrom(h)
						if err != nil {
							t.Fatal(err)
						}
						if got.BlobID() != want.BlobID() || got.Length != want.Length {
							t.Fatalf("workers %d: blob ID %s, Encode gives %s", workers, got.BlobID(), want.BlobID())
						}
					}
				}
				cm, err := e.ComputeMetadata(data)
				if err != nil || cm.BlobID() != want.BlobID() {
					t.Fatalf("ComputeMetadata: %v, blob ID %s, want %s", err, cm.BlobID(), want.BlobID())
				}
			})
		}
	}
}

func TestHashSourceErrors(t *testing.T) {
	if _, err := HashSource(3, []byte("x"), 0); !errors.Is(err, ErrTooFewShards) {
		t.Fatalf("n=3: %v", err)
	}
	p, _ := NewParams(4)
	if _, err := HashSource(4, make([]byte, p.MaxBlobSize()+1), 0); !errors.Is(err, ErrDataTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	h, err := HashSource(10, []byte("hello walrus"), 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(13)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ComputeMetadataFrom(h); err == nil {
		t.Fatal("source hashes for 10 shards accepted by an encoder for 13")
	}
}
