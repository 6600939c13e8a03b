package index

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

const cs = 100 // chunk size used by content tests

func contentIndex(t *testing.T) (*Index, *fakeClock) {
	clk := newFakeClock()
	return TestIndexWith(t, &Options{Clock: clk.Now, ChunkSize: cs}), clk
}

// stage stages chunks idx -> length or fails.
func stage(t *testing.T, x *Index, ino uint64, chunks map[uint64]uint64) uint64 {
	t.Helper()
	var gen uint64
	for idx, n := range chunks {
		var err error
		if gen, err = x.SetChunkStaged(t.Context(), ino, idx, n); err != nil {
			t.Fatalf("SetChunkStaged(%d, %d, %d): %v", ino, idx, n, err)
		}
	}
	return gen
}

// upload begins and commits ino with the given extents.
func upload(t *testing.T, x *Index, ino uint64, ext map[uint64]Extent) {
	t.Helper()
	u, err := x.BeginUpload(t.Context(), ino)
	if err != nil {
		t.Fatalf("BeginUpload(%d): %v", ino, err)
	}
	if err := x.CommitUpload(t.Context(), ino, u.Generation, ext); err != nil {
		t.Fatalf("CommitUpload(%d): %v", ino, err)
	}
}

func TestSetChunkStaged(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	d := mk(t, x, RootIno, "d", TypeDir)
	l := mk(t, x, RootIno, "l", TypeSymlink)
	for _, tc := range []struct {
		name          string
		ino, idx, len uint64
		want          error
	}{
		{"zero length", f.Ino, 0, 0, ErrInvalid},
		{"over chunk size", f.Ino, 0, cs + 1, ErrInvalid},
		{"huge index", f.Ino, 1 << 62, 1, ErrInvalid},
		{"dir", d.Ino, 0, 1, ErrIsDir},
		{"symlink", l.Ino, 0, 1, ErrInvalid},
		{"missing", 999, 0, 1, ErrNotFound},
		{"ok", f.Ino, 2, 50, nil},
	} {
		_, err := x.SetChunkStaged(ctx, tc.ino, tc.idx, tc.len)
		wantErr(t, "SetChunkStaged "+tc.name, err, tc.want)
	}
	a := attr(t, x, f.Ino)
	if a.Size != 250 || a.Generation != 2 || a.Upload != UploadStaged {
		t.Fatalf("after staging chunk 2: %+v", a)
	}
	if gen := stage(t, x, f.Ino, map[uint64]uint64{0: cs}); gen != 3 || attr(t, x, f.Ino).Size != 250 {
		t.Fatalf("staging chunk 0: gen %d", gen)
	}
	m, err := x.Chunks(ctx, f.Ino)
	want := map[uint64]ChunkState{0: {Kind: ChunkStaged, Len: cs}, 2: {Kind: ChunkStaged, Len: 50}}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Fatalf("Chunks = %v, %v", m, err)
	}
	if c, ok, err := x.Chunk(ctx, f.Ino, 1); err != nil || ok || c != (ChunkState{}) {
		t.Fatalf("hole chunk = %v %v %v", c, ok, err)
	}
	if q, err := x.UploadQueue(ctx); err != nil || !reflect.DeepEqual(q, []uint64{f.Ino}) {
		t.Fatalf("UploadQueue = %v, %v", q, err)
	}
	st, err := x.Stats(ctx)
	if err != nil || st.PendingFiles != 1 || st.PendingBytes != 150 || st.Bytes != 250 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
}

