package vfs

import (
	"context"
	"fmt"
	"sort"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
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
	// sealed extent of sealedLen bytes as returned by Span, appends their
	// plaintext to dst (whose spare capacity must not overlap seg) and
	// returns it with the plaintext offset of its first byte.
	Open(dst []byte, key index.WrappedKey, sealedLen, sealedOff int64, seg []byte) ([]byte, int64, error)
	// ChunkKey unwraps the key of a sealed extent (for the tree on the
	// network, whose nodes carry the chunk keys).
	ChunkKey(key index.WrappedKey) (seal.Key, error)
	// WrapChunkKey wraps a chunk key for the index (restoring the tree).
	WrapChunkKey(k seal.Key) (index.WrappedKey, error)
}

// chunkKeyAAD binds a wrapped chunk key to its use and format version.
var chunkKeyAAD = []byte("walrusfs chunk key v1")

// NewCrypt returns the Crypt of a volume whose master key is master:
// chunks are sealed with package seal under fresh random keys, kept
// wrapped (seal.WrapKey) under a key derived from master, so the index
// holds no usable key.
func NewCrypt(master seal.Key) Crypt {
	return &sealCrypt{kek: seal.Derive(master, "chunk key wrapping v1")}
}

type sealCrypt struct{ kek seal.Key }

func (c *sealCrypt) Seal(dst, plain []byte) ([]byte, index.WrappedKey, error) {
	var wk index.WrappedKey
	k, err := seal.NewKey()
	if err != nil {
		return dst, wk, err
	}
	w, err := seal.WrapKey(c.kek, k, chunkKeyAAD)
	if err != nil {
		return dst, wk, err
	}
	if len(w) != len(wk) {
		return dst, wk, fmt.Errorf("seal: wrapped key of %d bytes, want %d", len(w), len(wk))
	}
	copy(wk[:], w)
	return seal.Seal(dst, k, plain), wk, nil
}

func (c *sealCrypt) ChunkKey(key index.WrappedKey) (seal.Key, error) {
	k, err := seal.UnwrapKey(c.kek, key[:], chunkKeyAAD)
	if err != nil {
		return seal.Key{}, fmt.Errorf("unwrapping the chunk key: %w", err)
	}
	return k, nil
}

func (c *sealCrypt) WrapChunkKey(k seal.Key) (index.WrappedKey, error) {
	var wk index.WrappedKey
	w, err := seal.WrapKey(c.kek, k, chunkKeyAAD)
	if err != nil {
		return wk, err
	}
	if len(w) != len(wk) {
		return wk, fmt.Errorf("seal: wrapped key of %d bytes, want %d", len(w), len(wk))
	}
	copy(wk[:], w)
	return wk, nil
}

func (c *sealCrypt) Span(sealedLen, off, n int64) (int64, int64, error) {
	plainLen, err := seal.PlainSize(sealedLen)
	if err != nil {
		return 0, 0, err
	}
	if off < 0 || n < 0 || off+n > plainLen {
		return 0, 0, fmt.Errorf("seal: %d bytes at %d outside a sealed chunk of %d: %w", n, off, plainLen, index.ErrCorrupt)
	}
	so, sl, _ := seal.Span(plainLen, off, n)
	return so, sl, nil
}

func (c *sealCrypt) Open(dst []byte, key index.WrappedKey, sealedLen, sealedOff int64, seg []byte) ([]byte, int64, error) {
	plainLen, err := seal.PlainSize(sealedLen)
	if err != nil {
		return nil, 0, err
	}
	const sealedSeg = seal.SegmentSize + seal.TagSize
	if sealedOff < 0 || sealedOff%sealedSeg != 0 {
		return nil, 0, fmt.Errorf("seal: sealed offset %d is not a segment boundary: %w", sealedOff, index.ErrCorrupt)
	}
	k, err := seal.UnwrapKey(c.kek, key[:], chunkKeyAAD)
	if err != nil {
		return nil, 0, fmt.Errorf("unwrapping the chunk key: %w", err)
	}
	first := sealedOff / sealedSeg
	plain, err := seal.OpenSegments(dst, k, plainLen, first, seg)
	if err != nil {
		return nil, 0, err
	}
	return plain, first * seal.SegmentSize, nil
}

// sealData encrypts data for storing when the mount encrypts; otherwise
// it returns data as is and a zero key.
func (f *FS) sealData(data []byte) ([]byte, index.WrappedKey, error) {
	if f.opt.Crypt == nil {
		return data, index.WrappedKey{}, nil
	}
	return f.opt.Crypt.Seal(nil, data)
}

