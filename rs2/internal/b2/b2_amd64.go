//go:build amd64 && !purego

package b2

import (
	"encoding/binary"

	"golang.org/x/sys/cpu"
)

//go:generate go run asm_gen.go -out blake2b_amd64.s

// blocksAVX2 compresses n consecutive 128-byte blocks of four messages; lane
// j reads its blocks from p[j], p[j]+128, .... h[4*i+j] is chaining-value word
// i of lane j. The first block's counter is t, growing by 128 per block; f is
// the finalisation flag of the last block only.
//
//go:noescape
func blocksAVX2(h *[32]uint64, p *[4]*byte, n int, t, f uint64)

// blocksAVX512 is blocksAVX2 for eight lanes.
//
//go:noescape
func blocksAVX512(h *[64]uint64, p *[8]*byte, n int, t, f uint64)

// blocksAVX512x2 is blocksAVX2 for sixteen lanes, run as two interleaved
// sets of eight for instruction-level parallelism; m is scratch space.
//
//go:noescape
func blocksAVX512x2(h *[128]uint64, p *[16]*byte, m *[256]uint64, n int, t, f uint64)

var (
	useAVX2   = cpu.X86.HasAVX2
	useAVX512 = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F

	// maxLanes is the widest kernel the CPU supports.
	maxLanes = func() int {
		if useAVX512 {
			return 16
		}
		return 4
	}()
)

func sumPrefixed(dst []Digest, prefix byte, msgs [][]byte) {
	if !useAVX2 {
		sumPrefixedGeneric(dst, prefix, msgs)
		return
	}
	sumPrefixedSIMD(dst, prefix, msgs, maxLanes)
}

func sumPairs(dst []Digest, prefix byte, src []Digest) {
	if !useAVX2 {
		sumPairsGeneric(dst, prefix, src)
		return
	}
	sumPairsSIMD(dst, prefix, src, maxLanes)
}

// h0x16 is h0 in the word-major layout of the 16-lane kernel: each h0[i]
// repeated 16 times.
var h0x16 = func() (a [128]uint64) {
	for k := range a {
		a[k] = h0[k/16]
	}
	return
}()

// batch is the working state of one multi-buffer run. It lives on the stack
// of the driver; the kernels do not retain any pointer.
type batch struct {
	h     [128]uint64 // h[i*w+j] = chaining-value word i of lane j
	p     [16]*byte   // current block pointer of each lane
	m     [256]uint64 // scratch of the 16-lane kernel
	first [16][128]byte
	last  [16][128]byte
	w     int // lanes of the kernel: 4 (AVX2), 8 or 16 (AVX-512)
	r     int // real messages in this batch (r <= w); the rest are dummies
}

// start resets the chaining values for a batch of r messages on w lanes.
func (b *batch) start(w, r int) {
	b.w, b.r = w, r
	for i := range 8 {
		copy(b.h[i*w:(i+1)*w], h0x16[16*i:])
	}
}

// compress runs the kernel on n blocks of every lane, lane j reading from
// b.p[j]. The callers fill the pointers of spare lanes with b.p[0] so that
// they only read memory lane 0 may read. (The pointers are set by the
// callers, not by methods of batch, to keep batch on the stack: escape
// analysis would move it to the heap if a method stored pointers to b's own
// buffers in b.)
func (b *batch) compress(n int, t, f uint64) {
	switch b.w {
	case 16:
		blocksAVX512x2(&b.h, &b.p, &b.m, n, t, f)
	case 8:
		blocksAVX512((*[64]uint64)(b.h[:64]), (*[8]*byte)(b.p[:8]), n, t, f)
	default:
		blocksAVX2((*[32]uint64)(b.h[:32]), (*[4]*byte)(b.p[:4]), n, t, f)
	}
}

// finish writes the digests of the real lanes.
func (b *batch) finish(dst []Digest) {
	w := b.w
	for j := range dst[:b.r] {
		d := &dst[j]
		binary.LittleEndian.PutUint64(d[0:], b.h[j])
		binary.LittleEndian.PutUint64(d[8:], b.h[w+j])
		binary.LittleEndian.PutUint64(d[16:], b.h[2*w+j])
		binary.LittleEndian.PutUint64(d[24:], b.h[3*w+j])
	}
}

// lanes picks the kernel width for the rem messages still to hash: the
// narrowest of 4, 8 and 16 (up to max) that holds them all, else max.
func lanes(rem, max int) int {
	w := 4
	for w < max && rem > w {
		w *= 2
	}
	return w
}

