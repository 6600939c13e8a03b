package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	bolt "go.etcd.io/bbolt"
)

// openAt opens path with NoSync and registers nothing: for tests that close
// and reopen. checkClose runs Check and closes.
func openAt(t *testing.T, path string, o *Options) *Index {
	t.Helper()
	var opt Options
	if o != nil {
		opt = *o
	}
	opt.NoSync = true
	x, err := Open(path, &opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return x
}

func checkClose(t *testing.T, x *Index) {
	t.Helper()
	if err := x.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	x := TestIndex(t)
	start := time.Now()
	_, err := Open(x.Path(), &Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), x.Path()) {
		t.Fatalf("second Open = %v, want ErrLocked naming the path", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second Open took %v", d)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	uid, gid := uint32(4242), uint32(4343)
	x := openAt(t, path, &Options{ChunkSize: 64, RootUID: &uid, RootGID: &gid})
	ctx := t.Context()
	if root := attr(t, x, RootIno); root.Uid != uid || root.Gid != gid || root.Mode != 0o755 {
		t.Fatalf("root = %+v", root)
	}
	d := mk(t, x, RootIno, "d", TypeDir)
	f := mk(t, x, d.Ino, "f", TypeFile)
	mk(t, x, d.Ino, "l", TypeSymlink)
	stage(t, x, f.Ino, map[uint64]uint64{0: 64, 1: 3})
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 64}})
	if err := x.SetXattr(ctx, f.Ino, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	snapshot := func(x *Index) string {
		var b strings.Builder
		for _, ino := range []uint64{RootIno, d.Ino, f.Ino, f.Ino + 1} {
			a := attr(t, x, ino)
			fmt.Fprintf(&b, "%+v\n", a)
		}
		m, _ := x.Chunks(ctx, f.Ino)
		v, _ := x.GetXattr(ctx, f.Ino, "user.k")
		q, _ := x.UploadQueue(ctx)
		st, _ := x.Stats(ctx)
		fmt.Fprintf(&b, "%v %s %v %+v %s", m, v, q, st, names(t, x, d.Ino))
		return b.String()
	}
	before := snapshot(x)
	checkClose(t, x)

	x = openAt(t, path, &Options{ChunkSize: 128}) // options for new files only
	defer checkClose(t, x)
	if after := snapshot(x); after != before {
		t.Fatalf("after reopen:\n%s\nbefore:\n%s", after, before)
	}
	// Inode numbers are never reused, and new files get the new chunk size.
	g := mk(t, x, RootIno, "g", TypeFile)
	if g.Ino != f.Ino+2 || g.ChunkSize != 128 {
		t.Fatalf("new file after reopen: %+v", g)
	}
}

func TestCrashLeavesOrphans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{ChunkSize: 10})
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 10})
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(5), Length: 10}})
	if r, err := x.Unlink(t.Context(), RootIno, "f"); err != nil || !r.Orphaned {
		t.Fatalf("Unlink = %+v, %v", r, err)
	}
	// "Crash": the handle is never closed, DropOrphan never called.
	checkClose(t, x)

	x = openAt(t, path, nil)
	defer checkClose(t, x)
	o, err := x.Orphans(t.Context())
	if err != nil || !reflect.DeepEqual(o, []uint64{f.Ino}) {
		t.Fatalf("Orphans after restart = %v, %v", o, err)
	}
	released, err := x.DropOrphan(t.Context(), f.Ino)
	if err != nil || len(released) != 1 || released[0].Blob != blob(5) {
		t.Fatalf("DropOrphan = %v, %v", released, err)
	}
	if exp, _ := x.ExpiredBlobs(t.Context(), 0); !reflect.DeepEqual(exp, []blobid.ID{blob(5)}) {
		t.Fatalf("ExpiredBlobs = %v", exp)
	}
}

func TestUploadQueueSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{ChunkSize: 10})
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 10})
	if _, err := x.BeginUpload(t.Context(), f.Ino); err != nil {
		t.Fatal(err)
	}
	checkClose(t, x) // crash mid-upload
	x = openAt(t, path, nil)
	defer checkClose(t, x)
	if q, _ := x.UploadQueue(t.Context()); !reflect.DeepEqual(q, []uint64{f.Ino}) {
		t.Fatalf("UploadQueue after restart = %v", q)
	}
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 10}})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	checkClose(t, openAt(t, path, nil))
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaVersion, u64(schemaVersion+1)) })
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(path, nil)
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("Open newer schema = %v", err)
	}
}

func TestOpenGarbageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not bbolt"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(garbage) = %v, want ErrCorrupt", err)
	}
}

