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
// request's answer. So after a sequential read of a sealed chunk, the
// handle opens the following bytes (as many as the read, at least
// aheadMin) in the background; the next read finds its plaintext ready
// and only copies it. The block cache below still holds ciphertext.

// aheadMin is the least a handle opens ahead of a sequential read.
const aheadMin = 1 << 20

// sealedAhead is plaintext opened ahead for a handle: bytes [start,
// start+len(data)) of the chunk stored at ext, valid once done is closed
// (err set on failure).
type sealedAhead struct {
	ext   index.Extent
	start int64
	n     int64
	done  chan struct{}
	data  []byte
	err   error
}

// takeAhead copies into p the plaintext [lo, lo+len(p)) of the chunk at
// ext if the handle opened it ahead, waiting for that if it is under way.
func (h *Handle) takeAhead(ctx context.Context, ext index.Extent, p []byte, lo int64) bool {
	h.rmu.Lock()
	a := h.ahead
	h.rmu.Unlock()
	if a == nil || a.ext != ext || lo < a.start || lo+int64(len(p)) > a.start+a.n {
		return false
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		return false
	}
	if a.err != nil {
		return false // the read itself fails or succeeds, and says why
	}
	copy(p, a.data[lo-a.start:])
	return true
}

// openAhead starts opening plaintext [start, start+n) of sealed chunk c in
// the background, for the handle's next sequential read, unless that is
// already done or under way.
func (f *FS) openAhead(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, start, n int64) {
	plainLen, err := seal.PlainSize(int64(c.Extent.Length))
	if err != nil || start >= plainLen || h.released.Load() {
		return
	}
	n = min(max(n, aheadMin), plainLen-start)
	h.rmu.Lock()
	if a := h.ahead; a != nil && a.ext == c.Extent && a.start == start && a.n >= n {
		h.rmu.Unlock()
		return
	}
	a := &sealedAhead{ext: c.Extent, start: start, n: n, done: make(chan struct{})}
	h.ahead = a
	h.rmu.Unlock()
	// The read that asked is over when this runs: keep its values (the
	// foreground mark), not its cancellation.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	go func() {
		defer cancel()
		defer close(a.done)
		a.data = make([]byte, n)
		a.err = f.openSealed(bg, h, ino, ci, c, a.data, start)
	}()
}