func TestUploadCommit(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: cs, 1: cs, 2: 10})
	u, err := x.BeginUpload(ctx, f.Ino)
	if err != nil || u.Generation != 4 || u.Size != 210 || u.ChunkSize != cs || len(u.Staged) != 3 {
		t.Fatalf("BeginUpload = %+v, %v", u, err)
	}
	if v, _ := x.GetXattr(ctx, f.Ino, XattrState); string(v) != "uploading" {
		t.Fatalf("state xattr = %q", v)
	}
	// Partial commit: chunks 0 and 2 into one pack blob, chunk 1 later.
	part := map[uint64]Extent{0: {Blob: blob(1), Offset: 0, Length: cs}, 2: {Blob: blob(1), Offset: cs, Length: 10}}
	if err := x.CommitUpload(ctx, f.Ino, u.Generation, part); err != nil {
		t.Fatal(err)
	}
	if refs(t, x, blob(1)) != 2 || attr(t, x, f.Ino).Upload != UploadUploading {
		t.Fatalf("after partial commit: refs %d, %v", refs(t, x, blob(1)), attr(t, x, f.Ino).Upload)
	}
	// Committing a chunk twice, or a hole, is rejected atomically.
	for _, bad := range []map[uint64]Extent{
		{0: {Blob: blob(2)}},
		{5: {Blob: blob(2)}},
		{1: {Blob: blob(2)}, 0: {Blob: blob(2)}},
		{1: {}},
		{},
	} {
		if err := x.CommitUpload(ctx, f.Ino, u.Generation, bad); !isErr(err, ErrInvalid) {
			t.Fatalf("CommitUpload(%v) = %v", bad, err)
		}
	}
	if refs(t, x, blob(2)) != 0 {
		t.Fatal("rejected commit took a reference")
	}
	if err := x.CommitUpload(ctx, f.Ino, u.Generation, map[uint64]Extent{1: {Blob: blob(2), Length: cs}}); err != nil {
		t.Fatal(err)
	}
	a := attr(t, x, f.Ino)
	if a.Upload != UploadStored || a.Generation != u.Generation {
		t.Fatalf("after full commit: %+v", a)
	}
	if q, _ := x.UploadQueue(ctx); len(q) != 0 {
		t.Fatalf("queue after commit = %v", q)
	}
	fs, err := x.FileState(ctx, f.Ino)
	if err != nil || fs.State != UploadStored || !reflect.DeepEqual(fs.Blobs, []blobid.ID{blob(1), blob(2)}) || fs.StagedBytes != 0 {
		t.Fatalf("FileState = %+v, %v", fs, err)
	}
	v, err := x.GetXattr(ctx, f.Ino, XattrBlobIDs)
	if err != nil || string(v) != blob(1).String()+"\n"+blob(2).String() {
		t.Fatalf("blob_ids xattr = %q, %v", v, err)
	}
	if _, err := x.BeginUpload(ctx, f.Ino); !isErr(err, ErrInvalid) {
		t.Fatalf("BeginUpload with nothing staged = %v", err)
	}
}

func TestCommitStale(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 40})
	u, err := x.BeginUpload(ctx, f.Ino)
	if err != nil {
		t.Fatal(err)
	}
	stage(t, x, f.Ino, map[uint64]uint64{0: 60}) // a write during the upload
	before, _ := x.Chunks(ctx, f.Ino)
	err = x.CommitUpload(ctx, f.Ino, u.Generation, map[uint64]Extent{0: {Blob: blob(7), Length: 40}})
	wantErr(t, "stale commit", err, ErrStale)
	if after, _ := x.Chunks(ctx, f.Ino); !reflect.DeepEqual(before, after) {
		t.Fatalf("stale commit changed chunks: %v -> %v", before, after)
	}
	if a := attr(t, x, f.Ino); a.Upload != UploadStaged || refs(t, x, blob(7)) != 0 {
		t.Fatalf("after stale commit: %v, refs %d", a.Upload, refs(t, x, blob(7)))
	}
	// The orphaned upload is on the deletion list, not leaked.
	if exp, _ := x.ExpiredBlobs(ctx, 0); !reflect.DeepEqual(exp, []blobid.ID{blob(7)}) {
		t.Fatalf("ExpiredBlobs = %v", exp)
	}
	// A truncate also makes an upload stale; a dropped file gives ErrNotFound.
	u, _ = x.BeginUpload(ctx, f.Ino)
	if _, err := x.Truncate(ctx, f.Ino, 10); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "commit after truncate", x.CommitUpload(ctx, f.Ino, u.Generation, map[uint64]Extent{0: {Blob: blob(8)}}), ErrStale)
	u, _ = x.BeginUpload(ctx, f.Ino)
	if _, err := x.Unlink(ctx, RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.DropOrphan(ctx, f.Ino); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "commit after drop", x.CommitUpload(ctx, f.Ino, u.Generation, map[uint64]Extent{0: {Blob: blob(9)}}), ErrNotFound)
	if exp, _ := x.ExpiredBlobs(ctx, 0); len(exp) != 3 {
		t.Fatalf("ExpiredBlobs = %v", exp)
	}
}

