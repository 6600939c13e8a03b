package vfs

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

const cryptChunk = 256 << 10 // four 64 KiB segments per chunk

func newCryptEnv(t *testing.T) *env {
	t.Helper()
	return newCryptEnvWith(t, false)
}

// newCryptEnvWith is newCryptEnv, reading through a disk cache if cache
// (replies are then views of cache blocks, and sealed segments straddle
// them).
func newCryptEnvWith(t *testing.T, cache bool) *env {
	t.Helper()
	return newCryptEnvChunk(t, cache, cryptChunk)
}

func newCryptEnvChunk(t *testing.T, cache bool, chunk uint64) *env {
	t.Helper()
	var master seal.Key
	for i := range master {
		master[i] = byte(3*i + 1)
	}
	vol := NewCrypt(master)
	return newEnv(t, envOptions{Chunk: chunk, Cache: cache, Tweak: func(o *Options) { o.Crypt = vol; o.RepackThreshold = -1 }})
}

// storedBytes returns every byte the store holds, blob by blob.
func (e *env) storedBytes() map[blobid.ID][]byte {
	e.t.Helper()
	out := map[blobid.ID][]byte{}
	var ids []blobid.ID
	if err := e.mem.List(ctxb, func(in blobstore.Info) error { ids = append(ids, in.ID); return nil }); err != nil {
		e.t.Fatal(err)
	}
	for _, id := range ids {
		b, err := e.mem.Read(ctxb, id, 0, -1)
		if err != nil {
			e.t.Fatal(err)
		}
		out[id] = b
	}
	return out
}

// markerData is n bytes with marker repeated every 1000 bytes.
func markerData(marker string, n int, seed uint64) []byte {
	b := randBytes(n, seed)
	for i := 0; i+len(marker) <= n; i += 1000 {
		copy(b[i:], marker)
	}
	return b
}

// TestCryptRoundTrip: files of every size class (empty, packed small ones,
// one chunk, many chunks with a short tail) read back the same, whole and
// in ranges across segment and chunk edges, before and after a restart;
// and no stored byte range holds their plaintext.
func TestCryptRoundTrip(t *testing.T) {
	for _, cache := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", cache), func(t *testing.T) { testCryptRoundTrip(t, cache) })
	}
}

func testCryptRoundTrip(t *testing.T, cache bool) {
	e := newCryptEnvWith(t, cache)
	const marker = "MARKER-7f3a-plaintext-must-not-reach-any-node"
	sizes := []int{0, 1, 100, 16 << 10, 65535, 65536, 65537, cryptChunk, cryptChunk + 1, 3*cryptChunk + 12345}
	files := map[uint64][]byte{}
	for i, n := range sizes {
		data := markerData(marker, n, uint64(i+1))
		files[e.create(fmt.Sprintf("f%d", i), data).Ino] = data
	}
	e.sync()
	for id, b := range e.storedBytes() {
		if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte(marker[:16])) {
			t.Fatalf("blob %v holds plaintext", id)
		}
	}
	check := func(what string, fs *FS) {
		t.Helper()
		for ino, want := range files {
			h, err := fs.Open(ctxb, ino, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range [][2]int{{0, len(want)}, {65535, 2}, {65536, 1}, {65530, 65550}, {cryptChunk - 3, 7}, {1, 200_000}, {len(want) - 1, 5}} {
				off, n := r[0], r[1]
				if off < 0 || off > len(want) {
					continue
				}
				buf := make([]byte, n)
				got, err := h.ReadAt(ctxb, buf, int64(off))
				if err != nil {
					t.Fatalf("%s: inode %d read %d at %d: %v", what, ino, n, off, err)
				}
				end := min(off+n, len(want))
				if !bytes.Equal(buf[:got], want[off:end]) {
					t.Fatalf("%s: inode %d (%d bytes): read %d at %d differs", what, ino, len(want), n, off)
				}
			}
			h.Release(ctxb)
		}
	}
	check("first mount", e.fs)
	for ino := range files {
		st := e.state(ino)
		if st.State.Visible() != "stored" {
			t.Fatalf("inode %d is %s", ino, st.State)
		}
		cs, err := e.idx.Chunks(ctxb, ino)
		if err != nil {
			t.Fatal(err)
		}
		for ci, c := range cs {
			if !c.Extent.Key.Sealed() || c.Extent.Length != uint64(seal.SealedSize(int64(c.Len))) {
				t.Fatalf("inode %d chunk %d: %+v is not a sealed extent of its length", ino, ci, c)
			}
		}
		want := "encrypted"
		if len(cs) == 0 {
			want = "none"
		}
		if v, err := e.fs.GetXattr(ctxb, ino, index.XattrEncryption); err != nil || string(v) != want {
			t.Fatalf("inode %d: %s = %q, %v; want %s", ino, index.XattrEncryption, v, err, want)
		}
	}
	var master seal.Key
	for i := range master {
		master[i] = byte(3*i + 1)
	}
	f := e.restartWith(t, func(o *Options) { o.Crypt = NewCrypt(master) })
	check("after restart", f)
}

