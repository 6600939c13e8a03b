package vfs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

// TestGCForget: with a store that is a blobstore.Forgetter (a back end that cannot delete, like
// Walrus without a Sui signer) the collector calls Forget, never Delete,
// and the blob leaves the deletion list instead of failing forever.
func TestGCForget(t *testing.T) {
	var mu sync.Mutex
	var forgot []blobid.ID
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.GCGrace = time.Minute },
		Wrap: func(s blobstore.Store) blobstore.Store {
			return forgetStore{Store: s, forget: func(_ context.Context, id blobid.ID) error {
				mu.Lock()
				defer mu.Unlock()
				forgot = append(forgot, id)
				return nil
			}}
		}})
	a := e.create("f", randBytes(testChunk, 3))
	e.sync()
	blobs := e.state(a.Ino).Blobs
	if err := e.fs.Unlink(ctxb, index.RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "inode dropped", func() bool { _, err := e.idx.GetAttr(ctxb, a.Ino); return err != nil })
	e.clock.Advance(2 * time.Minute)
	if n, err := e.fs.CollectGarbage(ctxb); err != nil || n != len(blobs) {
		t.Fatalf("collected %d of %d: %v", n, len(blobs), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(forgot) != len(blobs) || forgot[0] != blobs[0] {
		t.Fatalf("forgot %v, want %v", forgot, blobs)
	}
	if _, err := e.mem.Stat(ctxb, forgot[0]); err != nil {
		t.Fatalf("Delete was called: %v", err)
	}
	if st, _ := e.idx.Stats(ctxb); st.DeadBlobs != 0 {
		t.Fatalf("dead blobs left: %d", st.DeadBlobs)
	}
}

// TestEndEpochXattr: user.walrus.end_epoch is computed from the store's
// EndEpoch (blobstore.EpochReporter; "none" with no stored chunk,
// "unknown" if a blob's epoch is unknown), listed, read-only, and absent
// on a store without epochs.
func TestEndEpochXattr(t *testing.T) {
	known := true
	e := newEnv(t, envOptions{Wrap: func(s blobstore.Store) blobstore.Store {
		return epochStore{Store: s, endEpoch: func(ids []blobid.ID) (uint32, bool) { return 77, known && len(ids) > 0 }}
	}})
	a := e.create("f", randBytes(testChunk, 4))
	e.sync()
	get := func() string {
		v, err := e.fs.GetXattr(ctxb, a.Ino, XattrEndEpoch)
		if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}
	if got := get(); got != "77" {
		t.Fatalf("end_epoch %q", got)
	}
	known = false
	if got := get(); got != "unknown" {
		t.Fatalf("end_epoch %q", got)
	}
	names, err := e.fs.ListXattr(ctxb, a.Ino)
	if err != nil || names[len(names)-1] != XattrEndEpoch {
		t.Fatalf("listed %v %v", names, err)
	}
	if err := e.fs.SetXattr(ctxb, a.Ino, XattrEndEpoch, []byte("1"), 0); err == nil {
		t.Fatal("end_epoch is writable")
	}
	b := e.create("empty", nil)
	if v, err := e.fs.GetXattr(ctxb, b.Ino, XattrEndEpoch); err != nil || string(v) != "none" {
		t.Fatalf("empty file: %q %v", v, err)
	}
	plain := newEnv(t, envOptions{})
	c := plain.create("g", []byte("x"))
	if _, err := plain.fs.GetXattr(ctxb, c.Ino, XattrEndEpoch); err == nil {
		t.Fatal("end_epoch present without epochs")
	}
}
