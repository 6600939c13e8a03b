package chain

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	b58 "github.com/mr-tron/base58"

	"golang.org/x/crypto/blake2b"
)

// errShort is returned when BCS bytes end early.
var errShort = errors.New("BCS value ends early")

// dec reads BCS (integers little-endian, ULEB128 lengths, Option = vector
// of 0 or 1 element). The first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(format string, a ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, a...)
	}
}

func (d *dec) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		if d.err == nil {
			d.err = errShort
		}
		return make([]byte, max(n, 0))
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8() uint8   { return d.take(1)[0] }
func (d *dec) u16() uint16 { return binary.LittleEndian.Uint16(d.take(2)) }
func (d *dec) u32() uint32 { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *dec) u64() uint64 { return binary.LittleEndian.Uint64(d.take(8)) }

// addr reads a 32-byte address or object ID as 0x + 64 hex digits.
func (d *dec) addr() string { return "0x" + hex.EncodeToString(d.take(32)) }

func (d *dec) boolean() bool {
	v := d.u8()
	if v > 1 {
		d.fail("invalid BCS bool %d", v)
	}
	return v == 1
}

// uleb reads a ULEB128 length, at most 2^31 and canonical as BCS requires.
func (d *dec) uleb() int {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := d.u8()
		if d.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if c == 0 && shift > 0 {
				d.fail("non-canonical ULEB128 length")
			}
			if v > 1<<31 {
				d.fail("BCS length %d too large", v)
				return 0
			}
			return int(v)
		}
	}
	d.fail("BCS length longer than 5 bytes")
	return 0
}

// bytes reads a vector<u8>.
func (d *dec) bytes() []byte { return d.take(d.uleb()) }

// str reads a Move identifier or string (vector<u8>).
func (d *dec) str() string { return string(d.bytes()) }

// done fails if bytes are left over.
func (d *dec) done(what string) error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%s: %d trailing bytes", what, len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("%s: %w", what, d.err)
	}
	return nil
}

// enc writes BCS.
type enc struct{ b []byte }

func (e *enc) u8(v uint8) *enc   { e.b = append(e.b, v); return e }
func (e *enc) u16(v uint16) *enc { e.b = binary.LittleEndian.AppendUint16(e.b, v); return e }
func (e *enc) u32(v uint32) *enc { e.b = binary.LittleEndian.AppendUint32(e.b, v); return e }
func (e *enc) u64(v uint64) *enc { e.b = binary.LittleEndian.AppendUint64(e.b, v); return e }
func (e *enc) boolean(v bool) *enc {
	if v {
		return e.u8(1)
	}
	return e.u8(0)
}

func (e *enc) uleb(v int) *enc {
	for v >= 0x80 {
		e.b = append(e.b, byte(v)|0x80)
		v >>= 7
	}
	e.b = append(e.b, byte(v))
	return e
}

func (e *enc) bytes(b []byte) *enc { e.uleb(len(b)); e.b = append(e.b, b...); return e }
func (e *enc) str(s string) *enc   { return e.bytes([]byte(s)) }
func (e *enc) raw(b []byte) *enc   { e.b = append(e.b, b...); return e }

// addr writes a 0x-hex address or object ID (which must be valid).
func (e *enc) addr(s string) *enc { e.b = append(e.b, addrBytes(s)...); return e }

// addrBytes decodes a normalized 0x + 64 hex address; invalid input is a
// programming error inside this package.
func addrBytes(s string) []byte {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		panic("chain: invalid address " + s)
	}
	return b
}

func hexAddr(b []byte) string { return "0x" + hex.EncodeToString(b) }

// blake returns blake2b-256 of the concatenation of parts.
func blake(parts ...[]byte) [32]byte {
	h, _ := blake2b.New256(nil)
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// base58 encodes b in the Bitcoin alphabet Sui uses for digests.
func base58(b []byte) string { return b58.Encode(b) }
