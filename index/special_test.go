package index

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// specials are the four special types with the device number each gets
// in the tests (0 for the types without one).
var specials = []struct {
	name string
	typ  Type
	rdev uint32
}{
	{"fifo", TypeFIFO, 0},
	{"sock", TypeSocket, 0},
	{"chr", TypeCharDev, 1<<8 | 3},    // 1:3, /dev/null
	{"blk", TypeBlockDev, 0xfedc1234}, // all 32 bits are kept
}

func mkSpecial(t *testing.T, x *Index, parent uint64, name string, typ Type, rdev uint32) Attr {
	t.Helper()
	a, err := x.Create(t.Context(), parent, name, NewNode{Type: typ, Mode: 0o640, Uid: 7, Gid: 8, Rdev: rdev})
	if err != nil {
		t.Fatalf("Create %v %q: %v", typ, name, err)
	}
	return a
}

// TestSpecialCreate: each special type is created with its mode, owner
// and device number, size 0 and no content, is listed with its type, and
// reads back the same.
func TestSpecialCreate(t *testing.T) {
	x := TestIndexWith(t, &Options{Clock: newFakeClock().Now}) // no monotonic readings: Attrs compare with ==
	ctx := t.Context()
	for _, s := range specials {
		a := mkSpecial(t, x, RootIno, s.name, s.typ, s.rdev)
		if a.Type != s.typ || a.Rdev != s.rdev || a.Mode != 0o640 || a.Uid != 7 || a.Gid != 8 ||
			a.Size != 0 || a.Nlink != 1 || a.ChunkSize != 0 || a.Upload != UploadNone {
			t.Fatalf("created %s: %+v", s.name, a)
		}
		if !s.typ.Special() || s.typ.IsDevice() != (s.rdev != 0) {
			t.Fatalf("%v: Special %v IsDevice %v", s.typ, s.typ.Special(), s.typ.IsDevice())
		}
		if got := attr(t, x, a.Ino); got != a {
			t.Fatalf("GetAttr %s = %+v, want %+v", s.name, got, a)
		}
		if got, err := x.Lookup(ctx, RootIno, s.name); err != nil || got != a {
			t.Fatalf("Lookup %s = %+v, %v", s.name, got, err)
		}
	}
	page, err := x.ReadDir(ctx, RootIno, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specials {
		i := slices.IndexFunc(page, func(e DirEntry) bool { return e.Name == s.name })
		if i < 0 || page[i].Type != s.typ {
			t.Fatalf("ReadDir: %s missing or wrong type: %+v", s.name, page)
		}
	}
	if st, err := x.StatFS(ctx); err != nil || st.Inodes != 5 || st.Bytes != 0 {
		t.Fatalf("StatFS = %+v, %v", st, err)
	}
	if q, err := x.UploadQueue(ctx); err != nil || len(q) != 0 {
		t.Fatalf("UploadQueue = %v, %v", q, err)
	}
}

// TestSpecialCreateErrors: a device number only on a device, a target
// only on a symlink, unknown types refused.
func TestSpecialCreateErrors(t *testing.T) {
	x := TestIndex(t)
	ctx := t.Context()
	for _, n := range []NewNode{
		{Type: TypeFIFO, Rdev: 5},
		{Type: TypeSocket, Rdev: 5},
		{Type: TypeFile, Rdev: 5},
		{Type: TypeDir, Rdev: 5},
		{Type: TypeCharDev, Target: "x"},
		{Type: TypeBlockDev + 1},
	} {
		if _, err := x.Create(ctx, RootIno, "n", n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%+v) = %v, want ErrInvalid", n, err)
		}
	}
	if _, err := x.ImportFile(ctx, RootIno, "n", NewNode{Type: TypeFile, Rdev: 1}, 1, blob(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("ImportFile with a device number = %v, want ErrInvalid", err)
	}
	if _, err := x.ImportFile(ctx, RootIno, "n", NewNode{Type: TypeFIFO}, 1, blob(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("ImportFile of a fifo = %v, want ErrInvalid", err)
	}
	if n := names(t, x, RootIno); n != "" {
		t.Fatalf("entries after failed creates: %q", n)
	}
}

// TestSpecialNoContent: content operations on a special inode fail and
// change nothing; attribute changes work as on any inode.
func TestSpecialNoContent(t *testing.T) {
	clk := newFakeClock()
	x := TestIndexWith(t, &Options{Clock: clk.Now, ChunkSize: 16})
	ctx := t.Context()
	for _, s := range specials {
		a := mkSpecial(t, x, RootIno, s.name, s.typ, s.rdev)
		size := uint64(10)
		if _, err := x.SetAttr(ctx, a.Ino, AttrUpdate{Size: &size}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: SetAttr size = %v, want ErrInvalid", s.name, err)
		}
		if _, err := x.Truncate(ctx, a.Ino, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Truncate = %v, want ErrInvalid", s.name, err)
		}
		if _, err := x.SetChunkStaged(ctx, a.Ino, 0, 4); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: SetChunkStaged = %v, want ErrInvalid", s.name, err)
		}
		if _, err := x.SetChunkStagedCopy(ctx, a.Ino, 0, []byte("abcd")); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: SetChunkStagedCopy = %v, want ErrInvalid", s.name, err)
		}
		if _, err := x.BeginUpload(ctx, a.Ino); err == nil {
			t.Errorf("%s: BeginUpload succeeded", s.name)
		}
		if st, err := x.FileState(ctx, a.Ino); err != nil || st.State != UploadNone || len(st.Blobs) != 0 {
			t.Errorf("%s: FileState = %+v, %v", s.name, st, err)
		}
		if _, err := x.GetXattr(ctx, a.Ino, XattrState); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %s = %v, want ErrNotFound", s.name, XattrState, err)
		}
		if l, err := x.ListXattr(ctx, a.Ino); err != nil || len(l) != 0 {
			t.Errorf("%s: ListXattr = %q, %v", s.name, l, err)
		}

		clk.Advance(time.Second)
		mode, uid, gid := uint32(0o4755), uint32(1), uint32(2)
		mt := time.Unix(1234, 5)
		got, err := x.SetAttr(ctx, a.Ino, AttrUpdate{Mode: &mode, Uid: &uid, Gid: &gid, Mtime: &mt, Atime: &mt})
		if err != nil || got.Mode != mode || got.Uid != uid || got.Gid != gid || !got.Mtime.Equal(mt) ||
			!got.Atime.Equal(mt) || !got.Ctime.Equal(clk.Now()) || got.Rdev != s.rdev || got.Type != s.typ {
			t.Errorf("%s: SetAttr = %+v, %v", s.name, got, err)
		}
		if err := x.SetXattr(ctx, a.Ino, "trusted.k", []byte("v"), 0); err != nil {
			t.Errorf("%s: SetXattr: %v", s.name, err)
		}
	}
	if q, err := x.UploadQueue(ctx); err != nil || len(q) != 0 {
		t.Fatalf("UploadQueue = %v, %v", q, err)
	}
}

