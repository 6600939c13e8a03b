package vfs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/index"
)

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestWriteReadAnyOffset writes across chunk boundaries, with holes, and
// reads back before and after the upload.
func TestWriteReadAnyOffset(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 3*testChunk+100)
	for _, w := range []struct{ off, n int }{{10, 100}, {testChunk - 5, 20}, {2*testChunk + 7, testChunk + 93}} {
		p := randBytes(w.n, uint64(w.off))
		copy(want[w.off:], p)
		if _, err := h.WriteAt(ctxb, p, int64(w.off)); err != nil {
			t.Fatal(err)
		}
	}
	// Readable through the same handle before any flush.
	got := make([]byte, len(want)+5)
	n, err := h.ReadAt(ctxb, got, 0)
	if err != nil || n != len(want) || !bytes.Equal(got[:n], want) {
		t.Fatalf("read before flush: n=%d err=%v equal=%v", n, err, bytes.Equal(got[:n], want))
	}
	if at, _ := e.fs.GetAttr(ctxb, a.Ino); at.Size != uint64(len(want)) {
		t.Fatalf("size before flush %d, want %d", at.Size, len(want))
	}
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	h.Release(ctxb)
	if got := e.read(a.Ino); !bytes.Equal(got, want) {
		t.Fatal("read after close differs")
	}
	e.sync()
	if s := e.state(a.Ino); s.State != index.UploadStored || s.StagedBytes != 0 {
		t.Fatalf("after sync: %+v", s)
	}
	if _, err := os.Stat(e.fs.stagingPath(a.Ino)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging file still there after upload: %v", err)
	}
	if got := e.read(a.Ino); !bytes.Equal(got, want) {
		t.Fatal("read after upload differs")
	}
}

// TestTruncate shrinks and grows staged and stored files; bytes past a
// shrink never come back.
func TestTruncate(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := randBytes(2*testChunk+10, 7)
	for _, stored := range []bool{false, true} {
		name := map[bool]string{false: "staged", true: "stored"}[stored]
		a := e.create(name, data)
		if stored {
			e.sync()
		}
		if err := e.fs.Truncate(ctxb, a.Ino, testChunk+3); err != nil {
			t.Fatal(err)
		}
		if err := e.fs.Truncate(ctxb, a.Ino, 2*testChunk); err != nil {
			t.Fatal(err)
		}
		want := append(bytes.Clone(data[:testChunk+3]), make([]byte, testChunk-3)...)
		if got := e.read(a.Ino); !bytes.Equal(got, want) {
			t.Fatalf("%s: content after truncate down+up differs (len %d)", name, len(got))
		}
		e.sync()
		if got := e.read(a.Ino); !bytes.Equal(got, want) {
			t.Fatalf("%s: content after upload differs", name)
		}
	}
}

// TestChunkRMW: a 1-byte edit of an uploaded file stages and re-uploads
// only the chunk holding it, and reads see the edit everywhere.
func TestChunkRMW(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := randBytes(4*testChunk, 3)
	a := e.create("big", data)
	e.sync()
	before, _ := e.idx.Chunks(ctxb, a.Ino)
	// A forced entry left by sync would upload the edit while it is open.
	e.waitUploaderIdle()
	puts := e.store.puts.Load()
	h, err := e.fs.Open(ctxb, a.Ino, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, []byte{0xAB}, 2*testChunk+1000); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	chunks, _ := e.idx.Chunks(ctxb, a.Ino)
	for ci, c := range chunks {
		if want := map[bool]index.ChunkKind{true: index.ChunkStaged, false: index.ChunkStored}[ci == 2]; c.Kind != want {
			t.Errorf("chunk %d is %v, want %v", ci, c.Kind, want)
		}
	}
	h.Release(ctxb)
	data[2*testChunk+1000] = 0xAB
	e.sync()
	if d := e.store.puts.Load() - puts; d != 1 {
		t.Errorf("re-upload took %d puts, want 1", d)
	}
	after, _ := e.idx.Chunks(ctxb, a.Ino)
	for ci := range after {
		if (after[ci].Extent == before[ci].Extent) == (ci == 2) {
			t.Errorf("chunk %d: extent changed=%v", ci, after[ci].Extent != before[ci].Extent)
		}
	}
	if got := e.read(a.Ino); !bytes.Equal(got, data) {
		t.Fatal("content after RMW differs")
	}
}

