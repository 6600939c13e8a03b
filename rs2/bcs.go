package rs2

import (
	"encoding/binary"
	"errors"
	"fmt"
)

func appendULEB128(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

var errTruncated = errors.New("truncated")

// bcsReader reads BCS values; the first error sticks and later reads return
// zero values.
type bcsReader struct {
	b   []byte
	off int
	err error
}

func (r *bcsReader) remaining() int { return len(r.b) - r.off }

func (r *bcsReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.remaining() < n {
		r.err = errTruncated
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *bcsReader) u8() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *bcsReader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *bcsReader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

// uleb128 reads a BCS length: at most a u32, canonical encoding.
func (r *bcsReader) uleb128() uint64 {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		b := r.u8()
		if r.err != nil {
			return 0
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			if b == 0 && shift > 0 {
				r.err = errors.New("non-canonical ULEB128")
				return 0
			}
			if v > 0xffffffff {
				r.err = errors.New("ULEB128 length overflows u32")
				return 0
			}
			return v
		}
	}
	r.err = errors.New("ULEB128 too long")
	return 0
}

func (r *bcsReader) node() Digest {
	var d Digest
	switch tag := r.u8(); {
	case r.err != nil:
	case tag == 1:
		copy(d[:], r.take(32))
	case tag == 0:
		r.err = errors.New("empty hash node")
	default:
		r.err = fmt.Errorf("unknown hash node tag %d", tag)
	}
	return d
}
