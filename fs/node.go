package fs

import (
	"context"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// node is the go-fuse face of one inode: its number (StableAttr.Ino, the
// index inode number, stable across mounts) and the shared core. It has
// no other state, so per-inode memory in the kernel bridge stays tiny.
type node struct {
	fusefs.Inode
	fsys *vfs.FS
}

// Compile-time checks: every node interface implemented.
var (
	_ fusefs.InodeEmbedder      = (*node)(nil)
	_ fusefs.NodeLookuper       = (*node)(nil)
	_ fusefs.NodeGetattrer      = (*node)(nil)
	_ fusefs.NodeSetattrer      = (*node)(nil)
	_ fusefs.NodeStatfser       = (*node)(nil)
	_ fusefs.NodeReadlinker     = (*node)(nil)
	_ fusefs.NodeOpendirHandler = (*node)(nil)
	_ fusefs.NodeMkdirer        = (*node)(nil)
	_ fusefs.NodeMknoder        = (*node)(nil)
	_ fusefs.NodeCreater        = (*node)(nil)
	_ fusefs.NodeSymlinker      = (*node)(nil)
	_ fusefs.NodeLinker         = (*node)(nil)
	_ fusefs.NodeUnlinker       = (*node)(nil)
	_ fusefs.NodeRmdirer        = (*node)(nil)
	_ fusefs.NodeRenamer        = (*node)(nil)
	_ fusefs.NodeOpener         = (*node)(nil)
	_ fusefs.NodeGetxattrer     = (*node)(nil)
	_ fusefs.NodeSetxattrer     = (*node)(nil)
	_ fusefs.NodeRemovexattrer  = (*node)(nil)
	_ fusefs.NodeListxattrer    = (*node)(nil)
	_ fusefs.NodeOnForgetter    = (*node)(nil)
)

func (n *node) ino() uint64 { return n.StableAttr().Ino }

// errno maps err for the kernel, logging EIO with the operation and path.
func (n *node) errno(op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	return logErrno(n.fsys.Logger(), op, "/"+n.Path(nil), err)
}

// typeMode is the S_IFMT bits of an index type.
func typeMode(t index.Type) uint32 {
	switch t {
	case index.TypeDir:
		return syscall.S_IFDIR
	case index.TypeSymlink:
		return syscall.S_IFLNK
	case index.TypeFIFO:
		return syscall.S_IFIFO
	case index.TypeSocket:
		return syscall.S_IFSOCK
	case index.TypeCharDev:
		return syscall.S_IFCHR
	case index.TypeBlockDev:
		return syscall.S_IFBLK
	}
	return syscall.S_IFREG
}

// modeType is the index type of the S_IFMT bits of mode, as mknod(2)
// takes them: 0 is a regular file. ok is false for anything else.
func modeType(mode uint32) (t index.Type, ok bool) {
	switch mode & syscall.S_IFMT {
	case 0, syscall.S_IFREG:
		return index.TypeFile, true
	case syscall.S_IFIFO:
		return index.TypeFIFO, true
	case syscall.S_IFSOCK:
		return index.TypeSocket, true
	case syscall.S_IFCHR:
		return index.TypeCharDev, true
	case syscall.S_IFBLK:
		return index.TypeBlockDev, true
	}
	return 0, false
}

// fillAttr copies index attributes into a FUSE attribute block.
func fillAttr(a *index.Attr, out *fuse.Attr) {
	out.Ino = a.Ino
	out.Mode = typeMode(a.Type) | a.Mode
	out.Nlink = a.Nlink
	out.Uid, out.Gid = a.Uid, a.Gid
	out.Size = a.Size
	out.Rdev = a.Rdev
	out.Blocks = (a.Size + 511) / 512
	out.Blksize = 1 << 16
	at, mt, ct := a.Atime, a.Mtime, a.Ctime
	out.SetTimes(&at, &mt, &ct)
}

// child returns the go-fuse inode for a (an existing one if the kernel
// already knows the inode number, e.g. a hard link) and fills out.
func (n *node) child(ctx context.Context, a *index.Attr, out *fuse.EntryOut) *fusefs.Inode {
	fillAttr(a, &out.Attr)
	return n.NewInode(ctx, &node{fsys: n.fsys}, fusefs.StableAttr{Mode: typeMode(a.Type), Ino: a.Ino, Gen: 1})
}

// caller returns the uid and gid of the process behind a request.
func caller(ctx context.Context) (uint32, uint32) {
	if c, ok := fuse.FromContext(ctx); ok {
		return c.Uid, c.Gid
	}
	return 0, 0
}

// Lookup finds name in this directory.
func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	a, err := n.fsys.Lookup(ctx, n.ino(), name)
	if err != nil {
		return nil, n.errno("lookup", err)
	}
	return n.child(ctx, &a, out), 0
}

// Getattr returns the attributes, including writes not flushed yet.
func (n *node) Getattr(ctx context.Context, _ fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	a, err := n.fsys.GetAttr(ctx, n.ino())
	if err != nil {
		return n.errno("getattr", err)
	}
	fillAttr(&a, &out.Attr)
	return 0
}

// Setattr is chmod, chown, utimens and truncate.
func (n *node) Setattr(ctx context.Context, _ fusefs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	var u index.AttrUpdate
	if m, ok := in.GetMode(); ok {
		m &= 0o7777
		u.Mode = &m
	}
	if v, ok := in.GetUID(); ok {
		u.Uid = &v
	}
	if v, ok := in.GetGID(); ok {
		u.Gid = &v
	}
	if v, ok := in.GetSize(); ok {
		u.Size = &v
	}
	if v, ok := in.GetATime(); ok {
		u.Atime = &v
	}
	if v, ok := in.GetMTime(); ok {
		u.Mtime = &v
	}
	if v, ok := in.GetCTime(); ok {
		u.Ctime = &v
	}
	a, err := n.fsys.SetAttr(ctx, n.ino(), u)
	if err != nil {
		return n.errno("setattr", err)
	}
	fillAttr(&a, &out.Attr)
	return 0
}

// Statfs reports the index totals; free space is that of the staging disk
// (everything written is staged there first).
func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	s, disk, err := n.fsys.StatFS(ctx)
	if err != nil {
		return n.errno("statfs", err)
	}
	const bs = 4096
	free := disk.Bavail * uint64(disk.Bsize) / bs
	out.Bsize, out.Frsize = bs, bs
	out.Blocks = (s.Bytes+bs-1)/bs + free
	out.Bfree, out.Bavail = free, free
	out.Files = s.Inodes + 1<<32
	out.Ffree = 1 << 32
	out.NameLen = 255
	return 0
}

// OnForget: the kernel dropped its last reference to this inode. Only
// special inodes need the news (see FS.Forgotten); the type is in the
// stable attributes, so other forgets cost nothing.
func (n *node) OnForget() {
	if m := n.StableAttr().Mode; m == syscall.S_IFIFO || m == syscall.S_IFSOCK || m == syscall.S_IFCHR || m == syscall.S_IFBLK {
		n.fsys.Forgotten(n.ino())
	}
}

// Readlink returns a symlink's target.
func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	t, err := n.fsys.ReadLink(ctx, n.ino())
	if err != nil {
		return nil, n.errno("readlink", err)
	}
	return []byte(t), 0
}

// timeouts are the kernel cache timeouts; see doc.go for why 1 s is safe.
var timeouts = time.Second