func TestTruncate(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: cs, 1: cs, 2: cs, 3: 30})
	upload(t, x, f.Ino, map[uint64]Extent{
		0: {Blob: blob(1), Length: cs}, 1: {Blob: blob(1), Offset: cs, Length: cs},
		2: {Blob: blob(2), Length: cs}, 3: {Blob: blob(3), Length: 30},
	})
	stage(t, x, f.Ino, map[uint64]uint64{2: cs}) // chunk 2 rewritten locally
	if refs(t, x, blob(2)) != 0 {
		t.Fatal("restaging a stored chunk kept its reference")
	}
	gen := attr(t, x, f.Ino).Generation
	released, err := x.Truncate(ctx, f.Ino, 150) // keeps chunk 0, half of chunk 1
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(released, []Extent{{Blob: blob(3), Length: 30}}) {
		t.Fatalf("released = %v", released)
	}
	a := attr(t, x, f.Ino)
	if a.Size != 150 || a.Generation != gen+1 || a.Upload != UploadStored {
		t.Fatalf("after truncate: %+v", a)
	}
	m, _ := x.Chunks(ctx, f.Ino)
	if len(m) != 2 || m[1].Len != 50 || m[1].Extent != (Extent{Blob: blob(1), Offset: cs, Length: cs}) {
		t.Fatalf("chunks after truncate = %v", m)
	}
	if q, _ := x.UploadQueue(ctx); len(q) != 0 {
		t.Fatalf("queue after truncating staged chunk away = %v", q)
	}
	if c, ok, err := x.Chunk(ctx, f.Ino, 1); err != nil || !ok || c.Kind != ChunkStored || c.Len != 50 {
		t.Fatalf("Chunk(1) = %+v %v %v", c, ok, err)
	}
	// Growing adds a hole; same size changes nothing.
	if _, err := x.SetAttr(ctx, f.Ino, AttrUpdate{Size: ptr[uint64](1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Truncate(ctx, f.Ino, 1000); err != nil || attr(t, x, f.Ino).Generation != gen+2 {
		t.Fatalf("no-op truncate bumped generation: %v", err)
	}
	if s, _ := x.StatFS(ctx); s.Bytes != 1000 {
		t.Fatalf("StatFS bytes = %d", s.Bytes)
	}
	released, err = x.Truncate(ctx, f.Ino, 0)
	if err != nil || len(released) != 2 || refs(t, x, blob(1)) != 0 || attr(t, x, f.Ino).Upload != UploadNone {
		t.Fatalf("truncate to 0: %v, %v", released, err)
	}
	if exp, _ := x.ExpiredBlobs(ctx, 0); len(exp) != 3 {
		t.Fatalf("deletion list = %v", exp)
	}
	d := mk(t, x, RootIno, "d", TypeDir)
	wantErr(t, "truncate dir", func() error { _, err := x.Truncate(ctx, d.Ino, 0); return err }(), ErrIsDir)
	_, err = x.SetAttr(ctx, d.Ino, AttrUpdate{Size: ptr[uint64](0)})
	wantErr(t, "setattr size dir", err, ErrIsDir)
}

func ptr[T any](v T) *T { return &v }

// TestRefcounts follows one pack blob shared by several files through
// link, rename-replace, unlink, drop, re-reference and garbage collection.
func TestRefcounts(t *testing.T) {
	x, clk := contentIndex(t)
	ctx := t.Context()
	pack := blob(0xAA)
	var files []Attr
	for i, name := range []string{"a", "b", "c"} {
		f := mk(t, x, RootIno, name, TypeFile)
		stage(t, x, f.Ino, map[uint64]uint64{0: 10})
		upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: pack, Offset: uint64(10 * i), Length: 10}})
		files = append(files, f)
	}
	// Same blob twice within one file counts twice.
	stage(t, x, files[2].Ino, map[uint64]uint64{1: 5})
	upload(t, x, files[2].Ino, map[uint64]Extent{1: {Blob: pack, Offset: 30, Length: 5}})
	if n := refs(t, x, pack); n != 4 {
		t.Fatalf("refs = %d, want 4", n)
	}
	if _, err := x.Link(ctx, files[0].Ino, RootIno, "a2"); err != nil || refs(t, x, pack) != 4 {
		t.Fatalf("link changed refs: %v", err)
	}
	if r, err := x.Unlink(ctx, RootIno, "a"); err != nil || r.Orphaned || refs(t, x, pack) != 4 {
		t.Fatalf("unlink of one of two links: %+v %v", r, err)
	}
	r, err := x.Rename(ctx, RootIno, "b", RootIno, "a2", 0) // replaces the last link of a
	if err != nil || !r.Orphaned || r.Ino != files[0].Ino || refs(t, x, pack) != 4 {
		t.Fatalf("rename over: %+v %v refs %d", r, err, refs(t, x, pack))
	}
	released, err := x.DropOrphan(ctx, r.Ino)
	if err != nil || len(released) != 1 || refs(t, x, pack) != 3 {
		t.Fatalf("DropOrphan: %v %v refs %d", released, err, refs(t, x, pack))
	}
	for _, name := range []string{"a2", "c"} {
		r, err := x.Unlink(ctx, RootIno, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.DropOrphan(ctx, r.Ino); err != nil {
			t.Fatal(err)
		}
	}
	if n := refs(t, x, pack); n != 0 {
		t.Fatalf("refs after all dropped = %d", n)
	}
	if exp, _ := x.ExpiredBlobs(ctx, time.Hour); len(exp) != 0 {
		t.Fatalf("expired before grace: %v", exp)
	}
	clk.Advance(time.Hour)
	if exp, _ := x.ExpiredBlobs(ctx, time.Hour); !reflect.DeepEqual(exp, []blobid.ID{pack}) {
		t.Fatalf("ExpiredBlobs = %v", exp)
	}
	// Re-referencing takes it off the deletion list.
	g := mk(t, x, RootIno, "g", TypeFile)
	stage(t, x, g.Ino, map[uint64]uint64{0: 10})
	upload(t, x, g.Ino, map[uint64]Extent{0: {Blob: pack, Length: 10}})
	if exp, _ := x.ExpiredBlobs(ctx, 0); len(exp) != 0 {
		t.Fatalf("re-referenced blob still expired: %v", exp)
	}
	wantErr(t, "ForgetBlob referenced", x.ForgetBlob(ctx, pack), ErrExist)
	if _, err := x.Truncate(ctx, g.Ino, 0); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "ForgetBlob", x.ForgetBlob(ctx, pack), nil)
	wantErr(t, "ForgetBlob twice", x.ForgetBlob(ctx, pack), ErrNotFound)
	if st, _ := x.Stats(ctx); st.Blobs != 0 || st.DeadBlobs != 0 || st.Inodes != 2 {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestFailuresAndStats(t *testing.T) {
	x, clk := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	g := mk(t, x, RootIno, "g", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 10, 3: 20})
	stage(t, x, g.Ino, map[uint64]uint64{0: 5})
	if _, err := x.BeginUpload(ctx, f.Ino); err != nil {
		t.Fatal(err)
	}
	if _, err := x.BeginUpload(ctx, g.Ino); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	long := strings.Repeat("e", 5000)
	if err := x.FailUpload(ctx, f.Ino, "walrus: too few nodes "+long); err != nil {
		t.Fatal(err)
	}
	st, err := x.Stats(ctx)
	if err != nil || st.PendingFiles != 2 || st.PendingBytes != 35 || st.Uploading != 1 || len(st.Failures) != 1 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	fl := st.Failures[0]
	if fl.Ino != f.Ino || !fl.Time.Equal(clk.Now()) || len(fl.Error) != maxErrorLen || !strings.HasPrefix(fl.Error, "walrus: too few") {
		t.Fatalf("failure = %+v", fl)
	}
	if fs, _ := x.FileState(ctx, f.Ino); fs.State != UploadStaged || fs.LastError != fl.Error || fs.StagedBytes != 30 {
		t.Fatalf("FileState = %+v", fs)
	}
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1)}, 3: {Blob: blob(2)}})
	if st, _ := x.Stats(ctx); len(st.Failures) != 0 || st.PendingFiles != 1 || st.Blobs != 2 {
		t.Fatalf("Stats after success = %+v", st)
	}
	// FailUpload on a fully stored file is a no-op.
	if err := x.FailUpload(ctx, f.Ino, "late"); err != nil {
		t.Fatal(err)
	}
	// An orphan with staged data leaves the queue.
	if r, err := x.Unlink(ctx, RootIno, "g"); err != nil || !r.Orphaned {
		t.Fatal(err)
	}
	stage(t, x, g.Ino, map[uint64]uint64{1: 5}) // a write through a still-open handle
	if q, _ := x.UploadQueue(ctx); len(q) != 0 {
		t.Fatalf("queue with orphan = %v", q)
	}
	if _, err := x.BeginUpload(ctx, g.Ino); !isErr(err, ErrNotFound) {
		t.Fatalf("BeginUpload(orphan) = %v", err)
	}
	if _, err := x.DropOrphan(ctx, g.Ino); err != nil {
		t.Fatal(err)
	}
}

