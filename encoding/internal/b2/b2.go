// Package b2 computes many BLAKE2b-256 digests of equal-length messages at
// once. The RS2 metadata needs about 3n² of them per blob (n² symbol leaves
// and 2n² inner Merkle nodes), all of one length within a batch, which is the
// shape multi-buffer SIMD hashing is good at.
//
// Every function here is a pure function of its inputs and is safe for
// concurrent use.
package b2

import "golang.org/x/crypto/blake2b"

// Digest is a BLAKE2b-256 output.
type Digest = [32]byte

// SumPrefixed sets dst[i] = BLAKE2b-256(prefix || msgs[i]) for every i.
// All messages must have the same length; len(dst) must equal len(msgs).
func SumPrefixed(dst []Digest, prefix byte, msgs [][]byte) {
	if len(dst) != len(msgs) {
		panic("b2: len(dst) != len(msgs)")
	}
	if len(msgs) == 0 {
		return
	}
	sumPrefixedGeneric(dst, prefix, msgs)
}

// SumPairs sets dst[i] = BLAKE2b-256(prefix || src[2i] || src[2i+1]) for
// every i; len(src) must be 2*len(dst). This is one level of a Merkle tree.
func SumPairs(dst []Digest, prefix byte, src []Digest) {
	if len(src) != 2*len(dst) {
		panic("b2: len(src) != 2*len(dst)")
	}
	sumPairsGeneric(dst, prefix, src)
}

func sumPrefixedGeneric(dst []Digest, prefix byte, msgs [][]byte) {
	buf := make([]byte, 1+len(msgs[0]))
	buf[0] = prefix
	for i, m := range msgs {
		copy(buf[1:], m)
		dst[i] = blake2b.Sum256(buf)
	}
}

func sumPairsGeneric(dst []Digest, prefix byte, src []Digest) {
	var buf [65]byte
	buf[0] = prefix
	for i := range dst {
		copy(buf[1:33], src[2*i][:])
		copy(buf[33:], src[2*i+1][:])
		dst[i] = blake2b.Sum256(buf[:])
	}
}
