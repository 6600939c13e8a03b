package index

import (
	"bytes"
	"context"
	"fmt"
)

// View is a consistent read-only view of the whole index: everything it
// returns belongs to one moment. It is valid only inside the function
// given to (*Index).View, which holds the index lock meanwhile, so that
// function must be quick and must not call the Index. Results are copies.
// It serves walks of the whole tree (writing the tree to the network).
type View struct{ t *txn }

// XattrPair is a stored extended attribute.
type XattrPair struct {
	Name  string
	Value []byte
}

// View calls fn with a consistent view of the index.
func (x *Index) View(ctx context.Context, fn func(v View) error) error {
	return x.view(ctx, func(t *txn) error { return fn(View{t: t}) })
}

// Attr returns the attributes of ino.
func (v View) Attr(ino uint64) (Attr, error) { return v.t.getInode(ino) }

// Entries returns every entry of directory dir, in name order.
func (v View) Entries(dir uint64) ([]DirEntry, error) {
	d, err := v.t.getDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, d.Size)
	prefix := u64(dir)
	c := v.t.bucket(bucketDirents).Cursor()
	for k, val := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
		ino, typ, err := decodeDirent(val)
		if err != nil {
			return nil, err
		}
		out = append(out, DirEntry{Name: string(k[8:]), Ino: ino, Type: typ})
	}
	if uint64(len(out)) != d.Size {
		return nil, fmt.Errorf("index: directory %d has %d entries, size %d: %w", dir, len(out), d.Size, ErrCorrupt)
	}
	return out, nil
}

// Xattrs returns the stored extended attributes of ino (not the computed
// user.walrus.* ones), in name order.
func (v View) Xattrs(ino uint64) ([]XattrPair, error) {
	var out []XattrPair
	prefix := u64(ino)
	c := v.t.bucket(bucketXattrs).Cursor()
	for k, val := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
		out = append(out, XattrPair{Name: string(k[8:]), Value: bytes.Clone(val)})
	}
	return out, nil
}

// Chunks returns the chunk states of file ino (absent chunks are holes).
func (v View) Chunks(ino uint64) (map[uint64]ChunkState, error) { return v.t.chunks(ino) }
