package seal_test

import (
	"bytes"
	"fmt"

	"github.com/walrusfs/walrusfs/seal"
)

// A range read: the reader knows the chunk's plaintext length and key from
// the index, fetches only the segments Span names and opens them.
func Example_rangeRead() {
	kc, err := seal.NewKey()
	if err != nil {
		panic(err)
	}
	plain := bytes.Repeat([]byte("walrusfs "), 30000) // 270000 bytes, 5 segments
	blob := seal.Seal(nil, kc, plain)                 // what is stored on Walrus

	plainLen, off, n := int64(len(plain)), int64(70000), int64(9)
	sealedOff, sealedLen, firstSeg := seal.Span(plainLen, off, n)
	fetched := blob[sealedOff : sealedOff+sealedLen] // a ranged blob read

	segs, err := seal.OpenSegments(nil, kc, plainLen, firstSeg, fetched)
	if err != nil {
		panic(err)
	}
	skip := off - firstSeg*seal.SegmentSize
	fmt.Printf("%d bytes fetched of %d\n", sealedLen, len(blob))
	fmt.Printf("%q\n", segs[skip:skip+n])
	// Output:
	// 65552 bytes fetched of 270080
	// "s walrusf"
}
