package rs2

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/walrusfs/walrusfs/rs2/internal/b2"
)

// Encoder encodes, verifies and decodes RS2 blobs for one shard count. It
// is safe for concurrent use and holds no per-blob state.
type Encoder struct {
	p       Params
	rows    *rsCode // secondary code, applied along each row: S -> F
	cols    *rsCode // primary code, applied along each column: P -> 2F
	workers int
}

// Option configures an Encoder.
type Option func(*Encoder)

// WithWorkers sets how many goroutines one Encode may use (default
// GOMAXPROCS).
func WithWorkers(n int) Option {
	return func(e *Encoder) {
		if n > 0 {
			e.workers = n
		}
	}
}

// NewEncoder returns an RS2 encoder for n shards.
func NewEncoder(n int, opts ...Option) (*Encoder, error) {
	p, err := NewParams(n)
	if err != nil {
		return nil, err
	}
	e := &Encoder{p: p, workers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(e)
	}
	if e.rows, err = newRSCode(p.S, p.F); err != nil {
		return nil, fmt.Errorf("encoding: row code: %w", err)
	}
	if e.cols, err = newRSCode(p.P, 2*p.F); err != nil {
		return nil, fmt.Errorf("encoding: column code: %w", err)
	}
	return e, nil
}

// Params returns the code parameters.
func (e *Encoder) Params() Params { return e.p }

// SliverFunc receives one sliver. Calls may come from several goroutines at
// once; s.Data is only valid during the call (copy it to keep it). A
// returned error stops the encoding and is returned by Encode.
type SliverFunc func(s *Sliver) error

// ComputeMetadata computes the metadata (and so the blob ID) of data without
// keeping slivers.
func (e *Encoder) ComputeMetadata(data []byte) (*Metadata, error) {
	return e.Encode(data, nil)
}

// Encode encodes data into n primary and n secondary slivers, passing each
// to emit (if not nil), and returns the metadata. Secondary slivers are
// emitted as their columns are finished, primary slivers after that.
//
// Memory: besides data, Encode holds the P x F row-repair symbols (about
// half the blob) and small per-worker batches. The 2F recovery primary
// slivers (about twice the blob) are produced in passes that each keep at
// most about 3/4 of a blob's worth of them; later passes redo the (cheap)
// Reed-Solomon work but not the hashing. The N x N symbol matrix is never
// held.
func (e *Encoder) Encode(data []byte, emit SliverFunc) (*Metadata, error) {
	if emit == nil {
		job, err := e.computeMetadata(data)
		if err != nil {
			return nil, err
		}
		return job.metadata(), nil
	}
	job, err := e.newJob(data)
	if err != nil {
		return nil, err
	}
	if err := job.rowPhase(); err != nil {
		return nil, err
	}
	job.emit = emit
	if err := job.emitAll(true); err != nil {
		return nil, err
	}
	return job.metadata(), nil
}

// Encoding is a blob whose metadata is known and whose slivers can be
// produced on demand: what a client needs to send the metadata to the
// storage nodes before any sliver.
type Encoding struct {
	job  *encodeJob
	meta *Metadata
}

// PrepareOption configures one Prepare (and the Slivers calls of its
// Encoding).
type PrepareOption func(*encodeJob)

// WithYield makes every worker call yield before each unit of work (a
// batch of rows or columns: a few hundred KiB of input), so the caller
// can pause a background encoding while more urgent work runs. An error
// from yield stops the encoding and is returned.
func WithYield(yield func() error) PrepareOption {
	return func(j *encodeJob) { j.yield = yield }
}

// WithJobWorkers bounds the goroutines of this encoding to n (n <= 0:
// the Encoder's default).
func WithJobWorkers(n int) PrepareOption {
	return func(j *encodeJob) {
		if n > 0 {
			j.workers = n
		}
	}
}

// Prepare computes the metadata of data and keeps what is needed to emit
// the slivers later (the P x F row-repair symbols, about half the blob).
// data must not change until the Encoding is no longer used.
func (e *Encoder) Prepare(data []byte, opts ...PrepareOption) (*Encoding, error) {
	job, err := e.computeMetadata(data, opts...)
	if err != nil {
		return nil, err
	}
	return &Encoding{job: job, meta: job.metadata()}, nil
}

// Metadata returns the blob's metadata.
func (x *Encoding) Metadata() *Metadata { return x.meta }

