package vfs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/walrusfs/walrusfs/index"
)

// Namespace operations of the core. They are index calls plus what open
// files need: the dirty overlay on attributes, flushing dirty chunks
// before attribute changes, and deferred deletion of unlinked open files.

// Lookup returns the attributes of name in directory parent.
func (f *FS) Lookup(ctx context.Context, parent uint64, name string) (index.Attr, error) {
	ctx = local(ctx)
	a, err := f.idx.Lookup(ctx, parent, name)
	if err == nil && f.lookupState(a.Ino) != nil {
		// Open: the size may be past the index's (see attrOf).
		a, err = f.attrOf(ctx, a.Ino)
	}
	return a, err
}

// GetAttr returns the attributes of ino, including unflushed writes.
func (f *FS) GetAttr(ctx context.Context, ino uint64) (index.Attr, error) {
	ctx = local(ctx)
	return f.attrOf(ctx, ino)
}

// SetAttr applies u (chmod, chown, utimens, truncate). Dirty chunks of an
// open file are flushed first, so an explicit mtime is not overridden by
// the write-time overlay and a truncate sees every write. A size change
// also cuts the staging file.
func (f *FS) SetAttr(ctx context.Context, ino uint64, u index.AttrUpdate) (index.Attr, error) {
	if err := f.refuse("setattr"); err != nil {
		return index.Attr{}, err
	}
	ctx = local(ctx)
	var st *inodeState
	if u.Size != nil {
		st = f.acquire(ino)
	} else if st = f.lookupState(ino); st != nil {
		st = f.acquire(ino)
	}
	if st == nil {
		return f.idx.SetAttr(ctx, ino, u)
	}
	defer f.release(st)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := f.flushDirty(ctx, st); err != nil {
		return index.Attr{}, err
	}
	a, err := f.idx.SetAttr(ctx, ino, u)
	if err == nil && u.Size != nil {
		err = f.truncateStaging(st, *u.Size)
	}
	return a, err
}

// Truncate sets the size of file ino.
func (f *FS) Truncate(ctx context.Context, ino, size uint64) error {
	_, err := f.SetAttr(ctx, ino, index.AttrUpdate{Size: &size})
	return err
}

// inherit applies set-group-ID directory semantics to a new node: it takes
// the group of a setgid parent, and a new directory inherits the bit.
func (f *FS) inherit(ctx context.Context, parent uint64, n *index.NewNode) error {
	p, err := f.idx.GetAttr(ctx, parent)
	if err != nil {
		return err
	}
	if p.Mode&syscall.S_ISGID != 0 {
		n.Gid = p.Gid
		if n.Type == index.TypeDir {
			n.Mode |= syscall.S_ISGID
		}
	}
	return nil
}

// Mknod creates an inode of any type: regular file, directory, symlink,
// FIFO, socket or device (n.Rdev only for a device).
func (f *FS) Mknod(ctx context.Context, parent uint64, name string, n index.NewNode) (index.Attr, error) {
	if err := f.refuse("create"); err != nil {
		return index.Attr{}, err
	}
	ctx = local(ctx)
	if err := f.inherit(ctx, parent, &n); err != nil {
		return index.Attr{}, err
	}
	return f.idx.Create(ctx, parent, name, n)
}

// Link adds the name (parent, name) to ino.
func (f *FS) Link(ctx context.Context, ino, parent uint64, name string) (index.Attr, error) {
	if err := f.refuse("link"); err != nil {
		return index.Attr{}, err
	}
	ctx = local(ctx)
	a, err := f.idx.Link(ctx, ino, parent, name)
	if err == nil && f.lookupState(ino) != nil {
		a, err = f.attrOf(ctx, ino)
	}
	return a, err
}

// Unlink removes a non-directory name; the data of an open file lives
// until its last close.
func (f *FS) Unlink(ctx context.Context, parent uint64, name string) error {
	if err := f.refuse("unlink"); err != nil {
		return err
	}
	ctx = local(ctx)
	r, err := f.idx.Unlink(ctx, parent, name)
	if err == nil {
		f.removed(r)
	}
	return err
}

