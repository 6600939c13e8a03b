package vfs

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
)

// TestReadOnly: over a tree written and stored by a normal FS, a
// read-only FS reads everything and refuses every change with
// ErrReadOnly, leaving the index as it was; it starts no uploader.
func TestReadOnly(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := randBytes(200_000, 1)
	f := e.create("f", data)
	d, err := e.fs.Mknod(ctxb, index.RootIno, "d", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.SetXattr(ctxb, f.Ino, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if err := e.fs.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	puts := e.store.puts.Load()

	ro, err := New(ctxb, e.idx, e.store, &Options{StagingDir: filepath.Join(e.dir, "staging-ro"), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	defer ro.Close(time.Second)
	if !ro.ReadOnly() || e.fs.ReadOnly() {
		t.Fatal("ReadOnly() does not say what Options.ReadOnly says")
	}
	before := snapshotIndex(t, e.idx)

	h, err := ro.Open(ctxb, f.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if n, err := h.ReadAt(ctxb, buf, 100_000); err != nil || n != 1000 || !bytes.Equal(buf, data[100_000:101_000]) {
		t.Fatalf("range read: %d, %v", n, err)
	}
	h.Release(ctxb)
	if v, err := ro.GetXattr(ctxb, f.Ino, "user.k"); err != nil || string(v) != "v" {
		t.Fatalf("getxattr: %q, %v", v, err)
	}

	mode, size := uint32(0o600), uint64(1)
	writes := []struct {
		name string
		fn   func() error
	}{
		{"open for writing", func() error { _, err := ro.Open(ctxb, f.Ino, syscall.O_WRONLY); return err }},
		{"open read-write", func() error { _, err := ro.Open(ctxb, f.Ino, syscall.O_RDWR); return err }},
		{"open with O_TRUNC", func() error { _, err := ro.Open(ctxb, f.Ino, syscall.O_RDONLY|syscall.O_TRUNC); return err }},
		{"create", func() error {
			_, _, err := ro.Create(ctxb, index.RootIno, "new", syscall.O_RDWR, 0o644, 0, 0)
			return err
		}},
		{"create over an existing file", func() error {
			_, _, err := ro.Create(ctxb, index.RootIno, "f", syscall.O_RDONLY, 0o644, 0, 0)
			return err
		}},
		{"mkdir", func() error {
			_, err := ro.Mknod(ctxb, index.RootIno, "d2", index.NewNode{Type: index.TypeDir, Mode: 0o755})
			return err
		}},
		{"symlink", func() error {
			_, err := ro.Mknod(ctxb, d.Ino, "s", index.NewNode{Type: index.TypeSymlink, Target: "x"})
			return err
		}},
		{"chmod", func() error { _, err := ro.SetAttr(ctxb, f.Ino, index.AttrUpdate{Mode: &mode}); return err }},
		{"truncate", func() error { return ro.Truncate(ctxb, f.Ino, size) }},
		{"link", func() error { _, err := ro.Link(ctxb, f.Ino, d.Ino, "l"); return err }},
		{"unlink", func() error { return ro.Unlink(ctxb, index.RootIno, "f") }},
		{"rmdir", func() error { return ro.Rmdir(ctxb, index.RootIno, "d") }},
		{"rename", func() error { return ro.Rename(ctxb, index.RootIno, "f", d.Ino, "g", 0) }},
		{"setxattr", func() error { return ro.SetXattr(ctxb, f.Ino, "user.k", []byte("w"), 0) }},
		{"removexattr", func() error { return ro.RemoveXattr(ctxb, f.Ino, "user.k") }},
		{"import", func() error { _, err := ro.Import(ctxb, "imp", blobid.ID{1}); return err }},
		{"repack", func() error { _, err := ro.Repack(ctxb, 0.1); return err }},
		{"collect garbage", func() error { _, err := ro.CollectGarbage(ctxb); return err }},
		{"commit the tree", func() error { _, err := ro.CommitTree(ctxb); return err }},
	}
	for _, w := range writes {
		err := w.fn()
		want := ErrReadOnly
		if w.name == "commit the tree" {
			want = ErrNoTree // a read-only FS has no Options.Tree
		}
		if !errors.Is(err, want) {
			t.Errorf("%s on a read-only FS: %v, want %v", w.name, err, want)
		}
	}
	if after := snapshotIndex(t, e.idx); after != before {
		t.Fatalf("the index changed:\n%s\n%s", before, after)
	}
	if p := e.store.puts.Load(); p != puts {
		t.Fatalf("%d blobs stored by a read-only FS", p-puts)
	}
}

// snapshotIndex renders the root directory's entries with their
// attributes and xattrs.
func snapshotIndex(t *testing.T, x *index.Index) string {
	t.Helper()
	var b bytes.Buffer
	err := x.View(ctxb, func(v index.View) error {
		ents, err := v.Entries(index.RootIno)
		if err != nil {
			return err
		}
		for _, de := range ents {
			a, err := v.Attr(de.Ino)
			if err != nil {
				return err
			}
			xs, _ := v.Xattrs(de.Ino)
			fmt.Fprintf(&b, "%s %o %d %d %d", de.Name, a.Mode, a.Size, a.Mtime.UnixNano(), a.Ctime.UnixNano())
			for _, xa := range xs {
				b.WriteString(" " + xa.Name + "=" + string(xa.Value))
			}
			b.WriteString("\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
