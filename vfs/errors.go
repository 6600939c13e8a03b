package vfs

import (
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
)

// Errors of the core (besides those of index and blobstore).
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
