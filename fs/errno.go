package fs

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// toErrno maps an error of the core to the errno returned to the kernel.
// It is the only place where errors become errnos, and it uses errors.Is
// and errors.As only. Unknown errors are EIO; the caller logs those (see
// logErrno).
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var be *vfs.BlobError
	if errors.As(err, &be) {
		return syscall.EIO
	}
	for _, m := range errnoTable {
		if errors.Is(err, m.err) {
			return m.errno
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EIO
}

// errnoTable is checked in order: blob errors come before index.ErrNotFound
// because a missing blob behind an existing name is EIO, not ENOENT.
var errnoTable = []struct {
	err   error
	errno syscall.Errno
}{
	{context.Canceled, syscall.EINTR},
	{context.DeadlineExceeded, syscall.ETIMEDOUT},
	{blobstore.ErrNotFound, syscall.EIO},
	{blobstore.ErrUnavailable, syscall.EIO},
	{blobstore.ErrInvalid, syscall.EIO},
	{cache.ErrShortRead, syscall.EIO},
	{vfs.ErrNoAttr, syscall.ENODATA},
	{vfs.ErrReadOnlyAttr, syscall.EPERM},
	{vfs.ErrNotSupported, syscall.EOPNOTSUPP},
	{vfs.ErrBadHandle, syscall.EBADF},
	{vfs.ErrNoDevice, syscall.ENXIO},
	{vfs.ErrUserXattrType, syscall.EPERM},
	{vfs.ErrReadOnly, syscall.EROFS},
	{index.ErrNotFound, syscall.ENOENT},
	{index.ErrExist, syscall.EEXIST},
	{index.ErrNotEmpty, syscall.ENOTEMPTY},
	{index.ErrNotDir, syscall.ENOTDIR},
	{index.ErrIsDir, syscall.EISDIR},
	{index.ErrNameTooLong, syscall.ENAMETOOLONG},
	{index.ErrInvalid, syscall.EINVAL},
	{index.ErrStale, syscall.ESTALE},
	{index.ErrLocked, syscall.EBUSY},
	{index.ErrCorrupt, syscall.EIO},
	{index.ErrVersion, syscall.EIO},
}

// logErrno maps err with toErrno and logs once what the kernel cannot show:
// every EIO, naming the operation, the file (path or inode) and the error.
func logErrno(log *slog.Logger, op, file string, err error) syscall.Errno {
	e := toErrno(err)
	if e == syscall.EIO {
		var be *vfs.BlobError
		if errors.As(err, &be) {
			log.Error("blob unreadable", "op", op, "file", file, "blob", be.Blob.String(), "chunk", be.Chunk, "err", be.Err)
		} else {
			log.Error("I/O error", "op", op, "file", file, "err", err)
		}
	}
	return e
}
