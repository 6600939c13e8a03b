package vfs

import (
	"context"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// Opening ahead.
//
// Opening sealed segments takes the CPU about a third of a millisecond per
// MiB. Done in the read request, that lies on the critical path of a
// sequential read: the kernel waits for each reply before it has the next
// request's answer. So a handle reading a sealed chunk sequentially opens
// the aheadPieces pieces of aheadPiece bytes that follow the read in the
// background, each once (pieces are aligned, so concurrent requests of
// the kernel's read-ahead find the same piece); a read inside a piece
// waits for it and only copies. The block cache below still holds
// ciphertext.

const (
	aheadPiece  = 1 << 20 // a whole number of segments
	aheadPieces = 4
)

// sealedAhead is one piece opened ahead for a handle: plaintext [start,
// start+n) of the chunk stored at ext, valid once done is closed (err set
// on failure).
type sealedAhead struct {
	ext      index.Extent
	start, n int64
	done     chan struct{}
	data     []byte
	err      error
}

// takeAhead returns the plaintext [lo, lo+n) of the chunk at ext (a view
// of the piece: read-only) if it lies in a piece the handle opened ahead,
// waiting for the piece if it is under way.
func (h *Handle) takeAhead(ctx context.Context, ext index.Extent, n int, lo int64) ([]byte, bool) {
	h.rmu.Lock()
	var a *sealedAhead
	for _, x := range h.ahead {
		if x.ext == ext && lo >= x.start && lo+int64(n) <= x.start+x.n {
			a = x
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

// openAhead makes sure the pieces after plaintext offset end of sealed
// chunk c are opened or being opened, and forgets pieces before from.
func (f *FS) openAhead(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, from, end int64) {
	plainLen, err := seal.PlainSize(int64(c.Extent.Length))
	if err != nil || h.released.Load() {
		return
	}
	first := end / aheadPiece * aheadPiece
	h.rmu.Lock()
	defer h.rmu.Unlock()
	keep := h.ahead[:0]
	for _, x := range h.ahead {
		if x.ext == c.Extent && x.start+x.n > from {
			keep = append(keep, x)
		}
	}
	clear(h.ahead[len(keep):])
	h.ahead = keep
	// Pieces are opened one after the other, in order: the handle's
	// cache stream then sees a sequential reader and keeps fetching
	// ahead from the network.
	var prev *sealedAhead
	for _, x := range h.ahead {
		if prev == nil || x.start > prev.start {
			prev = x
		}
	}
	for start := first; start < min(plainLen, first+aheadPieces*aheadPiece); start += aheadPiece {
		have := false
		for _, x := range h.ahead {
			have = have || x.start == start
		}
		if have {
			continue
		}
		a := &sealedAhead{ext: c.Extent, start: start, n: min(aheadPiece, plainLen-start), done: make(chan struct{})}
		h.ahead = append(h.ahead, a)
		// The read that asked is over when this runs: keep its values
		// (the foreground mark), not its cancellation.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		go func(after *sealedAhead) {
			defer cancel()
			defer close(a.done)
			if after != nil {
				select {
				case <-after.done:
				case <-bg.Done():
				}
			}
			a.data = make([]byte, a.n)
			a.err = f.openSealed(bg, h, ino, ci, c, a.data, a.start)
		}(prev)
		prev = a
	}
}
