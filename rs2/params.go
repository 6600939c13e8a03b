package rs2

import (
	"errors"
	"fmt"
)

// MaxSymbolSize is the largest RS2 symbol size in bytes (u16::MAX - 1 in
// walrus-core: symbol sizes must be even).
const MaxSymbolSize = 65534

// MaxShards is the largest shard count this package accepts. Sliver
// indices are u16 on the wire; Walrus networks use 1000.
const MaxShards = 65535

var (
	// ErrDataTooLarge means the blob needs a symbol size above MaxSymbolSize
	// for the shard count.
	ErrDataTooLarge = errors.New("encoding: blob too large for the shard count")
	// ErrTooFewShards means n < 4: RS2 needs at least one faulty shard's
	// worth of redundancy (f >= 1).
	ErrTooFewShards = errors.New("encoding: RS2 needs at least 4 shards")
)

// Params are the RS2 code dimensions for a shard count N.
//
//	F = (N-1)/3  maximum number of faulty shards
//	P = N - 2F   primary source symbols: matrix rows, symbols per secondary sliver
//	S = N - F    secondary source symbols: matrix columns, symbols per primary sliver
type Params struct {
	N, F, P, S int
}

// NewParams returns the parameters for n shards.
func NewParams(n int) (Params, error) {
	if n < 4 {
		return Params{}, fmt.Errorf("%w (got %d)", ErrTooFewShards, n)
	}
	if n > MaxShards {
		return Params{}, fmt.Errorf("encoding: %d shards is more than the maximum %d", n, MaxShards)
	}
	f := (n - 1) / 3
	return Params{N: n, F: f, P: n - 2*f, S: n - f}, nil
}

// SourceSymbols is the number of source symbols, P*S.
func (p Params) SourceSymbols() int { return p.P * p.S }

// MaxBlobSize is the largest blob length that can be encoded.
func (p Params) MaxBlobSize() uint64 {
	return uint64(p.P) * uint64(p.S) * MaxSymbolSize
}

// SymbolSize returns the symbol size in bytes for a blob of the given
// length: ceil(max(length,1)/(P*S)) rounded up to even.
func (p Params) SymbolSize(length uint64) (int, error) {
	l := max(length, 1)
	k := uint64(p.SourceSymbols())
	ss := (l + k - 1) / k
	ss += ss & 1
	if ss > MaxSymbolSize {
		return 0, fmt.Errorf("%w: %d bytes exceeds the maximum of %d bytes for %d shards",
			ErrDataTooLarge, length, p.MaxBlobSize(), p.N)
	}
	return int(ss), nil
}

// EncodedLength is the number of bytes the whole network stores for a blob
// (every shard's metadata plus all slivers); Sui charges for it.
func (p Params) EncodedLength(length uint64) (uint64, error) {
	ss, err := p.SymbolSize(length)
	if err != nil {
		return 0, err
	}
	n := uint64(p.N)
	return n*(n*64+32) + n*uint64(p.P+p.S)*uint64(ss), nil
}

// PrimarySliverLen is the byte length of a primary sliver (S symbols).
func (p Params) PrimarySliverLen(ss int) int { return p.S * ss }

// SecondarySliverLen is the byte length of a secondary sliver (P symbols).
func (p Params) SecondarySliverLen(ss int) int { return p.P * ss }

// SecondaryIndex is the secondary sliver index stored in sliver pair i.
func (p Params) SecondaryIndex(pair int) int { return p.N - 1 - pair }

// RowsForRange returns the systematic primary sliver indices [first, last]
// that hold bytes [off, off+length) of a blob with symbol size ss.
// length must be > 0.
func (p Params) RowsForRange(ss int, off, length uint64) (first, last int) {
	row := uint64(p.S) * uint64(ss)
	return int(off / row), int((off + length - 1) / row)
}
