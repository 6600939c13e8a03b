package daemon

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

// Share makes a share string for path p (relative to the mount's root):
// it commits the tree first (nothing is written if nothing changed), so
// the share shows what the user sees, then looks p up in that commit. A
// directory's share is its node and key; a regular file's is a file node
// (its entry alone, sealed under a fresh key) written as a blob of its
// own. The share never holds the volume key or any key above p. The
// string is a secret: it is returned, never logged.
func (d *controlled) Share(ctx context.Context, p string) (control.ShareResult, error) {
	if d.FS.ReadOnly() {
		return control.ShareResult{}, fmt.Errorf("share: this mount is itself read-only (a share or a snapshot): %w", vfs.ErrReadOnly)
	}
	if d.volume == nil {
		return control.ShareResult{}, fmt.Errorf("share: %w: a share needs the tree on the network", vfs.ErrNoTree)
	}
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	var tc vfs.TreeCommit
	var err error
	if d.commits != nil {
		tc, err = d.commits.commit(ctx, "share")
	} else {
		tc, err = d.FS.CommitTree(ctx)
	}
	if err != nil {
		return control.ShareResult{}, fmt.Errorf("share: committing the tree: %w", err)
	}
	keys := tree.DeriveKeys(d.volume.master)
	r := tree.NewReader(storeFetcher{d.ds.store}, &tree.ReaderOptions{CacheEntries: -1})
	c, err := r.Commit(ctx, tc.Loc, keys.Commit)
	if err != nil {
		return control.ShareResult{}, fmt.Errorf("share: reading commit %d: %w", tc.Seq, err)
	}
	s := tree.Share{Network: networkName(d.cfg), Node: c.Root, Key: keys.Root}
	if rel != "" {
		e, err := r.Lookup(ctx, c.Root, keys.Root, rel)
		if err != nil {
			return control.ShareResult{}, fmt.Errorf("share %q in commit %d: %w", rel, tc.Seq, err)
		}
		switch e.Type {
		case index.TypeDir:
			s.Node, s.Key = e.Child, e.ChildKey // Lookup resolved a relative location
		case index.TypeFile:
			if s, err = d.shareFile(ctx, s.Network, e, tc.Seq); err != nil {
				return control.ShareResult{}, fmt.Errorf("share %q: %w", rel, err)
			}
		default:
			return control.ShareResult{}, fmt.Errorf("share %q: a %s: only a directory or a regular file can be shared: %w", rel, e.Type, index.ErrInvalid)
		}
	}
	str, err := s.Encode()
	if err != nil {
		return control.ShareResult{}, err
	}
	d.FS.Logger().Info("share string made", "path", "/"+rel, "commit", tc.Seq, "file", s.File, "node", s.Node.String())
	return control.ShareResult{Share: str, Path: "/" + rel, Commit: tc.Seq, File: s.File}, nil
}

// shareFile writes the file node of e under a fresh key as a blob of its
// own, kept with commit seq, and returns its share.
func (d *controlled) shareFile(ctx context.Context, network string, e tree.Entry, seq uint64) (tree.Share, error) {
	k, err := seal.NewKey()
	if err != nil {
		return tree.Share{}, err
	}
	e.LinkGroup = 0 // one name in the share
	sealed, err := tree.SealFileNode(k, e)
	if err != nil {
		return tree.Share{}, err
	}
	info, err := d.ds.store.Put(ctx, sealed)
	if err != nil {
		return tree.Share{}, fmt.Errorf("storing the file node: %w", err)
	}
	// Kept (and renewed) as long as the commit it was made from.
	if err := d.FS.HoldWithCommit(seq, info.ID); err != nil {
		return tree.Share{}, fmt.Errorf("keeping the file node: %w", err)
	}
	return tree.Share{Network: network, File: true, Node: tree.Loc{Blob: info.ID, Len: uint64(len(sealed))}, Key: k}, nil
}
