package b2

import (
	"encoding/binary"
	"math/bits"
)

// iv is the BLAKE2b initialisation vector.
var iv = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

// h0 is the initial chaining value of unkeyed BLAKE2b with a 32-byte digest:
// the IV xored with the parameter block (digest length 32, fanout 1, depth 1).
var h0 = [8]uint64{
	iv[0] ^ 0x01010020, iv[1], iv[2], iv[3], iv[4], iv[5], iv[6], iv[7],
}

var sigma = [12][16]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
}

// numBlocks returns the number of 128-byte blocks of an n-byte message.
func numBlocks(n int) int {
	if n == 0 {
		return 1
	}
	return (n + 127) / 128
}

func g(a, b, c, d, x, y uint64) (uint64, uint64, uint64, uint64) {
	a += b + x
	d = bits.RotateLeft64(d^a, -32)
	c += d
	b = bits.RotateLeft64(b^c, -24)
	a += b + y
	d = bits.RotateLeft64(d^a, -16)
	c += d
	b = bits.RotateLeft64(b^c, -63)
	return a, b, c, d
}

// blocksGeneric compresses the 128-byte blocks of data into h. The counter of
// the first block is t and grows by 128 per block; f is the finalisation flag
// of the last block (the others get 0). It is the scalar twin of the SIMD
// kernels.
func blocksGeneric(h *[8]uint64, data []byte, t, f uint64) {
	var m [16]uint64
	for ; len(data) >= 128; data = data[128:] {
		for i := range m {
			m[i] = binary.LittleEndian.Uint64(data[8*i:])
		}
		var fin uint64
		if len(data) < 256 {
			fin = f
		}
		v0, v1, v2, v3, v4, v5, v6, v7 := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		v8, v9, v10, v11 := iv[0], iv[1], iv[2], iv[3]
		v12, v13, v14, v15 := iv[4]^t, iv[5], iv[6]^fin, iv[7]
		for r := range sigma {
			s := &sigma[r]
			v0, v4, v8, v12 = g(v0, v4, v8, v12, m[s[0]&15], m[s[1]&15])
			v1, v5, v9, v13 = g(v1, v5, v9, v13, m[s[2]&15], m[s[3]&15])
			v2, v6, v10, v14 = g(v2, v6, v10, v14, m[s[4]&15], m[s[5]&15])
			v3, v7, v11, v15 = g(v3, v7, v11, v15, m[s[6]&15], m[s[7]&15])
			v0, v5, v10, v15 = g(v0, v5, v10, v15, m[s[8]&15], m[s[9]&15])
			v1, v6, v11, v12 = g(v1, v6, v11, v12, m[s[10]&15], m[s[11]&15])
			v2, v7, v8, v13 = g(v2, v7, v8, v13, m[s[12]&15], m[s[13]&15])
			v3, v4, v9, v14 = g(v3, v4, v9, v14, m[s[14]&15], m[s[15]&15])
		}
		h[0] ^= v0 ^ v8
		h[1] ^= v1 ^ v9
		h[2] ^= v2 ^ v10
		h[3] ^= v3 ^ v11
		h[4] ^= v4 ^ v12
		h[5] ^= v5 ^ v13
		h[6] ^= v6 ^ v14
		h[7] ^= v7 ^ v15
		t += 128
	}
}

// sumPrefixedGeneric is the scalar implementation of SumPrefixed. It follows
// the same block split as the SIMD driver: the first block (prefix plus up to
// 127 message bytes) and the zero-padded last block come from buffers, the
// blocks in between are read from the message in place.
func sumPrefixedGeneric(dst []Digest, prefix byte, msgs [][]byte) {
	var first, last [128]byte
	for i, msg := range msgs {
		n := len(msg) + 1
		nb := numBlocks(n)
		h := h0
		first[0] = prefix
		c := copy(first[1:], msg)
		clear(first[1+c:])
		if nb == 1 {
			blocksGeneric(&h, first[:], uint64(n), ^uint64(0))
		} else {
			blocksGeneric(&h, first[:], 128, 0)
			if nb > 2 {
				blocksGeneric(&h, msg[127:127+128*(nb-2)], 256, 0)
			}
			c := copy(last[:], msg[128*(nb-1)-1:])
			clear(last[c:])
			blocksGeneric(&h, last[:], uint64(n), ^uint64(0))
		}
		putDigest(&dst[i], &h)
	}
}

// sumPairsGeneric is the scalar implementation of SumPairs.
func sumPairsGeneric(dst []Digest, prefix byte, src []Digest) {
	var buf [128]byte
	buf[0] = prefix
	for i := range dst {
		copy(buf[1:33], src[2*i][:])
		copy(buf[33:65], src[2*i+1][:])
		h := h0
		blocksGeneric(&h, buf[:], 65, ^uint64(0))
		putDigest(&dst[i], &h)
	}
}

func putDigest(d *Digest, h *[8]uint64) {
	binary.LittleEndian.PutUint64(d[0:], h[0])
	binary.LittleEndian.PutUint64(d[8:], h[1])
	binary.LittleEndian.PutUint64(d[16:], h[2])
	binary.LittleEndian.PutUint64(d[24:], h[3])
}
