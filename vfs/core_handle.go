package vfs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// Handle is an open regular file. Its methods are safe for concurrent
// use. Release must be called exactly once.
type Handle struct {
	f           *FS
	st          *inodeState
	read, write bool
	wrote       atomic.Bool // a write happened since the last Flush
	everWrote   atomic.Bool
	released    atomic.Bool
	rmu         sync.Mutex
	rd          *cache.Reader // read-ahead state of the blob read last. GUARDED_BY(rmu)
	rdID        blobid.ID     // GUARDED_BY(rmu)
	rdSize      int64         // GUARDED_BY(rmu)
	// ahead is the plaintext opened ahead of sequential reads of sealed
	// chunks; aheadCi, aheadExt and aheadEnd how far in which chunk (and
	// stored where) the sequential reads have come (crypt_ahead.go).
	ahead     []*sealedAhead // GUARDED_BY(rmu)
	aheadLast *sealedAhead   // the piece started last. GUARDED_BY(rmu)
	aheadCi   uint64         // GUARDED_BY(rmu)
	aheadExt  index.Extent   // GUARDED_BY(rmu)
	aheadEnd  int64          // GUARDED_BY(rmu)
	Ino       uint64         // the open inode
}

// Open opens regular file ino with open(2) flags (O_TRUNC truncates).
// The open is counted before the inode is checked, so an unlink racing
// with it either makes it fail (ENOENT) or waits for its last close.
func (f *FS) Open(ctx context.Context, ino uint64, flags uint32) (*Handle, error) {
	ctx = local(ctx)
	if err := f.refuseOpen(ino, flags); err != nil {
		return nil, err
	}
	acc := flags & syscall.O_ACCMODE
	h := &Handle{f: f, Ino: ino,
		read:  acc == syscall.O_RDONLY || acc == syscall.O_RDWR,
		write: acc == syscall.O_WRONLY || acc == syscall.O_RDWR}
	st, err := f.acquireOpen(ino, h.write)
	if err != nil {
		return nil, err
	}
	h.st = st
	// With the dirty overlay: bytes another handle wrote and has not
	// flushed are in the file, even if the index still has it empty, and
	// O_TRUNC must cut them.
	a, err := f.attrOf(ctx, ino)
	if err == nil && a.Type == index.TypeDir {
		err = fmt.Errorf("open directory %d: %w", ino, index.ErrIsDir)
	} else if err == nil && a.Type == index.TypeSymlink {
		err = fmt.Errorf("open symlink %d: %w", ino, index.ErrInvalid)
	} else if err == nil && a.Type.Special() {
		err = fmt.Errorf("open %v %d: %w", a.Type, ino, ErrNoDevice)
	}
	if err == nil && flags&syscall.O_TRUNC != 0 && h.write && a.Size > 0 {
		err = f.Truncate(ctx, ino, 0)
	}
	if err != nil {
		h.Release(context.Background())
		return nil, err
	}
	return h, nil
}

// Create makes regular file name in parent and opens it. Without O_EXCL an
// existing file is opened instead (a lost race with another creator).
func (f *FS) Create(ctx context.Context, parent uint64, name string, flags, mode, uid, gid uint32) (index.Attr, *Handle, error) {
	ctx = local(ctx)
	a, err := f.Mknod(ctx, parent, name, index.NewNode{Type: index.TypeFile, Mode: mode, Uid: uid, Gid: gid})
	created := err == nil
	if errors.Is(err, index.ErrExist) && flags&syscall.O_EXCL == 0 {
		a, err = f.Lookup(ctx, parent, name)
	}
	if err != nil {
		return a, nil, err
	}
	h, err := f.Open(ctx, a.Ino, flags)
	if err != nil {
		return a, nil, err
	}
	if created {
		// New and empty: O_TRUNC changed nothing, and there is no
		// staging file (inode numbers are never reused, and start-up
		// deletes staging files the index does not know).
		h.st.fdMu.Lock()
		if h.st.fd == nil {
			h.st.noStaging = true
		}
		h.st.fdMu.Unlock()
		return a, h, nil
	}
	a, err = f.GetAttr(ctx, a.Ino)
	if err != nil {
		h.Release(context.Background())
		return a, nil, err
	}
	return a, h, nil
}

// ReadAt reads file bytes at off; n < len(p) only at the end of the file.
func (h *Handle) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	if !h.read {
		return 0, fmt.Errorf("read on a write-only handle: %w", ErrBadHandle)
	}
	return h.f.readAt(ctx, h, p, off)
}