// TestSpecialLinkRenameUnlink: special inodes take hard links and move;
// with their last name gone they are orphans (attributes kept, no new
// link) until DropOrphan.
func TestSpecialLinkRenameUnlink(t *testing.T) {
	x := TestIndex(t)
	ctx := t.Context()
	d := mk(t, x, RootIno, "d", TypeDir)
	for _, s := range specials {
		a := mkSpecial(t, x, RootIno, s.name, s.typ, s.rdev)
		l, err := x.Link(ctx, a.Ino, d.Ino, s.name+".link")
		if err != nil || l.Nlink != 2 || l.Rdev != s.rdev {
			t.Fatalf("Link %s = %+v, %v", s.name, l, err)
		}
		if _, err := x.Rename(ctx, RootIno, s.name, d.Ino, s.name+".moved", 0); err != nil {
			t.Fatalf("Rename %s: %v", s.name, err)
		}
		if m, err := x.Lookup(ctx, d.Ino, s.name+".moved"); err != nil || m.Ino != a.Ino || m.Type != s.typ {
			t.Fatalf("Lookup after rename %s = %+v, %v", s.name, m, err)
		}
		r, err := x.Unlink(ctx, d.Ino, s.name+".link")
		if err != nil || r.Orphaned || attr(t, x, a.Ino).Nlink != 1 {
			t.Fatalf("first Unlink %s = %+v, %v", s.name, r, err)
		}
		if err := x.SetXattr(ctx, a.Ino, "security.k", []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		r, err = x.Unlink(ctx, d.Ino, s.name+".moved")
		if err != nil || !r.Orphaned || r.Ino != a.Ino || r.Type != s.typ {
			t.Fatalf("last Unlink %s = %+v, %v", s.name, r, err)
		}
		if o := attr(t, x, a.Ino); o.Nlink != 0 || o.Rdev != s.rdev || o.Type != s.typ {
			t.Fatalf("orphaned %s: %+v", s.name, o)
		}
		if o, err := x.Orphans(ctx); err != nil || !slices.Contains(o, a.Ino) {
			t.Fatalf("Orphans = %v, %v; want %d listed", o, err, a.Ino)
		}
		if _, err := x.Link(ctx, a.Ino, RootIno, "revived"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Link of orphaned %s = %v, want ErrNotFound", s.name, err)
		}
		if rel, err := x.DropOrphan(ctx, a.Ino); err != nil || len(rel) != 0 {
			t.Fatalf("DropOrphan %s = %v, %v", s.name, rel, err)
		}
		if _, err := x.GetAttr(ctx, a.Ino); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetAttr of dropped %s = %v, want ErrNotFound", s.name, err)
		}
	}
	// Renaming a special over another replaces (and deletes) it.
	f := mkSpecial(t, x, RootIno, "f", TypeFIFO, 0)
	c := mkSpecial(t, x, RootIno, "c", TypeCharDev, 9)
	r, err := x.Rename(ctx, RootIno, "f", RootIno, "c", 0)
	if err != nil || r.Ino != c.Ino || !r.Orphaned || r.Type != TypeCharDev {
		t.Fatalf("Rename over = %+v, %v", r, err)
	}
	if got, err := x.Lookup(ctx, RootIno, "c"); err != nil || got.Ino != f.Ino || got.Type != TypeFIFO {
		t.Fatalf("Lookup c = %+v, %v", got, err)
	}
	if o, err := x.Orphans(ctx); err != nil || !slices.Equal(o, []uint64{c.Ino}) {
		t.Fatalf("Orphans = %v, %v", o, err)
	}
	if _, err := x.DropOrphan(ctx, c.Ino); err != nil {
		t.Fatal(err)
	}
	if st, err := x.StatFS(ctx); err != nil || st.Inodes != 3 {
		t.Fatalf("StatFS = %+v, %v (want root, d, c)", st, err)
	}
}

