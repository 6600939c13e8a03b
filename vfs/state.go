package vfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/index"
)

// LOCK ORDERING (acquire top to bottom, never upwards):
//
//  0. uploader.bg    the background upload slot (a one-place semaphore,
//                    foreground.go): held across one background Store.Put,
//                    taken before gcMu; waiting for it holds no lock.
//  1. FS.gcMu        RLock: an upload from Store.Put through CommitUpload
//                    (and the staging release after it). Lock: the blob
//                    collector's Store.Delete + index.ForgetBlob.
//  2. inodeState.mu  the content lock of one inode. Lock: writes (staging
//                    pwrite + dirty map), flushDirty (SetChunkStaged),
//                    truncate, BeginUpload, CommitUpload + staging release,
//                    staging file deletion. RLock: reads of staged bytes,
//                    the uploader's reads of staging, the index attributes
//                    of an open file with its dirty overlay (attrOf).
//                    Because commit and write exclude each other, and a
//                    write either leaves a dirty entry or has bumped the
//                    generation through flushDirty, a commit never drops
//                    newer staged bytes: commit first flushes dirty
//                    entries, which bumps the generation, so CommitUpload
//                    fails with ErrStale.
//  3. inodeState.fdMu  the staging *os.File pointer only.
//  4. FS.mu          the states map and open counters; no I/O under it.
//  5. uploader.mu    the upload queue; no I/O under it.
//
// Index calls may be made under any of 1-3 (bbolt's own lock is a leaf).
// Blob reads for read-modify-write happen under inodeState.mu (Lock).

// inodeState is the in-memory state of an inode that is open or being
// uploaded. It exists while refs > 0.
type inodeState struct {
	ino uint64

	// Fields below are GUARDED_BY(FS.mu).
	refs     int  // open handles + uploader/packer references
	opens    int  // open file handles
	writers  int  // open handles with write access
	orphaned bool // link count reached 0 while open: DropOrphan on last release

	mu sync.RWMutex // content lock, see LOCK ORDERING
	// dirty maps chunk index -> valid length for chunks written since the
	// last flushDirty; their bytes are in the staging file but the index
	// does not know yet. GUARDED_BY(mu)
	dirty map[uint64]uint64
	// chunkSize of the file (fixed at creation). GUARDED_BY(mu)
	chunkSize uint64
	// dirtySize is the file size implied by dirty chunks; dirtyMtime the
	// time of the last write. Both overlay the index attributes while
	// dirty is not empty. GUARDED_BY(mu)
	dirtySize  uint64
	dirtyMtime time.Time
	// mem, when not nil, is the whole content of a small file that has no
	// staging file (see writeMem); dirty[0] is then len(mem). GUARDED_BY(mu)
	mem []byte

	fdMu sync.Mutex
	fd   *os.File // staging file, opened lazily. GUARDED_BY(fdMu)
	// noStaging: this inode was created by Create during this state's
	// life and no staging file has been made for it since, so there is
	// none to look for (saves an open(2) per small file). GUARDED_BY(fdMu)
	noStaging bool
}

// acquire returns the state of ino with one more reference.
func (f *FS) acquire(ino uint64) *inodeState {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.states[ino]
	if st == nil {
		st = &inodeState{ino: ino}
		f.states[ino] = st
	}
	st.refs++
	return st
}

// release drops a reference taken by acquire. The last reference flushes
// dirty metadata, closes the staging file and, for an orphan, deletes the
// inode and its staging file. The state stays in the map while it flushes,
// so a concurrent open finds it instead of racing with a second state.
func (f *FS) release(st *inodeState) {
	f.mu.Lock()
	st.refs--
	if st.refs > 0 {
		f.mu.Unlock()
		return
	}
	orphan := st.orphaned
	f.mu.Unlock()
	if !orphan {
		st.mu.Lock()
		if err := f.flushDirty(context.Background(), st); err != nil {
			f.log.Error("saving metadata of a closed file", "ino", st.ino, "err", err)
		}
		st.mu.Unlock()
	}
	f.mu.Lock()
	if st.refs > 0 || f.states[st.ino] != st {
		f.mu.Unlock()
		return
	}
	delete(f.states, st.ino)
	drop := st.orphaned
	if drop {
		f.dropping[st.ino] = true
	}
	f.mu.Unlock()
	st.mu.Lock()
	st.closeFd()
	st.mu.Unlock()
	if drop {
		f.dropOrphan(st.ino)
	}
}

// dropOrphan deletes an unlinked inode that no handle holds any more. The
// caller has put ino in f.dropping, which keeps Open from reviving it.
func (f *FS) dropOrphan(ino uint64) {
	defer func() {
		f.mu.Lock()
		delete(f.dropping, ino)
		f.mu.Unlock()
	}()
	if _, err := f.idx.DropOrphan(context.Background(), ino); err != nil && !errors.Is(err, index.ErrNotFound) {
		f.log.Error("deleting unlinked file", "ino", ino, "err", err)
	}
	// The unlink must survive a power cut before the bytes go, or the
	// file could come back without its data.
	if err := f.idx.Sync(context.Background()); err != nil {
		f.log.Error("syncing index before deleting a staging file; keeping it", "ino", ino, "err", err)
		return
	}
	if err := os.Remove(f.stagingPath(ino)); err != nil && !errors.Is(err, os.ErrNotExist) {
		f.log.Warn("removing staging file", "ino", ino, "err", err)
	}
}

