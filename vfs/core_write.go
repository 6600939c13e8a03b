package vfs

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/index"
)

// maxFileSize bounds offsets so chunk arithmetic cannot overflow.
const maxFileSize = 1 << 50

// writeAt writes p at off into the staging file of st and records the
// touched chunks as dirty. A stored chunk that the write covers only in
// part is first filled from its blob (read-modify-write of that chunk
// only); a write covering a chunk's whole valid range needs no fetch.
// The index learns about dirty chunks in flushDirty.
func (f *FS) writeAt(ctx context.Context, st *inodeState, p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > maxFileSize {
		return 0, fmt.Errorf("write at %d: %w", off, index.ErrInvalid)
	}
	if len(p) == 0 {
		return 0, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := f.loadChunkSize(ctx, st); err != nil {
		return 0, err
	}
	if done, err := f.writeMem(ctx, st, p, off); done || err != nil {
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	fd, err := f.stagingFile(st, true)
	if err != nil {
		return 0, err
	}
	cs := int64(st.chunkSize)
	end := off + int64(len(p))
	for pos := off; pos < end; {
		ci := uint64(pos / cs)
		cstart := int64(ci) * cs
		wlo, whi := pos-cstart, min(cs, end-cstart)
		if _, ok := st.dirty[ci]; !ok {
			if err := f.prepareChunk(ctx, st, fd, ci, wlo, whi); err != nil {
				return int(pos - off), err
			}
		}
		if _, err := fd.WriteAt(p[pos-off:cstart+whi-off], pos); err != nil {
			return int(pos - off), fmt.Errorf("writing staging file of inode %d: %w", st.ino, err)
		}
		st.dirty[ci] = max(st.dirty[ci], uint64(whi))
		st.dirtySize = max(st.dirtySize, uint64(cstart)+st.dirty[ci])
		pos = cstart + whi
	}
	st.dirtyMtime = f.clock()
	return len(p), nil
}

// writeMem writes p at off into st.mem, the in-memory content of a small
// file, and reports whether it did. Small files (all of their content in
// chunk 0 and at most index.MaxStagedCopy bytes) never get a staging
// file: their bytes stay in memory while written and go to the index as a
// staged copy on flush, so creating one costs no file creation, no staging
// fsync and no staging deletion after upload. A file enters this mode on
// its first write when it has no staging file and fits; a write past the
// limit spills the bytes into a new staging file and returns false, so the
// caller writes there. Caller holds st.mu.
func (f *FS) writeMem(ctx context.Context, st *inodeState, p []byte, off int64) (bool, error) {
	end := off + int64(len(p))
	limit := int64(min(st.chunkSize, index.MaxStagedCopy))
	if st.mem == nil {
		if end > limit || len(st.dirty) > 0 {
			return false, nil
		}
		mem, ok, err := f.loadSmall(ctx, st, limit)
		if err != nil || !ok {
			return false, err
		}
		st.mem = mem
		st.dirty[0] = uint64(len(mem))
	}
	if end > limit {
		fd, err := f.stagingFile(st, true)
		if err != nil {
			return false, err
		}
		if _, err := fd.WriteAt(st.mem, 0); err != nil {
			return false, fmt.Errorf("writing staging file of inode %d: %w", st.ino, err)
		}
		st.mem = nil
		return false, nil
	}
	if end > int64(len(st.mem)) {
		st.mem = append(st.mem, make([]byte, end-int64(len(st.mem)))...)
	}
	copy(st.mem[off:], p)
	st.dirty[0] = uint64(len(st.mem))
	st.dirtySize = max(st.dirtySize, uint64(len(st.mem)))
	st.dirtyMtime = f.clock()
	return true, nil
}

// loadSmall returns the current content of a file that may go to memory
// mode: ok is false if it has a staging file or more than limit bytes.
func (f *FS) loadSmall(ctx context.Context, st *inodeState, limit int64) ([]byte, bool, error) {
	fd, err := f.stagingFile(st, false)
	if err != nil || fd != nil {
		return nil, false, err
	}
	a, err := f.idx.GetAttr(ctx, st.ino)
	if err != nil || a.Size > uint64(limit) {
		return nil, false, err
	}
	mem := make([]byte, a.Size)
	c, ok, err := f.idx.Chunk(ctx, st.ino, 0)
	switch {
	case err != nil:
		return nil, false, err
	case !ok: // a hole (or empty)
	case c.Kind == index.ChunkStaged:
		data, has, err := f.idx.StagedCopy(ctx, st.ino, 0)
		if err != nil || !has {
			return nil, false, err // staged bytes without a staging file: lost, keep the normal path
		}
		copy(mem, data)
	default:
		if err := f.readStored(ctx, nil, st.ino, 0, c, mem[:min(c.Len, a.Size)], 0); err != nil {
			return nil, false, err
		}
	}
	return mem, true, nil
}

// loadChunkSize fills st.chunkSize from the index. Caller holds st.mu.
func (f *FS) loadChunkSize(ctx context.Context, st *inodeState) error {
	if st.chunkSize != 0 {
		return nil
	}
	a, err := f.idx.GetAttr(ctx, st.ino)
	if err != nil {
		return err
	}
	if a.Type != index.TypeFile || a.ChunkSize == 0 {
		return fmt.Errorf("inode %d is a %v: %w", st.ino, a.Type, index.ErrInvalid)
	}
	st.chunkSize = a.ChunkSize
	if st.dirty == nil {
		st.dirty = make(map[uint64]uint64)
	}
	return nil
}

// prepareChunk makes chunk ci dirty before its first write since the last
// flush: dirty length = its current valid length, and a stored chunk that
// the write [wlo, whi) does not fully cover is copied into staging first.
// Caller holds st.mu.
func (f *FS) prepareChunk(ctx context.Context, st *inodeState, fd interface {
	WriteAt([]byte, int64) (int, error)
}, ci uint64, wlo, whi int64) error {
	c, ok, err := f.idx.Chunk(ctx, st.ino, ci)
	if err != nil {
		return err
	}
	if !ok {
		st.dirty[ci] = 0
		return nil
	}
	if c.Kind == index.ChunkStored && (wlo > 0 || whi < int64(c.Len)) {
		buf := make([]byte, c.Len)
		if err := f.readStored(ctx, nil, st.ino, ci, c, buf, 0); err != nil {
			return err
		}
		if _, err := fd.WriteAt(buf, int64(ci)*int64(st.chunkSize)); err != nil {
			return fmt.Errorf("writing staging file of inode %d: %w", st.ino, err)
		}
	}
	st.dirty[ci] = c.Len
	return nil
}

// flushDirty hands the dirty chunks of st to the index (each
// SetChunkStaged bumps the generation, so an upload that began earlier
// cannot commit) and, with DurableOnClose, makes them durable. A file that
// is one chunk of at most index.MaxStagedCopy bytes hands its bytes to the
// index (SetChunkStagedCopy: journaled with the chunk, so one journal
// fdatasync makes it durable, no staging fsync); anything larger gets
// fdatasync of the staging file first (always: the index must never be
// durable ahead of the staging bytes it describes), then the index
// updates, then one journal sync. Caller holds st.mu. It is not cancelled
// by ctx: losing a close's metadata to an interrupt would lose data.
func (f *FS) flushDirty(ctx context.Context, st *inodeState) error {
	if len(st.dirty) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	if st.mem != nil {
		if len(st.mem) > 0 {
			if _, err := f.idx.SetChunkStagedCopy(ctx, st.ino, 0, st.mem); err != nil {
				return err
			}
		}
		st.mem = nil
		clear(st.dirty)
		st.dirtySize = 0
		return f.syncOnClose(ctx)
	}
	if n, ok := st.dirty[0]; ok && len(st.dirty) == 1 && n > 0 && n <= index.MaxStagedCopy {
		if a, err := f.idx.GetAttr(ctx, st.ino); err == nil && a.Size <= n {
			buf := make([]byte, n)
			if err := f.readStaging(st, buf, 0); err != nil {
				return err
			}
			if _, err := f.idx.SetChunkStagedCopy(ctx, st.ino, 0, buf); err != nil {
				return err
			}
			delete(st.dirty, 0)
			st.dirtySize = 0
			return f.syncOnClose(ctx)
		}
	}
	fd, err := f.stagingFile(st, true)
	if err != nil {
		return err
	}
	if err := unix.Fdatasync(int(fd.Fd())); err != nil {
		return fmt.Errorf("syncing staging file of inode %d: %w", st.ino, err)
	}
	keys := make([]uint64, 0, len(st.dirty))
	for ci := range st.dirty {
		keys = append(keys, ci)
	}
	slices.Sort(keys)
	for _, ci := range keys {
		n := st.dirty[ci]
		if n > 0 {
			if _, err := f.idx.SetChunkStaged(ctx, st.ino, ci, n); err != nil {
				return err
			}
		}
		delete(st.dirty, ci)
	}
	st.dirtySize = 0
	return f.syncOnClose(ctx)
}

// syncOnClose makes the index durable if close(2) promises durability
// (DurableOnClose); with DurableOnFsync the caller syncs when it must.
func (f *FS) syncOnClose(ctx context.Context) error {
	if f.opt.Durability != DurableOnClose {
		return nil
	}
	return f.idx.Sync(ctx)
}

// truncateStaging cuts the staging file of st at size (no-op if it is
// shorter or missing). Caller holds st.mu.
func (f *FS) truncateStaging(st *inodeState, size uint64) error {
	if st.mem != nil && uint64(len(st.mem)) > size {
		st.mem = st.mem[:size]
	}
	fd, err := f.stagingFile(st, false)
	if err != nil || fd == nil {
		return err
	}
	fi, err := fd.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > int64(size) {
		return fd.Truncate(int64(size))
	}
	return nil
}