// ReadVec is ReadAt without the last copy: the n bytes read are the
// concatenation of segs, each either the part of p at its place or a
// read-only view of a block in the read cache's memory or of plaintext
// opened ahead. The views stay valid until release is called (once, when
// they have been used; never nil).
func (h *Handle) ReadVec(ctx context.Context, p []byte, off int64) (segs [][]byte, n int, release func(), err error) {
	if !h.read {
		return nil, 0, func() {}, fmt.Errorf("read on a write-only handle: %w", ErrBadHandle)
	}
	refs := &viewRefs{h: h}
	segs, n, err = h.f.readVec(ctx, h, p, off, refs)
	if err != nil {
		refs.release()
		return nil, 0, func() {}, err
	}
	return segs, n, refs.release, nil
}

// WriteAt writes p at off (the kernel resolves O_APPEND offsets).
func (h *Handle) WriteAt(ctx context.Context, p []byte, off int64) (int, error) {
	if !h.write {
		return 0, fmt.Errorf("write on a read-only handle: %w", ErrBadHandle)
	}
	n, err := h.f.writeAt(ctx, h.st, p, off)
	if n > 0 {
		h.wrote.Store(true)
		h.everWrote.Store(true)
	}
	return n, err
}

// Flush is close(2): it makes the file durable on local disk (its writes,
// its creation, an O_TRUNC: see flushDirty and index.Sync; with
// DurableOnFsync only crash-safe, and the index's background journal sync
// makes it durable within a second) and queues it for upload. With
// Options.SyncUploads it then waits until the upload is committed.
func (h *Handle) Flush(ctx context.Context) error {
	closeSync := h.f.opt.Durability == DurableOnClose
	if !h.wrote.Swap(false) {
		if h.write && closeSync {
			return h.f.idx.Sync(context.WithoutCancel(ctx))
		}
		return nil
	}
	st := h.st
	st.mu.Lock()
	err := h.f.flushDirty(ctx, st)
	st.mu.Unlock()
	if err == nil && closeSync {
		err = h.f.idx.Sync(context.WithoutCancel(ctx))
	}
	if err != nil {
		return err
	}
	if h.f.opt.SyncUploads {
		return h.f.up.waitUploaded(ctx, h.Ino)
	}
	h.f.up.enqueue(h.Ino, false)
	return nil
}

// Fsync makes everything written to the file durable on local disk before
// it returns (staging file and index), and queues the upload.
func (h *Handle) Fsync(ctx context.Context) error {
	st := h.st
	st.mu.Lock()
	err := h.f.flushDirty(ctx, st)
	st.mu.Unlock()
	if err != nil {
		return err
	}
	if err := h.f.idx.Sync(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	h.wrote.Store(false)
	h.f.up.enqueue(h.Ino, true)
	return nil
}

// Release closes the handle. The last writer's release queues the upload;
// the last release of an unlinked file deletes it.
func (h *Handle) Release(ctx context.Context) {
	if h.released.Swap(true) {
		return
	}
	h.rmu.Lock()
	if h.rd != nil {
		_ = h.rd.Close()
		h.rd = nil
	}
	for _, a := range h.ahead {
		h.unrefPieceLocked(a)
	}
	h.ahead, h.aheadLast = nil, nil
	h.rmu.Unlock()
	f := h.f
	f.mu.Lock()
	h.st.opens--
	lastWriter := false
	if h.write {
		h.st.writers--
		lastWriter = h.st.writers == 0
	}
	f.mu.Unlock()
	f.release(h.st)
	if lastWriter && h.everWrote.Load() {
		f.up.enqueue(h.Ino, false)
	}
}

// reader returns the read-ahead stream of the handle for blob id, replacing
// the stream of a previous blob. Nil h gives nil (plain cache reads).
func (h *Handle) reader(c *cache.Cache, id blobid.ID, size int64) *cache.Reader {
	if h == nil {
		return nil
	}
	h.rmu.Lock()
	defer h.rmu.Unlock()
	if h.released.Load() {
		return nil
	}
	if h.rd != nil && h.rdID == id && h.rdSize == size {
		return h.rd
	}
	if h.rd != nil {
		_ = h.rd.Close()
	}
	h.rd, h.rdID, h.rdSize = c.NewReader(id, size), id, size
	return h.rd
}
