package seal

import (
	"bytes"
	"testing"
)

// FuzzOpen checks that Open and OpenSegments never panic and never return
// bytes on bad input: any input they accept is a genuine sealing, which,
// Seal being deterministic for a key, re-seals to the same bytes.
func FuzzOpen(f *testing.F) {
	k := testKey(0x33)
	for _, n := range []int{0, 1, 100, 65536, 65536 + 9} {
		s := Seal(nil, k, randBytes(uint64(n), n))
		f.Add(s, int64(n), int64(0))
		f.Add(s[:len(s)-1], int64(n), int64(0))
		if len(s) > sealedSegmentSize {
			f.Add(s[sealedSegmentSize:], int64(n), int64(1))
			f.Add(s[sealedSegmentSize:], int64(n), int64(0))
		}
	}
	f.Add([]byte{}, int64(0), int64(0))
	f.Add(make([]byte, 16), int64(-1), int64(-1))
	f.Add(make([]byte, 32), int64(1<<62), int64(1<<40))
	f.Fuzz(func(t *testing.T, data []byte, plainLen, firstSeg int64) {
		out, err := Open(nil, k, data)
		if err != nil {
			if out != nil {
				t.Fatalf("Open returned %d bytes with error %v", len(out), err)
			}
		} else if !bytes.Equal(Seal(nil, k, out), data) {
			t.Fatal("Open accepted bytes that are not the sealing of its output")
		}
		out, err = OpenSegments(nil, k, plainLen, firstSeg, data)
		if err != nil {
			if out != nil {
				t.Fatalf("OpenSegments returned %d bytes with error %v", len(out), err)
			}
			return
		}
		if len(out) > len(data) {
			t.Fatalf("OpenSegments returned %d bytes from %d", len(out), len(data))
		}
		if len(data) > 0 && firstSeg == 0 && plainLen == int64(len(out)) {
			// The whole chunk: must be the genuine sealing.
			if !bytes.Equal(Seal(nil, k, out), data) {
				t.Fatal("OpenSegments accepted bytes that are not the sealing of its output")
			}
		}
	})
}
