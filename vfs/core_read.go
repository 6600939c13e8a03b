package vfs

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// readAt fills p with the file bytes at off and returns how many there are
// before the end of the file. Dirty and staged chunks come from the
// staging file, stored chunks from the cache (or store), holes are zeros.
func (f *FS) readAt(ctx context.Context, h *Handle, p []byte, off int64) (int, error) {
	refs := &viewRefs{h: h}
	defer refs.release()
	segs, n, err := f.readVec(ctx, h, p, off, refs)
	if err != nil {
		return 0, err
	}
	cache.Gather(p, segs)
	return n, nil
}

// readVec is readAt without the last copy: the n bytes read are the
// concatenation of segs, each either the part of p at its place (filled)
// or a read-only view of a block in the cache's memory (cache.ReadVec).
// A FUSE read reply is sent straight from them. Views of recycled
// buffers are held in refs until it is released.
func (f *FS) readVec(ctx context.Context, h *Handle, p []byte, off int64, refs *viewRefs) ([][]byte, int, error) {
	st := h.st
	// The end of file must include every completed write: a short
	// reply ends the file in the kernel (see SIZE OF AN OPEN FILE).
	a, err := f.attrOf(ctx, st.ino)
	if err != nil {
		return nil, 0, err
	}
	if off < 0 {
		return nil, 0, fmt.Errorf("read at %d: %w", off, index.ErrInvalid)
	}
	if uint64(off) >= a.Size {
		return nil, 0, nil
	}
	p = p[:min(int64(len(p)), int64(a.Size)-off)]
	cs := int64(a.ChunkSize)
	segs := make([][]byte, 0, 2)
	for pos := off; pos < off+int64(len(p)); {
		ci := uint64(pos / cs)
		cstart := int64(ci) * cs
		lo, hi := pos-cstart, min(cs, off+int64(len(p))-cstart)
		if segs, err = f.readChunk(ctx, h, ci, p[pos-off:cstart+hi-off], lo, segs, refs); err != nil {
			return nil, 0, err
		}
		pos = cstart + hi
	}
	return segs, len(p), nil
}

// readChunk reads the bytes of chunk ci starting at lo in the chunk, as
// many as p holds, and appends them to segs: p filled, or views of cached
// blocks (see readVec).
func (f *FS) readChunk(ctx context.Context, h *Handle, ci uint64, p []byte, lo int64, segs [][]byte, refs *viewRefs) ([][]byte, error) {
	st := h.st
	st.mu.RLock()
	cs := int64(st.chunkSize)
	if cs == 0 {
		st.mu.RUnlock()
		st.mu.Lock()
		err := f.loadChunkSize(ctx, st)
		st.mu.Unlock()
		if err != nil {
			return segs, err
		}
		st.mu.RLock()
		cs = int64(st.chunkSize)
	}
	if n, ok := st.dirty[ci]; ok {
		err := f.readStaging(st, p, int64(ci)*cs+lo)
		clearPast(p, lo, int64(n))
		st.mu.RUnlock()
		return append(segs, p), err
	}
	c, ok, err := f.idx.Chunk(ctx, st.ino, ci)
	if err != nil || !ok {
		st.mu.RUnlock()
		clear(p)
		return append(segs, p), err
	}
	if c.Kind == index.ChunkStaged {
		err := f.readStaging(st, p, int64(ci)*cs+lo)
		clearPast(p, lo, int64(c.Len))
		st.mu.RUnlock()
		return append(segs, p), err
	}
	// Stored: extents are immutable and referenced, so the blob can be
	// read without holding the content lock.
	st.mu.RUnlock()
	if lo >= int64(c.Len) {
		clear(p)
		return append(segs, p), nil
	}
	n := min(int64(len(p)), int64(c.Len)-lo)
	stored, err := f.readStoredVec(ctx, h, st.ino, ci, c, p[:n], lo, refs)
	if err != nil {
		return segs, err
	}
	segs = append(segs, stored...)
	if tail := p[n:]; len(tail) > 0 {
		clear(tail)
		segs = append(segs, tail)
	}
	return segs, nil
}

