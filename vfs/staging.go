package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/index"
)

// Staging files.
//
// Each regular file with staged chunks has one sparse staging file,
// <staging>/<ino as 16 hex digits>, holding the staged bytes at the same
// offsets as in the file. INVARIANT: every byte of a staging file that is
// not inside the valid part of a staged (or dirty) chunk is zero or past
// its end, so a chunk that grows reads zeros, never stale bytes. Keeping
// it: truncate cuts the staging file at the new size; a commit punches the
// committed chunks; New reconciles leftovers after a crash.

// stagingFile returns the staging file of st, creating it if create is
// set. With create unset a missing file gives (nil, nil): everything reads
// as zeros, or from the staged copy (readStaging). A new staging file
// first receives the staged copy of chunk 0 from the index, if any (the
// fs makes copies of chunk 0 only), since once a staging file exists its
// bytes are the staged bytes.
func (f *FS) stagingFile(st *inodeState, create bool) (*os.File, error) {
	st.fdMu.Lock()
	defer st.fdMu.Unlock()
	if st.fd != nil {
		return st.fd, nil
	}
	if st.noStaging && !create {
		return nil, nil
	}
	st.noStaging = false
	path := f.stagingPath(st.ino)
	fd, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, nil
		}
		if fd, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			var data []byte
			var ok bool
			if data, ok, err = f.idx.StagedCopy(context.Background(), st.ino, 0); err == nil && ok {
				_, err = fd.WriteAt(data, 0)
			}
			if err != nil {
				_ = fd.Close()
				_ = os.Remove(path)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("staging file of inode %d: %w", st.ino, err)
	}
	st.fd = fd
	return fd, nil
}

// closeFd closes the staging file descriptor (the file stays).
func (st *inodeState) closeFd() {
	st.fdMu.Lock()
	defer st.fdMu.Unlock()
	if st.fd != nil {
		_ = st.fd.Close()
		st.fd = nil
	}
}

// readStaging fills p with staged bytes at file offset off (within one
// chunk); missing bytes are zeros. The bytes of a small file in memory
// (st.mem) come from there; those of a small file without a staging file
// from its staged copy in the index. Caller holds st.mu (R or W).
func (f *FS) readStaging(st *inodeState, p []byte, off int64) error {
	if st.mem != nil {
		n := 0
		if off < int64(len(st.mem)) {
			n = copy(p, st.mem[off:])
		}
		clear(p[n:])
		return nil
	}
	fd, err := f.stagingFile(st, false)
	if err != nil {
		clear(p)
		return err
	}
	if fd == nil {
		return f.readCopy(st, p, off)
	}
	n, err := fd.ReadAt(p, off)
	clear(p[n:])
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading staging file of inode %d: %w", st.ino, err)
	}
	return nil
}

// readCopy fills p from the staged copy in the index of the chunk holding
// file offset off; zeros when there is none.
func (f *FS) readCopy(st *inodeState, p []byte, off int64) error {
	clear(p)
	ctx := context.Background()
	cs := st.chunkSize
	if cs == 0 {
		a, err := f.idx.GetAttr(ctx, st.ino)
		if err != nil {
			return err
		}
		cs = a.ChunkSize
	}
	if cs == 0 {
		return nil
	}
	ci := uint64(off) / cs
	data, ok, err := f.idx.StagedCopy(ctx, st.ino, ci)
	if err != nil || !ok {
		return err
	}
	if lo := uint64(off) - ci*cs; lo < uint64(len(data)) {
		copy(p, data[lo:])
	}
	return nil
}

