package index

import (
	"context"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// Blob reference counting.
//
// INVARIANT (checked by Check): refs[blob] equals the number of stored
// chunks, over all inodes including orphans, whose extent names blob, and is
// absent when that number is 0. A blob is on the deletion list only while
// its count is 0. Releasing the last reference puts the blob on the list with
// the current time; taking a reference removes it from the list.
//
// Garbage collection contract: the caller lists ExpiredBlobs, deletes each
// from the store, then calls ForgetBlob. Because blob IDs are content
// derived, an upload may produce (and CommitUpload re-reference) a blob the
// collector is deleting; the daemon must not run the collector's delete and
// an upload of the same blob concurrently (e.g. one mutex around "delete
// blob + ForgetBlob" and "store blob + CommitUpload").

// incRef takes one reference on blob.
func (t *txn) incRef(blob blobid.ID) error {
	refs := t.bucket(bucketRefs)
	var n uint64
	if v := refs.Get(blob[:]); v != nil {
		var err error
		if n, err = getU64(v); err != nil {
			return err
		}
	}
	if err := t.bucket(bucketDead).Delete(blob[:]); err != nil {
		return err
	}
	return refs.Put(blob[:], u64(n+1))
}

// decRef drops one reference on blob; at zero the blob goes on the
// deletion list.
func (t *txn) decRef(blob blobid.ID) error {
	refs := t.bucket(bucketRefs)
	n, err := getU64(refs.Get(blob[:]))
	if err != nil || n == 0 {
		return fmt.Errorf("index: releasing blob %v without a reference: %w", blob, ErrCorrupt)
	}
	if n > 1 {
		return refs.Put(blob[:], u64(n-1))
	}
	if err := refs.Delete(blob[:]); err != nil {
		return err
	}
	return t.bucket(bucketDead).Put(blob[:], u64(uint64(t.now.UnixNano())))
}

// deadIfUnreferenced puts the blobs of extents that nothing references on
// the deletion list (used when a commit is rejected).
func (t *txn) deadIfUnreferenced(extents map[uint64]Extent) error {
	for _, e := range extents {
		if t.bucket(bucketRefs).Get(e.Blob[:]) != nil {
			continue
		}
		if err := t.bucket(bucketDead).Put(e.Blob[:], u64(uint64(t.now.UnixNano()))); err != nil {
			return err
		}
	}
	return nil
}

// BlobRefs returns the reference count of blob (0 if unknown).
func (x *Index) BlobRefs(ctx context.Context, blob blobid.ID) (uint64, error) {
	var n uint64
	err := x.view(ctx, func(t *txn) (err error) {
		if v := t.bucket(bucketRefs).Get(blob[:]); v != nil {
			n, err = getU64(v)
		}
		return err
	})
	return n, err
}

// ExpiredBlobs returns the blobs that have been unreferenced for at least
// grace, in blob ID order. It changes nothing.
func (x *Index) ExpiredBlobs(ctx context.Context, grace time.Duration) ([]blobid.ID, error) {
	var out []blobid.ID
	err := x.view(ctx, func(t *txn) error {
		cutoff := t.now.Add(-grace).UnixNano()
		return t.bucket(bucketDead).ForEach(func(k, v []byte) error {
			ts, err := getU64(v)
			if err != nil || len(k) != len(blobid.ID{}) {
				return fmt.Errorf("index: deletion list entry: %w", ErrCorrupt)
			}
			if int64(ts) <= cutoff {
				out = append(out, blobid.ID(k))
			}
			return nil
		})
	})
	return out, err
}

// ForgetBlob removes blob from the deletion list after the caller deleted it
// from the store. ErrExist means the blob is referenced again (the caller
// broke the contract above and must re-upload it); ErrNotFound means it was
// not on the list.
func (x *Index) ForgetBlob(ctx context.Context, blob blobid.ID) error {
	return x.update(ctx, func(t *txn) error {
		if t.bucket(bucketRefs).Get(blob[:]) != nil {
			return fmt.Errorf("index: forget blob %v: still referenced: %w", blob, ErrExist)
		}
		dead := t.bucket(bucketDead)
		if dead.Get(blob[:]) == nil {
			return fmt.Errorf("index: forget blob %v: %w", blob, ErrNotFound)
		}
		return dead.Delete(blob[:])
	})
}

// Orphans returns the files whose link count is 0 but whose inode and data
// are kept, in inode order. Right after Open these are leftovers of a crash
// (no handle can be open): the caller should DropOrphan each one.
func (x *Index) Orphans(ctx context.Context) ([]uint64, error) {
	var out []uint64
	err := x.view(ctx, func(t *txn) error {
		return t.bucket(bucketOrphans).ForEach(func(k, _ []byte) error {
			ino, err := getU64(k)
			out = append(out, ino)
			return err
		})
	})
	return out, err
}

// DropOrphan deletes orphan ino with its xattrs and chunks, releasing its
// blob references, and returns the released extents; the caller deletes the
// inode's staging file. Call it when the last handle is closed. Errors:
// ErrNotFound (no such inode, e.g. already dropped), ErrInvalid (still
// linked).
func (x *Index) DropOrphan(ctx context.Context, ino uint64) ([]Extent, error) {
	var released []Extent
	err := x.update(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil {
			return err
		}
		if t.bucket(bucketOrphans).Get(inoKey(ino)) == nil {
			return fmt.Errorf("index: drop inode %d: not an orphan (%d links): %w", ino, a.Nlink, ErrInvalid)
		}
		released, err = t.deleteInode(&a)
		return err
	})
	return released, err
}

