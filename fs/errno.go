package fs

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/fs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// Errors of the fs core (besides those of index and blobstore).
var (
	// ErrNoAttr: the extended attribute does not exist (ENODATA).
	ErrNoAttr = errors.New("no such attribute")
	// ErrReadOnlyAttr: user.walrus.* attributes are computed (EPERM).
	ErrReadOnlyAttr = errors.New("attribute is read-only")
	// ErrNotSupported: the operation or file type is not supported.
	ErrNotSupported = errors.New("operation not supported")
	// ErrBadHandle: read on a write-only handle or the reverse (EBADF).
	ErrBadHandle = errors.New("bad file handle")
	// ErrNoDevice: open of a FIFO, socket or device. The kernel serves
	// those itself and never asks; the daemon has no data behind them
	// (ENXIO, what open(2) of a socket returns).
	ErrNoDevice = errors.New("special file has no data in the file system")
	// ErrUserXattrType: user.* attributes are only for regular files and
	// directories, as the kernel rules (EPERM).
	ErrUserXattrType = errors.New("user.* attributes only on regular files and directories")
)

// BlobError reports a stored chunk whose blob could not be read. It always
// maps to EIO: the name exists, its bytes are unavailable (never ENOENT,
// never wrong bytes).
type BlobError struct {
	Ino   uint64
	Chunk uint64
	Blob  blobid.ID
	Err   error
}

func (e *BlobError) Error() string {
	return fmt.Sprintf("inode %d chunk %d: blob %s: %v", e.Ino, e.Chunk, e.Blob, e.Err)
}

func (e *BlobError) Unwrap() error { return e.Err }

// toErrno maps an error of the core to the errno returned to the kernel.
// It is the only place where errors become errnos, and it uses errors.Is
// and errors.As only. Unknown errors are EIO; the caller logs those (see
// FS.errno).
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var be *BlobError
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
	{ErrNoAttr, syscall.ENODATA},
	{ErrReadOnlyAttr, syscall.EPERM},
	{ErrNotSupported, syscall.EOPNOTSUPP},
	{ErrBadHandle, syscall.EBADF},
	{ErrNoDevice, syscall.ENXIO},
	{ErrUserXattrType, syscall.EPERM},
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

// errno maps err with toErrno and logs once what the kernel cannot show:
// every EIO, naming the operation, the file (path or inode) and the error.
func (f *FS) errno(op, file string, err error) syscall.Errno {
	e := toErrno(err)
	if e == syscall.EIO {
		var be *BlobError
		if errors.As(err, &be) {
			f.log.Error("blob unreadable", "op", op, "file", file, "blob", be.Blob.String(), "chunk", be.Chunk, "err", be.Err)
		} else {
			f.log.Error("I/O error", "op", op, "file", file, "err", err)
		}
	}
	return e
}
