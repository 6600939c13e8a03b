package seal

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkSpan verifies Span's contract for one range and returns the
// plaintext it reads through OpenSegments (workers goroutines).
func checkSpan(t *testing.T, k Key, plain, sealed []byte, off, n int64, workers int) {
	t.Helper()
	plainLen := int64(len(plain))
	so, sl, first := Span(plainLen, off, n)
	// The clipped range.
	lo, hi := min(off, plainLen), min(off+n, plainLen)
	if lo >= hi {
		if sl != 0 {
			t.Fatalf("Span(%d, %d, %d): empty range but sealedLen %d", plainLen, off, n, sl)
		}
		if so < 0 || so > int64(len(sealed)) || first < 0 || so != first*sealedSegmentSize {
			t.Fatalf("Span(%d, %d, %d) = %d, %d, %d for an empty range", plainLen, off, n, so, sl, first)
		}
		out, err := OpenSegments([]byte("x"), k, plainLen, first, nil)
		if err != nil || string(out) != "x" {
			t.Fatalf("OpenSegments of an empty span = %q, %v", out, err)
		}
		return
	}
	if so != first*sealedSegmentSize || so < 0 || so+sl > int64(len(sealed)) {
		t.Fatalf("Span(%d, %d, %d) = off %d len %d seg %d: outside the sealed chunk of %d", plainLen, off, n, so, sl, first, len(sealed))
	}
	// Minimal: the first and the last fetched segments both hold bytes of
	// the range, and the fetched segments cover it.
	segStart := first * SegmentSize
	nfetched := (sl + sealedSegmentSize - 1) / sealedSegmentSize
	segEnd := min((first+nfetched)*SegmentSize, plainLen)
	if segStart > lo || segEnd < hi {
		t.Fatalf("Span(%d, %d, %d): segments cover [%d, %d), range [%d, %d)", plainLen, off, n, segStart, segEnd, lo, hi)
	}
	if lastStart := (first + nfetched - 1) * SegmentSize; lo >= segStart+SegmentSize || hi <= lastStart {
		t.Fatalf("Span(%d, %d, %d): fetched [%d, %d) for [%d, %d): a whole unused segment", plainLen, off, n, segStart, segEnd, lo, hi)
	}
	if want := SealedSize(plainLen); so+sl != want && sl%sealedSegmentSize != 0 {
		t.Fatalf("Span(%d, %d, %d): %d bytes are not whole segments", plainLen, off, n, sl)
	}
	out, err := openN(nil, k, plainLen, first, sealed[so:so+sl], workers)
	if err != nil {
		t.Fatalf("OpenSegments(L=%d, seg %d, %d bytes): %v", plainLen, first, sl, err)
	}
	if int64(len(out)) != segEnd-segStart {
		t.Fatalf("OpenSegments returned %d bytes, want %d", len(out), segEnd-segStart)
	}
	if got := out[lo-segStart : hi-segStart]; !bytes.Equal(got, plain[lo:hi]) {
		t.Fatalf("range [%d, %d) of L=%d: wrong plaintext", lo, hi, plainLen)
	}
}

func TestRange(t *testing.T) {
	k := testKey(3)
	rng := rand.New(rand.NewPCG(3, 4))
	lengths := []int64{0, 1, 100, 65535, 65536, 65537, 2 * 65536, 2*65536 + 1, 3*65536 - 1, 7*65536 + 12345}
	for range 6 {
		lengths = append(lengths, rng.Int64N(10*65536))
	}
	cases := 0
	for _, l := range lengths {
		plain := randBytes(uint64(l)+9, int(l))
		sealed := Seal(nil, k, plain)
		// Edges: every segment boundary ±1, start and end.
		var points []int64
		for b := int64(0); b <= l+SegmentSize; b += SegmentSize {
			points = append(points, max(0, b-1), b, b+1)
		}
		points = append(points, l-1, l, l+1, 0)
		for _, off := range points {
			if off < 0 {
				continue
			}
			for _, end := range points {
				if end < off {
					continue
				}
				checkSpan(t, k, plain, sealed, off, end-off, 1)
				cases++
			}
		}
		for range 200 {
			off := rng.Int64N(l + 2)
			n := rng.Int64N(l + 2)
			if rng.IntN(4) == 0 {
				n = rng.Int64N(3 * SegmentSize)
			}
			checkSpan(t, k, plain, sealed, off, n, 1+rng.IntN(3))
			cases++
		}
		checkSpan(t, k, plain, sealed, 0, 1<<62, 2) // n far past the end
	}
	t.Logf("%d ranges checked", cases)
}

