package daemon

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

// shareEnv is an encrypted FS with a tree over an in-memory store, as the
// daemon runs it, with a few files written and stored.
func shareEnv(t *testing.T) (*controlled, *mem.Store) {
	t.Helper()
	ctx := context.Background()
	ms, err := mem.New(10)
	if err != nil {
		t.Fatal(err)
	}
	master, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	vk := &volumeKey{crypt: vfs.NewCrypt(master), master: master, id: [16]byte{1, 2}}
	dir := t.TempDir()
	idx := index.TestIndexWith(t, &index.Options{ChunkSize: 64 << 10})
	f, err := vfs.New(ctx, idx, ms, &vfs.Options{StagingDir: filepath.Join(dir, "staging"), UploadDelay: -1, Crypt: vk.crypt,
		Tree: &vfs.TreeOptions{Keys: tree.DeriveKeys(master), Volume: vk.id, StatePath: filepath.Join(dir, TreeStateFile)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close(time.Second) })
	write := func(parent uint64, name string, data []byte) {
		t.Helper()
		_, h, err := f.Create(ctx, parent, name, syscall.O_RDWR, 0o640, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.WriteAt(ctx, data, 0); err != nil {
			t.Fatal(err)
		}
		if err := h.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		h.Release(ctx)
	}
	sub, err := f.Mknod(ctx, index.RootIno, "sub", index.NewNode{Type: index.TypeDir, Mode: 0o750})
	if err != nil {
		t.Fatal(err)
	}
	write(sub.Ino, "a.txt", []byte("shared bytes"))
	write(sub.Ino, "big", bytes.Repeat([]byte{7}, 200_000))
	write(index.RootIno, "secret.txt", []byte("not shared"))
	if _, err := f.Mknod(ctx, sub.Ino, "link", index.NewNode{Type: index.TypeSymlink, Target: "a.txt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Mknod(ctx, sub.Ino, "fifo", index.NewNode{Type: index.TypeFIFO, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	d := &controlled{FS: f, cfg: DaemonConfig{DataDir: dir}, ds: &daemonStore{store: ms, nShards: 10}, volume: vk}
	return d, ms
}

// names restores share s into a new index and returns its root's names.
func restoredNames(t *testing.T, ms *mem.Store, s tree.Share) []string {
	t.Helper()
	x := index.TestIndex(t)
	k, _ := seal.NewKey()
	if _, err := RestoreReadOnly(context.Background(), x, tree.NewReader(storeFetcher{ms}, nil),
		ReadOnlyTree{Node: s.Node, Key: s.Key, File: s.File}, vfs.NewCrypt(k)); err != nil {
		t.Fatal(err)
	}
	ents, err := x.ReadDir(context.Background(), index.RootIno, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name)
	}
	return out
}

// TestShare: shares of a folder, a file and the root, made after an
// automatic commit, restore exactly what they name; missing paths, a
// symlink, a FIFO and a read-only mount are refused.
func TestShare(t *testing.T) {
	ctx := context.Background()
	d, ms := shareEnv(t)
	for _, tc := range []struct {
		path, want string
		file       bool
	}{
		{"sub", "[a.txt big fifo link]", false},
		{"/sub/", "[a.txt big fifo link]", false},
		{"sub/a.txt", "[a.txt]", true},
		{"", "[secret.txt sub]", false},
	} {
		res, err := d.Share(ctx, tc.path)
		if err != nil {
			t.Fatalf("Share(%q): %v", tc.path, err)
		}
		if res.Commit != 1 || res.File != tc.file {
			t.Fatalf("Share(%q) = commit %d, file %t", tc.path, res.Commit, res.File)
		}
		s, err := tree.ParseShare(res.Share)
		if err != nil {
			t.Fatal(err)
		}
		if s.Network != "embedded" || s.Key == tree.DeriveKeys(d.volume.master).Commit || s.Key == d.volume.master {
			t.Fatalf("share of %q: network %q, or it holds a volume key", tc.path, s.Network)
		}
		if got := restoredNames(t, ms, s); fmtNames(got) != tc.want {
			t.Errorf("share of %q restores %v, want %s", tc.path, got, tc.want)
		}
		if tc.file {
			// The file's node blob is kept (and renewed) with its commit.
			if held, err := d.FS.TreeBlobs(); err != nil || !slices.Contains(held, s.Node.Blob) {
				t.Errorf("file share's node blob %s not kept with commit 1: %v %v", s.Node.Blob, held, err)
			}
		}
	}
	// A wrong key fails to authenticate; a directory share read as a file
	// share is the wrong kind.
	res, err := d.Share(ctx, "sub")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tree.ParseShare(res.Share)
	k, _ := seal.NewKey()
	x := index.TestIndex(t)
	r := tree.NewReader(storeFetcher{ms}, nil)
	if _, err := RestoreReadOnly(ctx, x, r, ReadOnlyTree{Node: s.Node, Key: k}, vfs.NewCrypt(k)); !errors.Is(err, tree.ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := RestoreReadOnly(ctx, x, r, ReadOnlyTree{Node: s.Node, Key: s.Key, File: true}, vfs.NewCrypt(k)); !errors.Is(err, tree.ErrKind) {
		t.Fatalf("a folder's share as a file's: %v", err)
	}
	for p, want := range map[string]error{"nope": tree.ErrNotFound, "sub/a.txt/x": tree.ErrNotDir,
		"sub/link": index.ErrInvalid, "sub/fifo": index.ErrInvalid} {
		if _, err := d.Share(ctx, p); !errors.Is(err, want) {
			t.Errorf("Share(%q) = %v, want %v", p, err, want)
		}
	}
	ro := &controlled{FS: roFS(t, ms), ds: d.ds, volume: d.volume}
	if _, err := ro.Share(ctx, "sub"); !errors.Is(err, vfs.ErrReadOnly) {
		t.Fatalf("share from a read-only mount: %v", err)
	}
	plain := &controlled{FS: d.FS, ds: d.ds}
	if _, err := plain.Share(ctx, "sub"); !errors.Is(err, vfs.ErrNoTree) {
		t.Fatalf("share from a plaintext mount: %v", err)
	}
}

func fmtNames(n []string) string {
	b := []byte{'['}
	for i, s := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(append(b, ']'))
}

func roFS(t *testing.T, ms *mem.Store) *vfs.FS {
	t.Helper()
	f, err := vfs.New(context.Background(), index.TestIndex(t), ms, &vfs.Options{StagingDir: t.TempDir(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return f
}
