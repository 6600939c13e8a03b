package vfs

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/treebuild"
)

type memFetch struct{ e *env }

func (m memFetch) ReadAt(ctx context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	return m.e.mem.Read(ctx, id, off, n)
}

// TestCommitTreeAndRestore: commits write only what changed; the last
// commit, read from the store with the volume key alone, restores into a
// new index over which a new FS reads every file as it was.
func TestCommitTreeAndRestore(t *testing.T) {
	master := seal.Key{9, 8, 7}
	crypt := NewCrypt(master)
	keys := tree.DeriveKeys(master)
	state := filepath.Join(t.TempDir(), "tree.json")
	e := newEnv(t, envOptions{Chunk: cryptChunk, Tweak: func(o *Options) {
		o.Crypt = crypt
		o.Tree = &TreeOptions{Keys: keys, Volume: [16]byte{1}, StatePath: state}
		o.RepackThreshold = -1
	}})
	want := map[string][]byte{"a.txt": randBytes(3000, 1), "big.bin": randBytes(2*cryptChunk+99, 2)}
	for name, b := range want {
		e.create(name, b)
	}
	sub, err := e.fs.Mknod(ctxb, index.RootIno, "sub", index.NewNode{Type: index.TypeDir, Mode: 0o750})
	if err != nil {
		t.Fatal(err)
	}
	inner := e.createIn(sub.Ino, "inner.txt", []byte("first version")).Ino
	c1, err := e.fs.CommitTree(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Seq != 1 || c1.Nodes != 2 || c1.Files != 3 {
		t.Fatalf("first commit %+v", c1)
	}
	again, err := e.fs.CommitTree(ctxb)
	if err != nil || again.Seq != c1.Seq || again.Loc != c1.Loc {
		t.Fatalf("commit with no change: %+v %v; want %+v", again, err, c1)
	}
	h, err := e.fs.Open(ctxb, inner, 0o2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, []byte("SECOND"), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	h.Release(ctxb)
	e.clock.Advance(time.Second)
	c2, err := e.fs.CommitTree(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Seq != 2 || c2.Nodes != 2 {
		t.Fatalf("second commit %+v", c2)
	}
	if blobs, err := e.fs.TreeBlobs(); err != nil || len(blobs) != 1 || blobs[0] != c2.Loc.Blob {
		t.Fatalf("tree blobs %v %v; want the second commit's blob", blobs, err)
	}

	// A new machine: only the store, the volume key and the commit's place.
	r := tree.NewReader(memFetch{e}, nil)
	c, err := r.Commit(ctxb, c2.Loc, keys.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if c.Parent == nil || *c.Parent != c1.Loc {
		t.Fatalf("commit parent %v, want %v", c.Parent, c1.Loc)
	}
	y := index.TestIndexWith(t, &index.Options{ChunkSize: 4096})
	if _, err := treebuild.Restore(ctxb, y, r, keys, c, crypt); err != nil {
		t.Fatal(err)
	}
	g, err := New(ctxb, y, e.store, &Options{StagingDir: filepath.Join(t.TempDir(), "staging"), Crypt: NewCrypt(master)})
	if err != nil {
		t.Fatal(err)
	}
	read := func(parent uint64, name string) []byte {
		a, err := g.Lookup(ctxb, parent, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h, err := g.Open(ctxb, a.Ino, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctxb)
		buf := make([]byte, a.Size)
		n, err := h.ReadAt(ctxb, buf, 0)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		return buf[:n]
	}
	for name, b := range want {
		if got := read(index.RootIno, name); !bytes.Equal(got, b) {
			t.Fatalf("%s differs after restore", name)
		}
	}
	s, err := g.Lookup(ctxb, index.RootIno, "sub")
	if err != nil || s.Mode&0o777 != 0o750 {
		t.Fatalf("sub: %+v %v", s, err)
	}
	if got := read(s.Ino, "inner.txt"); string(got) != "SECONDversion" {
		t.Fatalf("inner.txt = %q", got)
	}
}
