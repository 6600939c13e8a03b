package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// UploadState is where the content of a regular file lives, as a whole.
type UploadState uint8

// Upload states; the values are part of the on-disk schema.
const (
	UploadNone      UploadState = 0 // no chunks (empty or all holes)
	UploadStaged    UploadState = 1 // some chunks only in staging; queued
	UploadUploading UploadState = 2 // BeginUpload called and not finished
	UploadStored    UploadState = 3 // every chunk is in a blob
)

func (s UploadState) String() string {
	switch s {
	case UploadNone:
		return "none"
	case UploadStaged:
		return "staged"
	case UploadUploading:
		return "uploading"
	case UploadStored:
		return "stored"
	}
	return fmt.Sprintf("UploadState(%d)", uint8(s))
}

// Visible is the state as user.walrus.state and status show it: only
// "staged", "uploading" or "stored". A file with no chunks (empty, or
// only holes) has nothing pending, so it is "stored": a script that waits
// until every file is stored must not wait forever on an empty file.
func (s UploadState) Visible() string {
	if s == UploadNone {
		return UploadStored.String()
	}
	return s.String()
}

// maxErrorLen caps stored failure messages.
const maxErrorLen = 4096

// refreshUpload recomputes a.Upload, the queue entry and the failure record
// from the chunks of a (the caller stores a). A file still Uploading with
// staged chunks stays Uploading (a partial CommitUpload).
func (t *txn) refreshUpload(a *Attr) error {
	var staged, stored bool
	prefix := u64(a.Ino)
	c := t.bucket(bucketChunks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && !(staged && stored); k, v = c.Next() {
		if len(v) > 0 && ChunkKind(v[0]) == ChunkStaged {
			staged = true
		} else {
			stored = true
		}
	}
	q := t.bucket(bucketQueue)
	switch {
	case staged && a.Upload != UploadUploading:
		a.Upload = UploadStaged
	case !staged && stored:
		a.Upload = UploadStored
	case !staged:
		a.Upload = UploadNone
	}
	if !staged {
		if err := t.bucket(bucketFailures).Delete(inoKey(a.Ino)); err != nil {
			return err
		}
	}
	if staged && a.Nlink > 0 {
		return q.Put(inoKey(a.Ino), nil)
	}
	return q.Delete(inoKey(a.Ino))
}

// Upload is a snapshot of the staged part of a file, taken by BeginUpload.
type Upload struct {
	Ino        uint64
	Generation uint64            // pass to CommitUpload
	ChunkSize  uint64            // chunk i starts at file offset i*ChunkSize
	Size       uint64            // file size at the snapshot
	Staged     map[uint64]uint64 // chunk index -> valid bytes in staging
}

// BeginUpload marks file ino as uploading and returns what to upload. The
// uploader then reads the staged bytes (outside any transaction) and calls
// CommitUpload with Generation. Errors: ErrNotFound (missing or orphaned),
// ErrInvalid (nothing staged, or not a regular file).
func (x *Index) BeginUpload(ctx context.Context, ino uint64) (Upload, error) {
	u := Upload{Ino: ino}
	err := x.update(ctx, func(t *txn) error {
		a, err := t.getFile(ino)
		if err != nil {
			return err
		}
		if a.Nlink == 0 {
			return fmt.Errorf("index: upload orphaned inode %d: %w", ino, ErrNotFound)
		}
		m, err := t.chunks(ino)
		if err != nil {
			return err
		}
		u.Generation, u.ChunkSize, u.Size, u.Staged = a.Generation, a.ChunkSize, a.Size, make(map[uint64]uint64)
		for i, c := range m {
			if c.Kind == ChunkStaged {
				u.Staged[i] = c.Len
			}
		}
		if len(u.Staged) == 0 {
			return fmt.Errorf("index: upload inode %d: nothing staged: %w", ino, ErrInvalid)
		}
		a.Upload = UploadUploading
		return t.putInode(&a)
	})
	return u, err
}

// CommitUpload swaps the given staged chunks of file ino to stored extents,
// taking one blob reference per extent, in one transaction — but only if the
// file's generation still equals expectGen. Otherwise it returns ErrStale
// (ErrNotFound if the file is gone) and changes no chunk; blobs named in a
// rejected commit that nothing references are put on the deletion list so
// they do not leak. Chunks not named stay staged (partial commits are fine).
// When no staged chunk remains the file becomes stored, leaves the upload
// queue and its failure record is cleared. Naming a chunk that is not staged
// is ErrInvalid.
func (x *Index) CommitUpload(ctx context.Context, ino, expectGen uint64, stored map[uint64]Extent) error {
	if len(stored) == 0 {
		return fmt.Errorf("index: commit inode %d: no chunks: %w", ino, ErrInvalid)
	}
	for i, e := range stored {
		if e.Blob.IsZero() {
			return fmt.Errorf("index: commit inode %d chunk %d: zero blob ID: %w", ino, i, ErrInvalid)
		}
	}
	var rejected error
	err := x.update(ctx, func(t *txn) error {
		rejected = nil
		a, err := t.getFile(ino)
		if err == nil && a.Generation != expectGen {
			err = fmt.Errorf("index: commit inode %d: generation %d, upload of %d: %w", ino, a.Generation, expectGen, ErrStale)
		}
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrStale) {
			rejected = err
			return t.deadIfUnreferenced(stored)
		}
		if err != nil {
			return err
		}
		chunks := t.bucket(bucketChunks)
		for i, e := range stored {
			k := chunkKey(ino, i)
			v := chunks.Get(k)
			if v == nil {
				return fmt.Errorf("index: commit inode %d chunk %d: not staged (hole): %w", ino, i, ErrInvalid)
			}
			c, err := decodeChunk(v)
			if err != nil {
				return err
			}
			if c.Kind != ChunkStaged {
				return fmt.Errorf("index: commit inode %d chunk %d: already %v: %w", ino, i, c.Kind, ErrInvalid)
			}
			c.Kind, c.Extent = ChunkStored, e
			if err := chunks.Put(k, encodeChunk(c)); err != nil {
				return err
			}
			if err := t.incRef(e.Blob); err != nil {
				return err
			}
		}
		if err := t.refreshUpload(&a); err != nil {
			return err
		}
		return t.putInode(&a)
	})
	if err != nil {
		return err
	}
	return rejected
}