// Slivers emits all N primary and N secondary slivers, with the memory
// bounds of Encode; it redoes the Reed-Solomon work but no hashing. It may
// be called again, but not concurrently.
func (x *Encoding) Slivers(emit SliverFunc) error {
	x.job.emit = emit
	defer func() { x.job.emit, x.job.recovery = nil, nil }()
	return x.job.emitAll(false)
}

// newJob returns the job of encoding data; its row phase is still to run.
func (e *Encoder) newJob(data []byte, opts ...PrepareOption) (*encodeJob, error) {
	ss, err := e.p.SymbolSize(uint64(len(data)))
	if err != nil {
		return nil, err
	}
	job := &encodeJob{e: e, data: data, ss: ss, workers: e.workers}
	for _, o := range opts {
		o(job)
	}
	return job, nil
}

// emitAll emits every sliver: the secondary ones during the first column
// pass, the systematic primaries after it, and the recovery primaries a
// bounded group per pass. With hash, the first pass also hashes.
func (j *encodeJob) emitAll(hash bool) error {
	p := j.e.p
	// Recovery rows kept per pass: about 3/4 of the blob's bytes, at least
	// one, so that with the row repairs and the workers' batches the peak
	// stays under 3x the blob.
	perPass := max(1, min(2*p.F, len(j.data)*3/4/(p.S*j.ss)))
	for lo := p.P; lo < p.N; lo += perPass {
		hi := min(lo+perPass, p.N)
		first := lo == p.P
		if err := j.columnPhase(hash && first, first, lo, hi); err != nil {
			return err
		}
		if first {
			if err := j.emitSystematic(); err != nil {
				return err
			}
		}
		if err := j.emitRecovery(lo, hi); err != nil {
			return err
		}
	}
	return nil
}

// metadata assembles the hashes computed by the hashing column pass.
func (j *encodeJob) metadata() *Metadata {
	p := j.e.p
	meta := &Metadata{Length: uint64(len(j.data)), Hashes: make([]PairHashes, p.N)}
	j.finishRowTrees(meta)
	for c, h := range j.colRoots {
		meta.Hashes[p.N-1-c].Secondary = h
	}
	return meta
}

type encodeJob struct {
	e       *Encoder
	data    []byte
	ss      int
	emit    SliverFunc
	workers int          // goroutines of each phase
	yield   func() error // called before each batch; nil: never

	repair []byte // P rows x F row-repair symbols, row-major

	colBatch int        // columns per batch, a power of two
	rowRoots [][]Digest // [row][batch] subtree roots
	colRoots []Digest   // [column] Merkle roots of expanded columns
	recovery [][]byte   // recovery primary slivers [lo, hi) of the current pass
}

// symbol returns source symbol (r, c), r < P, c < S: a slice of data that
// may be short or empty at the end of the blob.
func (j *encodeJob) symbol(r, c int) []byte {
	off := j.ss * (j.e.p.S*r + c)
	if off >= len(j.data) {
		return nil
	}
	return j.data[off:min(off+j.ss, len(j.data))]
}

// ErrDataFault means reading the blob's bytes caused a memory fault: the
// data is a mapping of a file that was truncated while it was encoded.
var ErrDataFault = errors.New("encoding: memory fault reading the blob (a mapped file truncated meanwhile?)")

