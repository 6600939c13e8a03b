package treebuild

import (
	"context"
	"fmt"
	"path"
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
	var st RestoreStats
	if n, err := x.DirCount(ctx, index.RootIno); err != nil || n != 0 {
		return st, fmt.Errorf("treebuild: restore into an index that is not empty (%d entries, %v)", n, err)
	}
	type times struct {
		ino                 uint64
		atime, mtime, ctime int64
	}
	var pending []times
	inos := map[string]uint64{"": index.RootIno}
	groups := map[uint64]uint64{} // link group -> inode
	setXattrs := func(ino uint64, xs []tree.Xattr) error {
		for _, xa := range xs {
			if err := x.SetXattr(ctx, ino, xa.Name, xa.Value, 0); err != nil {
				return err
			}
		}
		return nil
	}
	err := r.Walk(ctx, c.Root, keys.Root, func(p string, e tree.Entry) error {
		dir, name := path.Split(p)
		parent, ok := inos[path.Clean("/" + dir)[1:]]
		if !ok {
			return fmt.Errorf("treebuild: restore %q: parent not restored", p)
		}
		if e.Type == index.TypeFile && e.LinkGroup != 0 {
			if ino, ok := groups[e.LinkGroup]; ok {
				st.Links++
				_, err := x.Link(ctx, ino, parent, name)
				return err
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
					if cs.Extent.Key, err = w.WrapChunkKey(ch.Key); err != nil {
						return fmt.Errorf("treebuild: restore %q: %w", p, err)
					}
				}
				chunks[ch.Index] = cs
			}
			a, err = x.RestoreFile(ctx, parent, name, n, e.ChunkSize, e.Size, chunks)
			st.Files++
			st.Bytes += e.Size
			if err == nil && e.LinkGroup != 0 {
				groups[e.LinkGroup] = a.Ino
			}
		default:
			a, err = x.Create(ctx, parent, name, n)
			switch e.Type {
			case index.TypeDir:
				st.Dirs++
				inos[p] = a.Ino
			case index.TypeSymlink:
				st.Symlinks++
			default:
				st.Special++
			}
		}
		if err != nil {
			return fmt.Errorf("treebuild: restore %q: %w", p, err)
		}
		if err := setXattrs(a.Ino, e.Xattrs); err != nil {
			return fmt.Errorf("treebuild: restore %q: %w", p, err)
		}
		pending = append(pending, times{a.Ino, e.Atime, e.Mtime, e.Ctime})
		return nil
	})
	if err != nil {
		return st, err
	}
	ra := c.RootAttr
	mode, uid, gid := ra.Mode, ra.Uid, ra.Gid
	if _, err := x.SetAttr(ctx, index.RootIno, index.AttrUpdate{Mode: &mode, Uid: &uid, Gid: &gid}); err != nil {
		return st, err
	}
	if err := setXattrs(index.RootIno, ra.Xattrs); err != nil {
		return st, err
	}
	pending = append(pending, times{index.RootIno, ra.Atime, ra.Mtime, ra.Ctime})
	for _, t := range pending {
		at, mt, ct := time.Unix(0, t.atime), time.Unix(0, t.mtime), time.Unix(0, t.ctime)
		if _, err := x.SetAttr(ctx, t.ino, index.AttrUpdate{Atime: &at, Mtime: &mt, Ctime: &ct}); err != nil {
			return st, fmt.Errorf("treebuild: restore times of inode %d: %w", t.ino, err)
		}
	}
	return st, nil
}