// TestSpecialSurvivesReopen: special inodes and their device numbers come
// back after a clean close and after a crash (journal replay).
func TestSpecialSurvivesReopen(t *testing.T) {
	for _, crash := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "index.db")
		x := openAt(t, path, &Options{CheckpointInterval: time.Hour, Clock: newFakeClock().Now})
		want := map[string]Attr{}
		for _, s := range specials {
			want[s.name] = mkSpecial(t, x, RootIno, s.name, s.typ, s.rdev)
		}
		if crash {
			if err := x.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			x.crash()
		} else {
			checkClose(t, x)
		}
		x = openAt(t, path, nil)
		for name, w := range want {
			if got, err := x.Lookup(t.Context(), RootIno, name); err != nil || got != w {
				t.Errorf("crash %v: %s = %+v, %v; want %+v", crash, name, got, err, w)
			}
		}
		checkClose(t, x)
	}
}

// encodeInodeV1 writes a record in inode record version 1 (no device
// number), as schema 2 did.
func encodeInodeV1(a *Attr) []byte {
	b := encodeInode(a)
	b[0] = 1
	tl := 3 + 16 + 8 + 24 + 24 // the device number followed these fields
	return append(b[:tl:tl], b[tl+4:]...)
}

// TestInodeRecordV1: version 1 records decode with Rdev 0, and the bytes
// are those of the documented layout.
func TestInodeRecordV1(t *testing.T) {
	a := Attr{Ino: 9, Type: TypeSymlink, Mode: 0o777, Uid: 1, Gid: 2, Size: 3, Nlink: 1,
		Atime: time.Unix(1, 2), Mtime: time.Unix(3, 4), Ctime: time.Unix(5, 6), Generation: 1, Target: "abc"}
	v1 := encodeInodeV1(&a)
	if len(v1) != inodeFixedLenV1+3 || binary.BigEndian.Uint16(v1[inodeFixedLenV1-2:]) != 3 {
		t.Fatalf("v1 record of %d bytes: %x", len(v1), v1)
	}
	got, err := decodeInode(9, v1)
	if err != nil || got.Target != "abc" || got.Rdev != 0 || !got.Ctime.Equal(a.Ctime) {
		t.Fatalf("decode v1 = %+v, %v", got, err)
	}
	got.Atime, got.Mtime, got.Ctime = a.Atime, a.Mtime, a.Ctime // monotonic/location aside
	if got != a {
		t.Fatalf("decode v1 = %+v, want %+v", got, a)
	}
	d := Attr{Ino: 10, Type: TypeBlockDev, Rdev: 0xdeadbeef, Nlink: 1, Atime: a.Atime, Mtime: a.Atime, Ctime: a.Atime}
	v2 := encodeInode(&d)
	if len(v2) != inodeFixedLen || v2[0] != 2 || binary.BigEndian.Uint32(v2[inodeFixedLen-6:]) != 0xdeadbeef {
		t.Fatalf("v2 record: %x", v2)
	}
	for _, bad := range [][]byte{nil, {3}, v1[:inodeFixedLenV1-1], append([]byte{2}, v1[1:]...), append([]byte{0}, v2[1:]...)} {
		if _, err := decodeInode(1, bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode %x = %v, want ErrCorrupt", bad, err)
		}
	}
}

