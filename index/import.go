package index

import (
	"context"
	"fmt"
	"math"

	"github.com/walrusfs/walrusfs/blobid"
)

// ImportFile creates a regular file named name in parent whose content is
// the first size bytes of an existing blob: chunk i is stored at
// Extent{blob, i*ChunkSize, len} (one extent when size fits one chunk),
// each taking a reference on blob, and the file is UploadStored (nothing
// is queued). n gives mode and owner (n.Type must be TypeFile). It is one
// transaction: on error nothing changed. Errors as for Create, plus
// ErrInvalid for a zero blob ID or a non-file type. The caller must have
// verified that the blob exists and holds at least size bytes, and must
// serialise this with blob deletion like CommitUpload (refs.go).
func (x *Index) ImportFile(ctx context.Context, parent uint64, name string, n NewNode, size uint64, blob blobid.ID) (Attr, error) {
	if n.Type != TypeFile || n.Target != "" || n.Rdev != 0 {
		return Attr{}, fmt.Errorf("index: import %q: type %v: %w", name, n.Type, ErrInvalid)
	}
	if blob.IsZero() {
		return Attr{}, fmt.Errorf("index: import %q: zero blob ID: %w", name, ErrInvalid)
	}
	if size > math.MaxInt64 {
		return Attr{}, fmt.Errorf("index: import %q: size %d: %w", name, size, ErrInvalid)
	}
	if err := validName(name); err != nil {
		return Attr{}, err
	}
	var a Attr
	err := x.update(ctx, func(t *txn) error {
		var err error
		if a, err = x.create1(t, parent, name, n); err != nil {
			return err
		}
		chunks := t.bucket(bucketChunks)
		for i := uint64(0); i*a.ChunkSize < size; i++ {
			off := i * a.ChunkSize
			l := min(a.ChunkSize, size-off)
			c := ChunkState{Kind: ChunkStored, Len: l, Extent: Extent{Blob: blob, Offset: off, Length: l}}
			if err := chunks.Put(chunkKey(a.Ino, i), encodeChunk(c)); err != nil {
				return err
			}
			if err := t.incRef(blob); err != nil {
				return err
			}
		}
		if err := t.setSize(&a, size); err != nil {
			return err
		}
		if err := t.refreshUpload(&a); err != nil {
			return err
		}
		return t.putInode(&a)
	})
	return a, err
}
