package fs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/vfs"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

func TestToErrno(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("op on inode 7: %w", err) }
	cases := []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"nil", nil, 0},
		{"not found", wrap(index.ErrNotFound), syscall.ENOENT},
		{"exist", wrap(index.ErrExist), syscall.EEXIST},
		{"not empty", wrap(index.ErrNotEmpty), syscall.ENOTEMPTY},
		{"not dir", wrap(index.ErrNotDir), syscall.ENOTDIR},
		{"is dir", wrap(index.ErrIsDir), syscall.EISDIR},
		{"name too long", wrap(index.ErrNameTooLong), syscall.ENAMETOOLONG},
		{"invalid", wrap(index.ErrInvalid), syscall.EINVAL},
		{"stale", wrap(index.ErrStale), syscall.ESTALE},
		{"locked", wrap(index.ErrLocked), syscall.EBUSY},
		{"corrupt", wrap(index.ErrCorrupt), syscall.EIO},
		{"canceled", wrap(context.Canceled), syscall.EINTR},
		{"deadline", wrap(context.DeadlineExceeded), syscall.ETIMEDOUT},
		{"no attr", wrap(fmt.Errorf("%w: %w", vfs.ErrNoAttr, index.ErrNotFound)), syscall.ENODATA},
		{"read-only attr", wrap(vfs.ErrReadOnlyAttr), syscall.EPERM},
		{"not supported", wrap(vfs.ErrNotSupported), syscall.EOPNOTSUPP},
		{"bad handle", wrap(vfs.ErrBadHandle), syscall.EBADF},
		{"open of a special file", wrap(vfs.ErrNoDevice), syscall.ENXIO},
		{"user.* on a special file", wrap(vfs.ErrUserXattrType), syscall.EPERM},
		{"read-only mount", wrap(vfs.ErrReadOnly), syscall.EROFS},
		// A blob that cannot be read is EIO, never ENOENT, even when the
		// store says "not found".
		{"blob not found", wrap(&vfs.BlobError{Ino: 7, Err: blobstore.ErrNotFound}), syscall.EIO},
		{"blob unavailable", wrap(&blobstore.UnavailableError{Found: 1, Needed: 3}), syscall.EIO},
		{"blob error wrapping index not found", &vfs.BlobError{Err: index.ErrNotFound}, syscall.EIO},
		{"store not found bare", blobstore.ErrNotFound, syscall.EIO},
		{"os errno", wrap(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), syscall.ENOSPC},
		{"unknown", errors.New("boom"), syscall.EIO},
	}
	for _, c := range cases {
		if got := toErrno(c.err); got != c.want {
			t.Errorf("%s: toErrno(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
