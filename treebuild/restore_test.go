package treebuild

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

func (opener) WrapChunkKey(k seal.Key) (index.WrappedKey, error) {
	var w index.WrappedKey
	copy(w[:], k[:])
	w[40] = 0xff
	return w, nil
}

// describe renders every path of x with everything a restore must keep.
func describe(t *testing.T, x *index.Index) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := x.View(t.Context(), func(v index.View) error {
		var walk func(dir uint64, prefix string) error
		walk = func(dir uint64, prefix string) error {
			ents, err := v.Entries(dir)
			if err != nil {
				return err
			}
			for _, de := range ents {
				a, err := v.Attr(de.Ino)
				if err != nil {
					return err
				}
				xs, err := v.Xattrs(de.Ino)
				if err != nil {
					return err
				}
				var b strings.Builder
				fmt.Fprintf(&b, "%v mode=%o uid=%d gid=%d size=%d nlink=%d rdev=%d target=%q a=%d m=%d c=%d",
					a.Type, a.Mode, a.Uid, a.Gid, a.Size, a.Nlink, a.Rdev, a.Target, a.Atime.UnixNano(), a.Mtime.UnixNano(), a.Ctime.UnixNano())
				for _, xa := range xs {
					fmt.Fprintf(&b, " x:%s=%q", xa.Name, xa.Value)
				}
				if a.Type == index.TypeFile {
					cs, err := v.Chunks(de.Ino)
					if err != nil {
						return err
					}
					idx := make([]int, 0, len(cs))
					for i := range cs {
						idx = append(idx, int(i))
					}
					sort.Ints(idx)
					fmt.Fprintf(&b, " chunksize=%d", a.ChunkSize)
					for _, i := range idx {
						c := cs[uint64(i)]
						k, _ := opener{}.ChunkKey(c.Extent.Key)
						fmt.Fprintf(&b, " [%d %v len=%d %v+%d/%d key=%x]", i, c.Kind, c.Len, c.Extent.Blob, c.Extent.Offset, c.Extent.Length, k[:4])
					}
				}
				out[prefix+de.Name] = b.String()
				if a.Type == index.TypeDir {
					if err := walk(de.Ino, prefix+de.Name+"/"); err != nil {
						return err
					}
				}
			}
			return nil
		}
		root, err := v.Attr(index.RootIno)
		if err != nil {
			return err
		}
		xs, _ := v.Xattrs(index.RootIno)
		out["/"] = fmt.Sprintf("mode=%o uid=%d m=%d c=%d %v", root.Mode, root.Uid, root.Mtime.UnixNano(), root.Ctime.UnixNano(), xs)
		return walk(index.RootIno, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestore: the tree of a commit, restored into an empty index, gives
// the same paths, types, modes, owners, sizes, link counts, device
// numbers, targets, xattrs, times and chunks (with their keys), whatever
// the new index's default chunk size.
func TestRestore(t *testing.T) {
	x := index.TestIndexWith(t, &index.Options{ChunkSize: 4096})
	f := fixture{t: t, x: x, ctx: t.Context()}
	d1 := f.mk(index.RootIno, "d1", index.NewNode{Type: index.TypeDir, Mode: 0o755, Uid: 1000})
	d2 := f.mk(d1.Ino, "d2", index.NewNode{Type: index.TypeDir, Mode: 0o700})
	f.mk(index.RootIno, "empty", index.NewNode{Type: index.TypeDir, Mode: 0o711})
	a := f.mk(index.RootIno, "a.txt", index.NewNode{Type: index.TypeFile, Mode: 0o604, Gid: 50})
	f.store(a.Ino, 10, 100)
	deep := f.mk(d2.Ino, "deep.bin", index.NewNode{Type: index.TypeFile})
	f.store(deep.Ino, 20, 4096, 4096, 5)
	f.mk(index.RootIno, "zero", index.NewNode{Type: index.TypeFile})
	f.mk(d1.Ino, "link", index.NewNode{Type: index.TypeSymlink, Target: "../a.txt"})
	f.mk(index.RootIno, "fifo", index.NewNode{Type: index.TypeFIFO, Mode: 0o600})
	f.mk(index.RootIno, "sock", index.NewNode{Type: index.TypeSocket})
	f.mk(d1.Ino, "blk", index.NewNode{Type: index.TypeBlockDev, Rdev: 0x0801})
	h := f.mk(d1.Ino, "hard", index.NewNode{Type: index.TypeFile})
	f.store(h.Ino, 30, 7)
	if _, err := x.Link(f.ctx, h.Ino, index.RootIno, "hard2"); err != nil {
		t.Fatal(err)
	}
	for _, ino := range []uint64{a.Ino, h.Ino, d2.Ino, index.RootIno} {
		if err := x.SetXattr(f.ctx, ino, "user.k", []byte(fmt.Sprint(ino)), 0); err != nil {
			t.Fatal(err)
		}
	}
	// Distinct times everywhere, set last.
	for i, ino := range []uint64{a.Ino, deep.Ino, h.Ino, d1.Ino, d2.Ino, index.RootIno} {
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
	store := blobs{}
	keys := tree.DeriveKeys(seal.Key{1, 2, 3})
	c := tree.Commit{Volume: [16]byte{7}, Seq: 1, Time: 1, Root: res.Root, RootAttr: res.RootAttr, Files: res.Files, Bytes: res.Bytes}
	sealedCommit, err := tree.SealCommit(keys.Commit, c)
	if err != nil {
		t.Fatal(err)
	}
	blob := append(res.Blob, sealedCommit...)
	store[id(0xE1)] = blob
	commitLoc := tree.Loc{Blob: id(0xE1), Off: uint64(len(res.Blob)), Len: uint64(len(sealedCommit))}
	r := tree.NewReader(store, nil)
	got, err := r.Commit(f.ctx, commitLoc, keys.Commit)
	if err != nil {
		t.Fatal(err)
	}

	y := index.TestIndexWith(t, nil) // another default chunk size
	st, err := Restore(f.ctx, y, r, keys, got, opener{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 4 || st.Links != 1 || st.Dirs != 3 || st.Symlinks != 1 || st.Special != 3 {
		t.Fatalf("restore stats %+v", st)
	}
	have := describe(t, y)
	for p, w := range want {
		if have[p] != w {
			t.Errorf("%s:\n restored %s\n want     %s", p, have[p], w)
		}
	}
	if len(have) != len(want) {
		t.Errorf("%d paths restored, want %d", len(have), len(want))
	}
	if _, err := Restore(f.ctx, y, r, keys, got, opener{}); err == nil {
		t.Fatal("restore into a non-empty index accepted")
	}
}