func TestSetAttr(t *testing.T) {
	x, clk := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	clk.Advance(time.Minute)
	at := time.Unix(1000, 5)
	a, err := x.SetAttr(ctx, f.Ino, AttrUpdate{Mode: ptr[uint32](0o170600), Uid: ptr[uint32](5), Gid: ptr[uint32](6), Atime: &at, Mtime: &at})
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != 0o600 || a.Uid != 5 || a.Gid != 6 || !a.Atime.Equal(at) || !a.Mtime.Equal(at) || !a.Ctime.Equal(clk.Now()) {
		t.Fatalf("SetAttr = %+v", a)
	}
	if got := attr(t, x, f.Ino); !reflect.DeepEqual(got, a) {
		t.Fatalf("GetAttr = %+v, SetAttr returned %+v", got, a)
	}
	a, err = x.SetAttr(ctx, f.Ino, AttrUpdate{Ctime: &at})
	if err != nil || !a.Ctime.Equal(at) {
		t.Fatalf("explicit ctime: %+v %v", a, err)
	}
	l := mk(t, x, RootIno, "l", TypeSymlink)
	for _, tc := range []struct {
		ino  uint64
		u    AttrUpdate
		want error
	}{
		{999, AttrUpdate{}, ErrNotFound},
		{l.Ino, AttrUpdate{Size: ptr[uint64](1)}, ErrInvalid},
		{f.Ino, AttrUpdate{Size: ptr[uint64](1 << 63)}, ErrInvalid},
	} {
		_, err := x.SetAttr(ctx, tc.ino, tc.u)
		wantErr(t, "SetAttr", err, tc.want)
	}
}

