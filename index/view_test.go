package index

import (
	"errors"
	"testing"
)

// TestView: a view sees directories in name order, stored xattrs only,
// chunks and attributes, all from one moment; bad inodes are errors.
func TestView(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	d := mk(t, x, RootIno, "dir", TypeDir)
	b := mk(t, x, d.Ino, "b", TypeFile)
	mk(t, x, d.Ino, "a", TypeSymlink)
	stage(t, x, b.Ino, map[uint64]uint64{0: 10})
	upload(t, x, b.Ino, map[uint64]Extent{0: {Blob: blob(7), Length: 10}})
	if err := x.SetXattr(ctx, b.Ino, "user.z", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := x.SetXattr(ctx, b.Ino, "user.a", nil, 0); err != nil {
		t.Fatal(err)
	}
	err := x.View(ctx, func(v View) error {
		ents, err := v.Entries(d.Ino)
		if err != nil || len(ents) != 2 || ents[0].Name != "a" || ents[1].Name != "b" || ents[1].Ino != b.Ino {
			t.Fatalf("Entries = %+v, %v", ents, err)
		}
		xs, err := v.Xattrs(b.Ino)
		if err != nil || len(xs) != 2 || xs[0].Name != "user.a" || xs[1].Name != "user.z" || string(xs[1].Value) != "1" {
			t.Fatalf("Xattrs = %+v, %v", xs, err)
		}
		cs, err := v.Chunks(b.Ino)
		if err != nil || len(cs) != 1 || cs[0].Extent.Blob != blob(7) {
			t.Fatalf("Chunks = %+v, %v", cs, err)
		}
		a, err := v.Attr(b.Ino)
		if err != nil || a.Size != 10 {
			t.Fatalf("Attr = %+v, %v", a, err)
		}
		if _, err := v.Entries(b.Ino); !errors.Is(err, ErrNotDir) {
			t.Fatalf("Entries of a file: %v", err)
		}
		if _, err := v.Attr(9999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Attr of nothing: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
