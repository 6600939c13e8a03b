package fs

import (
	"context"
	"strings"
	"syscall"
)

// Getxattr copies the value of attr into dest. An empty dest asks for the
// size; a short one gets ERANGE and the size.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	v, err := n.fsys.GetXattr(ctx, n.ino(), attr)
	if err != nil {
		return 0, n.errno("getxattr", err)
	}
	if len(dest) == 0 {
		return uint32(len(v)), 0
	}
	if len(dest) < len(v) {
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}

// Setxattr stores attr (user.walrus.* is read-only: EPERM).
func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return n.errno("setxattr", n.fsys.SetXattr(ctx, n.ino(), attr, data, flags))
}

// Removexattr deletes attr.
func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return n.errno("removexattr", n.fsys.RemoveXattr(ctx, n.ino(), attr))
}

// Listxattr writes the NUL-terminated names into dest (size query and
// ERANGE as for Getxattr).
func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	names, err := n.fsys.ListXattr(ctx, n.ino())
	if err != nil {
		return 0, n.errno("listxattr", err)
	}
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(0)
	}
	if len(dest) == 0 {
		return uint32(b.Len()), 0
	}
	if len(dest) < b.Len() {
		return uint32(b.Len()), syscall.ERANGE
	}
	return uint32(copy(dest, b.String())), 0
}
