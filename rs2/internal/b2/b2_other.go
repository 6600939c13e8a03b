//go:build !amd64 || purego

package b2

func sumPrefixed(dst []Digest, prefix byte, msgs [][]byte) {
	sumPrefixedGeneric(dst, prefix, msgs)
}

func sumPairs(dst []Digest, prefix byte, src []Digest) {
	sumPairsGeneric(dst, prefix, src)
}

func sumPrefixed2(dst []Digest, prefix byte, heads, tails [][]byte) {
	sumPrefixed2Generic(dst, prefix, heads, tails)
}