// TestCryptTamper: ciphertext that matches its blob ID but is not what
// was sealed for the chunk reads as an error (EIO), never as other bytes:
// a flipped byte, swapped segments, a truncated extent, another file's
// chunk under this chunk's key.
func TestCryptTamper(t *testing.T) {
	e := newCryptEnv(t)
	a := e.create("a", randBytes(2*65536+500, 1))
	b := e.create("b", randBytes(2*65536+500, 2))
	e.sync()
	chunk := func(ino uint64) index.ChunkState {
		c, ok, err := e.idx.Chunk(ctxb, ino, 0)
		if err != nil || !ok {
			t.Fatalf("chunk of %d: %v %v", ino, ok, err)
		}
		return c
	}
	orig := chunk(a.Ino)
	sealed, err := e.mem.Read(ctxb, orig.Extent.Blob, int64(orig.Extent.Offset), int64(orig.Extent.Length))
	if err != nil {
		t.Fatal(err)
	}
	const segLen = 65536 + 16
	// point stores blob as a new blob and moves a's chunk to it with ext.
	point := func(blob []byte, ext index.Extent) {
		t.Helper()
		info, err := e.mem.Put(ctxb, blob)
		if err != nil {
			t.Fatal(err)
		}
		ext.Blob = info.ID
		cur := chunk(a.Ino)
		if n, err := e.idx.MoveExtents(ctxb, []index.ExtentMove{{Ino: a.Ino, From: cur, To: ext}}); err != nil || n != 1 {
			t.Fatalf("move: %d %v", n, err)
		}
	}
	readFails := func(what string) {
		t.Helper()
		h, err := e.fs.Open(ctxb, a.Ino, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctxb)
		buf := make([]byte, 2*65536+500)
		n, err := h.ReadAt(ctxb, buf, 0)
		var be *BlobError
		if err == nil || !errors.As(err, &be) {
			t.Fatalf("%s: read %d bytes, err %v; want a blob error (EIO)", what, n, err)
		}
	}
	flipped := bytes.Clone(sealed)
	flipped[segLen+100] ^= 1
	point(flipped, orig.Extent)
	readFails("flipped byte")

	swapped := bytes.Clone(sealed)
	copy(swapped[:segLen], sealed[segLen:2*segLen])
	copy(swapped[segLen:2*segLen], sealed[:segLen])
	point(swapped, orig.Extent)
	readFails("swapped segments")

	truncated := bytes.Clone(sealed[:2*segLen])
	ext := orig.Extent
	ext.Length = uint64(len(truncated))
	point(truncated, ext)
	readFails("truncated after a segment")

	other := chunk(b.Ino).Extent
	other.Key = orig.Extent.Key
	cur := chunk(a.Ino)
	if n, err := e.idx.MoveExtents(ctxb, []index.ExtentMove{{Ino: a.Ino, From: cur, To: other}}); err != nil || n != 1 {
		t.Fatalf("move: %d %v", n, err)
	}
	readFails("another file's chunk")

	// The untouched file still reads.
	if got := e.read(b.Ino); !bytes.Equal(got, randBytes(2*65536+500, 2)) {
		t.Fatal("b differs")
	}
}

