package treebuild

import (
	"context"
	"fmt"
	"path"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// ShareRootMode is the mode of the root of a restored directory share,
// whose own attributes the share does not carry: readable and searchable
// by everyone, writable by nobody.
const ShareRootMode = 0o555

// RestoreDir rebuilds the tree below the directory node at loc (key kd,
// read through r) into x, an index holding only its root, as Restore does
// for a commit: every directory, file (chunk keys wrapped with w), hard
// link, symlink, special file, mode, owner, extended attribute and time.
// The root gets the attributes attr; nil (a directory share, whose
// directory's own attributes are not in the share) gives it
// ShareRootMode, the index's owner and times of now.
func RestoreDir(ctx context.Context, x *index.Index, r *tree.Reader, loc tree.Loc, kd seal.Key, attr *tree.DirAttr, w KeyWrapper) (RestoreStats, error) {
	rs, err := newRestorer(ctx, x, w)
	if err != nil {
		return RestoreStats{}, err
	}
	inos := map[string]uint64{"": index.RootIno}
	err = r.Walk(ctx, loc, kd, func(p string, e tree.Entry) error {
		dir, name := path.Split(p)
		parent, ok := inos[path.Clean("/" + dir)[1:]]
		if !ok {
			return fmt.Errorf("treebuild: restore %q: parent not restored", p)
		}
		ino, err := rs.entry(ctx, parent, name, p, e)
		if err == nil && e.Type == index.TypeDir {
			inos[p] = ino
		}
		return err
	})
	if err != nil {
		return rs.st, err
	}
	if attr != nil {
		err = rs.root(ctx, *attr)
	} else {
		mode := uint32(ShareRootMode)
		_, err = x.SetAttr(ctx, index.RootIno, index.AttrUpdate{Mode: &mode})
	}
	if err != nil {
		return rs.st, err
	}
	return rs.finish(ctx)
}

// RestoreFile places the single file e (a file share: tree.Reader.FileNode)
// at the root of x, an index holding only its root, under its own name,
// with its chunks (keys wrapped with w), mode, owner, extended attributes
// and times. The root gets ShareRootMode. A file of several names (a hard
// link) is restored as one name.
func RestoreFile(ctx context.Context, x *index.Index, e tree.Entry, w KeyWrapper) (RestoreStats, error) {
	if e.Type != index.TypeFile {
		return RestoreStats{}, fmt.Errorf("treebuild: restore file %q: a %s, not a regular file: %w", e.Name, e.Type, tree.ErrInvalid)
	}
	rs, err := newRestorer(ctx, x, w)
	if err != nil {
		return RestoreStats{}, err
	}
	e.LinkGroup = 0
	if _, err := rs.entry(ctx, index.RootIno, e.Name, e.Name, e); err != nil {
		return rs.st, err
	}
	mode := uint32(ShareRootMode)
	if _, err := x.SetAttr(ctx, index.RootIno, index.AttrUpdate{Mode: &mode}); err != nil {
		return rs.st, err
	}
	return rs.finish(ctx)
}