func TestCanceledContext(t *testing.T) {
	x := TestIndex(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := x.Create(ctx, RootIno, "f", NewNode{Type: TypeFile}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with canceled ctx = %v", err)
	}
	if _, err := x.Lookup(ctx, RootIno, "f"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lookup with canceled ctx = %v", err)
	}
	if _, err := x.Lookup(t.Context(), RootIno, "f"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("canceled Create left an entry: %v", err)
	}
}

// TestCheckDetectsCorruption breaks each invariant behind the API's back.
func TestCheckDetectsCorruption(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(tx *bolt.Tx, f Attr) error
	}{
		{"dangling dirent", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketDirents).Put(pairKey(RootIno, "ghost"), direntValue(777, TypeFile))
		}},
		{"wrong refcount", func(tx *bolt.Tx, f Attr) error {
			b := blob(1)
			return tx.Bucket(bucketRefs).Put(b[:], u64(5))
		}},
		{"nlink", func(tx *bolt.Tx, f Attr) error {
			f.Nlink = 3
			return tx.Bucket(bucketInodes).Put(inoKey(f.Ino), encodeInode(&f))
		}},
		{"linked orphan", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketOrphans).Put(inoKey(f.Ino), u64(0))
		}},
		{"chunk past size", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketChunks).Put(chunkKey(f.Ino, 9), encodeChunk(ChunkState{Kind: ChunkStaged, Len: 1}))
		}},
		{"bytes counter", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketMeta).Put(metaBytes, u64(1))
		}},
		{"garbage inode", func(tx *bolt.Tx, f Attr) error {
			return tx.Bucket(bucketInodes).Put(inoKey(f.Ino), []byte{1, 2, 3})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.db")
			x := openAt(t, path, &Options{ChunkSize: 10})
			f := mk(t, x, RootIno, "f", TypeFile)
			stage(t, x, f.Ino, map[uint64]uint64{0: 10})
			upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 10}})
			if err := x.Check(t.Context()); err != nil {
				t.Fatalf("Check before: %v", err)
			}
			f = attr(t, x, f.Ino)
			if err := x.rawUpdate(func(tx *bolt.Tx) error { return tc.corrupt(tx, f) }); err != nil {
				t.Fatal(err)
			}
			err := x.Check(t.Context())
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Check after %s = %v", tc.name, err)
			}
			t.Logf("%v", err)
			if tc.name == "dangling dirent" {
				if _, err := x.Lookup(t.Context(), RootIno, "ghost"); !errors.Is(err, ErrCorrupt) {
					t.Errorf("Lookup of dangling entry = %v, want ErrCorrupt (never ErrNotFound)", err)
				}
			}
			x.Close()
		})
	}
}

// TestConcurrent hammers one index from many goroutines (run with -race);
// the cleanup Check proves the result is consistent.
func TestConcurrent(t *testing.T) {
	x := TestIndexWith(t, &Options{ChunkSize: 16})
	ctx := t.Context()
	shared := mk(t, x, RootIno, "shared", TypeDir)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 16 {
		wg.Go(func() {
			err := func() error {
				d, err := x.Mkdir(ctx, RootIno, fmt.Sprintf("w%d", w), 0o755, 0, 0)
				if err != nil {
					return err
				}
				for i := range 20 {
					name := fmt.Sprintf("f%d", i)
					f, err := x.Create(ctx, d.Ino, name, NewNode{Type: TypeFile})
					if err != nil {
						return err
					}
					if _, err := x.SetChunkStaged(ctx, f.Ino, 0, 16); err != nil {
						return err
					}
					if u, err := x.BeginUpload(ctx, f.Ino); err != nil {
						return err
					} else if err := x.CommitUpload(ctx, f.Ino, u.Generation, map[uint64]Extent{0: {Blob: blob(byte(i + 1)), Length: 16}}); err != nil {
						return err
					}
					// Everyone races for the same names in the shared directory.
					_, err = x.Rename(ctx, d.Ino, name, shared.Ino, fmt.Sprintf("s%d", i%5), 0)
					if err != nil {
						return err
					}
					if _, err := x.ReadDir(ctx, shared.Ino, "", 3); err != nil {
						return err
					}
					if i%3 == 0 {
						r, err := x.Unlink(ctx, shared.Ino, fmt.Sprintf("s%d", i%5))
						if err != nil && !errors.Is(err, ErrNotFound) {
							return err
						}
						if r.Orphaned {
							if _, err := x.DropOrphan(ctx, r.Ino); err != nil {
								return err
							}
						}
					}
				}
				return nil
			}()
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Replaced files of the renames are orphans nobody holds: drop them.
	o, err := x.Orphans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ino := range o {
		if _, err := x.DropOrphan(ctx, ino); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := x.DirCount(ctx, shared.Ino); n > 5 {
		t.Fatalf("shared has %d entries", n)
	}
}