// readSealed returns plaintext bytes [lo, lo+len(p)) of the sealed stored
// chunk c: a read-only view of what the handle opened ahead (held in refs
// until it is released), or p filled by opening the segments now
// (openSealed). A sequential read also starts opening what follows
// (crypt_ahead.go).
func (f *FS) readSealed(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, p []byte, lo int64, refs *viewRefs) ([]byte, error) {
	if h == nil || refs == nil {
		return p, f.openSealed(ctx, nil, ino, ci, c, p, lo)
	}
	end := lo + int64(len(p))
	h.rmu.Lock()
	// The kernel keeps a few read-ahead requests in flight, which may
	// arrive out of order: a read near where the last one ended still
	// counts as sequential.
	slack := int64(aheadPieces * aheadPiece)
	var sequential bool
	switch {
	case lo == 0:
		sequential = true
	case ci == h.aheadCi && c.Extent == h.aheadExt:
		sequential = lo <= h.aheadEnd+slack && lo+slack >= h.aheadEnd
	case ci == h.aheadCi+1: // early in the next chunk
		sequential = lo < slack
	case ci+1 == h.aheadCi: // late at the end of the previous one
		sequential = h.aheadEnd < slack
	}
	if !sequential || ci > h.aheadCi || ci == h.aheadCi && (c.Extent != h.aheadExt || end > h.aheadEnd) {
		h.aheadCi, h.aheadExt, h.aheadEnd = ci, c.Extent, end
	}
	h.rmu.Unlock()
	if sequential {
		f.openAhead(ctx, h, ino, ci, c, lo, end)
	}
	if v, ok := h.takeAhead(ctx, ci, c.Extent, len(p), lo, refs); ok {
		return v, nil
	}
	return p, f.openSealed(ctx, h, ino, ci, c, p, lo)
}

// openSealed fills p with plaintext bytes [lo, lo+len(p)) of the sealed
// stored chunk c: it reads the whole segments holding them (verified
// against the blob ID by the cache or store) and opens them.
func (f *FS) openSealed(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, p []byte, lo int64) error {
	sf, err := f.fetchSealed(ctx, h, ino, ci, c, lo, int64(len(p)))
	if err != nil {
		return err
	}
	return f.openFetched(sf, ino, ci, c, p, lo)
}

// sealedFetch is the ciphertext of the whole segments a sealed read
// needs, fetched and verified but not yet opened: views, one after the
// other, of the bytes at soff of the sealed extent (cache blocks, or
// parts of *buf, to be recycled once opened).
type sealedFetch struct {
	views [][]byte
	soff  int64
	buf   *[]byte
}

// fetchSealed reads the whole segments of sealed stored chunk c that hold
// plaintext bytes [lo, lo+n).
func (f *FS) fetchSealed(ctx context.Context, h *Handle, ino, ci uint64, c index.ChunkState, lo, n int64) (sealedFetch, error) {
	if f.opt.Crypt == nil {
		return sealedFetch{}, &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: fmt.Errorf("the chunk is encrypted and this mount has no key: %w", index.ErrCorrupt)}
	}
	soff, slen, err := f.opt.Crypt.Span(int64(c.Extent.Length), lo, n)
	if err != nil {
		return sealedFetch{}, &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: err}
	}
	bp, _ := f.sealedBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	if int64(cap(*bp)) < slen {
		*bp = make([]byte, slen)
	}
	raw := c
	raw.Extent.Key = index.WrappedKey{} // the ciphertext, as stored
	raw.Len = c.Extent.Length
	views, err := f.readStoredVec(ctx, h, ino, ci, raw, (*bp)[:slen], soff, nil)
	if err != nil {
		f.sealedBufs.Put(bp)
		return sealedFetch{}, err
	}
	return sealedFetch{views: views, soff: soff, buf: bp}, nil
}