// FailUpload records that the last upload of file ino failed with msg
// (shown by Stats and FileState) and returns it to the staged state; it
// stays queued. It is a no-op for a file with nothing staged.
func (x *Index) FailUpload(ctx context.Context, ino uint64, msg string) error {
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
	}
	return x.update(ctx, func(t *txn) error {
		a, err := t.getFile(ino)
		if err != nil {
			return err
		}
		if a.Upload != UploadStaged && a.Upload != UploadUploading {
			return nil
		}
		v := binary.BigEndian.AppendUint64(nil, uint64(t.now.UnixNano()))
		if err := t.bucket(bucketFailures).Put(inoKey(ino), append(v, msg...)); err != nil {
			return err
		}
		a.Upload = UploadStaged
		return t.putInode(&a)
	})
}

// UploadQueue returns the linked files with staged chunks, in inode order.
// After a crash it lists everything whose upload must be (re)started.
func (x *Index) UploadQueue(ctx context.Context) ([]uint64, error) {
	var out []uint64
	err := x.view(ctx, func(t *txn) error {
		return t.bucket(bucketQueue).ForEach(func(k, _ []byte) error {
			ino, err := getU64(k)
			out = append(out, ino)
			return err
		})
	})
	return out, err
}

// QueueEmpty reports whether no file waits for upload: one key lookup,
// for pollers (walrusfs sync) that must not walk the queue under the
// index lock every few milliseconds.
func (x *Index) QueueEmpty(ctx context.Context) (bool, error) {
	empty := true
	err := x.view(ctx, func(t *txn) error {
		k, _ := t.bucket(bucketQueue).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// Failure is the last upload error of a file.
type Failure struct {
	Ino   uint64
	Time  time.Time
	Error string
}

func decodeFailure(k, v []byte) (Failure, error) {
	ino, err := getU64(k)
	if err != nil || len(v) < 8 {
		return Failure{}, fmt.Errorf("index: failure record: %w", ErrCorrupt)
	}
	return Failure{Ino: ino, Time: time.Unix(0, int64(binary.BigEndian.Uint64(v))), Error: string(v[8:])}, nil
}

// FileState is what the user.walrus.* attributes show for one file.
type FileState struct {
	State       UploadState
	Blobs       []blobid.ID // distinct blobs of stored chunks, in chunk order
	StagedBytes uint64
	LastError   string // empty unless the last upload failed
	// SealedChunks and PlainChunks count the stored chunks whose extent
	// is sealed (encrypted) and plaintext.
	SealedChunks, PlainChunks int
}

// Encryption is the value of XattrEncryption: encrypted, plaintext, mixed
// or none.
func (st FileState) Encryption() string {
	switch {
	case st.SealedChunks > 0 && st.PlainChunks > 0:
		return "mixed"
	case st.SealedChunks > 0:
		return "encrypted"
	case st.PlainChunks > 0:
		return "plaintext"
	}
	return "none"
}

// FileState returns the upload state of ino (UploadNone for non-files).
func (x *Index) FileState(ctx context.Context, ino uint64) (FileState, error) {
	var st FileState
	err := x.view(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil || a.Type != TypeFile {
			return err
		}
		st, err = t.fileState(&a)
		return err
	})
	return st, err
}

func (t *txn) fileState(a *Attr) (FileState, error) {
	st := FileState{State: a.Upload}
	seen := make(map[blobid.ID]bool)
	prefix := u64(a.Ino)
	c := t.bucket(bucketChunks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		cs, err := decodeChunk(v)
		if err != nil {
			return st, err
		}
		if cs.Kind == ChunkStaged {
			st.StagedBytes += cs.Len
			continue
		}
		if cs.Extent.Key.Sealed() {
			st.SealedChunks++
		} else {
			st.PlainChunks++
		}
		if !seen[cs.Extent.Blob] {
			seen[cs.Extent.Blob] = true
			st.Blobs = append(st.Blobs, cs.Extent.Blob)
		}
	}
	if v := t.bucket(bucketFailures).Get(inoKey(a.Ino)); v != nil {
		f, err := decodeFailure(inoKey(a.Ino), v)
		if err != nil {
			return st, err
		}
		st.LastError = f.Error
	}
	return st, nil
}
