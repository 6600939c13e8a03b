package rs2

import (
	"fmt"
	"runtime"

	"github.com/walrusfs/walrusfs/rs2/internal/b2"
)

// SourceHashes holds the Merkle leaf hashes of a blob's P x S source
// symbols. They need no Reed-Solomon code, so they can be computed while an
// Encoder is still being set up (HashSource), and passed to
// Encoder.ComputeMetadataFrom. It also holds the buffer for the blob's
// row-repair symbols (about half the blob), the largest one the
// computation needs, with its memory already mapped by the kernel. A
// SourceHashes must not be used by two computations at once.
type SourceHashes struct {
	p      Params
	data   []byte
	ss     int
	leaves []b2.Digest // [r*S + c]
	repair []byte      // P x F row-repair symbols, for the row phase
}

// HashSource hashes the source symbols of data for n shards on workers
// goroutines (GOMAXPROCS if workers <= 0). data must not change until the
// metadata is computed.
func HashSource(n int, data []byte, workers int) (*SourceHashes, error) {
	p, err := NewParams(n)
	if err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return hashSource(p, data, workers, nil)
}

func hashSource(p Params, data []byte, workers int, yield func() error) (*SourceHashes, error) {
	ss, err := p.SymbolSize(uint64(len(data)))
	if err != nil {
		return nil, err
	}
	h := &SourceHashes{p: p, data: data, ss: ss, leaves: make([]b2.Digest, p.P*p.S)}
	rowLen := p.S * ss
	// Rows past the end of the blob are all zero symbols: one hash.
	full := min(p.P, (len(data)+rowLen-1)/rowLen)
	if full < p.P {
		var zero [1]b2.Digest
		b2.SumPrefixed(zero[:], leafPrefix, [][]byte{make([]byte, ss)})
		for i := full * p.S; i < len(h.leaves); i++ {
			h.leaves[i] = zero[0]
		}
	}
	err = parallel(workers, full, yield, func() [][]byte { return make([][]byte, p.S) }, func(msgs [][]byte, r int) error {
		var pad []byte
		for c := range msgs {
			sym := symbolOf(data, ss, p.S*r+c)
			if len(sym) < ss {
				if pad == nil {
					pad = make([]byte, ss*(p.S-c))
				}
				dst := pad[:ss:ss]
				pad = pad[ss:]
				copy(dst, sym)
				sym = dst
			}
			msgs[c] = sym
		}
		b2.SumPrefixed(h.leaves[r*p.S:(r+1)*p.S], leafPrefix, msgs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Allocate the row-repair buffer and touch every page of it now: when
	// the codes are set up in the background, this runs on the otherwise
	// idle core instead of as page faults in the row phase.
	h.repair = make([]byte, p.P*p.F*ss)
	for i := 0; i < len(h.repair); i += 4096 {
		h.repair[i] = 0
	}
	return h, nil
}

// symbolOf returns source symbol i (row-major) of data: a slice of data,
// short or empty at the end of the blob.
func symbolOf(data []byte, ss, i int) []byte {
	off := ss * i
	if off >= len(data) {
		return nil
	}
	return data[off:min(off+ss, len(data))]
}

// ComputeMetadataFrom computes the metadata of the blob whose source
// symbols h holds the hashes of (see HashSource); the result equals
// ComputeMetadata's.
func (e *Encoder) ComputeMetadataFrom(h *SourceHashes) (*Metadata, error) {
	if h.p != e.p {
		return nil, fmt.Errorf("encoding: source hashes for %d shards, encoder for %d", h.p.N, e.p.N)
	}
	job, err := e.newJob(h.data)
	if err != nil {
		return nil, err
	}
	job.repair = h.repair
	if err := job.rowPhase(); err != nil {
		return nil, err
	}
	if err := job.hashPhase(h); err != nil {
		return nil, err
	}
	return job.metadata(), nil
}

// computeMetadata hashes the source symbols, then runs the row and the
// hashing column phases.
func (e *Encoder) computeMetadata(data []byte, opts ...PrepareOption) (*encodeJob, error) {
	job, err := e.newJob(data, opts...)
	if err != nil {
		return nil, err
	}
	h, err := hashSource(e.p, data, job.workers, job.yield)
	if err != nil {
		return nil, err
	}
	job.repair = h.repair
	if err := job.rowPhase(); err != nil {
		return nil, err
	}
	if err := job.hashPhase(h); err != nil {
		return nil, err
	}
	return job, nil
}

// hashPhase expands every column with the primary code and hashes the N x N
// symbols (taking the source symbols' hashes from h), building the column
// trees and the row subtrees of each column batch. Unlike columnPhase it
// emits nothing and reads the symbols in place: the source and row-repair
// symbols where they are, the 2F recovery symbols of each column in the
// code's layout, whose tails only are gathered.
func (j *encodeJob) hashPhase(h *SourceHashes) error {
	p, ss := j.e.p, j.ss
	n := p.N
	height := treeHeight(n)
	bc := min(prevPow2(batchFor(ss, 4<<10)), 64, 1<<height)
	j.colBatch = bc
	batches := (n + bc - 1) / bc
	j.rowRoots = make([][]Digest, n)
	for r := range j.rowRoots {
		j.rowRoots[r] = make([]Digest, batches)
	}
	j.colRoots = make([]Digest, n)
	subHeight := treeHeight(bc)
	rec := 2 * p.F // recovery rows
	type state struct {
		src, out [][]byte
		sc       *codeScratch
		l        layout
		tails    []byte // [rec] tails of the recovery symbols of one column
		msgs     [][]byte
		heads    [][]byte
		leaves   []b2.Digest // [bc][n] column-major
		rowLeafs []b2.Digest // [n][bc] row-major
	}
	newState := func() *state {
		l := newLayout(ss, bc)
		return &state{
			l: l, sc: j.e.cols.newScratch(l.size),
			src:      makeShards(p.P, l.size),
			out:      makeShards(rec, l.size),
			tails:    make([]byte, rec*(ss-l.full)),
			msgs:     make([][]byte, n),
			heads:    make([][]byte, rec),
			leaves:   make([]b2.Digest, bc*n),
			rowLeafs: make([]b2.Digest, bc*n),
		}
	}
	return parallel(j.workers, batches, j.yield, newState, func(st *state, b int) error {
		c0 := b * bc
		c1 := min(c0+bc, n)
		w := c1 - c0
		l := st.l
		j.fillColumns(l, st.src, c0, bc)
		if err := j.e.cols.encode(st.src, st.out, st.sc); err != nil {
			return fmt.Errorf("encoding: column code: %w", err)
		}
		tl := ss - l.full
		for x := range w {
			c := c0 + x
			leaves := st.leaves[x*n : (x+1)*n]
			if c < p.S {
				for r := range p.P {
					leaves[r] = h.leaves[r*p.S+c]
				}
			} else {
				msgs := st.msgs[:p.P]
				for r := range msgs {
					off := (r*p.F + c - p.S) * ss
					msgs[r] = j.repair[off : off+ss]
				}
				b2.SumPrefixed(leaves[:p.P], leafPrefix, msgs)
			}
			// Recovery symbols: the whole-block part in place, the tail
			// gathered.
			tails := st.msgs[:rec]
			for r := range rec {
				st.heads[r] = l.head(st.out[r], x)
				tails[r] = st.tails[r*tl : (r+1)*tl]
				l.getTail(tails[r], st.out[r], x)
			}
			b2.SumPrefixed2(leaves[p.P:], leafPrefix, st.heads, tails)
		}
		leaves := st.leaves[:w*n]
		// Row-major copy for the row subtrees, before merkleRoots clobbers
		// the column-major leaves.
		rowLeafs := st.rowLeafs[:w*n]
		for x := range w {
			for r := range n {
				rowLeafs[r*w+x] = leaves[x*n+r]
			}
		}
		for x, root := range merkleRoots(leaves, n, height) {
			j.colRoots[c0+x] = root
		}
		for r, root := range merkleRoots(rowLeafs, w, subHeight) {
			j.rowRoots[r][b] = root
		}
		return nil
	})
}