// openFetched opens the segments sf holds into p, plaintext bytes [lo,
// lo+len(p)) of sealed stored chunk c, and recycles sf's buffer.
func (f *FS) openFetched(sf sealedFetch, ino, ci uint64, c index.ChunkState, p []byte, lo int64) error {
	defer f.sealedBufs.Put(sf.buf)
	sl := int64(c.Extent.Length)
	// When p is exactly the segments' plaintext (a read aligned on
	// segments, as the kernel's are), they are opened straight into p.
	var dst []byte
	if seg := int64(seal.SegmentSize); lo%seg == 0 && sf.soff/(seg+seal.TagSize)*seg == lo {
		if pl, perr := seal.PlainSize(sl); perr == nil && (int64(len(p))%seg == 0 || lo+int64(len(p)) == pl) {
			dst = p[:0]
		}
	}
	plain, poff, err := f.openViews(dst, c.Extent.Key, sl, sf.soff, sf.views)
	if err != nil {
		f.log.Error("encrypted chunk failed authentication: its blob matches its ID, so the extent or its key is wrong (tampered index, or a chunk moved)",
			"ino", ino, "chunk", ci, "blob", c.Extent.Blob.String(), "err", err)
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: err}
	}
	start := lo - poff
	if start < 0 || start+int64(len(p)) > int64(len(plain)) {
		return &BlobError{Ino: ino, Chunk: ci, Blob: c.Extent.Blob, Err: fmt.Errorf("sealed extent holds %d bytes at %d, want %d at %d: %w", len(plain), poff, len(p), lo, index.ErrCorrupt)}
	}
	if dst == nil {
		copy(p, plain[start:])
	}
	return nil
}

// openViews opens the sealed bytes at sealedOff that views hold one after
// the other (views of cache blocks, or parts of one buffer): runs of whole
// segments inside one view are opened where they lie; a segment that
// straddles two views is gathered first. It appends the plaintext to dst.
func (f *FS) openViews(dst []byte, key index.WrappedKey, sealedLen, sealedOff int64, views [][]byte) ([]byte, int64, error) {
	const segLen = seal.SegmentSize + seal.TagSize
	if len(views) == 1 {
		return f.opt.Crypt.Open(dst, key, sealedLen, sealedOff, views[0])
	}
	var total int64
	for _, v := range views {
		total += int64(len(v))
	}
	firstPlain := sealedOff / segLen * seal.SegmentSize
	out := dst
	var straddle []byte
	pos := sealedOff // sealed offset of the next segment to open
	vi, vo := 0, 0   // current view and offset in it
	end := sealedOff + total
	for pos < end {
		for vi < len(views) && vo == len(views[vi]) {
			vi, vo = vi+1, 0
		}
		v := views[vi][vo:]
		// Whole segments that lie in this view.
		n := int64(0)
		for pos+n < end {
			l := min(segLen, end-(pos+n))
			if n+l > int64(len(v)) {
				break
			}
			n += l
		}
		if n > 0 {
			var err error
			if out, _, err = f.opt.Crypt.Open(out, key, sealedLen, pos, v[:n]); err != nil {
				return nil, 0, err
			}
			pos, vo = pos+n, vo+int(n)
			continue
		}
		// The next segment straddles views: gather it.
		l := int(min(segLen, end-pos))
		straddle = straddle[:0]
		for len(straddle) < l {
			for vo == len(views[vi]) {
				vi, vo = vi+1, 0
			}
			k := min(l-len(straddle), len(views[vi])-vo)
			straddle = append(straddle, views[vi][vo:vo+k]...)
			vo += k
		}
		var err error
		if out, _, err = f.opt.Crypt.Open(out, key, sealedLen, pos, straddle); err != nil {
			return nil, 0, err
		}
		pos += int64(l)
	}
	return out[len(dst):len(out):len(out)], firstPlain, nil
}

// BlobPlaintext returns the plaintext of blob id when it is one of this
// mount's sealed blobs: the content of the chunks stored in it, in the
// order of their extents (a chunk of a large file, or the small files of
// a pack one after the other). ok is false when no sealed chunk of the
// tree uses the blob (a plaintext or foreign blob: its bytes are its
// content). It scans the index: meant for `walrusfs read`.
func (f *FS) BlobPlaintext(ctx context.Context, id blobid.ID) (data []byte, ok bool, err error) {
	usages, err := f.idx.BlobUsages(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, u := range usages {
		if u.Blob != id {
			continue
		}
		chunks := u.Chunks
		sort.Slice(chunks, func(i, j int) bool { return chunks[i].State.Extent.Offset < chunks[j].State.Extent.Offset })
		for _, c := range chunks {
			if !c.State.Extent.Key.Sealed() {
				return nil, false, nil
			}
			buf := make([]byte, c.State.Len)
			if err := f.readStored(ctx, nil, c.Ino, c.Chunk, c.State, buf, 0); err != nil {
				return nil, false, err
			}
			data = append(data, buf...)
		}
		return data, len(chunks) > 0, nil
	}
	return nil, false, nil
}