// Stats is the summary shown by `walrusfs status`.
type Stats struct {
	StatFS
	PendingFiles uint64    // linked files with staged chunks (the upload queue)
	PendingBytes uint64    // staged bytes of those files
	Uploading    uint64    // of those, files between BeginUpload and commit/failure
	Failures     []Failure // files whose last upload failed, in inode order
	Orphans      uint64
	Blobs        uint64 // distinct referenced blobs
	DeadBlobs    uint64 // blobs waiting on the deletion list
}

// Stats computes the summary; it scans the queue and the staged chunks of
// queued files, not the whole index.
func (x *Index) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := x.view(ctx, func(t *txn) (err error) {
		if st.StatFS, err = t.statFS(); err != nil {
			return err
		}
		st.Orphans = t.bucket(bucketOrphans).count()
		st.Blobs = t.bucket(bucketRefs).count()
		st.DeadBlobs = t.bucket(bucketDead).count()
		err = t.bucket(bucketQueue).ForEach(func(k, _ []byte) error {
			ino, err := getU64(k)
			if err != nil {
				return err
			}
			a, err := t.getInode(ino)
			if err != nil {
				return err
			}
			fs, err := t.fileState(&a)
			if err != nil {
				return err
			}
			st.PendingFiles++
			st.PendingBytes += fs.StagedBytes
			if a.Upload == UploadUploading {
				st.Uploading++
			}
			return nil
		})
		if err != nil {
			return err
		}
		return t.bucket(bucketFailures).ForEach(func(k, v []byte) error {
			f, err := decodeFailure(k, v)
			st.Failures = append(st.Failures, f)
			return err
		})
	})
	return st, err
}

// ReferencedBlobs returns the blobs the index references (the live ones:
// chunks and packs of files), in ID order.
func (x *Index) ReferencedBlobs(ctx context.Context) ([]blobid.ID, error) {
	var out []blobid.ID
	err := x.view(ctx, func(t *txn) error {
		return t.bucket(bucketRefs).ForEach(func(k, _ []byte) error {
			if len(k) != len(blobid.ID{}) {
				return fmt.Errorf("index: reference entry: %w", ErrCorrupt)
			}
			out = append(out, blobid.ID(k))
			return nil
		})
	})
	return out, err
}

// BlobUsers returns, for each blob of blobs, the files (inode numbers, in
// order, each once) whose stored chunks use it. It scans every chunk:
// meant for status and reports, not for every operation.
func (x *Index) BlobUsers(ctx context.Context, blobs map[blobid.ID]bool) (map[blobid.ID][]uint64, error) {
	out := map[blobid.ID][]uint64{}
	err := x.view(ctx, func(t *txn) error {
		return t.bucket(bucketChunks).ForEach(func(k, v []byte) error {
			ino, _, err := splitChunkKey(k)
			if err != nil {
				return err
			}
			cs, err := decodeChunk(v)
			if err != nil {
				return err
			}
			if cs.Kind != ChunkStored || !blobs[cs.Extent.Blob] {
				return nil
			}
			users := out[cs.Extent.Blob]
			if len(users) == 0 || users[len(users)-1] != ino {
				out[cs.Extent.Blob] = append(users, ino)
			}
			return nil
		})
	})
	return out, err
}
