// Command loopback is go-fuse's example loopback file system with FUSE
// passthrough turned off: every read and write of file data goes through
// the daemon, as in any FUSE file system that serves its own bytes.
//
// The example itself (github.com/hanwen/go-fuse/v2/example/loopback) hands
// each open file's descriptor to the kernel (FUSE passthrough, Linux 6.9 and
// later, as root), after which the kernel reads and writes the underlying
// file itself and the daemon sees no READ or WRITE requests: its data path
// is the raw disk's, not FUSE's. benchmount measures both; this one is the
// FUSE baseline. The mount options are the example's.
//
// usage: loopback MOUNTPOINT ORIGINAL
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a loopback node whose open files refuse passthrough; its
// children are nodes too (WrapChild).
type node struct{ *fs.LoopbackNode }

func (n *node) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &node{ops.(*fs.LoopbackNode)}
}

// file is a loopback file without passthrough: PassthroughFd here hides
// the embedded one.
type file struct{ *fs.LoopbackFile }

func (file) PassthroughFd() (int, bool) { return -1, false }

func wrap(fh fs.FileHandle) fs.FileHandle {
	if lf, ok := fh.(*fs.LoopbackFile); ok {
		return file{lf}
	}
	return fh
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags)
	return wrap(fh), fl, errno
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	in, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return in, wrap(fh), fl, errno
}

var (
	_ fs.NodeOpener      = (*node)(nil)
	_ fs.NodeCreater     = (*node)(nil)
	_ fs.NodeWrapChilder = (*node)(nil)
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 3 {
		log.Fatal("usage: loopback MOUNTPOINT ORIGINAL")
	}
	orig := os.Args[2]
	lb, err := fs.NewLoopbackRoot(orig)
	if err != nil {
		log.Fatal(err)
	}
	root := &node{lb.(*fs.LoopbackNode)}
	sec := time.Second
	server, err := fs.Mount(os.Args[1], root, &fs.Options{
		AttrTimeout:     &sec,
		EntryTimeout:    &sec,
		NullPermissions: true,
		MountOptions: fuse.MountOptions{
			DirectMount: true,
			FsName:      orig,
			Name:        "loopback",
		},
	})
	if err != nil {
		log.Fatalf("mount: %v", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		_ = server.Unmount()
	}()
	server.Wait()
}
