package rs2

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNotEnoughSlivers means fewer primary slivers were given than decoding
// needs (P of them, any P).
var ErrNotEnoughSlivers = errors.New("not enough slivers to decode")

// ErrInvalidRange is returned for a byte range outside the blob.
var ErrInvalidRange = errors.New("byte range outside the blob")

// Decode rebuilds the whole blob of the given length from primary slivers.
// The slivers must have been verified (VerifySliver): decoding trusts its
// input. Secondary slivers and duplicates are ignored. If the P systematic
// slivers are all present no decoding happens at all: they are the blob.
func (e *Encoder) Decode(length uint64, slivers []*Sliver) ([]byte, error) {
	return e.DecodeRange(length, slivers, 0, length)
}

// DecodeRange returns bytes [off, off+n) of the blob. It needs the
// systematic primary slivers that hold the range (see Params.RowsForRange)
// or, for any of them that is missing, P primary slivers in all; only the
// symbols of the range are decoded.
func (e *Encoder) DecodeRange(length uint64, slivers []*Sliver, off, n uint64) ([]byte, error) {
	p := e.p
	if off > length || n > length-off {
		return nil, fmt.Errorf("%w: [%d, %d+%d) of %d bytes", ErrInvalidRange, off, off, n, length)
	}
	if n == 0 {
		return []byte{}, nil
	}
	ss, err := p.SymbolSize(length)
	if err != nil {
		return nil, err
	}
	rowLen := uint64(p.S * ss)
	rows := make([][]byte, p.N)
	have := 0
	for _, s := range slivers {
		if s == nil || s.Type != Primary || int(s.Index) >= p.N || rows[s.Index] != nil {
			continue
		}
		if len(s.Data) != int(rowLen) {
			return nil, fmt.Errorf("%w: primary sliver %d has %d bytes, want %d", ErrInvalidSliver, s.Index, len(s.Data), rowLen)
		}
		rows[s.Index] = s.Data
		have++
	}
	first, last := p.RowsForRange(ss, off, n)
	var missing []int
	for r := first; r <= last; r++ {
		if rows[r] == nil {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		if have < p.P {
			return nil, fmt.Errorf("%w: rows %v are missing and only %d of the %d primary slivers needed were given",
				ErrNotEnoughSlivers, missing, have, p.P)
		}
		c0, c1 := 0, p.S
		if first == last {
			c0 = int((off - uint64(first)*rowLen) / uint64(ss))
			c1 = int((off+n-1-uint64(first)*rowLen)/uint64(ss)) + 1
		}
		rebuilt, err := e.decodeRows(rows, missing, ss, c0, c1)
		if err != nil {
			return nil, err
		}
		for i, r := range missing {
			rows[r] = rebuilt[i]
		}
	}
	segs := make([][]byte, 0, last-first+1)
	for r := first; r <= last; r++ {
		rs := uint64(r) * rowLen
		lo := max(off, rs)
		hi := min(off+n, rs+rowLen)
		segs = append(segs, rows[r][lo-rs:hi-rs])
	}
	// bytes.Join allocates without zeroing what it then overwrites: the
	// output is often a whole cache block, and zeroing it cost as much as
	// the copy.
	return bytes.Join(segs, nil), nil
}

// decodeRows rebuilds source rows `missing` (all < P) from the present
// rows, for columns [c0, c1) only; the other bytes of the returned rows are
// zero.
func (e *Encoder) decodeRows(rows [][]byte, missing []int, ss, c0, c1 int) ([][]byte, error) {
	p := e.p
	out := make([][]byte, len(missing))
	for i := range out {
		out[i] = make([]byte, p.S*ss)
	}
	per := min(batchFor(ss, 16<<10), c1-c0)
	batches := (c1 - c0 + per - 1) / per
	type state struct {
		l      layout
		sc     *codeScratch
		shards [][]byte
		bufs   [][]byte
	}
	newState := func() *state {
		l := newLayout(ss, per)
		return &state{l: l, sc: e.cols.newScratch(l.size), shards: make([][]byte, p.N), bufs: makeShards(p.N, l.size)}
	}
	err := parallel(e.workers, batches, nil, newState, func(st *state, b int) error {
		b0 := c0 + b*per
		b1 := min(b0+per, c1)
		l := st.l
		for r := range p.N {
			if rows[r] == nil {
				st.shards[r] = nil
				continue
			}
			buf := st.bufs[r]
			l.clearPadding(buf)
			for c := b0; c < b0+per; c++ {
				var sym []byte
				if c < b1 {
					sym = rows[r][c*ss : (c+1)*ss]
				}
				l.put(buf, c-b0, sym)
			}
			st.shards[r] = buf
		}
		if err := e.cols.reconstruct(st.shards, st.sc); err != nil {
			if errors.Is(err, errTooFewRows) {
				return fmt.Errorf("%w: the given slivers cannot be combined by this decoder (recovery slivers past index %d are not usable)",
					ErrNotEnoughSlivers, p.P+e.cols.bigK-1)
			}
			return fmt.Errorf("encoding: decode: %w", err)
		}
		for i, r := range missing {
			for c := b0; c < b1; c++ {
				l.get(out[i][c*ss:(c+1)*ss], st.shards[r], c-b0)
			}
		}
		return nil
	})
	return out, err
}