func TestSpanValues(t *testing.T) {
	for _, tc := range []struct {
		plainLen, off, n     int64
		sealedOff, sealedLen int64
		firstSeg             int64
	}{
		{0, 0, 10, 0, 0, 0},
		{10, 0, 10, 0, 26, 0},
		{10, 3, 4, 0, 26, 0},
		{65536, 0, 65536, 0, 65552, 0},
		{65537, 65536, 1, 65552, 17, 1},
		{65537, 65535, 2, 0, 65552 + 17, 0},
		{3 * 65536, 65536, 65536, 65552, 65552, 1},
		{3 * 65536, 65536, 65537, 65552, 2 * 65552, 1},
		{3*65536 + 5, 2*65536 + 1, 10, 2 * 65552, 65552, 2},
		{3*65536 + 5, 3 * 65536, 10, 3 * 65552, 21, 3},
		{3*65536 + 5, 3*65536 + 5, 10, 3 * 65552, 0, 3},
		{65536, 65536, 1, 65552, 0, 1},
	} {
		so, sl, fs := Span(tc.plainLen, tc.off, tc.n)
		if so != tc.sealedOff || sl != tc.sealedLen || fs != tc.firstSeg {
			t.Errorf("Span(%d, %d, %d) = %d, %d, %d; want %d, %d, %d", tc.plainLen, tc.off, tc.n,
				so, sl, fs, tc.sealedOff, tc.sealedLen, tc.firstSeg)
		}
	}
}

// sealedSeg returns sealed segment i of a sealed chunk.
func sealedSeg(sealed []byte, i int) []byte {
	return sealed[i*sealedSegmentSize : min((i+1)*sealedSegmentSize, len(sealed))]
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTamper(t *testing.T) {
	k := testKey(5)
	three := randBytes(1, 3*65536)         // 3 full segments
	threeShort := randBytes(2, 2*65536+77) // 2 full + 1 short
	s3 := Seal(nil, k, three)
	s3s := Seal(nil, k, threeShort)
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x20
		return c
	}
	// The empty chunk sealed without the last flag.
	aead := newAEAD(k)
	emptyNoFlag := aead.Seal(nil, make([]byte, 12), nil, nil)
	// A single full segment sealed as a non-last segment (flag 0).
	notLast := aead.Seal(nil, make([]byte, 12), three[:65536], nil)

	for _, tc := range []struct {
		name    string
		sealed  []byte
		key     Key
		segment string // "segment N" expected in the error
	}{
		{"flip in segment 0", flip(s3, 10), k, "segment 0:"},
		{"flip in segment 1", flip(s3, 65552+500), k, "segment 1:"},
		{"flip in last segment", flip(s3s, len(s3s)-30), k, "segment 2:"},
		{"flip in last tag", flip(s3s, len(s3s)-1), k, "segment 2:"},
		{"flip in first tag", flip(s3, 65551), k, "segment 0:"},
		{"segments 0 and 1 swapped", concat(sealedSeg(s3, 1), sealedSeg(s3, 0), sealedSeg(s3, 2)), k, "segment 0:"},
		{"segments 1 and 2 swapped", concat(sealedSeg(s3, 0), sealedSeg(s3, 2), sealedSeg(s3, 1)), k, "segment 1:"},
		{"last segment dropped (full segments)", s3[:2*65552], k, "segment 1:"},
		{"last segment dropped (short last)", s3s[:2*65552], k, "segment 1:"},
		{"first segment dropped", s3[65552:], k, "segment 0:"},
		{"extra segment appended", concat(s3, sealedSeg(s3, 0)), k, "segment 2:"},
		{"last segment repeated", concat(s3, sealedSeg(s3, 2)), k, "segment 2:"},
		{"wrong key", s3, testKey(6), "segment 0:"},
		{"wrong key, short chunk", Seal(nil, k, []byte("hello")), testKey(6), "segment 0:"},
		{"empty chunk without the last flag", emptyNoFlag, k, "segment 0:"},
		{"full segment without the last flag", notLast, k, "segment 0:"},
		{"empty chunk, flipped tag", flip(Seal(nil, k, nil), 3), k, "segment 0:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range []int{1, 3} {
				dst := make([]byte, 2, len(tc.sealed)+10)
				dst[0], dst[1] = 'a', 'b'
				out, err := openN(dst, tc.key, mustPlainSize(t, tc.sealed), 0, tc.sealed, w)
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("workers %d: err = %v, want ErrAuth", w, err)
				}
				if out != nil {
					t.Fatalf("workers %d: returned %d bytes with an error", w, len(out))
				}
				if !strings.Contains(err.Error(), tc.segment) || !strings.Contains(err.Error(), "message authentication failed") {
					t.Fatalf("workers %d: error %q does not name %q", w, err, tc.segment)
				}
				// Nothing decrypted is left in dst's spare capacity.
				if dst[0] != 'a' || dst[1] != 'b' {
					t.Fatal("dst's contents were changed")
				}
				if full := dst[:cap(dst)]; bytes.Count(full[2:], []byte{0}) != len(full)-2 {
					t.Fatalf("workers %d: decrypted bytes left in dst's capacity", w)
				}
			}
			if _, err := Open(nil, tc.key, tc.sealed); !errors.Is(err, ErrAuth) {
				t.Fatalf("Open: err = %v, want ErrAuth", err)
			}
		})
	}
}

