package fs

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Open opens a regular file. FOPEN_KEEP_CACHE keeps the kernel page cache
// across opens: every change goes through this mount (the index has no
// other writer), so cached pages are never stale (see doc.go).
func (n *node) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	h, err := n.fsys.Open(ctx, n.ino(), flags)
	if err != nil {
		return nil, 0, n.errno("open", err)
	}
	return &fileHandle{h: h, n: n}, fuse.FOPEN_KEEP_CACHE, 0
}

// Create creates and opens a regular file (O_EXCL: EEXIST if it exists).
func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	uid, gid := caller(ctx)
	a, h, err := n.fsys.Create(ctx, n.ino(), name, flags, mode&0o7777, uid, gid)
	if err != nil {
		return nil, nil, 0, n.errno("create", err)
	}
	child := n.child(ctx, &a, out)
	return child, &fileHandle{h: h, n: n}, fuse.FOPEN_KEEP_CACHE, 0
}
