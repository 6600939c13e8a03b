package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
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
	// Both commits are kept (the default policy keeps two days): the
	// blobs of both stay alive.
	blobs, err := e.fs.TreeBlobs()
	if err != nil || !slices.Contains(blobs, c2.Loc.Blob) || !slices.Contains(blobs, c1.Loc.Blob) {
		t.Fatalf("tree blobs %v %v; want both commits' blobs", blobs, err)
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

// TestSnapshotRetention: a kept commit keeps the blob of a file version
// that the index no longer names (the collector leaves it); once the
// policy drops that commit, its tree blob is deleted and the old data
// blob is collected after its grace.
func TestSnapshotRetention(t *testing.T) {
	master := seal.Key{4, 4}
	keys := tree.DeriveKeys(master)
	state := filepath.Join(t.TempDir(), "tree.json")
	e := newEnv(t, envOptions{Chunk: cryptChunk, FSClock: true, Tweak: func(o *Options) {
		o.Crypt = NewCrypt(master)
		o.Tree = &TreeOptions{Keys: keys, Volume: [16]byte{2}, StatePath: state, Retention: &Retention{All: time.Hour}}
		o.RepackThreshold = -1
		o.GCGrace = time.Minute
	}})
	a := e.create("photo.jpg", randBytes(cryptChunk+10, 1))
	c1, err := e.fs.CommitTree(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	old := e.state(a.Ino).Blobs
	if len(old) == 0 {
		t.Fatal("no blob for the first version")
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, "photo.jpg"); err != nil {
		t.Fatal(err)
	}
	other := e.create("other.txt", []byte("second commit"))
	e.clock.Advance(time.Minute)
	c2, err := e.fs.CommitTree(ctxb)
	if err != nil || c2.Seq != 2 {
		t.Fatalf("second commit %+v %v", c2, err)
	}
	// The commit rode in the pack of other.txt, the last upload.
	if b := e.state(other.Ino).Blobs; len(b) != 1 || b[0] != c2.Loc.Blob {
		t.Fatalf("commit 2 in blob %s, other.txt in %v: want the commit in its pack", c2.Loc.Blob, b)
	}
	// Past the grace: the deleted file's blobs are held by commit 1.
	e.clock.Advance(10 * time.Minute)
	if _, err := e.fs.CollectGarbage(ctxb); err != nil {
		t.Fatal(err)
	}
	for _, id := range old {
		if _, err := e.mem.Stat(ctxb, id); err != nil {
			t.Fatalf("blob %v of a kept snapshot collected: %v", id, err)
		}
	}
	if held, _ := e.fs.TreeBlobs(); !slices.Contains(held, old[0]) {
		t.Fatalf("renewal would not keep the snapshot's data blob: %v", held)
	}
	snaps, ret, err := e.fs.Snapshots()
	if err != nil || len(snaps) != 2 || ret.All != time.Hour {
		t.Fatalf("snapshots %+v %+v %v", snaps, ret, err)
	}
	// Two hours on, a third commit: commits 1 and 2 are no longer kept.
	e.clock.Advance(2 * time.Hour)
	e.create("third.txt", []byte("third commit"))
	c3, err := e.fs.CommitTree(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	if snaps, _, _ := e.fs.Snapshots(); len(snaps) != 1 || snaps[0].Seq != c3.Seq {
		t.Fatalf("snapshots after pruning: %+v", snaps)
	}
	if _, err := e.mem.Stat(ctxb, c1.Loc.Blob); err == nil {
		t.Fatal("the tree blob of dropped snapshot 1 is still stored")
	}
	// Commit 2's blob is other.txt's pack: it stays with the file.
	if _, err := e.mem.Stat(ctxb, c2.Loc.Blob); err != nil {
		t.Fatalf("the pack that carried commit 2 was deleted with the snapshot: %v", err)
	}
	if _, err := e.fs.CollectGarbage(ctxb); err != nil {
		t.Fatal(err)
	}
	for _, id := range old {
		if _, err := e.mem.Stat(ctxb, id); err == nil {
			t.Fatalf("blob %v still stored after its snapshot was dropped", id)
		}
	}
}

// TestRetentionPolicy: which commits a policy keeps (restic's rules).
func TestRetentionPolicy(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var cs []TreeCommit
	// A commit every 6 hours for 90 days, oldest first.
	for h := 90 * 24; h >= 0; h -= 6 {
		cs = append(cs, TreeCommit{Seq: uint64(len(cs) + 1), Time: now.Add(-time.Duration(h) * time.Hour)})
	}
	count := func(r Retention) int {
		n := 0
		for _, k := range r.keep(cs, now) {
			if k {
				n++
			}
		}
		return n
	}
	if n := count(Retention{}); n != 1 {
		t.Fatalf("latest only: %d kept", n)
	}
	// Younger than 48 hours: the commits at 0, 6, ..., 42 hours ago.
	if n := count(Retention{All: 48 * time.Hour}); n != 8 {
		t.Fatalf("all=48h: %d kept", n)
	}
	if n := count(Retention{Hourly: 24}); n != 24 { // the newest of each of the last 24 hours that have commits
		t.Fatalf("hourly=24: %d kept", n)
	}
	if n := count(Retention{Daily: 14}); n != 14 {
		t.Fatalf("daily=14: %d kept", n)
	}
	if n := count(Retention{Monthly: 12}); n != 4 { // Sep, Oct, Nov, Dec 2026
		t.Fatalf("monthly=12: %d kept", n)
	}
	for _, want := range []Retention{DefaultRetention, DefaultWalrusRetention, {}, {Hourly: 3}} {
		r, err := ParseRetention(want.String())
		if err != nil || r != want {
			t.Fatalf("round trip of %s: %+v %v", want, r, err)
		}
	}
	for _, bad := range []string{"", "all", "all=x", "daily=-1", "yearly=3", "daily=2,weekly"} {
		if _, err := ParseRetention(bad); err == nil {
			t.Errorf("ParseRetention(%q) accepted", bad)
		}
	}
	if r, err := ParseRetention("latest"); err != nil || r != (Retention{}) {
		t.Fatalf("latest: %+v %v", r, err)
	}
	if r, err := ParseRetention("all=2d,weekly=3"); err != nil || r != (Retention{All: 48 * time.Hour, Weekly: 3}) {
		t.Fatalf("all=2d,weekly=3: %+v %v", r, err)
	}
}

// TestCommitTreeCheck: the Check hook stops a commit with its error, and
// a head it returns (a commit this data directory made but did not
// record) becomes the parent, with the next sequence number.
func TestCommitTreeCheck(t *testing.T) {
	master := seal.Key{5}
	keys := tree.DeriveKeys(master)
	var head *TreeHead
	var refuse error
	e := newEnv(t, envOptions{Chunk: cryptChunk, Tweak: func(o *Options) {
		o.Crypt = NewCrypt(master)
		o.Tree = &TreeOptions{Keys: keys, Volume: [16]byte{3}, StatePath: filepath.Join(t.TempDir(), "tree.json"),
			Check: func(_ context.Context, seq uint64) (*TreeHead, error) { return head, refuse }}
		o.RepackThreshold = -1
	}})
	e.create("a", []byte("a"))
	refuse = errors.New("another writer")
	if _, err := e.fs.CommitTree(ctxb); !errors.Is(err, refuse) {
		t.Fatalf("refused commit: %v", err)
	}
	if _, ok, _ := e.fs.LastTreeCommit(); ok {
		t.Fatal("a refused commit was recorded")
	}
	refuse = nil
	lost := tree.Loc{Blob: blobid.ID{7}, Off: 1, Len: 100}
	head = &TreeHead{Seq: 4, Loc: lost}
	c, err := e.fs.CommitTree(ctxb)
	if err != nil || c.Seq != 5 {
		t.Fatalf("commit on a lost head: %+v %v", c, err)
	}
	rc, err := tree.NewReader(memFetch{e}, nil).Commit(ctxb, c.Loc, keys.Commit)
	if err != nil || rc.Seq != 5 || rc.Parent == nil || *rc.Parent != lost {
		t.Fatalf("stored commit %+v %v", rc, err)
	}
}

// TestCommitRidesInPack: when the last upload is a pack of small files,
// the commit (new nodes and record) is stored in that pack: no blob of
// its own; its files' chunks are relative in the nodes, and a restore
// from the commit reads them back. A large commit or a pack with other
// uploads pending gets a blob of its own.
func TestCommitRidesInPack(t *testing.T) {
	master := seal.Key{6}
	keys := tree.DeriveKeys(master)
	e := newEnv(t, envOptions{Chunk: cryptChunk, Tweak: func(o *Options) {
		o.Crypt = NewCrypt(master)
		o.Tree = &TreeOptions{Keys: keys, Volume: [16]byte{6}, StatePath: filepath.Join(t.TempDir(), "tree.json")}
		o.RepackThreshold = -1
		o.PackDelay = time.Hour // packs go when Sync hurries them
	}})
	want := map[string][]byte{}
	for i := range 5 {
		name := fmt.Sprintf("note%d.txt", i)
		want[name] = randBytes(1000+i, uint64(i))
		e.create(name, want[name])
	}
	before := countBlobs(t, e)
	c, err := e.fs.CommitTree(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	if got := countBlobs(t, e) - before; got != 1 {
		t.Fatalf("%d blobs stored for 5 small files and a commit, want 1 (the pack)", got)
	}
	a, err := e.fs.Lookup(ctxb, index.RootIno, "note0.txt")
	if err != nil {
		t.Fatal(err)
	}
	if b := e.state(a.Ino).Blobs; len(b) != 1 || b[0] != c.Loc.Blob {
		t.Fatalf("commit in %s, files in %v", c.Loc.Blob, b)
	}
	r := tree.NewReader(memFetch{e}, nil)
	rc, err := r.Commit(ctxb, c.Loc, keys.Commit)
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Node(ctxb, rc.Root, keys.Root)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range n.Entries {
		if len(en.Chunks) != 1 || en.Chunks[0].Blob != c.Loc.Blob {
			t.Fatalf("%s: chunks %+v, want one in the commit's blob", en.Name, en.Chunks)
		}
		got, err := tree.ReadChunk(ctxb, memFetch{e}, en.Chunks[0], 0, int64(en.Size))
		if err != nil || !bytes.Equal(got, want[en.Name]) {
			t.Fatalf("%s read back from the commit: %v", en.Name, err)
		}
	}
	// Nothing changed: no new commit, no new blob.
	again, err := e.fs.CommitTree(ctxb)
	if err != nil || again.Seq != c.Seq || countBlobs(t, e) != before+1 {
		t.Fatalf("second commit with no change: %+v %v", again, err)
	}
}

func countBlobs(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	if err := e.mem.List(ctxb, func(blobstore.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