func mustPlainSize(t *testing.T, sealed []byte) int64 {
	t.Helper()
	l, err := PlainSize(int64(len(sealed)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestOpenSegmentsTamper(t *testing.T) {
	k := testKey(8)
	const l = 4*65536 + 1000
	plain := randBytes(3, l)
	sealed := Seal(nil, k, plain)
	for _, tc := range []struct {
		name     string
		plainLen int64
		first    int64
		sealed   []byte
		segment  string
	}{
		{"segment 1 opened as 2", l, 2, sealedSeg(sealed, 1), "segment 2:"},
		{"segment 2 opened as 1", l, 1, sealedSeg(sealed, 2), "segment 1:"},
		{"segments 1-2 opened as 2-3", l, 2, sealed[65552 : 3*65552], "segment 2:"},
		{"full segment 3 opened as the last of a shorter chunk", 4 * 65536, 3, sealedSeg(sealed, 3), "segment 3:"},
		{"last segment of a longer chunk", 4*65536 + 1000, 0, sealed[:65552], ""},
		{"flipped byte in the second fetched segment", l, 1, func() []byte {
			c := bytes.Clone(sealed[65552 : 3*65552])
			c[65552+9] ^= 1
			return c
		}(), "segment 2:"},
		{"wrong key", l, 4, sealedSeg(sealed, 4), "segment 4:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := k
			if tc.name == "wrong key" {
				key = testKey(9)
			}
			out, err := OpenSegments(nil, key, tc.plainLen, tc.first, tc.sealed)
			if tc.segment == "" { // a control: this one is genuine
				if err != nil || !bytes.Equal(out, plain[:65536]) {
					t.Fatalf("genuine segment: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrAuth) || out != nil {
				t.Fatalf("OpenSegments = %d bytes, %v; want ErrAuth", len(out), err)
			}
			if !strings.Contains(err.Error(), tc.segment) {
				t.Fatalf("error %q does not name %q", err, tc.segment)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	k := testKey(11)
	const l = 2*65536 + 50
	sealed := Seal(nil, k, randBytes(4, l))
	for _, tc := range []struct {
		name     string
		plainLen int64
		first    int64
		sealed   []byte
		why      string
	}{
		{"negative plainLen", -1, 0, sealed, "out of range"},
		{"huge plainLen", 1<<62 + 1, 0, sealed, "out of range"},
		{"negative segment", l, -1, sealed, "outside"},
		{"segment past the end", l, 3, sealed[:66], "outside"},
		{"half a segment", l, 0, sealed[:1000], "not whole segments"},
		{"one byte too many", l, 0, append(bytes.Clone(sealed), 0), "not whole segments"},
		{"one byte too few", l, 0, sealed[:len(sealed)-1], "not whole segments"},
		{"more segments than the chunk has", l, 2, sealed[:2*65552], "not whole segments"},
		{"last segment with a wrong size", l, 2, sealed[2*65552 : len(sealed)-1], "not whole segments"},
		{"empty chunk with extra bytes", 0, 0, make([]byte, 17), "not whole segments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := OpenSegments(nil, k, tc.plainLen, tc.first, tc.sealed)
			if !errors.Is(err, ErrInvalid) || out != nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("OpenSegments = %d bytes, %v; want ErrInvalid mentioning %q", len(out), err, tc.why)
			}
		})
	}
	for _, n := range []int{0, 1, 15, 65552 + 3, 65552 + 16} {
		out, err := Open(nil, k, make([]byte, n))
		if !errors.Is(err, ErrInvalid) || out != nil {
			t.Errorf("Open(%d bytes) = %d bytes, %v; want ErrInvalid", n, len(out), err)
		}
	}
	// An empty fetch for a segment index outside [0, segments] is invalid.
	if _, err := OpenSegments(nil, k, l, 4, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("OpenSegments(empty, segment 4 of 3) = %v, want ErrInvalid", err)
	}
}
