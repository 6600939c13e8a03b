package vfs

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
)

// ImportMode is the mode of an imported file: read-only until someone
// (root, or the owner after chmod) rewrites it; a write makes it a normal
// staged file whose new chunks are uploaded as usual.
const ImportMode = 0o444

// Import places the existing blob id at p, a slash-separated path from the
// mount's root whose parent directory must exist and whose name must not.
// The blob is first checked with Store.Stat, which for a blob this mount
// did not store reads the whole blob and verifies it against its ID (an
// unreadable or mismatching blob is an error and nothing is created); its
// size becomes the file's size. The file's chunks are extents of that one
// blob (a single extent when it fits one chunk), owned by the daemon's
// user, mode ImportMode. The kernel may cache a negative lookup of the
// name for up to the negative-entry timeout (1 s).
func (f *FS) Import(ctx context.Context, p string, id blobid.ID) (index.Attr, error) {
	if err := f.refuse("import"); err != nil {
		return index.Attr{}, err
	}
	clean := path.Clean("/" + p)
	dir, name := path.Split(clean)
	if name == "" || name == "." || name == ".." {
		return index.Attr{}, fmt.Errorf("import: %q is not a file path in the mount: %w", p, index.ErrInvalid)
	}
	parent := uint64(index.RootIno)
	for _, comp := range strings.Split(strings.Trim(dir, "/"), "/") {
		if comp == "" {
			continue
		}
		a, err := f.idx.Lookup(ctx, parent, comp)
		if err != nil {
			return index.Attr{}, fmt.Errorf("import: parent directory %s: %w", dir, err)
		}
		parent = a.Ino
	}
	if _, err := f.idx.Lookup(ctx, parent, name); err == nil {
		return index.Attr{}, fmt.Errorf("import: %s: %w", clean, index.ErrExist)
	}
	info, err := f.store.Stat(ctx, id)
	if err != nil {
		return index.Attr{}, fmt.Errorf("import: blob %s: %w", id, err)
	}
	f.gcMu.RLock() // the collector must not delete the blob under us
	defer f.gcMu.RUnlock()
	a, err := f.idx.ImportFile(ctx, parent, name, index.NewNode{Type: index.TypeFile, Mode: ImportMode,
		Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())}, info.Size, id)
	if err != nil {
		return index.Attr{}, fmt.Errorf("import: %s: %w", clean, err)
	}
	f.sizes.put(id, int64(info.Size))
	f.log.Info("imported blob", "blob", id.String(), "path", clean, "size", info.Size)
	return a, nil
}
