package vfs

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/index"
)

// Crypt seals chunk content before it is stored and opens it when it is
// read (Options.Crypt; nil: a plaintext mount). Each stored chunk version
// gets a fresh key, kept wrapped in its extent (index.Extent.Key). The
// blob holds ciphertext only, so the blob ID verifies the ciphertext and
// the AEAD then the plaintext and its position. Implemented by
// seal.Volume.
type Crypt interface {
	// Seal encrypts plain under a fresh chunk key and returns the
	// ciphertext (appended to dst) and the key wrapped for the index.
	Seal(dst, plain []byte) ([]byte, index.WrappedKey, error)
	// Span returns the range of the sealed extent (of sealedLen bytes)
	// that holds plaintext bytes [off, off+n): whole segments.
	Span(sealedLen, off, n int64) (sealedOff, length int64, err error)
	// Open authenticates and decrypts seg, the bytes at sealedOff of a
	// sealed extent of sealedLen bytes as returned by Span, and returns
	// their plaintext (which starts at the plaintext offset of the first
	// segment: sealedOff / (segment+tag) * segment).
	Open(key index.WrappedKey, sealedLen, sealedOff int64, seg []byte) ([]byte, int64, error)
}

// sealData encrypts data for storing when the mount encrypts; otherwise
// it returns data as is and a zero key.
func (f *FS) sealData(data []byte) ([]byte, index.WrappedKey, error) {
	if f.opt.Crypt == nil {
		return data, index.WrappedKey{}, nil
	}
	return f.opt.Crypt.Seal(nil, data)
}

// readSealed fills p with plaintext bytes [lo, lo+len(p)) of the sealed
// stored chunk c: it reads the whole segments holding them (verified
// against the blob ID by the cache or store) and opens them.
func (f *FS) readSealed(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, p []byte, lo int64) error {
	if f.opt.Crypt == nil {
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: fmt.Errorf("the chunk is encrypted and this mount has no key: %w", index.ErrCorrupt)}
	}
	sl := int64(c.Extent.Length)
	soff, slen, err := f.opt.Crypt.Span(sl, lo, int64(len(p)))
	if err != nil {
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: err}
	}
	buf := make([]byte, slen)
	raw := c
	raw.Extent.Key = index.WrappedKey{} // the ciphertext, as stored
	raw.Len = c.Extent.Length
	if err := f.readStored(ctx, h, ino, ci, raw, buf, soff); err != nil {
		return err
	}
	plain, poff, err := f.opt.Crypt.Open(c.Extent.Key, sl, soff, buf)
	if err != nil {
		f.log.Error("encrypted chunk failed authentication: its blob matches its ID, so the extent or its key is wrong (tampered index, or a chunk moved)",
			"ino", ino, "chunk", ci, "blob", c.Extent.Blob.String(), "err", err)
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: err}
	}
	start := lo - poff
	if start < 0 || start+int64(len(p)) > int64(len(plain)) {
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: fmt.Errorf("sealed extent holds %d bytes at %d, want %d at %d: %w", len(plain), poff, len(p), lo, index.ErrCorrupt)}
	}
	copy(p, plain[start:])
	return nil
}