func sumPrefixedSIMD(dst []Digest, prefix byte, msgs [][]byte, maxw int) {
	var b batch
	bufLen := -1 // message length the zero padding of b.first/b.last is for
	for i := 0; i < len(msgs); {
		w := lanes(len(msgs)-i, maxw)
		r := min(w, len(msgs)-i)
		l := len(msgs[i])
		for j := 1; j < r; j++ {
			if len(msgs[i+j]) != l { // misuse: keep batches of one length
				r = j
				break
			}
		}
		if l != bufLen {
			// The buffers are only ever written at the same offsets for
			// one length, so the padding stays zero until it changes.
			b.first = [16][128]byte{}
			b.last = [16][128]byte{}
			bufLen = l
		}
		ms := msgs[i : i+r]
		b.start(w, r)
		n := l + 1
		nb := numBlocks(n)
		// Block 0: prefix and up to 127 message bytes.
		for j, m := range ms {
			b.first[j][0] = prefix
			copy(b.first[j][1:], m)
			b.p[j] = &b.first[j][0]
		}
		for j := r; j < w; j++ {
			b.p[j] = b.p[0]
		}
		if nb == 1 {
			b.compress(1, uint64(n), ^uint64(0))
		} else {
			b.compress(1, 128, 0)
			if nb > 2 {
				// Blocks 1..nb-2, in place: block k starts at m[128k-1].
				for j, m := range ms {
					b.p[j] = &m[127]
				}
				for j := r; j < w; j++ {
					b.p[j] = b.p[0]
				}
				b.compress(nb-2, 256, 0)
			}
			// Last block, zero padded.
			off := 128*(nb-1) - 1
			for j, m := range ms {
				copy(b.last[j][:], m[off:])
				b.p[j] = &b.last[j][0]
			}
			for j := r; j < w; j++ {
				b.p[j] = b.p[0]
			}
			b.compress(1, uint64(n), ^uint64(0))
		}
		b.finish(dst[i : i+r])
		i += r
	}
}

func sumPairsSIMD(dst []Digest, prefix byte, src []Digest, maxw int) {
	var b batch
	for i := 0; i < len(dst); {
		w := lanes(len(dst)-i, maxw)
		r := min(w, len(dst)-i)
		b.start(w, r)
		for j := 0; j < r; j++ {
			f := &b.first[j]
			f[0] = prefix
			copy(f[1:33], src[2*(i+j)][:])
			copy(f[33:65], src[2*(i+j)+1][:])
			b.p[j] = &f[0]
		}
		for j := r; j < w; j++ {
			b.p[j] = b.p[0]
		}
		b.compress(1, 65, ^uint64(0))
		b.finish(dst[i : i+r])
		i += r
	}
}

func sumPrefixed2(dst []Digest, prefix byte, heads, tails [][]byte) {
	if !useAVX2 {
		sumPrefixed2Generic(dst, prefix, heads, tails)
		return
	}
	sumPrefixed2SIMD(dst, prefix, heads, tails, maxLanes)
}

// sumPrefixed2SIMD is sumPrefixedSIMD for messages head || tail: block 0
// (prefix and the first 127 message bytes) is gathered, the blocks after it
// that lie wholly in the head are read in place, and the rest (the end of
// the head, the tail and the zero padding) is gathered.
func sumPrefixed2SIMD(dst []Digest, prefix byte, heads, tails [][]byte, maxw int) {
	if len(dst) == 0 {
		return
	}
	var b batch
	hl, l := len(heads[0]), len(heads[0])+len(tails[0])
	n := l + 1
	nb := numBlocks(n)
	// Block k >= 1 holds message bytes [128k-1, 128k+127).
	inPlace := 0
	for k := 1; k <= nb-2 && 128*k+127 <= hl; k++ {
		inPlace++
	}
	g := nb - 1 - inPlace // gathered blocks after block 0
	var restBuf [16 * 2 * 128]byte
	rest := restBuf[:]
	if maxw*g*128 > len(rest) {
		rest = make([]byte, maxw*g*128)
	}
	restOff := 128*(1+inPlace) - 1 // message offset of the first gathered block
	for i := 0; i < len(dst); {
		w := lanes(len(dst)-i, maxw)
		r := min(w, len(dst)-i)
		b.start(w, r)
		for j := range r {
			f := &b.first[j]
			f[0] = prefix
			gather(f[1:], heads[i+j], tails[i+j], 0)
			b.p[j] = &f[0]
		}
		for j := r; j < w; j++ {
			b.p[j] = b.p[0]
		}
		if nb == 1 {
			b.compress(1, uint64(n), ^uint64(0))
			b.finish(dst[i : i+r])
			i += r
			continue
		}
		b.compress(1, 128, 0)
		if inPlace > 0 {
			for j := range r {
				b.p[j] = &heads[i+j][127]
			}
			for j := r; j < w; j++ {
				b.p[j] = b.p[0]
			}
			b.compress(inPlace, 256, 0)
		}
		for j := range r {
			buf := rest[j*g*128 : (j+1)*g*128]
			gather(buf, heads[i+j], tails[i+j], restOff)
			b.p[j] = &buf[0]
		}
		for j := r; j < w; j++ {
			b.p[j] = b.p[0]
		}
		if g > 1 {
			b.compress(g-1, uint64(128*(2+inPlace)), 0)
			for j := range r {
				b.p[j] = &rest[(j*g+g-1)*128]
			}
			for j := r; j < w; j++ {
				b.p[j] = b.p[0]
			}
		}
		b.compress(1, uint64(n), ^uint64(0))
		b.finish(dst[i : i+r])
		i += r
	}
}