// punch zeroes [off, off+n) of the staging file, freeing its blocks.
func punch(fd *os.File, off, n int64) error {
	err := unix.Fallocate(int(fd.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
	if err == nil || !(errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS)) {
		return err
	}
	// No hole punching here: write zeros up to the current end.
	fi, err := fd.Stat()
	if err != nil {
		return err
	}
	n = min(n, fi.Size()-off)
	zero := make([]byte, min(n, 1<<20))
	for n > 0 {
		w := min(n, int64(len(zero)))
		if _, err := fd.WriteAt(zero[:w], off); err != nil {
			return err
		}
		off, n = off+w, n-w
	}
	return nil
}

// deleteStaging removes the staging file of st. Caller holds st.mu.
func (f *FS) deleteStaging(st *inodeState) error {
	st.closeFd()
	if err := os.Remove(f.stagingPath(st.ino)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// reconcileStaging runs at start-up, before any handle exists. It deletes
// staging files of inodes with nothing staged and zeroes, in the others,
// every range that no staged chunk covers (bytes written but never
// flushed before a crash), restoring the staging invariant.
//
// It also restores small files. They are closed durably through a copy of
// their bytes in the index (index.SetChunkStagedCopy, chunk 0 only) rather
// than an fsync of a staging file. Most have no staging file; one that has
// (its bytes were flushed from a staging file, or a write spilled them there
// after the last flush) may hold other bytes after a crash than the durable
// copy: those are written back and synced, so the file is its last closed
// version.
func (f *FS) reconcileStaging(ctx context.Context) error {
	ents, err := os.ReadDir(f.staging)
	if err != nil {
		return fmt.Errorf("fs: reading staging directory: %w", err)
	}
	for _, e := range ents {
		ino, err := strconv.ParseUint(e.Name(), 16, 64)
		path := f.stagingPath(ino)
		if err != nil || e.IsDir() || path != f.staging+"/"+e.Name() {
			f.log.Warn("ignoring unexpected file in staging directory", "name", e.Name())
			continue
		}
		a, err := f.idx.GetAttr(ctx, ino)
		var chunks map[uint64]index.ChunkState
		if err == nil {
			chunks, err = f.idx.Chunks(ctx, ino)
		}
		if errors.Is(err, index.ErrNotFound) || errors.Is(err, index.ErrIsDir) || errors.Is(err, index.ErrInvalid) {
			_ = os.Remove(path)
			continue
		}
		if err == nil && chunks[0].Kind == index.ChunkStaged {
			err = f.restoreCopy(ctx, ino, path)
		}
		if err == nil {
			err = reconcileOne(path, int64(a.ChunkSize), chunks)
		}
		if err != nil {
			return fmt.Errorf("fs: reconciling staging of inode %d: %w", ino, err)
		}
	}
	return nil
}

// restoreCopy writes the staged copy of chunk 0 of ino, if it has one, into
// its staging file at path where the bytes there differ.
func (f *FS) restoreCopy(ctx context.Context, ino uint64, path string) error {
	data, ok, err := f.idx.StagedCopy(ctx, ino, 0)
	if err != nil || !ok {
		return err
	}
	fd, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fd.Close()
	cur := make([]byte, len(data))
	if n, _ := fd.ReadAt(cur, 0); n == len(cur) && bytes.Equal(cur, data) {
		return nil
	}
	if _, err := fd.WriteAt(data, 0); err != nil {
		return err
	}
	f.log.Info("restored the staging bytes of a small file from the index after a crash", "ino", ino)
	return fd.Sync()
}

// reconcileOne deletes a staging file without staged chunks, or punches
// every byte of it outside the valid range [i*cs, i*cs+Len) of the staged
// chunks.
func reconcileOne(path string, cs int64, chunks map[uint64]index.ChunkState) error {
	staged := false
	for _, c := range chunks {
		staged = staged || c.Kind == index.ChunkStaged
	}
	if !staged || cs <= 0 {
		return os.Remove(path)
	}
	fd, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	for start := int64(0); start < size; start += cs {
		valid := int64(0)
		if c, ok := chunks[uint64(start/cs)]; ok && c.Kind == index.ChunkStaged {
			valid = int64(c.Len)
		}
		if valid < cs && start+valid < size {
			if err := punch(fd, start+valid, min(cs-valid, size-start-valid)); err != nil {
				return err
			}
		}
	}
	return nil
}
