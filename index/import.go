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
	chunks := map[uint64]ChunkState{}
	for i := uint64(0); i*x.chunkSize < size; i++ {
		off := i * x.chunkSize
		l := min(x.chunkSize, size-off)
		chunks[i] = ChunkState{Kind: ChunkStored, Len: l, Extent: Extent{Blob: blob, Offset: off, Length: l}}
	}
	return x.RestoreFile(ctx, parent, name, n, x.chunkSize, size, chunks)
}

// RestoreFile creates a regular file named name in parent with the given
// chunk size, size and stored chunks (a file brought back from the tree on
// the network), each chunk taking a reference on its blob; the file is
// UploadStored. Chunks must be ChunkStored, with Len in 1..chunkSize,
// within size, with non-zero blobs. It is one transaction. Times are
// now: the caller sets them last (SetAttr), after links and xattrs.
func (x *Index) RestoreFile(ctx context.Context, parent uint64, name string, n NewNode, chunkSize, size uint64, chunks map[uint64]ChunkState) (Attr, error) {
	if n.Type != TypeFile || n.Target != "" || n.Rdev != 0 {
		return Attr{}, fmt.Errorf("index: restore %q: type %v: %w", name, n.Type, ErrInvalid)
	}
	if chunkSize == 0 || chunkSize > math.MaxInt64 || size > math.MaxInt64 {
		return Attr{}, fmt.Errorf("index: restore %q: chunk size %d, size %d: %w", name, chunkSize, size, ErrInvalid)
	}
	for i, c := range chunks {
		if c.Kind != ChunkStored || c.Len == 0 || c.Len > chunkSize || c.Extent.Blob.IsZero() || i > (size-1)/chunkSize || i*chunkSize+c.Len > size {
			return Attr{}, fmt.Errorf("index: restore %q: chunk %d %+v of a file of %d bytes in chunks of %d: %w", name, i, c, size, chunkSize, ErrInvalid)
		}
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
		a.ChunkSize = chunkSize
		b := t.bucket(bucketChunks)
		for i, c := range chunks {
			if err := b.Put(chunkKey(a.Ino, i), encodeChunk(c)); err != nil {
				return err
			}
			if err := t.incRef(c.Extent.Blob); err != nil {
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
