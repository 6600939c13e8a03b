package treebuild

import (
	"context"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// KeyWrapper wraps a raw chunk key for the index (vfs.Crypt).
type KeyWrapper interface {
	WrapChunkKey(k seal.Key) (index.WrappedKey, error)
}

// RestoreStats says what Restore made.
type RestoreStats struct {
	Dirs, Files, Links, Symlinks, Special int
	Bytes                                 uint64
}

// Restore rebuilds the tree of commit c (read through r with keys) into x,
// an index holding only its root: every directory, file (its stored
// chunks, keys wrapped with w), hard link, symlink, special file, mode,
// owner, extended attribute and time. Times are set last, so creating
// children and links does not change them.
func Restore(ctx context.Context, x *index.Index, r *tree.Reader, keys tree.Keys, c tree.Commit, w KeyWrapper) (RestoreStats, error) {
	ra := c.RootAttr
	return RestoreDir(ctx, x, r, c.Root, keys.Root, &ra, w)
}

// restorer holds the state of one restore: inodes of the directories
// and link groups made so far, and the times to set last.
type restorer struct {
	x       *index.Index
	w       KeyWrapper
	st      RestoreStats
	pending []restoreTimes
	groups  map[uint64]uint64 // link group -> inode
}

type restoreTimes struct {
	ino                 uint64
	atime, mtime, ctime int64
}

func newRestorer(ctx context.Context, x *index.Index, w KeyWrapper) (*restorer, error) {
	if n, err := x.DirCount(ctx, index.RootIno); err != nil || n != 0 {
		return nil, fmt.Errorf("treebuild: restore into an index that is not empty (%d entries, %v)", n, err)
	}
	return &restorer{x: x, w: w, groups: map[uint64]uint64{}}, nil
}

func (rs *restorer) setXattrs(ctx context.Context, ino uint64, xs []tree.Xattr) error {
	for _, xa := range xs {
		if err := rs.x.SetXattr(ctx, ino, xa.Name, xa.Value, 0); err != nil {
			return err
		}
	}
	return nil
}

// entry restores e as name in directory parent (p names it in errors)
// and returns its inode.
func (rs *restorer) entry(ctx context.Context, parent uint64, name, p string, e tree.Entry) (uint64, error) {
	x := rs.x
	if e.Type == index.TypeFile && e.LinkGroup != 0 {
		if ino, ok := rs.groups[e.LinkGroup]; ok {
			rs.st.Links++
			_, err := x.Link(ctx, ino, parent, name)
			return ino, err
		}
	}
	n := index.NewNode{Type: e.Type, Mode: e.Mode, Uid: e.Uid, Gid: e.Gid, Target: e.Target, Rdev: e.Rdev}
	var a index.Attr
	var err error
	switch e.Type {
	case index.TypeFile:
		chunks := make(map[uint64]index.ChunkState, len(e.Chunks))
		for _, ch := range e.Chunks {
			cs := index.ChunkState{Kind: index.ChunkStored, Len: ch.Len,
				Extent: index.Extent{Blob: ch.Blob, Offset: ch.Off, Length: ch.Length}}
			if !ch.Plain {
				if cs.Extent.Key, err = rs.w.WrapChunkKey(ch.Key); err != nil {
					return 0, fmt.Errorf("treebuild: restore %q: %w", p, err)
				}
			}
			chunks[ch.Index] = cs
		}
		a, err = x.RestoreFile(ctx, parent, name, n, e.ChunkSize, e.Size, chunks)
		rs.st.Files++
		rs.st.Bytes += e.Size
		if err == nil && e.LinkGroup != 0 {
			rs.groups[e.LinkGroup] = a.Ino
		}
	default:
		a, err = x.Create(ctx, parent, name, n)
		switch e.Type {
		case index.TypeDir:
			rs.st.Dirs++
		case index.TypeSymlink:
			rs.st.Symlinks++
		default:
			rs.st.Special++
		}
	}
	if err != nil {
		return 0, fmt.Errorf("treebuild: restore %q: %w", p, err)
	}
	if err := rs.setXattrs(ctx, a.Ino, e.Xattrs); err != nil {
		return 0, fmt.Errorf("treebuild: restore %q: %w", p, err)
	}
	rs.pending = append(rs.pending, restoreTimes{a.Ino, e.Atime, e.Mtime, e.Ctime})
	return a.Ino, nil
}

// root gives the root directory the attributes ra.
func (rs *restorer) root(ctx context.Context, ra tree.DirAttr) error {
	mode, uid, gid := ra.Mode, ra.Uid, ra.Gid
	if _, err := rs.x.SetAttr(ctx, index.RootIno, index.AttrUpdate{Mode: &mode, Uid: &uid, Gid: &gid}); err != nil {
		return err
	}
	if err := rs.setXattrs(ctx, index.RootIno, ra.Xattrs); err != nil {
		return err
	}
	rs.pending = append(rs.pending, restoreTimes{index.RootIno, ra.Atime, ra.Mtime, ra.Ctime})
	return nil
}

// finish sets the times, last, so that creating children and links does
// not change them.
func (rs *restorer) finish(ctx context.Context) (RestoreStats, error) {
	for _, t := range rs.pending {
		at, mt, ct := time.Unix(0, t.atime), time.Unix(0, t.mtime), time.Unix(0, t.ctime)
		if _, err := rs.x.SetAttr(ctx, t.ino, index.AttrUpdate{Atime: &at, Mtime: &mt, Ctime: &ct}); err != nil {
			return rs.st, fmt.Errorf("treebuild: restore times of inode %d: %w", t.ino, err)
		}
	}
	return rs.st, nil
}