// Rmdir removes an empty directory.
func (f *FS) Rmdir(ctx context.Context, parent uint64, name string) error {
	if err := f.refuse("rmdir"); err != nil {
		return err
	}
	ctx = local(ctx)
	return f.idx.Rmdir(ctx, parent, name)
}

// Rename is rename(2)/renameat2(2); flags are RENAME_NOREPLACE and
// RENAME_EXCHANGE. A replaced open file lives until its last close.
func (f *FS) Rename(ctx context.Context, srcParent uint64, srcName string, dstParent uint64, dstName string, flags uint32) error {
	if err := f.refuse("rename"); err != nil {
		return err
	}
	ctx = local(ctx)
	r, err := f.idx.Rename(ctx, srcParent, srcName, dstParent, dstName, index.RenameFlags(flags))
	if err == nil {
		f.removed(r)
	}
	return err
}

// ReadDir returns a page of entries of dir after the name after.
func (f *FS) ReadDir(ctx context.Context, dir uint64, after string, limit int) ([]index.DirEntry, error) {
	ctx = local(ctx)
	return f.idx.ReadDir(ctx, dir, after, limit)
}

// ReadLink returns the target of a symlink.
func (f *FS) ReadLink(ctx context.Context, ino uint64) (string, error) {
	ctx = local(ctx)
	return f.idx.ReadLink(ctx, ino)
}

const walrusXattrPrefix = "user.walrus."

// GetXattr returns the value of an extended attribute (ErrNoAttr if
// absent). user.walrus.state reports "staged" while an open file has
// unflushed writes.
func (f *FS) GetXattr(ctx context.Context, ino uint64, name string) ([]byte, error) {
	ctx = local(ctx)
	if strings.HasPrefix(name, "system.") {
		return nil, fmt.Errorf("xattr %q: %w", name, ErrNoAttr)
	}
	if name == index.XattrState {
		if st := f.lookupState(ino); st != nil {
			st.mu.RLock()
			dirty := len(st.dirty) > 0
			st.mu.RUnlock()
			if dirty {
				return []byte(index.UploadStaged.String()), nil
			}
		}
	}
	if name == XattrEndEpoch && f.epochs != nil {
		if v, ok, err := f.endEpochXattr(ctx, ino); err != nil || ok {
			return v, err
		}
	}
	v, err := f.idx.GetXattr(ctx, ino, name)
	if errors.Is(err, index.ErrNotFound) {
		// The inode exists (the kernel holds it); the attribute does not.
		err = fmt.Errorf("%w: %w", ErrNoAttr, err)
	}
	return v, err
}

// SetXattr sets an extended attribute; flags are XATTR_CREATE and
// XATTR_REPLACE. user.walrus.* is read-only (ErrReadOnlyAttr), system.*
// (ACLs) is not supported, and user.* is only for regular files and
// directories (ErrUserXattrType).
func (f *FS) SetXattr(ctx context.Context, ino uint64, name string, value []byte, flags uint32) error {
	if err := f.refuse("setxattr"); err != nil {
		return err
	}
	ctx = local(ctx)
	switch {
	case strings.HasPrefix(name, walrusXattrPrefix):
		return fmt.Errorf("xattr %q: %w", name, ErrReadOnlyAttr)
	case strings.HasPrefix(name, "system."):
		return fmt.Errorf("xattr %q: %w", name, ErrNotSupported)
	}
	if err := f.userXattrAllowed(ctx, ino, name); err != nil {
		return err
	}
	err := f.idx.SetXattr(ctx, ino, name, value, index.XattrFlags(flags))
	if flags&uint32(index.XattrReplace) != 0 && errors.Is(err, index.ErrNotFound) {
		err = fmt.Errorf("%w: %w", ErrNoAttr, err)
	}
	return err
}

