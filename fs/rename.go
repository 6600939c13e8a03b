package fs

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
)

// Rename is rename(2) and renameat2(2) (RENAME_NOREPLACE, RENAME_EXCHANGE):
// one index transaction, so it is atomic whatever the size of what moves.
// go-fuse updates its own tree when this returns OK.
func (n *node) Rename(ctx context.Context, name string, newParent fusefs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	dst := newParent.EmbeddedInode().StableAttr().Ino
	return n.errno("rename", n.fsys.Rename(ctx, n.ino(), name, dst, newName, flags))
}
