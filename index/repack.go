package index

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
)

// Repacking support.
//
// A pack blob holds the content of many small files. When most of them are
// deleted or rewritten the blob still costs what it did; the file system
// copies the live extents into a new blob and moves the chunks over
// (MoveExtents), which drops the last references on the old blob so the
// collector deletes it. The index only reports usage and moves chunks; it
// never reads blobs.

// StoredChunk is one stored chunk: which file and chunk, and its state
// (Kind is ChunkStored).
type StoredChunk struct {
	Ino, Chunk uint64
	State      ChunkState
}

// BlobUsage is how much of a referenced blob the tree still uses.
type BlobUsage struct {
	Blob blobid.ID
	// Chunks are the stored chunks naming the blob, in (inode, chunk)
	// order.
	Chunks []StoredChunk
	// Live is the number of blob bytes those chunks still need: the sum
	// over the chunks of LiveBytes.
	Live uint64
	// End is the largest Extent.Offset+Extent.Length: the blob is at
	// least this long.
	End uint64
}

// BlobUsages returns the usage of every referenced blob, in blob ID order.
// It scans every chunk: meant for the periodic repacking pass, not for
// every operation.
func (x *Index) BlobUsages(ctx context.Context) ([]BlobUsage, error) {
	byBlob := map[blobid.ID]*BlobUsage{}
	var order []blobid.ID
	err := x.view(ctx, func(t *txn) error {
		if err := t.bucket(bucketRefs).ForEach(func(k, _ []byte) error {
			if len(k) != len(blobid.ID{}) {
				return fmt.Errorf("index: reference entry: %w", ErrCorrupt)
			}
			id := blobid.ID(k)
			order = append(order, id)
			byBlob[id] = &BlobUsage{Blob: id}
			return nil
		}); err != nil {
			return err
		}
		return t.bucket(bucketChunks).ForEach(func(k, v []byte) error {
			ino, idx, err := splitChunkKey(k)
			if err != nil {
				return err
			}
			cs, err := decodeChunk(v)
			if err != nil {
				return err
			}
			if cs.Kind != ChunkStored {
				return nil
			}
			u := byBlob[cs.Extent.Blob]
			if u == nil {
				return fmt.Errorf("index: inode %d chunk %d names blob %v, which has no reference count: %w", ino, idx, cs.Extent.Blob, ErrCorrupt)
			}
			u.Chunks = append(u.Chunks, StoredChunk{Ino: ino, Chunk: idx, State: cs})
			u.Live += cs.LiveBytes()
			u.End = max(u.End, cs.Extent.Offset+cs.Extent.Length)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]BlobUsage, 0, len(order))
	for _, id := range order {
		out = append(out, *byBlob[id])
	}
	return out, nil
}

// LiveBytes is how many bytes of its extent a stored chunk needs: a
// truncated plaintext chunk keeps its extent but reads only its first Len
// bytes; a sealed extent is needed whole (its segments are authenticated
// up to the last one).
func (c ChunkState) LiveBytes() uint64 {
	if c.Extent.Key.Sealed() {
		return c.Extent.Length
	}
	return min(c.Len, c.Extent.Length)
}

// ExtentMove moves one stored chunk to a new extent: applied only if the
// chunk's state still equals From (same length, same extent), so a chunk
// rewritten, truncated or deleted since BlobUsages is left alone.
type ExtentMove struct {
	Ino, Chunk uint64
	From       ChunkState
	To         Extent
}

// MoveExtents applies moves in one operation and returns how many applied.
// Each applied move takes a reference on its new blob and releases one on
// the old (which goes on the deletion list when it reaches zero); the
// chunk's Len, the file's generation and its times are unchanged: the
// bytes are the same. A move whose chunk changed is skipped. New blobs
// that end up with no reference (every move into them was skipped) go on
// the deletion list so they do not leak.
func (x *Index) MoveExtents(ctx context.Context, moves []ExtentMove) (int, error) {
	for _, m := range moves {
		if m.To.Blob.IsZero() {
			return 0, fmt.Errorf("index: move inode %d chunk %d: zero blob ID: %w", m.Ino, m.Chunk, ErrInvalid)
		}
		if m.From.Kind != ChunkStored {
			return 0, fmt.Errorf("index: move inode %d chunk %d: from a %v chunk: %w", m.Ino, m.Chunk, m.From.Kind, ErrInvalid)
		}
	}
	var moved int
	err := x.update(ctx, func(t *txn) error {
		moved = 0
		chunks := t.bucket(bucketChunks)
		targets := map[uint64]Extent{}
		for i, m := range moves {
			targets[uint64(i)] = m.To
			k := chunkKey(m.Ino, m.Chunk)
			v := chunks.Get(k)
			if v == nil {
				continue
			}
			c, err := decodeChunk(v)
			if err != nil {
				return err
			}
			if c != m.From {
				continue
			}
			c.Extent = m.To
			if err := chunks.Put(k, encodeChunk(c)); err != nil {
				return err
			}
			if err := t.incRef(m.To.Blob); err != nil {
				return err
			}
			if err := t.decRef(m.From.Extent.Blob); err != nil {
				return err
			}
			moved++
		}
		return t.deadIfUnreferenced(targets)
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}
