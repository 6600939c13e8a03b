package vfs

import (
	"errors"
	"fmt"
	"syscall"
)

// Read-only mounts.
//
// With Options.ReadOnly the FS serves a tree that must not change (a
// share or a snapshot, restored into an index of its own): every call
// that would change the tree or a file fails with ErrReadOnly (EROFS),
// and Start runs no uploader, collector or repacker. Reads, streaming and
// read-ahead work as in a normal mount.

// ErrReadOnly: a change to a read-only mount (EROFS).
var ErrReadOnly = errors.New("read-only file system")

// ReadOnly reports whether the FS refuses every change
// (Options.ReadOnly).
func (f *FS) ReadOnly() bool { return f.opt.ReadOnly }

// refuse returns ErrReadOnly, naming op, on a read-only FS, else nil.
func (f *FS) refuse(op string) error {
	if f.opt.ReadOnly {
		return fmt.Errorf("%s: %w", op, ErrReadOnly)
	}
	return nil
}

// refuseOpen refuses, on a read-only FS, an open for writing or with
// O_TRUNC.
func (f *FS) refuseOpen(ino uint64, flags uint32) error {
	if acc := flags & syscall.O_ACCMODE; acc != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0 {
		return f.refuse(fmt.Sprintf("open inode %d for writing", ino))
	}
	return nil
}
