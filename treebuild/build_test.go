package treebuild

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// opener unwraps the test's "wrapped" keys: the raw key is the first 32
// bytes.
type opener struct{}

func (opener) ChunkKey(w index.WrappedKey) (seal.Key, error) {
	var k seal.Key
	copy(k[:], w[:32])
	if k == (seal.Key{}) {
		return k, errors.New("zero key")
	}
	return k, nil
}

// blobs is an in-memory tree.Fetcher.
type blobs map[blobid.ID][]byte

func (b blobs) ReadAt(_ context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	d, ok := b[id]
	if !ok || off+n > int64(len(d)) {
		return nil, fmt.Errorf("blob %v: %d bytes at %d: not there", id, n, off)
	}
	return d[off : off+n], nil
}

func id(b byte) blobid.ID {
	var x blobid.ID
	x[0], x[31] = b, 0x5a
	return x
}

func wrapped(b byte) index.WrappedKey {
	var w index.WrappedKey
	for i := range 32 {
		w[i] = b + byte(i)
	}
	w[40] = 0xff
	return w
}

type fixture struct {
	t   *testing.T
	x   *index.Index
	ctx context.Context
}

func (f fixture) mk(parent uint64, name string, n index.NewNode) index.Attr {
	f.t.Helper()
	if n.Mode == 0 {
		n.Mode = 0o640
	}
	a, err := f.x.Create(f.ctx, parent, name, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// store gives file ino sealed chunks of the given lengths in blob b.
func (f fixture) store(ino uint64, b byte, lens ...uint64) {
	f.t.Helper()
	ext := map[uint64]index.Extent{}
	for i, l := range lens {
		if _, err := f.x.SetChunkStaged(f.ctx, ino, uint64(i), l); err != nil {
			f.t.Fatal(err)
		}
		ext[uint64(i)] = index.Extent{Blob: id(b), Offset: uint64(i) * 1000, Length: uint64(seal.SealedSize(int64(l))), Key: wrapped(b + byte(i))}
	}
	u, err := f.x.BeginUpload(f.ctx, ino)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.x.CommitUpload(f.ctx, ino, u.Generation, ext); err != nil {
		f.t.Fatal(err)
	}
}

func (f fixture) build(prev map[uint64]DirState) (*Result, error) {
	var res *Result
	err := f.x.View(f.ctx, func(v index.View) error {
		var err error
		res, err = Build(v, Options{Keys: tree.DeriveKeys(seal.Key{1, 2, 3}), Opener: opener{}, Prev: prev})
		return err
	})
	return res, err
}

// TestBuild: every kind of inode reaches the tree as the index has it
// (read back through tree.Reader); a second commit after changing one deep
// file rewrites only the directories on its path; staged content makes
// the commit wait.
func TestBuild(t *testing.T) {
	x := index.TestIndexWith(t, &index.Options{ChunkSize: 4096})
	f := fixture{t: t, x: x, ctx: t.Context()}
	d1 := f.mk(index.RootIno, "d1", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	d2 := f.mk(d1.Ino, "d2", index.NewNode{Type: index.TypeDir, Mode: 0o700})
	d3 := f.mk(index.RootIno, "d3", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	a := f.mk(index.RootIno, "a.txt", index.NewNode{Type: index.TypeFile})
	f.store(a.Ino, 10, 100)
	deep := f.mk(d2.Ino, "deep.bin", index.NewNode{Type: index.TypeFile})
	f.store(deep.Ino, 20, 4096, 5)
	f.mk(d1.Ino, "link", index.NewNode{Type: index.TypeSymlink, Target: "../a.txt"})
	f.mk(index.RootIno, "fifo", index.NewNode{Type: index.TypeFIFO})
	f.mk(d3.Ino, "dev", index.NewNode{Type: index.TypeCharDev, Rdev: 0x0105})
	h := f.mk(d1.Ino, "hard", index.NewNode{Type: index.TypeFile})
	f.store(h.Ino, 30, 7)
	if _, err := x.Link(f.ctx, h.Ino, index.RootIno, "hard2"); err != nil {
		t.Fatal(err)
	}
	if err := x.SetXattr(f.ctx, a.Ino, "user.tag", []byte("blue"), 0); err != nil {
		t.Fatal(err)
	}
	if err := x.SetXattr(f.ctx, index.RootIno, "user.root", []byte("r"), 0); err != nil {
		t.Fatal(err)
	}

	res, err := f.build(nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 4 || res.Files != 3 || res.Bytes != 100+4101+7 || len(res.Dirs) != 4 {
		t.Fatalf("first build: %d nodes, %d files, %d bytes, %d dirs", res.Written, res.Files, res.Bytes, len(res.Dirs))
	}
	if len(res.RootAttr.Xattrs) != 1 || res.RootAttr.Xattrs[0].Name != "user.root" {
		t.Fatalf("root attributes: %+v", res.RootAttr)
	}
	store := blobs{}
	nodes1 := id(0xE1)
	store[nodes1] = res.Blob
	if err := res.Resolve(nodes1); err != nil {
		t.Fatal(err)
	}
	keys := tree.DeriveKeys(seal.Key{1, 2, 3})
	got := map[string]tree.Entry{}
	if err := tree.NewReader(store, nil).Walk(f.ctx, res.Root, keys.Root, func(p string, e tree.Entry) error {
		got[p] = e
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a.txt", "d1", "d1/d2", "d1/d2/deep.bin", "d1/hard", "d1/link", "d3", "d3/dev", "fifo", "hard2"}
	if len(got) != len(want) {
		t.Fatalf("walked %d paths: %v", len(got), got)
	}
	for _, p := range want {
		if _, ok := got[p]; !ok {
			t.Fatalf("%s missing from the tree", p)
		}
	}
	if e := got["a.txt"]; e.Size != 100 || len(e.Chunks) != 1 || e.Chunks[0].Blob != id(10) || len(e.Xattrs) != 1 || string(e.Xattrs[0].Value) != "blue" {
		t.Fatalf("a.txt: %+v", e)
	} else if k, _ := (opener{}).ChunkKey(wrapped(10)); e.Chunks[0].Key != k {
		t.Fatal("a.txt: chunk key differs")
	}
	if e := got["d1/d2/deep.bin"]; len(e.Chunks) != 2 || e.Chunks[1].Len != 5 || e.ChunkSize != 4096 {
		t.Fatalf("deep.bin: %+v", e)
	}
	if l1, l2 := got["d1/hard"].LinkGroup, got["hard2"].LinkGroup; l1 == 0 || l1 != l2 || got["a.txt"].LinkGroup != 0 {
		t.Fatalf("link groups %d %d", l1, l2)
	}
	if e := got["d1/link"]; e.Target != "../a.txt" || e.Type != index.TypeSymlink {
		t.Fatalf("link: %+v", e)
	}
	if e := got["d3/dev"]; e.Rdev != 0x0105 || e.Type != index.TypeCharDev {
		t.Fatalf("dev: %+v", e)
	}
	if got["d1/d2"].Mode != 0o700 {
		t.Fatalf("d2 mode %o", got["d1/d2"].Mode)
	}

	// Change deep.bin: d2, d1 and the root are rewritten, d3 is not.
	f.store(deep.Ino, 40, 4096, 9)
	res2, err := f.build(res.Dirs)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Written != 3 || res2.Dirs[d3.Ino].Loc != res.Dirs[d3.Ino].Loc || res2.Dirs[d2.Ino].Key != res.Dirs[d2.Ino].Key {
		t.Fatalf("second build: %d nodes written; d3 %v then %v", res2.Written, res.Dirs[d3.Ino].Loc, res2.Dirs[d3.Ino].Loc)
	}
	nodes2 := id(0xE2)
	store[nodes2] = res2.Blob
	if err := res2.Resolve(nodes2); err != nil {
		t.Fatal(err)
	}
	e, err := tree.NewReader(store, nil).Lookup(f.ctx, res2.Root, keys.Root, "d1/d2/deep.bin")
	if err != nil || e.Chunks[0].Blob != id(40) || e.Chunks[1].Len != 9 {
		t.Fatalf("deep.bin after the change: %+v %v", e, err)
	}
	if _, err := tree.NewReader(store, nil).Lookup(f.ctx, res2.Root, keys.Root, "d3/dev"); err != nil {
		t.Fatalf("d3/dev through the reused node: %v", err)
	}
	// Nothing changed: nothing written.
	res3, err := f.build(res2.Dirs)
	if err != nil || res3.Written != 0 || res3.Root != res2.Root {
		t.Fatalf("unchanged build: %d written, %v", res3.Written, err)
	}

	// Staged content: the commit waits.
	if _, err := x.SetChunkStaged(f.ctx, a.Ino, 0, 50); err != nil {
		t.Fatal(err)
	}
	if _, err := f.build(res2.Dirs); !errors.Is(err, ErrPending) {
		t.Fatalf("build with staged content: %v", err)
	}
}
