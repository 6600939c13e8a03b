package rs2

import (
	"encoding/hex"
	"math/bits"

	"github.com/walrusfs/walrusfs/rs2/internal/b2"
)

// Digest is a Blake2b-256 hash: a Merkle node, a sliver hash, a root.
type Digest [32]byte

// String returns the hex form.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

const (
	leafPrefix  = 0x00
	innerPrefix = 0x01
)

// treeHeight is the number of inner levels of a Walrus Merkle tree over n
// leaves: ceil(log2 n), 0 for n <= 1.
func treeHeight(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// merkleRoots computes the roots of len(nodes)/m trees of m nodes each,
// laid out tree after tree, reduced to the given height. Walrus appends an
// all-zero node to every level with an odd count; that equals padding each
// tree to 2^height nodes with empty (zero) subtrees, so trees of aligned
// power-of-two blocks compose. nodes is used as scratch and overwritten.
func merkleRoots(nodes []b2.Digest, m, height int) []Digest {
	trees := 0
	if m > 0 {
		trees = len(nodes) / m
	}
	out := make([]Digest, trees)
	if m == 0 {
		return out // zero leaves: the all-zero root
	}
	for range height {
		if m&1 == 1 {
			// pad every tree with one zero node
			padded := make([]b2.Digest, trees*(m+1))
			for t := range trees {
				copy(padded[t*(m+1):], nodes[t*m:(t+1)*m])
			}
			nodes = padded
			m++
		}
		next := nodes[:len(nodes)/2]
		b2.SumPairs(next, innerPrefix, nodes)
		nodes = next
		m /= 2
	}
	for t := range trees {
		out[t] = Digest(nodes[t*m])
	}
	return out
}

// MerkleRoot computes the Walrus Merkle root over already hashed leaves.
func merkleRoot(leaves []b2.Digest) Digest {
	if len(leaves) == 0 {
		return Digest{}
	}
	scratch := append([]b2.Digest(nil), leaves...)
	return merkleRoots(scratch, len(leaves), treeHeight(len(leaves)))[0]
}
