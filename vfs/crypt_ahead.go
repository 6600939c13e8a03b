package vfs

import (
	"context"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// Opening ahead.
//
// Opening sealed segments takes the CPU about half a millisecond per MiB.
// Done in the read request, that lies on the critical path of a
// sequential read: the kernel waits for each reply before it has the next
// request's answer. So a handle reading sealed chunks sequentially opens
// the aheadPieces pieces of aheadPiece bytes that follow the read in the
// background, each once (pieces are aligned, so concurrent requests of
// the kernel's read-ahead find the same piece), into the next chunk when
// the window passes the end of this one; a read inside a piece waits for
// it and replies from it without a copy. The pieces' ciphertext is
// fetched in order, so the handle's cache stream sees a sequential
// reader and keeps fetching ahead from the network, and a piece is
// fetched while the one before it is opened. The block cache below still
// holds ciphertext.
//
// A piece's buffer is recycled (FS.pieceBufs) once nothing refers to it:
// the handle's window, the goroutine opening it, and every read reply
// that is a view of it (viewRefs, released when the reply has been sent).
// A buffer taken from the pool is still warm in the CPU's caches when the
// reply copies it to the kernel; a fresh one costs zeroing, a collection
// and a cold copy, about as much again as opening it.

const (
	aheadPiece  = 1 << 20 // a whole number of segments
	aheadPieces = 4
)

// sealedAhead is one piece opened ahead for a handle: plaintext [start,
// start+n) of chunk ci stored at ext, valid once done is closed (err set
// on failure).
type sealedAhead struct {
	ci       uint64
	ext      index.Extent
	start, n int64
	last     bool          // the piece ends its chunk
	fetched  chan struct{} // closed once its ciphertext is read (or failed)
	done     chan struct{}
	data     []byte
	err      error
	// refs counts the window, the opening goroutine and the replies
	// that hold the piece; buf returns to the pool at zero. GUARDED_BY(h.rmu)
	refs int32
	buf  *[]byte
}

// viewRefs holds the pieces one read's reply is a view of, until release.
type viewRefs struct {
	h      *Handle
	pieces []*sealedAhead
}

// release lets go of the pieces (the reply has been sent or copied).
func (r *viewRefs) release() {
	if len(r.pieces) == 0 {
		return
	}
	r.h.rmu.Lock()
	for _, a := range r.pieces {
		r.h.unrefPieceLocked(a)
	}
	r.h.rmu.Unlock()
	r.pieces = nil
}

// unrefPieceLocked drops one reference to a, recycling its buffer at zero.
func (h *Handle) unrefPieceLocked(a *sealedAhead) {
	a.refs--
	if a.refs == 0 && a.buf != nil {
		h.f.pieceBufs.Put(a.buf)
		a.buf, a.data = nil, nil
	}
}

// takeAhead returns the plaintext [lo, lo+n) of chunk ci at ext (a view
// of the piece: read-only, held by refs) if it lies in a piece the handle
// opened ahead, waiting for the piece if it is under way.
func (h *Handle) takeAhead(ctx context.Context, ci uint64, ext index.Extent, n int, lo int64, refs *viewRefs) ([]byte, bool) {
	h.rmu.Lock()
	var a *sealedAhead
	for _, x := range h.ahead {
		if x.ci == ci && x.ext == ext && lo >= x.start && lo+int64(n) <= x.start+x.n {
			a = x
			a.refs++
			refs.pieces = append(refs.pieces, a)
			break
		}
	}
	h.rmu.Unlock()
	if a == nil {
		return nil, false
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		return nil, false
	}
	if a.err != nil {
		return nil, false // the read itself fails or succeeds, and says why
	}
	return a.data[lo-a.start : lo-a.start+int64(n) : lo-a.start+int64(n)], true
}

// openAhead makes sure the pieces of the aheadPieces*aheadPiece bytes
// after plaintext offset end of sealed chunk ci (c) are opened or being
// opened, continuing into chunk ci+1 if the window passes the end of c,
// and forgets pieces more than a piece before from.
func (f *FS) openAhead(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, from, end int64) {
	plainLen, err := seal.PlainSize(int64(c.Extent.Length))
	if err != nil || h.released.Load() {
		return
	}
	first := end / aheadPiece * aheadPiece
	want := int64(aheadPieces * aheadPiece) // bytes of the window
	// The window's part in the next chunk, if any.
	var next index.ChunkState
	var nextLen, nextPlain int64
	if spill := first + want - plainLen; spill > 0 {
		if nc, ok, err := f.idx.Chunk(ctx, ino, ci+1); err == nil && ok && nc.Kind == index.ChunkStored && nc.Extent.Key.Sealed() {
			if nl, err := seal.PlainSize(int64(nc.Extent.Length)); err == nil {
				next, nextLen, nextPlain = nc, min(nl, spill/aheadPiece*aheadPiece), nl
			}
		}
	}
	h.rmu.Lock()
	defer h.rmu.Unlock()
	keep := h.ahead[:0]
	for _, x := range h.ahead {
		if x.ci == ci && x.ext == c.Extent && x.start+x.n > from-aheadPiece ||
			x.ci+1 == ci && x.last && from < aheadPiece || // late reads of the previous chunk
			x.ci == ci+1 && nextLen > 0 && x.ext == next.Extent {
			keep = append(keep, x)
		} else {
			h.unrefPieceLocked(x)
		}
	}
	clear(h.ahead[len(keep):])
	h.ahead = keep
	for start := first; start < min(plainLen, first+want); start += aheadPiece {
		f.startPieceLocked(ctx, h, ino, ci, c, start, min(aheadPiece, plainLen-start), start+aheadPiece >= plainLen)
	}
	for start := int64(0); start < nextLen; start += aheadPiece {
		f.startPieceLocked(ctx, h, ino, ci+1, next, start, min(aheadPiece, nextLen-start), start+aheadPiece >= nextPlain)
	}
}

// startPieceLocked starts opening plaintext [start, start+n) of chunk ci
// (c) unless the handle has that piece. Its ciphertext is read once the
// piece started before it has read its own, and opened once that piece
// is opened.
func (f *FS) startPieceLocked(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, start, n int64, last bool) {
	for _, x := range h.ahead {
		if x.ci == ci && x.ext == c.Extent && x.start == start {
			return
		}
	}
	a := &sealedAhead{ci: ci, ext: c.Extent, start: start, n: n, last: last, fetched: make(chan struct{}), done: make(chan struct{}),
		refs: 2, buf: f.pieceBuf()} // the window and the goroutine below
	a.data = (*a.buf)[:n]
	h.ahead = append(h.ahead, a)
	prev := h.aheadLast
	h.aheadLast = a
	// The read that asked is over when this runs: keep its values
	// (the foreground mark), not its cancellation.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	go func() {
		defer cancel()
		defer func() {
			h.rmu.Lock()
			h.unrefPieceLocked(a)
			h.rmu.Unlock()
		}()
		defer close(a.done)
		if prev != nil {
			select {
			case <-prev.fetched:
			case <-bg.Done():
			}
		}
		sf, err := f.fetchSealed(bg, h, ino, ci, c, a.start, a.n)
		close(a.fetched)
		if err != nil {
			a.err = err
			return
		}
		// Opened in order too, each on all cores (seal): the piece the
		// reader needs next is never slowed by those after it.
		if prev != nil {
			select {
			case <-prev.done:
			case <-bg.Done():
			}
		}
		a.err = f.openFetched(sf, ino, ci, c, a.data, a.start)
	}()
}

// pieceBuf returns a buffer of aheadPiece bytes for a piece, recycled when
// one is free.
func (f *FS) pieceBuf() *[]byte {
	if bp, ok := f.pieceBufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, aheadPiece)
	return &b
}
