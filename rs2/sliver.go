package rs2

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// SliverType says which axis a sliver belongs to.
type SliverType uint8

const (
	// Primary slivers are rows of the expanded matrix (S symbols each).
	Primary SliverType = iota
	// Secondary slivers are columns (P symbols each).
	Secondary
)

// String returns "primary" or "secondary", as in the storage-node paths.
func (t SliverType) String() string {
	switch t {
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	}
	return fmt.Sprintf("SliverType(%d)", uint8(t))
}

// ParseSliverType parses "primary" or "secondary".
func ParseSliverType(s string) (SliverType, error) {
	switch s {
	case "primary":
		return Primary, nil
	case "secondary":
		return Secondary, nil
	}
	return 0, fmt.Errorf("%w: unknown sliver type %q", ErrInvalidSliver, s)
}

// ErrInvalidSliver is wrapped by every sliver decode or verification
// failure: wrong size, wrong index, or content that does not hash to the
// metadata.
var ErrInvalidSliver = errors.New("invalid sliver")

// Sliver is SliverData: one row (primary) or column (secondary) of the
// expanded matrix, identified by its sliver index (not the pair index).
type Sliver struct {
	Type       SliverType
	Index      uint16
	SymbolSize uint16
	Data       []byte
}

// MarshalBCS returns BCS SliverData: uleb128(len) || data || symbol_size
// u16 || index u16.
func (s *Sliver) MarshalBCS() []byte {
	out := make([]byte, 0, len(s.Data)+9)
	out = appendULEB128(out, uint64(len(s.Data)))
	out = append(out, s.Data...)
	out = binary.LittleEndian.AppendUint16(out, s.SymbolSize)
	return binary.LittleEndian.AppendUint16(out, s.Index)
}

// UnmarshalSliver decodes BCS SliverData of the given type. Data aliases b.
// It checks the framing only; Verify checks the content.
func UnmarshalSliver(t SliverType, b []byte) (*Sliver, error) {
	r := bcsReader{b: b}
	n := r.uleb128()
	data := r.take(int(n))
	s := &Sliver{Type: t, Data: data, SymbolSize: r.u16(), Index: r.u16()}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSliver, r.err)
	}
	if r.remaining() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrInvalidSliver, r.remaining())
	}
	return s, nil
}

// PairIndex is the sliver pair this sliver belongs to for n shards.
func (s *Sliver) PairIndex(n int) int {
	if s.Type == Primary {
		return int(s.Index)
	}
	return n - 1 - int(s.Index)
}

// checkShape validates index, symbol size and length for a blob of the given
// length encoded with p. It is the cheap part of verification.
func (s *Sliver) checkShape(p Params, length uint64) (ss int, err error) {
	ss, err = p.SymbolSize(length)
	if err != nil {
		return 0, err
	}
	if int(s.Index) >= p.N {
		return 0, fmt.Errorf("%w: %s sliver index %d out of range for %d shards", ErrInvalidSliver, s.Type, s.Index, p.N)
	}
	if int(s.SymbolSize) != ss {
		return 0, fmt.Errorf("%w: symbol size %d, want %d", ErrInvalidSliver, s.SymbolSize, ss)
	}
	want := p.PrimarySliverLen(ss)
	if s.Type == Secondary {
		want = p.SecondarySliverLen(ss)
	}
	if len(s.Data) != want {
		return 0, fmt.Errorf("%w: %s sliver %d has %d bytes, want %d", ErrInvalidSliver, s.Type, s.Index, len(s.Data), want)
	}
	return ss, nil
}
