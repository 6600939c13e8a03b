package cache

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// maxParallelBlocks bounds the blocks one ReadAt fetches at a time.
const maxParallelBlocks = 8

// ReadAt reads len(p) bytes of blob id (blobSize bytes long) at offset off,
// like io.ReaderAt: it returns n < len(p) only with an error, and io.EOF
// when the read reaches the end of the blob (as os.File.ReadAt does). It
// touches only the blocks that overlap [off, off+len(p)), fetching the
// missing ones from the Source in parallel. Source errors are wrapped
// (%w); a cancelled ctx returns ctx.Err().
func (c *Cache) ReadAt(ctx context.Context, id blobid.ID, blobSize int64, p []byte, off int64) (int, error) {
	segs, n, err := c.readVec(ctx, id, blobSize, p, off, false)
	Gather(p, segs)
	return n, err
}

// ReadVec is ReadAt without the last copy: the n bytes read are the
// concatenation of segs, each of which is either the part of p at its
// place (filled) or a view of a block the cache holds in memory. Views
// must not be modified; they stay valid (the bytes of a blob never
// change) as long as the caller holds them. A reply to the kernel can
// then go out straight from the block fetched for it.
func (c *Cache) ReadVec(ctx context.Context, id blobid.ID, blobSize int64, p []byte, off int64) (segs [][]byte, n int, err error) {
	return c.readVec(ctx, id, blobSize, p, off, false)
}

// Gather copies into p the segments of segs (as ReadVec returns them for
// p) that are not already at their place in p.
func Gather(p []byte, segs [][]byte) {
	pos := 0
	for _, s := range segs {
		if len(s) > 0 && &s[0] != &p[pos] {
			copy(p[pos:], s)
		}
		pos += len(s)
	}
}

// readVec is ReadVec; stream says the read is part of a sequential stream
// (a Reader with a read-ahead window), so that blocks it fetches are
// stored like read-ahead ones (see writeFile).
func (c *Cache) readVec(ctx context.Context, id blobid.ID, blobSize int64, p []byte, off int64, stream bool) ([][]byte, int, error) {
	if off < 0 {
		return nil, 0, fmt.Errorf("cache: negative offset %d", off)
	}
	if off >= blobSize {
		return nil, 0, io.EOF
	}
	var eof error
	if rem := blobSize - off; int64(len(p)) > rem {
		p, eof = p[:rem], io.EOF
	}
	if len(p) == 0 {
		return nil, 0, nil
	}
	end := off + int64(len(p))
	first, last := off/c.bs, (end-1)/c.bs
	if first == last {
		seg, err := c.readBlock(ctx, key{id, first}, c.blockLen(blobSize, first), p, off-first*c.bs, stream)
		if err != nil {
			return nil, 0, err
		}
		return [][]byte{seg}, len(p), eof
	}

	segs := make([][]byte, last-first+1)
	errs := make([]error, last-first+1)
	sem := make(chan struct{}, maxParallelBlocks)
	var wg sync.WaitGroup
	for i := first; i <= last; i++ {
		bstart := i * c.bs
		lo, hi := max(off, bstart), min(end, bstart+c.bs)
		dst := p[lo-off : hi-off]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			segs[i-first], errs[i-first] = c.readBlock(ctx, key{id, i}, c.blockLen(blobSize, i), dst, lo-bstart, stream)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			// Bytes before the first failed block are valid.
			return segs[:i], int(max(0, (first+int64(i))*c.bs-off)), err
		}
	}
	return segs, len(p), eof
}

// readBlock returns bytes [off, off+len(dst)) of block k (size bytes):
// a view of the block if it is in memory, else dst filled from the block
// file. A block file that cannot be read (deleted or truncated behind our
// back) is dropped and the block fetched again, once.
func (c *Cache) readBlock(ctx context.Context, k key, size int64, dst []byte, off int64, stream bool) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.acquire(ctx, k, size, stream)
		if err != nil {
			return nil, err
		}
		if r.e == nil {
			if int64(len(r.data)) < off+int64(len(dst)) {
				return nil, fmt.Errorf("cache: block %d of blob %s has %d bytes, want %d: %w", k.idx, k.id, len(r.data), off+int64(len(dst)), ErrShortRead)
			}
			return r.data[off : off+int64(len(dst)) : off+int64(len(dst))], nil
		}
		err = c.readFile(r.e, dst, off)
		if err == nil {
			c.release(r.e)
			return dst, nil
		}
		c.log.Warn("cache: cannot read block file; dropping it", "blob", k.id, "block", k.idx, "err", err)
		c.mu.Lock()
		r.e.pins--
		c.dropLocked(r.e)
		c.mu.Unlock()
		if attempt > 0 {
			return nil, fmt.Errorf("cache: read block %d of blob %s from disk: %w", k.idx, k.id, err)
		}
	}
}

