package index

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/walrusfs/walrusfs/blobid"
)

// ChunkKind says where the bytes of one chunk live.
type ChunkKind uint8

// Chunk kinds; the values are part of the on-disk schema.
const (
	ChunkStaged ChunkKind = 1 // in the inode's local staging file, at the chunk's file offset
	ChunkStored ChunkKind = 2 // in a Walrus blob, at Extent
)

func (k ChunkKind) String() string {
	switch k {
	case ChunkStaged:
		return "staged"
	case ChunkStored:
		return "stored"
	}
	return fmt.Sprintf("ChunkKind(%d)", uint8(k))
}

// Extent is a byte range of a blob. Several chunks (of one or many files)
// may point into the same blob, e.g. a pack of small files.
type Extent struct {
	Blob   blobid.ID
	Offset uint64 // offset of the range in the blob
	Length uint64 // bytes of the range in the blob (may differ from ChunkState.Len if encoded)
	// Key is set (Key.Sealed()) when the range is sealed (package seal:
	// the chunk's plaintext encrypted in segments): it holds the chunk's
	// key wrapped under the volume's key, never the key itself. Zero means
	// the range is the plaintext (a mount without encryption, an imported
	// blob).
	Key WrappedKey
}

// WrappedKeySize is the size of a wrapped chunk key: a 24-byte nonce, the
// 32-byte key encrypted, a 16-byte tag (seal.WrapKey).
const WrappedKeySize = 72

// WrappedKey is a chunk key wrapped under the volume key; the index stores
// it opaque.
type WrappedKey [WrappedKeySize]byte

// Sealed reports whether k is set (the extent is encrypted).
func (k WrappedKey) Sealed() bool { return k != WrappedKey{} }

// ChunkState is the state of chunk i of a file, which covers the file bytes
// [i*ChunkSize, i*ChunkSize+ChunkSize).
//
// Len is the number of valid file bytes at the start of the chunk (1 ..
// ChunkSize); the rest of the chunk, and every chunk with no state at all,
// reads as zeros (holes). For a stored chunk the file bytes are the first Len
// bytes obtained from Extent. Truncate may shorten Len without touching
// Extent, so stale bytes past Len must never be returned.
type ChunkState struct {
	Kind   ChunkKind
	Len    uint64
	Extent Extent // ChunkStored only
}

// SetChunkStaged records that chunk idx of file ino now lives in the staging
// file with length valid bytes, and returns the new generation. It bumps the
// generation, sets mtime/ctime to now, grows Size to cover the chunk, marks
// the file staged and queues it for upload (unless it is an orphan). A
// stored chunk being replaced releases its blob reference. Errors:
// ErrInvalid (length 0 or over the chunk size, not a regular file),
// ErrIsDir, ErrNotFound.
func (x *Index) SetChunkStaged(ctx context.Context, ino, idx, length uint64) (uint64, error) {
	var gen uint64
	err := x.update(ctx, func(t *txn) (err error) {
		gen, err = t.setChunkStaged(ino, idx, length)
		return err
	})
	return gen, err
}

// MaxStagedCopy is the largest chunk SetChunkStagedCopy takes.
const MaxStagedCopy = 256 << 10

// SetChunkStagedCopy is SetChunkStaged for a chunk of at most MaxStagedCopy
// bytes whose bytes are also given: the index keeps a copy of them (until
// the chunk changes or is stored). Like every operation it is journaled
// (crash-safe) when it returns and durable after the next Sync or
// checkpoint: one journal fdatasync thus makes a small file's close
// durable, without syncing its staging file; after a power cut,
// StagedCopy gives the bytes to restore the staging file from.
func (x *Index) SetChunkStagedCopy(ctx context.Context, ino, idx uint64, data []byte) (uint64, error) {
	if len(data) > MaxStagedCopy {
		return 0, fmt.Errorf("index: staged copy of %d bytes (max %d): %w", len(data), MaxStagedCopy, ErrInvalid)
	}
	var gen uint64
	err := x.update(ctx, func(t *txn) (err error) {
		if gen, err = t.setChunkStaged(ino, idx, uint64(len(data))); err != nil {
			return err
		}
		return t.bucket(bucketCopies).Put(chunkKey(ino, idx), data)
	})
	return gen, err
}

// StagedCopy returns a copy of the staged copy of chunk idx of file ino;
// ok is false when it has none.
func (x *Index) StagedCopy(ctx context.Context, ino, idx uint64) (data []byte, ok bool, err error) {
	err = x.view(ctx, func(t *txn) error {
		data, ok = t.bucket(bucketCopies).lookup(chunkKey(ino, idx))
		return nil
	})
	return data, ok, err
}

