package fs

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/index"
)

// Mkdir creates a directory (the kernel has applied the umask to mode).
func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	uid, gid := caller(ctx)
	a, err := n.fsys.Mknod(ctx, n.ino(), name, index.NewNode{Type: index.TypeDir, Mode: mode & 0o7777, Uid: uid, Gid: gid})
	if err != nil {
		return nil, n.errno("mkdir", err)
	}
	return n.child(ctx, &a, out), 0
}

// Mknod creates a regular file (S_IFREG or no type), a FIFO, a socket (a
// UNIX socket's bind(2) arrives here) or a character or block device.
// dev is the device number in the kernel's FUSE encoding; it is kept for
// devices only, as mknod(2) ignores it for the other types.
func (n *node) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	typ, ok := modeType(mode)
	if !ok {
		return nil, syscall.EINVAL
	}
	if !typ.IsDevice() {
		dev = 0
	}
	uid, gid := caller(ctx)
	a, err := n.fsys.Mknod(ctx, n.ino(), name, index.NewNode{Type: typ, Mode: mode & 0o7777, Uid: uid, Gid: gid, Rdev: dev})
	if err != nil {
		return nil, n.errno("mknod", err)
	}
	return n.child(ctx, &a, out), 0
}

// Symlink creates a symbolic link to target.
func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	uid, gid := caller(ctx)
	a, err := n.fsys.Mknod(ctx, n.ino(), name, index.NewNode{Type: index.TypeSymlink, Mode: 0o777, Uid: uid, Gid: gid, Target: target})
	if err != nil {
		return nil, n.errno("symlink", err)
	}
	return n.child(ctx, &a, out), 0
}

// Link adds a hard link to target.
func (n *node) Link(ctx context.Context, target fusefs.InodeEmbedder, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	a, err := n.fsys.Link(ctx, target.EmbeddedInode().StableAttr().Ino, n.ino(), name)
	if err != nil {
		return nil, n.errno("link", err)
	}
	return n.child(ctx, &a, out), 0
}

// Unlink removes a name; an open file's data lives until its last close.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	return n.errno("unlink", n.fsys.Unlink(ctx, n.ino(), name))
}

// Rmdir removes an empty directory.
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return n.errno("rmdir", n.fsys.Rmdir(ctx, n.ino(), name))
}