// seqSlack is how far (in blocks) a read may land from where the
// previous one ended and still count as sequential: the kernel reorders
// and overlaps concurrent reads of one stream.
const seqSlack = 1

// Reader is the stream state of one open file handle: it detects
// sequential reads and prefetches ahead of them. Reads go through the
// cache, so several Readers of the same blob share blocks and fetches.
//
// The read-ahead window starts at 0, becomes one block on the second
// sequential read and doubles on each further one, up to the cache's
// read-ahead cap. A seek resets it to 0 and cancels read-ahead still in
// flight. Reader is safe for concurrent use.
//
// Close parks a Reader that is in a sequential stream instead of
// cancelling its read-ahead at once: for a short grace period, a
// NewReader of the same blob takes the stream over (window, read-ahead in
// flight). A file handle reading a file of many blobs gets one Reader per
// blob and closes it when it moves to the next, and the kernel's
// concurrent reads can step back and forth across that boundary; with
// Seed and Spill, the next blob's read-ahead starts before the stream
// gets there. Read-ahead of a parked Reader that nobody takes over is
// cancelled after the grace period.
type Reader struct {
	c    *Cache
	id   blobid.ID
	size int64

	mu sync.Mutex
	// next is the offset just past the furthest sequential read; -1
	// before the first read. GUARDED_BY(mu)
	next int64
	// window is the read-ahead window in bytes. GUARDED_BY(mu)
	window int64
	// raNext is the first block not yet handed to read-ahead. GUARDED_BY(mu)
	raNext int64
	// spilled is how far past the end of the blob the window reached
	// when Spill last reported it. GUARDED_BY(mu)
	spilled int64
	// raCtx is the context of read-ahead fetches; replaced on a seek.
	// GUARDED_BY(mu)
	raCtx    context.Context
	raCancel context.CancelFunc // GUARDED_BY(mu)
	closed   bool               // GUARDED_BY(mu)
}

// parkKey names the blob a parked Reader streams.
type parkKey struct {
	id   blobid.ID
	size int64
}

// parked is the stream state of a closed Reader waiting to be taken over.
// All fields are read-only once parked; the entry is GUARDED_BY(Cache.mu).
type parked struct {
	next, window, raNext, spilled int64
	raCtx                         context.Context
	raCancel                      context.CancelFunc
	timer                         *time.Timer
}

// maxParked bounds the parked Readers; the oldest is cancelled first.
const maxParked = 64

// NewReader returns the stream state for one open handle of blob id of
// blobSize bytes. The caller must Close it. If a Reader of the same blob
// was closed less than the grace period ago in the middle of a
// sequential stream, the new Reader continues that stream.
func (c *Cache) NewReader(id blobid.ID, blobSize int64) *Reader {
	r := &Reader{c: c, id: id, size: blobSize, next: -1}
	c.mu.Lock()
	p := c.parked[parkKey{id, blobSize}]
	if p != nil {
		c.unparkLocked(parkKey{id, blobSize})
	}
	c.mu.Unlock()
	if p != nil {
		r.next, r.window, r.raNext, r.spilled = p.next, p.window, p.raNext, p.spilled
		r.raCtx, r.raCancel = p.raCtx, p.raCancel
		return r
	}
	r.raCtx, r.raCancel = context.WithCancel(c.ctx)
	return r
}

// unparkLocked removes the parked stream of k without cancelling it.
func (c *Cache) unparkLocked(k parkKey) {
	p := c.parked[k]
	p.timer.Stop()
	delete(c.parked, k)
	for i, o := range c.parkOrder {
		if o == k {
			c.parkOrder = append(c.parkOrder[:i], c.parkOrder[i+1:]...)
			break
		}
	}
}

// ReadAt reads like Cache.ReadAt and updates the read-ahead state.
func (r *Reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	segs, n, err := r.ReadVec(ctx, p, off)
	Gather(p, segs)
	return n, err
}