// clearPast zeroes the part of p (which starts at lo in its chunk) at or
// past valid bytes of the chunk.
func clearPast(p []byte, lo, valid int64) {
	if k := valid - lo; k < int64(len(p)) {
		clear(p[max(k, 0):])
	}
}

// readStored fills p with bytes [lo, lo+len(p)) of stored chunk c, which
// must lie within c.Len, from its blob extent. Failures are *BlobError
// (EIO). h may be nil (no read-ahead state).
func (f *FS) readStored(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, p []byte, lo int64) error {
	segs, err := f.readStoredVec(ctx, h, ino, ci, c, p, lo, nil)
	if err == nil {
		cache.Gather(p, segs)
	}
	return err
}

// readStoredVec is readStored that may answer with views of cached blocks
// or of plaintext opened ahead (held in refs; nil: none are used) instead
// of filling p (see readVec).
func (f *FS) readStoredVec(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, p []byte, lo int64, refs *viewRefs) ([][]byte, error) {
	if c.Extent.Key.Sealed() {
		v, err := f.readSealed(ctx, h, ino, ci, c, p, lo, refs)
		if err != nil {
			return nil, err
		}
		return [][]byte{v}, nil
	}
	id := c.Extent.Blob
	off := int64(c.Extent.Offset) + lo
	if uint64(lo)+uint64(len(p)) > c.Extent.Length {
		return nil, &BlobError{Ino: ino, Chunk: ci, Blob: id, Err: fmt.Errorf("extent of %d bytes too short for %d bytes at %d: %w",
			c.Extent.Length, len(p), lo, index.ErrCorrupt)}
	}
	var err error
	var segs [][]byte
	if f.cache == nil {
		var b []byte
		b, err = f.store.Read(ctx, id, off, int64(len(p)))
		if err == nil && len(b) != len(p) {
			err = fmt.Errorf("store returned %d bytes, want %d: %w", len(b), len(p), blobstore.ErrInvalid)
		}
		segs = [][]byte{b}
	} else {
		var size int64
		if size, err = f.blobSize(ctx, id); err == nil {
			var n int
			if r := h.reader(f.cache, id, size); r != nil {
				segs, n, err = r.ReadVec(ctx, p, off)
				if spill := r.Spill(); spill > 0 && err == nil {
					f.readAheadNext(ctx, ino, ci, spill)
				}
			} else {
				segs, n, err = f.cache.ReadVec(ctx, id, size, p, off)
			}
			if err == nil && n != len(p) {
				err = fmt.Errorf("cache returned %d bytes, want %d: %w", n, len(p), cache.ErrShortRead)
			}
		}
	}
	if err != nil {
		return nil, &BlobError{Ino: ino, Chunk: ci, Blob: id, Err: err}
	}
	return segs, nil
}

// readAheadNext starts read-ahead of the first spill bytes of stored
// chunk ci+1 of file ino, when the sequential read-ahead of chunk ci
// reaches past its end. The cache's read-ahead is per blob, and each
// chunk of a large file is its own blob: without this, a sequential read
// would wait for the first block of every chunk with nothing in flight.
// The stream is handed over when the handle moves on to the next chunk
// (see cache.Reader). Best effort: failures are left to the real read.
func (f *FS) readAheadNext(ctx context.Context, ino, ci uint64, spill int64) {
	c, ok, err := f.idx.Chunk(ctx, ino, ci+1)
	if err != nil || !ok || c.Kind != index.ChunkStored || c.Len == 0 {
		return
	}
	id := c.Extent.Blob
	size, err := f.blobSize(ctx, id)
	if err != nil {
		return
	}
	r := f.cache.NewReader(id, size)
	r.Seed(int64(c.Extent.Offset), min(spill, int64(c.Len)))
	_ = r.Close()
}

// blobSize returns the size of blob id, asking the store once per ID.
func (f *FS) blobSize(ctx context.Context, id blobid.ID) (int64, error) {
	if n, ok := f.sizes.get(id); ok {
		return n, nil
	}
	info, err := f.store.Stat(ctx, id)
	if err != nil {
		return 0, err
	}
	f.sizes.put(id, int64(info.Size))
	return int64(info.Size), nil
}
