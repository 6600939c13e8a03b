//go:build !amd64 || purego

package b2

func sumPrefixed(dst []Digest, prefix byte, msgs [][]byte) {
	sumPrefixedGeneric(dst, prefix, msgs)
}

func sumPairs(dst []Digest, prefix byte, src []Digest) {
	sumPairsGeneric(dst, prefix, src)
}
