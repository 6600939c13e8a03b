package fs

import (
	"context"
	"sync"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/index"
)

// dirPage is the number of entries fetched per index.ReadDir call; a
// directory listing holds one page in memory, whatever its size.
const dirPage = 512

// dirHandle streams a directory from index.ReadDir pages. Positions: 0 is
// ".", 1 is "..", 2+k is the k-th entry in name order; an entry's Off is
// the position after it, so seekdir(off) resumes there. To seek, the
// handle keeps the name preceding the start of each page it fetched
// (checkpoints: one string per page) and re-reads from the nearest one.
type dirHandle struct {
	n      *node
	ino    uint64 // the directory
	parent uint64

	mu          sync.Mutex
	pos         uint64            // next position. GUARDED_BY(mu)
	page        []index.DirEntry  // GUARDED_BY(mu)
	pageStart   uint64            // entry number of page[0]. GUARDED_BY(mu)
	eof         bool              // page is the last one. GUARDED_BY(mu)
	checkpoints map[uint64]string // entry number -> name before it. GUARDED_BY(mu)
}

var (
	_ fusefs.FileReaddirenter = (*dirHandle)(nil)
	_ fusefs.FileSeekdirer    = (*dirHandle)(nil)
	_ fusefs.FileFsyncdirer   = (*dirHandle)(nil)
)

// OpendirHandle opens a directory for reading.
func (n *node) OpendirHandle(ctx context.Context, _ uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	a, err := n.fsys.GetAttr(ctx, n.ino())
	if err != nil {
		return nil, 0, n.errno("opendir", err)
	}
	if a.Type != index.TypeDir {
		return nil, 0, syscall.ENOTDIR
	}
	return &dirHandle{n: n, ino: n.ino(), parent: a.Parent, checkpoints: map[uint64]string{0: ""}}, 0, 0
}

// Readdirent returns the next entry, or nil at the end.
func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.pos {
	case 0:
		d.pos = 1
		return &fuse.DirEntry{Name: ".", Ino: d.ino, Mode: syscall.S_IFDIR, Off: 1}, 0
	case 1:
		d.pos = 2
		return &fuse.DirEntry{Name: "..", Ino: d.parent, Mode: syscall.S_IFDIR, Off: 2}, 0
	}
	k := d.pos - 2
	// Pages are loaded without the request's cancellation: an interrupt
	// (a signal to the lister, e.g. Go's preemption) must not fail a
	// listing half-way. go-fuse v2.12.1 keeps an error returned after the
	// first entry of a reply as a sticky overflowErrno that later swallows
	// a buffer-overflow entry, so one name silently goes missing (seen in
	// TestMountReaddir100k under load). A page is a short local bbolt read.
	if err := d.load(context.WithoutCancel(ctx), k); err != nil {
		return nil, d.n.errno("readdir", err)
	}
	if k-d.pageStart >= uint64(len(d.page)) {
		return nil, 0 // end of directory
	}
	e := d.page[k-d.pageStart]
	d.pos++
	return &fuse.DirEntry{Name: e.Name, Ino: e.Ino, Mode: typeMode(e.Type), Off: d.pos}, 0
}

// load makes the page hold entry k, if the directory has one. Every page
// starts at a checkpoint. Caller holds d.mu.
func (d *dirHandle) load(ctx context.Context, k uint64) error {
	if d.page != nil {
		end := d.pageStart + uint64(len(d.page))
		if k >= d.pageStart && k < end || k >= end && d.eof {
			return nil
		}
		if len(d.page) > 0 {
			d.checkpoints[end] = d.page[len(d.page)-1].Name
		}
	}
	start := uint64(0) // nearest checkpoint at or before k
	for c := range d.checkpoints {
		if c <= k && c > start {
			start = c
		}
	}
	after := d.checkpoints[start]
	for {
		page, err := d.n.fsys.ReadDir(ctx, d.ino, after, dirPage)
		if err != nil {
			return err
		}
		d.page, d.pageStart, d.eof = page, start, len(page) < dirPage
		if k-start < uint64(len(page)) || d.eof {
			return nil
		}
		start += uint64(len(page))
		after = page[len(page)-1].Name
		d.checkpoints[start] = after
	}
}

// Seekdir moves to position off (an Off returned earlier, or 0).
func (d *dirHandle) Seekdir(_ context.Context, off uint64) syscall.Errno {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pos = off
	if off == 0 {
		d.page, d.eof = nil, false // rewinddir sees new entries
	}
	return 0
}

// Fsyncdir makes the index durable (directory changes are committed by
// every operation already).
func (d *dirHandle) Fsyncdir(ctx context.Context, _ uint32) syscall.Errno {
	return d.n.errno("fsyncdir", d.n.fsys.Index().Sync(ctx))
}