// TestCryptImportPlaintext: a foreign plaintext blob imported into an
// encrypted mount reads as it is and is marked plaintext; a file written
// next to it is encrypted.
func TestCryptImportPlaintext(t *testing.T) {
	e := newCryptEnv(t)
	data := randBytes(300_000, 9)
	info, err := e.mem.Put(ctxb, data)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.fs.Import(ctxb, "/imported.bin", info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.read(a.Ino); !bytes.Equal(got, data) {
		t.Fatal("imported file differs")
	}
	if v, err := e.fs.GetXattr(ctxb, a.Ino, index.XattrEncryption); err != nil || string(v) != "plaintext" {
		t.Fatalf("imported: %s = %q, %v", index.XattrEncryption, v, err)
	}
	b := e.create("own.bin", randBytes(5000, 10))
	e.sync()
	if v, err := e.fs.GetXattr(ctxb, b.Ino, index.XattrEncryption); err != nil || string(v) != "encrypted" {
		t.Fatalf("own file: %s = %q, %v", index.XattrEncryption, v, err)
	}
}

// TestCryptSequentialAhead: sequential reads of an encrypted file through
// one handle, in steps aligned and not aligned on segments, return the
// file (the handle opens ahead in the background); a segment tampered
// with ahead of the reader fails the read that reaches it.
func TestCryptSequentialAhead(t *testing.T) {
	// Chunks of 3 MiB through the cache's 1 MiB blocks: sealed segments
	// straddle blocks.
	const cryptChunk = 3 << 20
	e := newCryptEnvChunk(t, true, cryptChunk)
	want := randBytes(2*cryptChunk+777, 21)
	a := e.create("f", want)
	e.sync()
	for _, step := range []int{65536, 100_000, 1 << 20, 4096} {
		h, err := e.fs.Open(ctxb, a.Ino, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		buf := make([]byte, step)
		for off := 0; off < len(want); off += step {
			n, err := h.ReadAt(ctxb, buf, int64(off))
			if err != nil {
				t.Fatalf("step %d: read at %d: %v", step, off, err)
			}
			got = append(got, buf[:n]...)
		}
		h.Release(ctxb)
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: sequential read differs", step)
		}
	}
	// Tamper with the second segment of chunk 1 (a new blob, same key),
	// then read sequentially: the read that reaches it fails.
	c, _, err := e.idx.Chunk(ctxb, a.Ino, 1)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := e.mem.Read(ctxb, c.Extent.Blob, int64(c.Extent.Offset), int64(c.Extent.Length))
	if err != nil {
		t.Fatal(err)
	}
	sealed[65552+10] ^= 0x80
	info, err := e.mem.Put(ctxb, sealed)
	if err != nil {
		t.Fatal(err)
	}
	to := c.Extent
	to.Blob, to.Offset = info.ID, 0
	if n, err := e.idx.MoveExtents(ctxb, []index.ExtentMove{{Ino: a.Ino, Chunk: 1, From: c, To: to}}); err != nil || n != 1 {
		t.Fatalf("move: %d %v", n, err)
	}
	h, err := e.fs.Open(ctxb, a.Ino, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	buf := make([]byte, 65536)
	for off := 0; off < len(want); off += len(buf) {
		_, err := h.ReadAt(ctxb, buf, int64(off))
		bad := off >= cryptChunk+65536 && off < cryptChunk+2*65536
		if bad != (err != nil) {
			t.Fatalf("read at %d: %v (tampered segment: %v)", off, err, bad)
		}
	}
}

// TestCryptAheadReordered: 1 MiB reads through one handle in the order
// the kernel's read-ahead may send them (pairs swapped), across chunk
// boundaries, return the file, and every read after the first finds its
// piece already opened or under way, including the first pieces of the
// next chunk.
func TestCryptAheadReordered(t *testing.T) {
	const chunk = 3 << 20
	e := newCryptEnvChunk(t, true, chunk)
	want := randBytes(3*chunk+5000, 22)
	a := e.create("f", want)
	e.sync()
	h, err := e.fs.Open(ctxb, a.Ino, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	const step = 1 << 20
	var offs []int
	for off := 0; off < len(want); off += step {
		offs = append(offs, off)
	}
	for i := 1; i+1 < len(offs); i += 2 {
		offs[i], offs[i+1] = offs[i+1], offs[i]
	}
	got := make([]byte, len(want))
	for i, off := range offs {
		ci, lo := uint64(off/chunk), int64(off%chunk)
		if i > 0 {
			h.rmu.Lock()
			found := false
			for _, x := range h.ahead {
				found = found || x.ci == ci && x.start <= lo && lo < x.start+x.n
			}
			h.rmu.Unlock()
			if !found {
				t.Errorf("read %d at %d (chunk %d, %d): not opened ahead", i, off, ci, lo)
			}
		}
		n, err := h.ReadAt(ctxb, got[off:min(off+step, len(got))], int64(off))
		if err != nil || n != min(step, len(want)-off) {
			t.Fatalf("read at %d: %d, %v", off, n, err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatal("reordered sequential read differs")
	}
}

// TestCryptAheadRecycled: a reply that is a view of a piece opened ahead
// keeps its bytes while it is held, however far the reader moves on and
// however many pieces are recycled meanwhile; once every reply is
// released and the handle closed, every piece's buffer has gone back to
// the pool.
func TestCryptAheadRecycled(t *testing.T) {
	const chunk = 3 << 20
	e := newCryptEnvChunk(t, true, chunk)
	want := randBytes(4*chunk+12345, 23)
	a := e.create("f", want)
	e.sync()
	h, err := e.fs.Open(ctxb, a.Ino, 0)
	if err != nil {
		t.Fatal(err)
	}
	const step = 1 << 20
	type held struct {
		off     int
		segs    [][]byte
		release func()
	}
	var holds []held
	seen := map[*sealedAhead]bool{}
	check := func(x held) {
		t.Helper()
		var got []byte
		for _, s := range x.segs {
			got = append(got, s...)
		}
		if !bytes.Equal(got, want[x.off:x.off+len(got)]) || len(got) != min(step, len(want)-x.off) {
			t.Fatalf("reply at %d changed while held (%d bytes)", x.off, len(got))
		}
	}
	for off := 0; off < len(want); off += step {
		segs, _, release, err := h.ReadVec(ctxb, make([]byte, step), int64(off))
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		x := held{off, segs, release}
		check(x)
		h.rmu.Lock()
		for _, p := range h.ahead {
			seen[p] = true
		}
		h.rmu.Unlock()
		// Hold every third reply to the end; release the others at once.
		if off/step%3 == 0 {
			holds = append(holds, x)
		} else {
			release()
		}
	}
	for _, x := range holds {
		check(x)
		x.release()
	}
	h.Release(ctxb)
	// The goroutines opening the last pieces drop their references
	// when they finish.
	deadline := time.Now().Add(10 * time.Second)
	for p := range seen {
		for {
			h.rmu.Lock()
			refs, buf := p.refs, p.buf
			h.rmu.Unlock()
			if refs == 0 && buf == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("piece at %d of chunk %d: %d references left", p.start, p.ci, refs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if len(seen) < 8 {
		t.Fatalf("only %d pieces opened ahead", len(seen))
	}
}