// parallel runs fn(i) for i in [0, n) on the encoder's workers; each worker
// gets its own state from newState and calls yield (if not nil) before
// each fn. A memory fault in a worker (the blob may be a mapped file,
// and the file truncated) is returned as an error wrapping ErrDataFault
// instead of stopping the process.
func parallel[S any](workers, n int, yield func() error, newState func() S, fn func(st S, i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) {
		once.Do(func() { first = err })
		next.Store(int64(n)) // stop handing out work
	}
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			debug.SetPanicOnFault(true)
			defer func() {
				if r := recover(); r != nil {
					f, ok := r.(interface{ Addr() uintptr })
					if !ok {
						panic(r)
					}
					fail(fmt.Errorf("%w: at %#x: %v", ErrDataFault, f.Addr(), r))
				}
			}()
			st := newState()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				err := error(nil)
				if yield != nil {
					err = yield()
				}
				if err == nil {
					err = fn(st, i)
				}
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// batchFor picks how many symbols to pack per shard so a shard is about
// target bytes.
func batchFor(ss, target int) int { return max(1, target/ss) }

// rowPhase computes the F row-repair symbols of each of the P source rows.
// fillColumns lays out, for each primary row, the symbols of columns
// [c0, c0+bc) into src (the columns past n stay zero): source symbols for
// the first S columns, then the rows' repair symbols.
func (j *encodeJob) fillColumns(l layout, src [][]byte, c0, bc int) {
	p := j.e.p
	n, ss := p.N, j.ss
	for r := range p.P {
		l.clearPadding(src[r])
		for c := c0; c < c0+bc; c++ {
			var sym []byte
			switch {
			case c < p.S:
				sym = j.symbol(r, c)
			case c < n:
				off := (r*p.F + c - p.S) * ss
				sym = j.repair[off : off+ss]
			}
			l.put(src[r], c-c0, sym)
		}
	}
}

func (j *encodeJob) rowPhase() error {
	p, ss := j.e.p, j.ss
	if len(j.repair) != p.P*p.F*ss {
		j.repair = make([]byte, p.P*p.F*ss)
	}
	per := min(batchFor(ss, 4<<10), p.P)
	batches := (p.P + per - 1) / per
	type state struct {
		src, out [][]byte
		sc       *codeScratch
		l        layout
	}
	newState := func() *state {
		l := newLayout(ss, per)
		st := &state{l: l, sc: j.e.rows.newScratch(l.size)}
		st.src = makeShards(p.S, l.size)
		st.out = makeShards(p.F, l.size)
		return st
	}
	return parallel(j.workers, batches, j.yield, newState, func(st *state, b int) error {
		r0 := b * per
		r1 := min(r0+per, p.P)
		l := st.l
		for c := range p.S {
			l.clearPadding(st.src[c])
			for r := r0; r < r1; r++ {
				l.put(st.src[c], r-r0, j.symbol(r, c))
			}
			// rows past r1 in a short last batch: zero symbols
			for r := r1; r < r0+per; r++ {
				l.put(st.src[c], r-r0, nil)
			}
		}
		if err := j.e.rows.encode(st.src, st.out, st.sc); err != nil {
			return fmt.Errorf("encoding: row code: %w", err)
		}
		for x := range p.F {
			for r := r0; r < r1; r++ {
				off := (r*p.F + x) * ss
				l.get(j.repair[off:off+ss], st.out[x], r-r0)
			}
		}
		return nil
	})
}

func makeShards(count, size int) [][]byte {
	buf := make([]byte, count*size)
	out := make([][]byte, count)
	for i := range out {
		out[i] = buf[i*size : (i+1)*size : (i+1)*size]
	}
	return out
}

// columnPhase expands every column with the primary code and keeps the
// symbols of recovery rows [keepLo, keepHi) for emitRecovery. With hash
// set it also hashes all N x N symbols once each and builds the column
// trees and the row subtrees of each column batch. With emitSecondary (and
// an emit function) it emits the secondary slivers.
func (j *encodeJob) columnPhase(hash, emitSecondary bool, keepLo, keepHi int) error {
	p, ss := j.e.p, j.ss
	n := p.N
	height := treeHeight(n)
	// Columns per batch: a power of two (so row subtrees compose), a shard
	// of about 4 KiB, and at most 64 so per-worker leaf buffers stay small.
	bc := min(prevPow2(batchFor(ss, 4<<10)), 64, 1<<height)
	j.colBatch = bc
	batches := (n + bc - 1) / bc
	if hash {
		j.rowRoots = make([][]Digest, n)
		for r := range j.rowRoots {
			j.rowRoots[r] = make([]Digest, batches)
		}
		j.colRoots = make([]Digest, n)
	}
	if j.emit != nil {
		// Reuse the previous pass's buffers: every kept symbol is rewritten.
		for len(j.recovery) < keepHi-keepLo {
			j.recovery = append(j.recovery, make([]byte, p.S*ss))
		}
		j.recovery = j.recovery[:keepHi-keepLo]
	}
	subHeight := treeHeight(bc)
	type state struct {
		src, out [][]byte
		sc       *codeScratch
		l        layout
		cols     []byte // [bc][n*ss] expanded columns
		msgs     [][]byte
		leaves   []b2.Digest
		rowLeafs []b2.Digest
	}
	newState := func() *state {
		l := newLayout(ss, bc)
		return &state{
			l: l, sc: j.e.cols.newScratch(l.size),
			src:      makeShards(p.P, l.size),
			out:      makeShards(2*p.F, l.size),
			cols:     make([]byte, bc*n*ss),
			msgs:     make([][]byte, bc*n),
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
		if !hash {
			// No hashing: only the kept recovery rows and, if asked, the
			// secondary slivers (rows 0..P-1 of each column) are needed.
			for r := keepLo; r < keepHi; r++ {
				for c := c0; c < min(c0+w, p.S); c++ {
					l.get(j.recovery[r-keepLo][c*ss:(c+1)*ss], st.out[r-p.P], c-c0)
				}
			}
			if !emitSecondary || j.emit == nil {
				return nil
			}
			sec := st.cols[:p.P*ss]
			for x := range w {
				for r := range p.P {
					l.get(sec[r*ss:(r+1)*ss], st.src[r], x)
				}
				s := &Sliver{Type: Secondary, Index: uint16(c0 + x), SymbolSize: uint16(ss), Data: sec}
				if err := j.emit(s); err != nil {
					return err
				}
			}
			return nil
		}
		// Unpack the expanded columns: column c's N symbols are contiguous.
		for x := range w {
			col := st.cols[x*n*ss : (x+1)*n*ss]
			for r := range n {
				shard := st.src
				rr := r
				if r >= p.P {
					shard, rr = st.out, r-p.P
				}
				l.get(col[r*ss:(r+1)*ss], shard[rr], x)
			}
		}
		msgs := st.msgs[:w*n]
		for i := range msgs {
			msgs[i] = st.cols[i*ss : (i+1)*ss]
		}
		leaves := st.leaves[:w*n]
		b2.SumPrefixed(leaves, leafPrefix, msgs)
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
		if j.emit == nil {
			return nil
		}
		for x := range w {
			c := c0 + x
			col := st.cols[x*n*ss : (x+1)*n*ss]
			if c < p.S {
				for r := keepLo; r < keepHi; r++ {
					copy(j.recovery[r-keepLo][c*ss:(c+1)*ss], col[r*ss:(r+1)*ss])
				}
			}
			if !emitSecondary {
				continue
			}
			s := &Sliver{Type: Secondary, Index: uint16(c), SymbolSize: uint16(ss), Data: col[:p.P*ss]}
			if err := j.emit(s); err != nil {
				return err
			}
		}
		return nil
	})
}

// finishRowTrees combines each row's batch subtrees into its primary hash.
func (j *encodeJob) finishRowTrees(meta *Metadata) {
	n := j.e.p.N
	batches := len(j.rowRoots[0])
	top := treeHeight(n) - treeHeight(j.colBatch)
	nodes := make([]b2.Digest, n*batches)
	for r := range n {
		for b, d := range j.rowRoots[r] {
			nodes[r*batches+b] = b2.Digest(d)
		}
	}
	// About n*batches hashes: on the workers, a block of rows each.
	per := (n + j.workers - 1) / j.workers
	var wg sync.WaitGroup
	for r0 := 0; r0 < n; r0 += per {
		r1 := min(n, r0+per)
		wg.Go(func() {
			for r, root := range merkleRoots(nodes[r0*batches:r1*batches], batches, top) {
				meta.Hashes[r0+r].Primary = root
			}
		})
	}
	wg.Wait()
}

// emitSystematic passes the P systematic primary slivers (the blob's rows)
// to emit.
func (j *encodeJob) emitSystematic() error {
	p, ss := j.e.p, j.ss
	rowLen := p.S * ss
	var pad []byte
	for r := range p.P {
		var data []byte
		if (r+1)*rowLen <= len(j.data) {
			data = j.data[r*rowLen : (r+1)*rowLen]
		} else {
			if pad == nil {
				pad = make([]byte, rowLen)
			}
			clear(pad)
			if r*rowLen < len(j.data) {
				copy(pad, j.data[r*rowLen:])
			}
			data = pad
		}
		if err := j.emit(&Sliver{Type: Primary, Index: uint16(r), SymbolSize: uint16(ss), Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// emitRecovery passes recovery primary slivers [lo, hi), kept by the last
// column pass, to emit.
func (j *encodeJob) emitRecovery(lo, hi int) error {
	for r := lo; r < hi; r++ {
		s := &Sliver{Type: Primary, Index: uint16(r), SymbolSize: uint16(j.ss), Data: j.recovery[r-lo]}
		if err := j.emit(s); err != nil {
			return err
		}
	}
	return nil
}