// ReadVec reads like Cache.ReadVec and updates the read-ahead state.
func (r *Reader) ReadVec(ctx context.Context, p []byte, off int64) ([][]byte, int, error) {
	stream := r.advance(off, int64(len(p)))
	return r.c.readVec(ctx, r.id, r.size, p, off, stream)
}

// advance records a read of n bytes at off and starts read-ahead. It
// reports whether the read is part of a sequential stream.
func (r *Reader) advance(off, n int64) bool {
	c := r.c
	if c.maxRA == 0 || off < 0 || off >= r.size {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	slack := seqSlack * c.bs
	switch {
	case r.next >= 0 && off >= r.next-slack && off <= r.next+slack:
		if r.window == 0 {
			r.window = c.bs
		} else {
			r.window = min(2*r.window, c.maxRA)
		}
		r.next = max(r.next, off+n)
	default: // first read or a seek
		r.resetLocked(off + n)
		return false
	}
	r.aheadLocked()
	return true
}

// resetLocked forgets the stream (a seek): read-ahead in flight is
// cancelled and the window is 0.
func (r *Reader) resetLocked(next int64) {
	if r.window > 0 || r.raNext > 0 {
		r.raCancel()
		r.raCtx, r.raCancel = context.WithCancel(r.c.ctx)
	}
	r.window, r.raNext, r.spilled, r.next = 0, 0, 0, next
}

// aheadLocked starts read-ahead of the blocks from the first one not yet
// handed to read-ahead up to the end of the window.
func (r *Reader) aheadLocked() {
	c := r.c
	if r.raCtx.Err() != nil {
		return // cache closed
	}
	from := max(r.raNext, r.next/c.bs)
	to := (min(r.next+r.window, r.size) + c.bs - 1) / c.bs // exclusive
	if from >= to {
		return
	}
	ctx := r.raCtx
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for i := from; i < to; i++ {
		e, f := c.prefetchLocked(key{r.id, i}, c.blockLen(r.size, i))
		if f == nil {
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			_, _ = c.wait(ctx, e, f)
		}()
	}
	r.raNext = to
}

// Spill reports how far (in bytes) past the end of the blob the
// read-ahead window now reaches, if that is further than at the previous
// call, else 0. A caller that knows what the stream reads after this blob
// (the mount: the next chunk of the file) can Seed a Reader of it with
// that window, so its fetches start before the stream gets there.
func (r *Reader) Spill() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.window == 0 || r.next < 0 {
		return 0
	}
	s := r.next + r.window - r.size
	if s <= r.spilled {
		return 0
	}
	r.spilled = s
	return s
}

// Seed starts r as a sequential stream that has reached off with a
// read-ahead window of window bytes (at most the cache's read-ahead cap),
// and starts that read-ahead; a read at off then counts as sequential.
// A Reader already in a stream keeps its position and only widens its
// window. Seed is meant for a Reader that is then closed and taken over
// by NewReader (see Spill).
func (r *Reader) Seed(off, window int64) {
	c := r.c
	if c.maxRA == 0 || off < 0 || off >= r.size || window <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.next < 0 || r.window == 0 {
		r.next = off
	}
	r.window = max(r.window, min(window, c.maxRA))
	r.aheadLocked()
}

// Close ends the Reader: it must not be used afterwards. A Reader in a
// sequential stream is parked for the grace period (see Reader); any
// other has its read-ahead cancelled at once. Fetches other readers wait
// for go on. It never fails; a second Close does nothing.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	c := r.c
	if r.window == 0 || c.parkGrace <= 0 {
		r.raCancel()
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		r.raCancel()
		return nil
	}
	k := parkKey{r.id, r.size}
	if old := c.parked[k]; old != nil {
		c.unparkLocked(k)
		old.raCancel()
	}
	if len(c.parkOrder) >= maxParked {
		oldest := c.parkOrder[0]
		old := c.parked[oldest]
		c.unparkLocked(oldest)
		old.raCancel()
	}
	p := &parked{next: r.next, window: r.window, raNext: r.raNext, spilled: r.spilled,
		raCtx: r.raCtx, raCancel: r.raCancel}
	p.timer = time.AfterFunc(c.parkGrace, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.parked[k] == p {
			c.unparkLocked(k)
			p.raCancel()
		}
	})
	c.parked[k] = p
	c.parkOrder = append(c.parkOrder, k)
	return nil
}
