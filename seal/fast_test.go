package seal

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// TestOpenBatch: openBatch returns what golang.org/x/crypto's
// ChaCha20-Poly1305 opens, for random keys and segments (including a
// batch that ends the chunk), and names the first of any altered
// segments without writing plaintext.
func TestOpenBatch(t *testing.T) {
	if !haveBatch {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 6 {
		var k Key
		for i := range k {
			k[i] = byte(rng.Uint32())
		}
		nseg := int64(batchSegs + trial%3)
		first := int64(trial % 3) // the batch ends the chunk when first == nseg-batchSegs
		plain := make([]byte, nseg*SegmentSize)
		for i := range plain {
			plain[i] = byte(rng.Uint32())
		}
		sealed := Seal(nil, k, plain)
		part := sealed[first*sealedSegmentSize : (first+batchSegs)*sealedSegmentSize]
		out := make([]byte, batchSegs*SegmentSize)
		if f := openBatch(out, part, &k, first, nseg); f != -1 {
			t.Fatalf("trial %d: segment %d fails", trial, f)
		}
		if !bytes.Equal(out, plain[first*SegmentSize:(first+batchSegs)*SegmentSize]) {
			t.Fatalf("trial %d: plaintext differs", trial)
		}
		aead, _ := chacha20poly1305.New(k[:])
		for i := range int64(batchSegs) {
			n := segmentNonce(first+i, first+i == nseg-1)
			want, err := aead.Open(nil, n[:], part[i*sealedSegmentSize:(i+1)*sealedSegmentSize], nil)
			if err != nil || !bytes.Equal(want, out[i*SegmentSize:(i+1)*SegmentSize]) {
				t.Fatalf("trial %d: segment %d: x/crypto says %v", trial, i, err)
			}
		}
		for _, at := range []int64{3*sealedSegmentSize + 5, 5*sealedSegmentSize + SegmentSize + 3, 2*sealedSegmentSize + SegmentSize - 1} {
			bad := bytes.Clone(part)
			bad[at] ^= 1 << (trial % 8)
			clear(out)
			if f := openBatch(out, bad, &k, first, nseg); f != int(at/sealedSegmentSize) {
				t.Fatalf("trial %d: byte %d altered: first failing segment %d", trial, at, f)
			}
			if !bytes.Equal(out, make([]byte, len(out))) {
				t.Fatalf("trial %d: plaintext written for a failing batch", trial)
			}
		}
		// A batch opened as if it were elsewhere in the chunk fails.
		if f := openBatch(out, part, &k, first+1, nseg+1); f != 0 {
			t.Fatalf("trial %d: moved batch: first failing segment %d", trial, f)
		}
	}
}

// BenchmarkOpenBatch measures openBatch against x/crypto's Open on the
// same eight segments, one goroutine.
func BenchmarkOpenBatch(b *testing.B) {
	if !haveBatch {
		b.Skip("no AVX-512 on this CPU")
	}
	k := testKey(1)
	plain := randBytes(1, batchSegs*SegmentSize)
	sealed := Seal(nil, k, plain)
	out := make([]byte, len(plain))
	b.Run("batch", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if openBatch(out, sealed, &k, 0, batchSegs) != -1 {
				b.Fatal("fails")
			}
		}
	})
	b.Run("xcrypto", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := openN(out[:0], k, int64(len(plain)), 0, sealed, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestOpenBatchedTamper: a chunk long enough for batches (two of eight
// full segments, then three single ones, the last short) opens to its
// plaintext, and an altered or moved segment inside or after a batch is
// ErrAuth naming the first bad segment, with nothing left in dst,
// whatever the number of workers.
func TestOpenBatchedTamper(t *testing.T) {
	k := testKey(12)
	const l = 18*SegmentSize + 999
	plain := randBytes(13, l)
	sealed := Seal(nil, k, plain)
	for _, w := range []int{1, 2, 3} {
		out, err := openN(nil, k, l, 0, sealed, w)
		if err != nil || !bytes.Equal(out, plain) {
			t.Fatalf("workers %d: genuine chunk: %v", w, err)
		}
	}
	flip := func(at int) []byte {
		c := bytes.Clone(sealed)
		c[at] ^= 4
		return c
	}
	swap := func(i, j int) []byte {
		c := bytes.Clone(sealed)
		copy(c[i*sealedSegmentSize:], sealedSeg(sealed, j))
		copy(c[j*sealedSegmentSize:], sealedSeg(sealed, i))
		return c
	}
	for _, tc := range []struct {
		name    string
		sealed  []byte
		segment string
	}{
		{"flip in segment 11", flip(11*sealedSegmentSize + 77), "segment 11:"},
		{"flip in the tag of segment 7", flip(7*sealedSegmentSize + SegmentSize + 15), "segment 7:"},
		{"flips in segments 14 and 3", func() []byte {
			c := flip(14*sealedSegmentSize + 1)
			c[3*sealedSegmentSize+2] ^= 1
			return c
		}(), "segment 3:"},
		{"segments 9 and 10 swapped", swap(9, 10), "segment 9:"},
		{"flip in segment 17 (after the batches)", flip(17*sealedSegmentSize + 5), "segment 17:"},
		{"flip in the short last segment", flip(len(sealed) - 20), "segment 18:"},
	} {
		for _, w := range []int{1, 3} {
			dst := make([]byte, 0, l+100)
			out, err := openN(dst, k, l, 0, tc.sealed, w)
			if !errors.Is(err, ErrAuth) || out != nil || !strings.Contains(err.Error(), tc.segment) {
				t.Fatalf("%s, workers %d: %d bytes, %v; want ErrAuth naming %q", tc.name, w, len(out), err, tc.segment)
			}
			if full := dst[:cap(dst)]; bytes.Count(full, []byte{0}) != len(full) {
				t.Fatalf("%s, workers %d: decrypted bytes left in dst's capacity", tc.name, w)
			}
		}
	}
	// Segments 8-15 opened as 9-16 (a batch at the wrong place).
	if _, err := OpenSegments(nil, k, l, 9, sealed[8*sealedSegmentSize:16*sealedSegmentSize]); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "segment 9:") {
		t.Fatalf("moved batch: %v", err)
	}
}