func (t *txn) setChunkStaged(ino, idx, length uint64) (uint64, error) {
	a, err := t.getFile(ino)
	if err != nil {
		return 0, err
	}
	if length == 0 || length > a.ChunkSize || idx > (math.MaxInt64-length)/a.ChunkSize {
		return 0, fmt.Errorf("index: stage chunk %d of inode %d with %d bytes (chunk size %d): %w",
			idx, ino, length, a.ChunkSize, ErrInvalid)
	}
	chunks := t.bucket(bucketChunks)
	k := chunkKey(ino, idx)
	if v := chunks.Get(k); v != nil {
		old, err := decodeChunk(v)
		if err != nil {
			return 0, err
		}
		if old.Kind == ChunkStored {
			if err := t.decRef(old.Extent.Blob); err != nil {
				return 0, err
			}
		}
	}
	if err := chunks.Put(k, encodeChunk(ChunkState{Kind: ChunkStaged, Len: length})); err != nil {
		return 0, err
	}
	if end := idx*a.ChunkSize + length; end > a.Size {
		if err := t.setSize(&a, end); err != nil {
			return 0, err
		}
	}
	a.Generation++
	a.Mtime, a.Ctime = t.now, t.now
	a.Upload = UploadStaged
	if a.Nlink > 0 {
		if err := t.bucket(bucketQueue).Put(inoKey(ino), nil); err != nil {
			return 0, err
		}
	}
	return a.Generation, t.putInode(&a)
}

// Chunks returns a copy of the content map of file ino (holes are absent).
func (x *Index) Chunks(ctx context.Context, ino uint64) (map[uint64]ChunkState, error) {
	var m map[uint64]ChunkState
	err := x.view(ctx, func(t *txn) (err error) {
		if _, err := t.getFile(ino); err != nil {
			return err
		}
		m, err = t.chunks(ino)
		return err
	})
	return m, err
}

// Chunk returns the state of one chunk; ok is false for a hole.
func (x *Index) Chunk(ctx context.Context, ino, idx uint64) (c ChunkState, ok bool, err error) {
	err = x.view(ctx, func(t *txn) error {
		if _, err := t.getFile(ino); err != nil {
			return err
		}
		v := t.bucket(bucketChunks).Get(chunkKey(ino, idx))
		if v == nil {
			return nil
		}
		ok = true
		c, err = decodeChunk(v)
		return err
	})
	return c, ok, err
}

// chunks decodes every chunk of ino.
func (t *txn) chunks(ino uint64) (map[uint64]ChunkState, error) {
	m := make(map[uint64]ChunkState)
	prefix := u64(ino)
	c := t.bucket(bucketChunks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		_, idx, err := splitChunkKey(k)
		if err != nil {
			return nil, err
		}
		if m[idx], err = decodeChunk(v); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Truncate sets the size of file ino to size and returns the stored extents
// whose blob references were released (chunks entirely past the new end).
// A chunk straddling the new end keeps its extent with a shorter Len. When
// the size changes the generation is bumped and mtime/ctime set to now; the
// caller must also discard staged bytes past size. Growing adds a hole.
func (x *Index) Truncate(ctx context.Context, ino, size uint64) ([]Extent, error) {
	var released []Extent
	err := x.update(ctx, func(t *txn) error {
		a, err := t.getFile(ino)
		if err != nil {
			return err
		}
		if released, err = t.truncate(&a, size); err != nil {
			return err
		}
		return t.putInode(&a)
	})
	return released, err
}

// truncate changes a's size and chunks; the caller stores a.
func (t *txn) truncate(a *Attr, size uint64) ([]Extent, error) {
	if size == a.Size {
		return nil, nil
	}
	if size > math.MaxInt64 {
		return nil, fmt.Errorf("index: truncate inode %d to %d: %w", a.Ino, size, ErrInvalid)
	}
	var released []Extent
	if size < a.Size {
		first := size / a.ChunkSize // chunk holding the new end, kept if size%ChunkSize > 0
		if keep := size - first*a.ChunkSize; keep > 0 {
			k := chunkKey(a.Ino, first)
			if v := t.bucket(bucketChunks).Get(k); v != nil {
				c, err := decodeChunk(v)
				if err != nil {
					return nil, err
				}
				if c.Len > keep {
					c.Len = keep
					t.shrinkCopies = true
					err := t.bucket(bucketChunks).Put(k, encodeChunk(c))
					t.shrinkCopies = false
					if err != nil {
						return nil, err
					}
				}
			}
			first++
		}
		var err error
		if released, err = t.dropChunksFrom(a.Ino, first); err != nil {
			return nil, err
		}
	}
	if err := t.setSize(a, size); err != nil {
		return nil, err
	}
	a.Generation++
	a.Mtime, a.Ctime = t.now, t.now
	if a.Upload == UploadUploading {
		a.Upload = UploadStaged // the upload in flight will be stale
	}
	return released, t.refreshUpload(a)
}

// setSize changes a.Size and the total-bytes counter.
func (t *txn) setSize(a *Attr, size uint64) error {
	if err := t.addCounter(metaBytes, int64(size)-int64(a.Size)); err != nil {
		return err
	}
	a.Size = size
	return nil
}

// dropChunksFrom deletes chunks idx >= from of ino, releasing the blob
// references of stored ones, which it returns.
func (t *txn) dropChunksFrom(ino, from uint64) ([]Extent, error) {
	var released []Extent
	var keys [][]byte
	b := t.bucket(bucketChunks)
	prefix := u64(ino)
	c := b.Cursor()
	for k, v := c.Seek(chunkKey(ino, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		cs, err := decodeChunk(v)
		if err != nil {
			return nil, err
		}
		if cs.Kind == ChunkStored {
			released = append(released, cs.Extent)
		}
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return nil, err
		}
	}
	for _, e := range released {
		if err := t.decRef(e.Blob); err != nil {
			return nil, err
		}
	}
	return released, nil
}
