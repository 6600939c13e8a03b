package rs2

// The Reed-Solomon layer (reed-solomon-simd, and klauspost's Leopard GF16
// which shares its byte layout) treats a shard as GF(2^16) elements stored
// in 64-byte blocks: element j of a block has its low byte at offset j and
// its high byte at offset 32+j. A symbol whose size ss is not a multiple of
// 64 ends in a tail of t = ss%64 bytes holding t/2 elements, low bytes first
// then high bytes. klauspost needs shards that are whole blocks, and the code
// acts on each element position independently, so any fixed placement of
// elements works as long as every shard uses the same one.
//
// A layout packs B symbols into one shard: the whole-block part of every
// symbol is copied as is, one after the other, and the tail elements of all
// B symbols are packed densely (32 per block) after them. A batch of B
// columns (or rows) then costs one klauspost call instead of B.
type layout struct {
	ss    int // symbol size
	full  int // bytes of whole blocks per symbol
	half  int // tail elements per symbol
	count int // symbols per shard
	tail  int // offset of the packed tail region
	size  int // shard size, a multiple of 64
}

func newLayout(ss, count int) layout {
	l := layout{ss: ss, full: ss &^ 63, half: (ss & 63) / 2, count: count}
	l.tail = count * l.full
	tailElems := count * l.half
	l.size = l.tail + (tailElems+31)/32*64
	return l
}

// put stores symbol k of dst. sym may be shorter than ss (the end of a
// blob); the missing bytes are zero.
func (l *layout) put(dst []byte, k int, sym []byte) {
	if len(sym) == l.ss { // the usual case: no padding
		copy(dst[k*l.full:(k+1)*l.full], sym[:l.full])
		lo := sym[l.full : l.full+l.half]
		hi := sym[l.full+l.half:]
		q := k * l.half
		for j := 0; j < l.half; {
			blk := l.tail + q/32*64
			off := q % 32
			run := min(l.half-j, 32-off)
			copy(dst[blk+off:blk+off+run], lo[j:j+run])
			copy(dst[blk+32+off:blk+32+off+run], hi[j:j+run])
			j += run
			q += run
		}
		return
	}
	full := dst[k*l.full : (k+1)*l.full]
	n := copy(full, sym)
	clear(full[n:])
	if l.half == 0 {
		return
	}
	var lo, hi []byte
	if len(sym) > l.full {
		lo = sym[l.full:]
		if len(lo) > l.half {
			hi = lo[l.half:]
			lo = lo[:l.half]
		}
	}
	q := k * l.half // first element position in the tail region
	for j := 0; j < l.half; {
		blk := l.tail + q/32*64
		off := q % 32
		run := min(l.half-j, 32-off)
		copyPad(dst[blk+off:blk+off+run], lo, j)
		copyPad(dst[blk+32+off:blk+32+off+run], hi, j)
		j += run
		q += run
	}
}

// copyPad copies src[from:from+len(dst)] into dst, zero-filling past the end
// of src.
func copyPad(dst, src []byte, from int) {
	n := 0
	if from < len(src) {
		n = copy(dst, src[from:])
	}
	clear(dst[n:])
}

// get copies symbol k of src into sym (len ss).
func (l *layout) get(sym []byte, src []byte, k int) {
	copy(sym[:l.full], l.head(src, k))
	l.getTail(sym[l.full:l.ss], src, k)
}

// head returns the whole-block part of symbol k of src (its first full
// bytes), in place.
func (l *layout) head(src []byte, k int) []byte {
	return src[k*l.full : (k+1)*l.full : (k+1)*l.full]
}

// getTail copies the tail of symbol k of src (its last ss-full bytes: low
// bytes, then high bytes) into tail.
func (l *layout) getTail(tail []byte, src []byte, k int) {
	if l.half == 0 {
		return
	}
	lo := tail[:l.half]
	hi := tail[l.half : 2*l.half]
	q := k * l.half
	for j := 0; j < l.half; {
		blk := l.tail + q/32*64
		off := q % 32
		run := min(l.half-j, 32-off)
		copy(lo[j:j+run], src[blk+off:])
		copy(hi[j:j+run], src[blk+32+off:])
		j += run
		q += run
	}
}

// clearPadding zeroes the unused end of the last tail block. put never
// writes there, and a reused shard buffer must not carry old bytes into the
// code (they would not change other elements, but keep outputs clean).
func (l *layout) clearPadding(dst []byte) {
	used := l.tail
	if l.half > 0 {
		elems := l.count * l.half
		last := l.tail + (elems-1)/32*64
		off := elems - (elems-1)/32*32
		clear(dst[last+off : last+32])
		clear(dst[last+32+off : last+64])
		used = last + 64
	}
	clear(dst[used:l.size])
}