// TestUnlinkOpenFile: data lives until the last close, then the inode and
// its staging file go away.
func TestUnlinkOpenFile(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := randBytes(1000, 9)
	a := e.create("f", data)
	h, err := e.fs.Open(ctxb, a.Ino, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.Lookup(ctxb, index.RootIno, "f"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("lookup after unlink: %v", err)
	}
	if _, err := h.WriteAt(ctxb, []byte("more"), 1000); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 2000)
	n, err := h.ReadAt(ctxb, got, 0)
	if err != nil || !bytes.Equal(got[:n], append(data, "more"...)) {
		t.Fatalf("read unlinked open file: n=%d err=%v", n, err)
	}
	if at, err := e.fs.GetAttr(ctxb, a.Ino); err != nil || at.Nlink != 0 {
		t.Fatalf("getattr of unlinked open file: %+v %v", at, err)
	}
	_ = h.Flush(ctxb)
	h.Release(ctxb)
	// The index forgets the inode first; its staging file goes after the
	// index sync that makes the unlink durable.
	eventually(t, "inode and staging file dropped after last close", func() bool {
		_, err := e.idx.GetAttr(ctxb, a.Ino)
		_, serr := os.Stat(e.fs.stagingPath(a.Ino))
		return errors.Is(err, index.ErrNotFound) && errors.Is(serr, os.ErrNotExist)
	})
}

// TestRenameOverOpenFile: the replaced file stays readable through its
// handle; the name shows the new content.
func TestRenameOverOpenFile(t *testing.T) {
	e := newEnv(t, envOptions{})
	old := e.create("target", []byte("old content"))
	e.create("tmp", []byte("new content"))
	h, err := e.fs.Open(ctxb, old.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Rename(ctxb, index.RootIno, "tmp", index.RootIno, "target", 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := h.ReadAt(ctxb, buf, 0)
	if err != nil || string(buf[:n]) != "old content" {
		t.Fatalf("old handle reads %q, %v", buf[:n], err)
	}
	a, err := e.fs.Lookup(ctxb, index.RootIno, "target")
	if err != nil || string(e.read(a.Ino)) != "new content" {
		t.Fatalf("target: %v", err)
	}
	h.Release(ctxb)
	eventually(t, "replaced inode dropped after last close", func() bool {
		_, err := e.idx.GetAttr(ctxb, old.Ino)
		return errors.Is(err, index.ErrNotFound)
	})
	// NOREPLACE and EXCHANGE.
	e.create("other", []byte("x"))
	if err := e.fs.Rename(ctxb, index.RootIno, "other", index.RootIno, "target", uint32(index.RenameNoReplace)); !errors.Is(err, index.ErrExist) {
		t.Fatalf("noreplace: %v", err)
	}
	if err := e.fs.Rename(ctxb, index.RootIno, "other", index.RootIno, "target", uint32(index.RenameExchange)); err != nil {
		t.Fatal(err)
	}
	a, _ = e.fs.Lookup(ctxb, index.RootIno, "target")
	if string(e.read(a.Ino)) != "x" {
		t.Fatal("exchange did not swap")
	}
}

// TestXattrs: user attributes round-trip; user.walrus.* are read-only
// (EPERM) and user.walrus.state follows the upload.
func TestXattrs(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true})
	a := e.create("f", []byte("hello"))
	if err := e.fs.SetXattr(ctxb, a.Ino, "user.color", []byte("blue"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := e.fs.GetXattr(ctxb, a.Ino, "user.color"); err != nil || string(v) != "blue" {
		t.Fatalf("get: %q %v", v, err)
	}
	if _, err := e.fs.GetXattr(ctxb, a.Ino, "user.none"); !errors.Is(err, ErrNoAttr) {
		t.Fatalf("missing attr: %v", err)
	}
	if err := e.fs.SetXattr(ctxb, a.Ino, index.XattrState, []byte("stored"), 0); !errors.Is(err, ErrReadOnlyAttr) {
		t.Fatalf("set walrus attr: %v", err)
	}
	if err := e.fs.RemoveXattr(ctxb, a.Ino, index.XattrBlobIDs); !errors.Is(err, ErrReadOnlyAttr) {
		t.Fatalf("remove walrus attr: %v", err)
	}
	names, _ := e.fs.ListXattr(ctxb, a.Ino)
	if len(names) != 4 {
		t.Fatalf("list: %q", names)
	}
	if v, _ := e.fs.GetXattr(ctxb, a.Ino, index.XattrState); string(v) != "staged" {
		t.Fatalf("state before upload %q", v)
	}
	if err := e.fs.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if v, _ := e.fs.GetXattr(ctxb, a.Ino, index.XattrState); string(v) != "stored" {
		t.Fatalf("state after upload %q", v)
	}
	if v, _ := e.fs.GetXattr(ctxb, a.Ino, index.XattrBlobIDs); len(v) != 43 {
		t.Fatalf("blob ids %q", v)
	}
}
