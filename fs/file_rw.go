package fs

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/walrusfs/walrusfs/vfs"
	"golang.org/x/sys/unix"
)

// fileHandle is the go-fuse face of an open file: a core Handle plus the
// node it was opened from (for log lines).
type fileHandle struct {
	h *vfs.Handle
	n *node
}

var (
	_ fusefs.FileReader    = (*fileHandle)(nil)
	_ fusefs.FileWriter    = (*fileHandle)(nil)
	_ fusefs.FileFlusher   = (*fileHandle)(nil)
	_ fusefs.FileFsyncer   = (*fileHandle)(nil)
	_ fusefs.FileReleaser  = (*fileHandle)(nil)
	_ fusefs.FileAllocater = (*fileHandle)(nil)
)

// Read answers from offset off; a short result means end of file. The
// reply is written to the kernel straight from its segments (writev): a
// block the cache holds in memory is not copied into dest first. A vectored
// reply (readReply) also skips go-fuse's splice attempt, which for a
// plain buffer costs a pipe resize that fails for 1 MiB replies.
func (fh *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	segs, _, release, err := fh.h.ReadVec(ctx, dest, off)
	if err != nil {
		return nil, fh.n.errno("read", err)
	}
	return &readReply{segs: segs, release: release}, 0
}

// readReply is a read's answer: fuse.ReadResultVector's writev of the
// segments, and then, once they are sent (Done), their release (some are
// views of buffers that are recycled).
type readReply struct {
	segs    [][]byte
	release func()
}

func (r *readReply) Size() int {
	n := 0
	for _, s := range r.segs {
		n += len(s)
	}
	return n
}

func (r *readReply) Bytes(buf []byte) ([]byte, fuse.Status) {
	buf = buf[:0]
	for _, s := range r.segs {
		buf = append(buf, s...)
	}
	return buf, fuse.OK
}

// Slices makes go-fuse write the reply with writev, without a copy.
func (r *readReply) Slices() ([][]byte, fuse.Status) { return r.segs, fuse.OK }

func (r *readReply) Done() {
	if r.release != nil {
		r.release()
		r.release = nil
	}
}

// Write stores data at off in the staging file.
func (fh *fileHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, err := fh.h.WriteAt(ctx, data, off)
	if err != nil {
		return uint32(n), fh.n.errno("write", err)
	}
	return uint32(n), 0
}

// Flush runs on every close(2): the file's writes become durable locally.
func (fh *fileHandle) Flush(ctx context.Context) syscall.Errno {
	return fh.n.errno("flush", fh.h.Flush(ctx))
}

// Fsync makes the file durable on local disk before returning.
func (fh *fileHandle) Fsync(ctx context.Context, _ uint32) syscall.Errno {
	return fh.n.errno("fsync", fh.h.Fsync(ctx))
}

// Release closes the handle (the kernel ignores the result).
func (fh *fileHandle) Release(ctx context.Context) syscall.Errno {
	fh.h.Release(ctx)
	return 0
}

// Allocate is fallocate(2): mode 0 extends the size (the new range reads
// as zeros, as allocated space does), KEEP_SIZE alone is a no-op, and
// PUNCH_HOLE|KEEP_SIZE writes zeros over the range inside the file.
func (fh *fileHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	f, ino := fh.n.fsys, fh.h.Ino
	a, err := f.GetAttr(ctx, ino)
	if err != nil {
		return fh.n.errno("fallocate", err)
	}
	end := off + size
	switch mode {
	case 0:
		if end > a.Size {
			err = f.Truncate(ctx, ino, end)
		}
	case unix.FALLOC_FL_KEEP_SIZE:
	case unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_KEEP_SIZE:
		end = min(end, a.Size)
		zero := make([]byte, min(end-min(off, end), 1<<20))
		for pos := off; pos < end && err == nil; pos += uint64(len(zero)) {
			_, err = fh.h.WriteAt(ctx, zero[:min(uint64(len(zero)), end-pos)], int64(pos))
		}
	default:
		return syscall.EOPNOTSUPP
	}
	return fh.n.errno("fallocate", err)
}