// TestQueueEmpty: a staged file makes the queue non-empty until its upload
// is committed.
func TestQueueEmpty(t *testing.T) {
	x := TestIndex(t)
	empty := func() bool {
		t.Helper()
		e, err := x.QueueEmpty(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if !empty() {
		t.Fatal("new index: queue not empty")
	}
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 10})
	if empty() {
		t.Fatal("staged file: queue empty")
	}
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 10}})
	if !empty() {
		t.Fatal("after upload: queue not empty")
	}
}

func TestReferencedBlobs(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	if ids, err := x.ReferencedBlobs(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("empty index: %v %v", ids, err)
	}
	f := mk(t, x, RootIno, "f", TypeFile)
	g := mk(t, x, RootIno, "g", TypeFile)
	for _, c := range []struct {
		ino  uint64
		blob blobid.ID
	}{{f.Ino, blob(3)}, {g.Ino, blob(3)}, {g.Ino, blob(1)}} {
		stage(t, x, c.ino, map[uint64]uint64{0: 40})
		u, err := x.BeginUpload(ctx, c.ino)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.CommitUpload(ctx, c.ino, u.Generation, map[uint64]Extent{0: {Blob: c.blob, Length: 40}}); err != nil {
			t.Fatal(err)
		}
	}
	// g's second commit replaced blob 3 with blob 1; f still holds 3.
	if ids, err := x.ReferencedBlobs(ctx); err != nil || !reflect.DeepEqual(ids, []blobid.ID{blob(1), blob(3)}) {
		t.Fatalf("ReferencedBlobs = %v, %v", ids, err)
	}
}

func TestBlobUsers(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	g := mk(t, x, RootIno, "g", TypeFile)
	commit := func(ino uint64, chunks map[uint64]Extent) {
		t.Helper()
		st := map[uint64]uint64{}
		for i := range chunks {
			st[i] = 40
		}
		stage(t, x, ino, st)
		u, err := x.BeginUpload(ctx, ino)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.CommitUpload(ctx, ino, u.Generation, chunks); err != nil {
			t.Fatal(err)
		}
	}
	commit(f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 40}, 1: {Blob: blob(1), Offset: 40, Length: 40}})
	commit(g.Ino, map[uint64]Extent{0: {Blob: blob(1), Offset: 80, Length: 40}, 1: {Blob: blob(2), Length: 40}})
	got, err := x.BlobUsers(ctx, map[blobid.ID]bool{blob(1): true, blob(3): true})
	want := map[blobid.ID][]uint64{blob(1): {f.Ino, g.Ino}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("BlobUsers = %v, %v; want %v", got, err, want)
	}
}