// TestMigrateSchema2: an index of schema 2 (every record in version 1)
// opens as schema 3 with its inodes unchanged, passes Check, and records
// rewritten afterwards take version 2.
func TestMigrateSchema2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{Clock: newFakeClock().Now})
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	d := mk(t, x, RootIno, "d", TypeDir)
	l := mk(t, x, d.Ino, "l", TypeSymlink)
	if err := x.SetXattr(ctx, f.Ino, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]Attr{}
	if err := x.rawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInodes)
		for _, ino := range []uint64{RootIno, f.Ino, d.Ino, l.Ino} {
			a, err := decodeInode(ino, b.Get(inoKey(ino)))
			if err != nil {
				return err
			}
			want[ino] = a
			if err := b.Put(inoKey(ino), encodeInodeV1(&a)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaVersion, u64(2))
	}); err != nil {
		t.Fatal(err)
	}
	x.crash()
	x = openAt(t, path, nil)
	defer checkClose(t, x)
	for ino, w := range want {
		if got := attr(t, x, ino); got != w {
			t.Errorf("inode %d after migration = %+v, want %+v", ino, got, w)
		}
	}
	if err := x.Check(ctx); err != nil {
		t.Fatalf("Check after migration: %v", err)
	}
	var ver uint64
	var recVer byte
	mode := uint32(0o600)
	if _, err := x.SetAttr(ctx, f.Ino, AttrUpdate{Mode: &mode}); err != nil {
		t.Fatal(err)
	}
	if err := x.view(ctx, func(t *txn) (err error) {
		ver, err = getU64(t.bucket(bucketMeta).Get(metaVersion))
		recVer = t.bucket(bucketInodes).Get(inoKey(f.Ino))[0]
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ver != schemaVersion || recVer != 2 {
		t.Fatalf("schema %d, rewritten record version %d; want %d, 2", ver, recVer, schemaVersion)
	}
	c := mkSpecial(t, x, d.Ino, "c", TypeCharDev, 77)
	if got := attr(t, x, c.Ino); got.Rdev != 77 {
		t.Fatalf("new device after migration: %+v", got)
	}
}

// TestCheckSpecialInvariants: Check reports a special inode with content
// or state it cannot have.
func TestCheckSpecialInvariants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(tx *bolt.Tx, f Attr) error
	}{
		{"fifo with size", func(tx *bolt.Tx, f Attr) error {
			f.Size = 4
			return tx.Bucket(bucketInodes).Put(inoKey(f.Ino), encodeInode(&f))
		}},
		{"fifo with device number", func(tx *bolt.Tx, f Attr) error {
			f.Rdev = 4
			return tx.Bucket(bucketInodes).Put(inoKey(f.Ino), encodeInode(&f))
		}},
		{"fifo with upload state", func(tx *bolt.Tx, f Attr) error {
			f.Upload = UploadStaged
			return tx.Bucket(bucketInodes).Put(inoKey(f.Ino), encodeInode(&f))
		}},
		{"fifo with chunk", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketChunks).Put(chunkKey(f.Ino, 0), encodeChunk(ChunkState{Kind: ChunkStaged, Len: 1}))
		}},
		{"fifo queued", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketQueue).Put(inoKey(f.Ino), nil)
		}},
		{"linked fifo on the orphan list", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketOrphans).Put(inoKey(f.Ino), u64(0))
		}},
		{"unlinked fifo off the orphan list", func(tx *bolt.Tx, f Attr) error {
			if err := tx.Bucket(bucketDirents).Delete(pairKey(RootIno, "p")); err != nil {
				return err
			}
			root, err := decodeInode(RootIno, tx.Bucket(bucketInodes).Get(inoKey(RootIno)))
			if err != nil {
				return err
			}
			root.Size--
			f.Nlink = 0
			for _, a := range []*Attr{&root, &f} {
				if err := tx.Bucket(bucketInodes).Put(inoKey(a.Ino), encodeInode(a)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"fifo with a failure record", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketFailures).Put(inoKey(f.Ino), u64(0))
		}},
		{"dirent type", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketDirents).Put(pairKey(RootIno, "p"), direntValue(f.Ino, TypeSocket))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := openAt(t, filepath.Join(t.TempDir(), "index.db"), nil)
			defer x.Close()
			f := mkSpecial(t, x, RootIno, "p", TypeFIFO, 0)
			if err := x.Check(t.Context()); err != nil {
				t.Fatalf("Check before: %v", err)
			}
			if err := x.rawUpdate(func(tx *bolt.Tx) error { return tc.corrupt(tx, f) }); err != nil {
				t.Fatal(err)
			}
			err := x.Check(context.Background())
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Check after %s = %v, want ErrCorrupt", tc.name, err)
			}
			t.Log(err)
		})
	}
}
