package vfs

import (
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/index"
)

// TestSizeDuringFlush: the size that GetAttr, Lookup and the end of file
// of a read report for an open file includes every write that has
// returned, while another goroutine keeps flushing the dirty chunks into
// the index (as fsync, msync and the uploader's commit do). Read as two
// separate steps, index then dirty state, a flush in between lost the
// write: the answer was the index size from before the flush, and the
// kernel takes such a size as the truth (it cuts its page cache there).
func TestSizeDuringFlush(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.Durability = DurableOnFsync }})
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		mode := uint32(0o644)
		for i := 0; !stop.Load(); i++ {
			var err error
			if i%16 == 0 {
				err = h.Fsync(ctxb) // also queues a forced upload: commits flush too
			} else {
				_, err = e.fs.SetAttr(ctxb, a.Ino, index.AttrUpdate{Mode: &mode})
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()
	// Offsets grow by an odd step: the file starts as a small file in
	// memory, then spills into a staging file over several chunks.
	const step = 97
	for i := range 3000 {
		end := int64(i+1) * step
		b := []byte{byte(i) | 1}
		if _, err := h.WriteAt(ctxb, b, end-1); err != nil {
			t.Fatal(err)
		}
		at, err := e.fs.GetAttr(ctxb, a.Ino)
		if err != nil {
			t.Fatal(err)
		}
		if at.Size != uint64(end) {
			t.Fatalf("write %d: GetAttr size %d after a write ending at %d", i, at.Size, end)
		}
		if i%4 == 0 {
			at, err := e.fs.Lookup(ctxb, index.RootIno, "f")
			if err != nil || at.Size != uint64(end) {
				t.Fatalf("write %d: Lookup size %d (%v) after a write ending at %d", i, at.Size, err, end)
			}
		}
		p := make([]byte, 2)
		n, err := h.ReadAt(ctxb, p, end-1)
		if err != nil || n != 1 || p[0] != b[0] {
			t.Fatalf("write %d: read at %d: n=%d byte %#x err=%v, want the byte %#x just written", i, end-1, n, p[0], err, b[0])
		}
	}
}

// TestOpenTruncCutsUnflushedWrites: O_TRUNC empties a file whose only
// bytes are another handle's unflushed writes (the index still has it
// empty).
func TestOpenTruncCutsUnflushedWrites(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	if _, err := h.WriteAt(ctxb, []byte("unflushed"), 0); err != nil {
		t.Fatal(err)
	}
	h2, err := e.fs.Open(ctxb, a.Ino, syscall.O_WRONLY|syscall.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Release(ctxb)
	if at, err := e.fs.GetAttr(ctxb, a.Ino); err != nil || at.Size != 0 {
		t.Fatalf("after open with O_TRUNC: size %d (%v), want 0", at.Size, err)
	}
	if n, err := h.ReadAt(ctxb, make([]byte, 16), 0); err != nil || n != 0 {
		t.Fatalf("after open with O_TRUNC: read %d bytes (%v), want 0", n, err)
	}
}
