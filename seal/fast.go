package seal

import (
	"crypto/subtle"
	"encoding/binary"
	"runtime"
	"unsafe"

	"golang.org/x/crypto/chacha20"
)

// Opening eight full segments at once.
//
// ChaCha20-Poly1305 as golang.org/x/crypto implements it runs one
// segment at a time on 256-bit vectors and computes Poly1305 with scalar
// multiplications, which bound it at about 2.2 GB/s a core. The segments
// of a chunk are independent messages of the same length, so on a CPU
// with AVX-512 openBatch authenticates eight full segments together, one
// per 64-bit lane of an 8-lane Poly1305 (poly1305-donna-32's limbs), and
// then decrypts each with a 16-block ChaCha20. It is the same AEAD (RFC
// 8439, empty additional data): the tests check it against
// golang.org/x/crypto on random keys, data and tampering. All eight tags
// are checked before any plaintext is written.

// batchSegs is the number of segments openBatch opens together.
const batchSegs = 8

const mask26 = 1<<26 - 1

// openBatch authenticates and decrypts the batchSegs full segments in
// sealed (batchSegs*sealedSegmentSize bytes), segments first, first+1, ...
// of a chunk of nseg segments, into out (batchSegs*SegmentSize bytes). It
// returns the index in the batch of the first segment that fails
// authentication (out is then untouched), or -1.
func openBatch(out, sealed []byte, k *Key, first, nseg int64) int {
	var (
		r      [5][8]uint64
		h      [5][8]uint64
		ptrs   [8]uintptr
		s      [batchSegs][16]byte
		nonces [batchSegs][12]byte
	)
	for i := range batchSegs {
		seg := first + int64(i)
		nonces[i] = segmentNonce(seg, seg == nseg-1)
		var pk [32]byte
		c, err := chacha20.NewUnauthenticatedCipher(k[:], nonces[i][:])
		if err != nil {
			panic("seal: chacha20: " + err.Error())
		}
		c.XORKeyStream(pk[:], pk[:])
		r[0][i] = uint64(binary.LittleEndian.Uint32(pk[0:])) & 0x3ffffff
		r[1][i] = uint64(binary.LittleEndian.Uint32(pk[3:])>>2) & 0x3ffff03
		r[2][i] = uint64(binary.LittleEndian.Uint32(pk[6:])>>4) & 0x3ffc0ff
		r[3][i] = uint64(binary.LittleEndian.Uint32(pk[9:])>>6) & 0x3f03fff
		r[4][i] = uint64(binary.LittleEndian.Uint32(pk[12:])>>8) & 0x00fffff
		copy(s[i][:], pk[16:])
		ptrs[i] = uintptr(unsafe.Pointer(&sealed[int64(i)*sealedSegmentSize]))
	}
	poly1305x8(&ptrs, SegmentSize/16, &r, &h)
	runtime.KeepAlive(sealed)
	// The last block: the lengths of the additional data (0) and of the
	// ciphertext, then the tag.
	var lens [16]byte
	binary.LittleEndian.PutUint64(lens[8:], SegmentSize)
	failed := -1
	for i := range batchSegs {
		hl := [5]uint64{h[0][i], h[1][i], h[2][i], h[3][i], h[4][i]}
		rl := [5]uint64{r[0][i], r[1][i], r[2][i], r[3][i], r[4][i]}
		polyBlock(&hl, &rl, lens[:])
		tag := polyFinish(&hl, &s[i])
		o := int64(i)*sealedSegmentSize + SegmentSize
		if subtle.ConstantTimeCompare(tag[:], sealed[o:o+TagSize]) != 1 && failed < 0 {
			failed = i
		}
	}
	if failed >= 0 {
		return failed
	}
	for i := range batchSegs {
		var st [16]uint32
		st[0], st[1], st[2], st[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
		for j := range 8 {
			st[4+j] = binary.LittleEndian.Uint32(k[4*j:])
		}
		st[12] = 1
		for j := range 3 {
			st[13+j] = binary.LittleEndian.Uint32(nonces[i][4*j:])
		}
		o := i * SegmentSize
		chacha20XOR16(&out[o], &sealed[int64(i)*sealedSegmentSize], SegmentSize/1024, &st)
	}
	return -1
}

// polyBlock is one Poly1305 block step on 26-bit limbs: h = (h + m +
// 2^128) * r mod 2^130-5, partly reduced.
func polyBlock(h, r *[5]uint64, m []byte) {
	h[0] += uint64(binary.LittleEndian.Uint32(m[0:])) & mask26
	h[1] += uint64(binary.LittleEndian.Uint32(m[3:])>>2) & mask26
	h[2] += uint64(binary.LittleEndian.Uint32(m[6:])>>4) & mask26
	h[3] += uint64(binary.LittleEndian.Uint32(m[9:])>>6) & mask26
	h[4] += uint64(binary.LittleEndian.Uint32(m[12:])>>8) | 1<<24
	s1, s2, s3, s4 := r[1]*5, r[2]*5, r[3]*5, r[4]*5
	d0 := h[0]*r[0] + h[1]*s4 + h[2]*s3 + h[3]*s2 + h[4]*s1
	d1 := h[0]*r[1] + h[1]*r[0] + h[2]*s4 + h[3]*s3 + h[4]*s2
	d2 := h[0]*r[2] + h[1]*r[1] + h[2]*r[0] + h[3]*s4 + h[4]*s3
	d3 := h[0]*r[3] + h[1]*r[2] + h[2]*r[1] + h[3]*r[0] + h[4]*s4
	d4 := h[0]*r[4] + h[1]*r[3] + h[2]*r[2] + h[3]*r[1] + h[4]*r[0]
	c := d0 >> 26
	h[0] = d0 & mask26
	d1 += c
	c = d1 >> 26
	h[1] = d1 & mask26
	d2 += c
	c = d2 >> 26
	h[2] = d2 & mask26
	d3 += c
	c = d3 >> 26
	h[3] = d3 & mask26
	d4 += c
	c = d4 >> 26
	h[4] = d4 & mask26
	h[0] += c * 5
	c = h[0] >> 26
	h[0] &= mask26
	h[1] += c
}

// polyFinish reduces h fully mod 2^130-5 and returns (h + s) mod 2^128,
// the tag, in constant time.
func polyFinish(h *[5]uint64, s *[16]byte) [16]byte {
	h0, h1, h2, h3, h4 := h[0], h[1], h[2], h[3], h[4]
	c := h1 >> 26
	h1 &= mask26
	h2 += c
	c = h2 >> 26
	h2 &= mask26
	h3 += c
	c = h3 >> 26
	h3 &= mask26
	h4 += c
	c = h4 >> 26
	h4 &= mask26
	h0 += c * 5
	c = h0 >> 26
	h0 &= mask26
	h1 += c
	// g = h + 5 - 2^130; h >= p exactly when g does not borrow.
	g0 := h0 + 5
	c = g0 >> 26
	g0 &= mask26
	g1 := h1 + c
	c = g1 >> 26
	g1 &= mask26
	g2 := h2 + c
	c = g2 >> 26
	g2 &= mask26
	g3 := h3 + c
	c = g3 >> 26
	g3 &= mask26
	g4 := h4 + c - 1<<26
	mask := (g4 >> 63) - 1 // all ones if no borrow
	h0 = h0&^mask | g0&mask
	h1 = h1&^mask | g1&mask
	h2 = h2&^mask | g2&mask
	h3 = h3&^mask | g3&mask
	h4 = h4&^mask | g4&mask
	w0 := (h0 | h1<<26) & 0xffffffff
	w1 := (h1>>6 | h2<<20) & 0xffffffff
	w2 := (h2>>12 | h3<<14) & 0xffffffff
	w3 := (h3>>18 | h4<<8) & 0xffffffff
	var tag [16]byte
	f := w0 + uint64(binary.LittleEndian.Uint32(s[0:]))
	binary.LittleEndian.PutUint32(tag[0:], uint32(f))
	f = w1 + uint64(binary.LittleEndian.Uint32(s[4:])) + f>>32
	binary.LittleEndian.PutUint32(tag[4:], uint32(f))
	f = w2 + uint64(binary.LittleEndian.Uint32(s[8:])) + f>>32
	binary.LittleEndian.PutUint32(tag[8:], uint32(f))
	f = w3 + uint64(binary.LittleEndian.Uint32(s[12:])) + f>>32
	binary.LittleEndian.PutUint32(tag[12:], uint32(f))
	return tag
}
