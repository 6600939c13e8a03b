package treebuild

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// shareFixture writes a small tree, commits it into an in-memory store
// and returns the store, a reader, the keys, the commit and what the
// source index holds (describe).
func shareFixture(t *testing.T) (blobs, *tree.Reader, tree.Keys, tree.Commit, map[string]string) {
	t.Helper()
	x := index.TestIndexWith(t, &index.Options{ChunkSize: 4096})
	f := fixture{t: t, x: x, ctx: t.Context()}
	sub := f.mk(index.RootIno, "sub", index.NewNode{Type: index.TypeDir, Mode: 0o750, Uid: 1000})
	nested := f.mk(sub.Ino, "nested", index.NewNode{Type: index.TypeDir, Mode: 0o700})
	a := f.mk(sub.Ino, "a.txt", index.NewNode{Type: index.TypeFile, Mode: 0o604, Gid: 50})
	f.store(a.Ino, 10, 100)
	deep := f.mk(nested.Ino, "deep.bin", index.NewNode{Type: index.TypeFile})
	f.store(deep.Ino, 20, 4096, 4096, 5)
	f.mk(sub.Ino, "link", index.NewNode{Type: index.TypeSymlink, Target: "a.txt"})
	h := f.mk(sub.Ino, "hard", index.NewNode{Type: index.TypeFile, Mode: 0o640})
	f.store(h.Ino, 30, 7)
	if _, err := x.Link(f.ctx, h.Ino, nested.Ino, "hard2"); err != nil {
		t.Fatal(err)
	}
	out := f.mk(index.RootIno, "outside.txt", index.NewNode{Type: index.TypeFile})
	f.store(out.Ino, 40, 9)
	for _, ino := range []uint64{a.Ino, sub.Ino, nested.Ino} {
		if err := x.SetXattr(f.ctx, ino, "user.k", []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i, ino := range []uint64{a.Ino, deep.Ino, h.Ino, nested.Ino, sub.Ino} {
		at, mt, ct := time.Unix(1_600_000_000+int64(i), 11), time.Unix(1_500_000_000+int64(i), 22), time.Unix(1_700_000_000+int64(i), 33)
		if _, err := x.SetAttr(f.ctx, ino, index.AttrUpdate{Atime: &at, Mtime: &mt, Ctime: &ct}); err != nil {
			t.Fatal(err)
		}
	}
	want := describe(t, x)
	res, err := f.build(nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := tree.DeriveKeys(seal.Key{1, 2, 3}) // as fixture.build
	c := tree.Commit{Volume: [16]byte{8}, Seq: 1, Time: 1, Root: res.Root, RootAttr: res.RootAttr}
	sc, err := tree.SealCommit(keys.Commit, c)
	if err != nil {
		t.Fatal(err)
	}
	store := blobs{id(0xE2): append(res.Blob, sc...)}
	r := tree.NewReader(store, nil)
	got, err := r.Commit(f.ctx, tree.Loc{Blob: id(0xE2), Off: uint64(len(res.Blob)), Len: uint64(len(sc))}, keys.Commit)
	if err != nil {
		t.Fatal(err)
	}
	return store, r, keys, got, want
}

// TestRestoreDir: a directory share restores exactly the subtree below
// it, with everything kept; the root is ShareRootMode; nothing outside.
func TestRestoreDir(t *testing.T) {
	_, r, keys, c, want := shareFixture(t)
	ctx := t.Context()
	e, err := r.Lookup(ctx, c.Root, keys.Root, "sub")
	if err != nil {
		t.Fatal(err)
	}
	if e.Child.Blob.IsZero() {
		t.Fatal("the directory's node location is still relative")
	}
	y := index.TestIndexWith(t, nil)
	st, err := RestoreDir(ctx, y, r, e.Child, e.ChildKey, nil, opener{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Links != 1 || st.Dirs != 1 || st.Symlinks != 1 {
		t.Fatalf("stats %+v", st)
	}
	have := describe(t, y)
	n := 0
	for p, w := range want {
		rel, ok := strings.CutPrefix(p, "sub/")
		if !ok {
			continue
		}
		n++
		if have[rel] != w {
			t.Errorf("%s:\n restored %s\n want     %s", rel, have[rel], w)
		}
	}
	if len(have) != n+1 { // + "/"
		t.Errorf("%d paths restored, want %d: %v", len(have)-1, n, have)
	}
	if _, ok := have["outside.txt"]; ok {
		t.Error("a file outside the shared directory was restored")
	}
	root, err := y.GetAttr(ctx, index.RootIno)
	if err != nil || root.Mode != ShareRootMode {
		t.Fatalf("root mode %o, %v", root.Mode, err)
	}

	// The wrong key, a file node taken for a directory, a non-empty index.
	z := index.TestIndexWith(t, nil)
	if _, err := RestoreDir(ctx, z, r, e.Child, keys.Root, nil, opener{}); !errors.Is(err, tree.ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := RestoreDir(ctx, y, r, e.Child, e.ChildKey, nil, opener{}); err == nil {
		t.Fatal("restore into a non-empty index accepted")
	}
	// With the attributes of a commit's root.
	w := index.TestIndexWith(t, nil)
	ra := tree.DirAttr{Mode: 0o711, Uid: 7, Gid: 8, Mtime: 1_234_000_000_000_000_000}
	if _, err := RestoreDir(ctx, w, r, c.Root, keys.Root, &ra, opener{}); err != nil {
		t.Fatal(err)
	}
	if root, err := w.GetAttr(ctx, index.RootIno); err != nil || root.Mode != 0o711 || root.Uid != 7 || root.Gid != 8 || root.Mtime.UnixNano() != ra.Mtime {
		t.Fatalf("root %+v, %v", root, err)
	}
}

// TestRestoreFile: a file share restores that one file at the root.
func TestRestoreFile(t *testing.T) {
	store, r, keys, c, want := shareFixture(t)
	ctx := t.Context()
	for _, name := range []string{"a.txt", "hard"} {
		e, err := r.Lookup(ctx, c.Root, keys.Root, "sub/"+name)
		if err != nil {
			t.Fatal(err)
		}
		k := seal.Key{9, 9, 9}
		sealed, err := tree.SealFileNode(k, e)
		if err != nil {
			t.Fatal(err)
		}
		store[id(0xF0)] = sealed
		fe, err := r.FileNode(ctx, tree.Loc{Blob: id(0xF0), Len: uint64(len(sealed))}, k)
		if err != nil {
			t.Fatal(err)
		}
		y := index.TestIndexWith(t, nil)
		st, err := RestoreFile(ctx, y, fe, opener{})
		if err != nil || st.Files != 1 {
			t.Fatalf("RestoreFile %s: %+v, %v", name, st, err)
		}
		have := describe(t, y)
		w := want["sub/"+name]
		if name == "hard" {
			w = strings.Replace(w, "nlink=2", "nlink=1", 1) // one name in the share
		}
		if have[name] != w || len(have) != 2 {
			t.Errorf("%s:\n restored %v\n want     %s", name, have, w)
		}
	}
	dir, err := r.Lookup(ctx, c.Root, keys.Root, "sub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreFile(ctx, index.TestIndexWith(t, nil), dir, opener{}); !errors.Is(err, tree.ErrInvalid) {
		t.Fatalf("a directory as a file share: %v", err)
	}
}