// ListXattr returns the attribute names of ino, user.walrus.* included
// (user.walrus.end_epoch only on a back end with epochs).
func (f *FS) ListXattr(ctx context.Context, ino uint64) ([]string, error) {
	ctx = local(ctx)
	names, err := f.idx.ListXattr(ctx, ino)
	if err != nil || f.epochs == nil || !slices.Contains(names, index.XattrState) {
		return names, err
	}
	return append(names, XattrEndEpoch), nil
}

// XattrEndEpoch is the computed, read-only attribute of a regular file on
// a back end with epochs (Walrus): the earliest end epoch of the blobs the
// file's stored chunks use, in decimal; "none" while no chunk is stored,
// "unknown" if a blob's end epoch is not recorded (e.g. an imported blob).
// The file is readable until that epoch starts.
const XattrEndEpoch = "user.walrus.end_epoch"

// endEpochXattr computes XattrEndEpoch; ok is false for a non-file.
func (f *FS) endEpochXattr(ctx context.Context, ino uint64) ([]byte, bool, error) {
	a, err := f.idx.GetAttr(ctx, ino)
	if err != nil || a.Type != index.TypeFile {
		return nil, false, err
	}
	st, err := f.idx.FileState(ctx, ino)
	if err != nil {
		return nil, false, err
	}
	if len(st.Blobs) == 0 {
		return []byte("none"), true, nil
	}
	e, ok := f.epochs.EndEpoch(st.Blobs)
	if !ok {
		return []byte("unknown"), true, nil
	}
	return []byte(strconv.FormatUint(uint64(e), 10)), true, nil
}

// RemoveXattr deletes an attribute (ErrNoAttr if absent; user.* on
// other than a regular file or directory is ErrUserXattrType, as for
// SetXattr).
func (f *FS) RemoveXattr(ctx context.Context, ino uint64, name string) error {
	if err := f.refuse("removexattr"); err != nil {
		return err
	}
	ctx = local(ctx)
	if strings.HasPrefix(name, walrusXattrPrefix) {
		return fmt.Errorf("xattr %q: %w", name, ErrReadOnlyAttr)
	}
	if err := f.userXattrAllowed(ctx, ino, name); err != nil {
		return err
	}
	err := f.idx.RemoveXattr(ctx, ino, name)
	if errors.Is(err, index.ErrNotFound) {
		err = fmt.Errorf("%w: %w", ErrNoAttr, err)
	}
	return err
}

// userXattrAllowed applies the kernel's rule for the user.* namespace
// (fs/xattr.c, xattr_permission): only regular files and directories
// take such attributes; changing one elsewhere is EPERM. Reading one
// elsewhere needs no check: none can exist, and the computed
// user.walrus.* attributes are only for regular files, so it is ENODATA,
// as the kernel answers.
func (f *FS) userXattrAllowed(ctx context.Context, ino uint64, name string) error {
	if !strings.HasPrefix(name, "user.") {
		return nil
	}
	a, err := f.idx.GetAttr(ctx, ino)
	if err != nil {
		return err
	}
	if a.Type != index.TypeFile && a.Type != index.TypeDir {
		return fmt.Errorf("xattr %q on a %v: %w", name, a.Type, ErrUserXattrType)
	}
	return nil
}

// StatFS returns the index totals and the free space of the staging disk.
func (f *FS) StatFS(ctx context.Context) (index.StatFS, syscall.Statfs_t, error) {
	ctx = local(ctx)
	s, err := f.idx.StatFS(ctx)
	if err != nil {
		return s, syscall.Statfs_t{}, err
	}
	var disk syscall.Statfs_t
	err = syscall.Statfs(f.staging, &disk)
	return s, disk, err
}

// local strips the kernel's interrupt from a metadata operation. Such an
// operation is a short local bbolt transaction; failing it with EINTR
// because the caller took a signal (a Go program takes one at every
// preemption) makes tools that do not retry setxattr, rename or mkdir fail
// for nothing. Reads and writes that may wait on the network keep the
// interrupt.
func local(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
