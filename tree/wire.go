package tree

import (
	"encoding/binary"
	"fmt"
)

// encoder appends the primitives of the format (see the package
// documentation) to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

// varint writes v zigzag-encoded (binary.AppendVarint).
func (e *encoder) varint(v int64)     { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) byte1(v byte)       { e.b = append(e.b, v) }
func (e *encoder) raw(p []byte)       { e.b = append(e.b, p...) }
func (e *encoder) str(s string)       { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytesLP(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *encoder) blob(id [32]byte)   { e.b = append(e.b, id[:]...) }
func (e *encoder) key(k [32]byte)     { e.b = append(e.b, k[:]...) }
func (e *encoder) fixed16(v [16]byte) { e.b = append(e.b, v[:]...) }

// decoder reads the primitives back. The first error sticks: every later
// read returns zero values, so callers check d.err once per record or loop
// iteration. It never panics and never allocates more than the input can
// justify.
type decoder struct {
	b   []byte
	err error
}

// fail records the first error, wrapping ErrCorrupt.
func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format+": %w", append(args, ErrCorrupt)...)
	}
	d.b = nil
}

// uvarint reads a minimally encoded unsigned LEB128 integer (at most 10
// bytes, no trailing zero byte): every value has exactly one encoding.
func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	switch {
	case n == 0:
		d.fail("truncated integer")
		return 0
	case n < 0:
		d.fail("integer overflows 64 bits")
		return 0
	case n > 1 && d.b[n-1] == 0:
		d.fail("integer not minimally encoded")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads a zigzag-encoded signed integer.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// u32 reads a uvarint that must fit in 32 bits.
func (d *decoder) u32(what string) uint32 {
	v := d.uvarint()
	if v > 1<<32-1 {
		d.fail("%s %d does not fit in 32 bits", what, v)
		return 0
	}
	return uint32(v)
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// raw returns the next n bytes (aliasing the input).
func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail("truncated: %d bytes wanted, %d left", n, len(d.b))
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

// bytesLP reads a length-prefixed byte string of at most max bytes.
func (d *decoder) bytesLP(what string, max int) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(max) {
		d.fail("%s of %d bytes (max %d)", what, n, max)
		return nil
	}
	return d.raw(int(n))
}

func (d *decoder) str(what string, max int) string { return string(d.bytesLP(what, max)) }

func (d *decoder) id32() (v [32]byte) {
	copy(v[:], d.raw(32))
	return v
}

func (d *decoder) fixed16() (v [16]byte) {
	copy(v[:], d.raw(16))
	return v
}

// count reads a number of items each at least minSize bytes long, and
// rejects a count that the remaining input cannot hold (so that no
// allocation exceeds the input's size).
func (d *decoder) count(what string, minSize int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/minSize) {
		d.fail("%d %s cannot fit in %d bytes", n, what, len(d.b))
		return 0
	}
	return int(n)
}

// end rejects trailing bytes.
func (d *decoder) end() {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
}