// removed handles an inode whose last link an Unlink or Rename took: a
// file is deleted now, or on the last release if a handle (or the
// uploader) holds it. A special inode waits for Forgotten: the kernel,
// which looked it up to unlink it, may still hold it open (a FIFO), and
// fstat of that descriptor asks for its attributes.
func (f *FS) removed(r index.Removed) {
	if !r.Orphaned || r.Type.Special() {
		return
	}
	f.mu.Lock()
	if st := f.states[r.Ino]; st != nil {
		st.orphaned = true
		f.mu.Unlock()
		return
	}
	f.dropping[r.Ino] = true
	f.mu.Unlock()
	f.dropOrphan(r.Ino)
}

// Forgotten is told that the kernel no longer holds inode ino (FUSE
// FORGET): an unlinked special inode goes now. An orphan cannot come
// back through a lookup (it has no name), so nothing races with this.
// Files are left to their last release (removed, Handle.Release).
func (f *FS) Forgotten(ino uint64) {
	ctx := context.Background()
	a, err := f.idx.GetAttr(ctx, ino)
	if err != nil || !a.Type.Special() || a.Nlink > 0 {
		return
	}
	if _, err := f.idx.DropOrphan(ctx, ino); err != nil && !errors.Is(err, index.ErrNotFound) {
		f.log.Error("deleting unlinked special file", "ino", ino, "type", a.Type.String(), "err", err)
	}
}

// acquireOpen is acquire for a new handle: it counts the open, and fails
// with ErrNotFound if the inode is being deleted (an open racing with the
// unlink of the last name).
func (f *FS) acquireOpen(ino uint64, write bool) (*inodeState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dropping[ino] {
		return nil, fmt.Errorf("open inode %d: unlinked: %w", ino, index.ErrNotFound)
	}
	st := f.states[ino]
	if st == nil {
		st = &inodeState{ino: ino}
		f.states[ino] = st
	}
	st.refs++
	st.opens++
	if write {
		st.writers++
	}
	return st, nil
}

// lookupState returns the state of ino if one exists (no reference taken).
func (f *FS) lookupState(ino uint64) *inodeState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.states[ino]
}

// SIZE OF AN OPEN FILE
//
// While a file has dirty chunks, its size is max(index size, dirtySize):
// writes extend the file in the staging file before the index hears of
// them (flushDirty), and nothing shrinks it meanwhile, because a truncate
// (SetAttr with a size) flushes the dirty chunks first and cuts the index
// under the content lock, leaving nothing dirty; later writes start their
// dirty length from the index's chunk length, which the truncate cut. So
// the overlay only ever raises the index size, and that is right.
//
// The two halves must be read as one snapshot, under st.mu (RLock):
// flushDirty moves dirty chunks into the index under st.mu (Lock), and
// anything may call it at any time (close, fsync, msync(MS_SYNC), which
// reaches the daemon as fsync, and the uploader's commit). Reading the
// index first and the dirty state after a flush in between gives the index
// size from before the flush without the dirty size that the flush has
// just cleared: a size older than writes that had completed.
//
// The kernel (no writeback cache) takes the size of every attribute reply
// as the truth: a smaller size than it holds sets i_size back and cuts its
// page cache, dropping dirty pages of mapped writes past it; a short read
// reply likewise ends the file there (fuse_short_read). Until something
// refreshes the attributes, the kernel then answers from that size alone:
// copy_file_range from past it copies nothing (a caller that loops until
// all is copied spins forever), a mapped access past it is SIGBUS. Every
// size the core answers (GetAttr, Lookup, Link, Create, Open's O_TRUNC
// check, the end of file for reads) thus comes from attrOf, and SetAttr
// answers from the index with st.mu held after its flush. Requests the
// kernel has in flight are its own to order (it drops attribute replies
// older than a write that completed since).

// attrOf returns the attributes of ino with the dirty size and mtime of
// its open state, if any, read under the content lock as one snapshot (see
// SIZE OF AN OPEN FILE). The caller must not hold st.mu.
func (f *FS) attrOf(ctx context.Context, ino uint64) (index.Attr, error) {
	st := f.lookupState(ino)
	if st == nil {
		// No state: nothing is dirty, the index is the whole truth. A
		// state created after this look-up only holds writes that
		// completed after the request began.
		return f.idx.GetAttr(ctx, ino)
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	a, err := f.idx.GetAttr(ctx, ino)
	if err == nil {
		st.overlayLocked(&a)
	}
	return a, err
}

// overlayLocked applies the dirty size and mtime of st to a, the index
// attributes read under the same hold of st.mu (R or W).
func (st *inodeState) overlayLocked(a *index.Attr) {
	if len(st.dirty) == 0 {
		return
	}
	if st.dirtySize > a.Size {
		a.Size = st.dirtySize
	}
	if st.dirtyMtime.After(a.Mtime) {
		a.Mtime, a.Ctime = st.dirtyMtime, st.dirtyMtime
	}
	a.Upload = index.UploadStaged
}
