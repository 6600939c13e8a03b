package vfs

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// fakeClock is a settable clock shared by the index and the FS.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// flakyStore wraps a Store: Put fails while failPuts > 0 (counting down)
// and blocks while gate is non-nil until it is closed.
type flakyStore struct {
	blobstore.Store
	failPuts atomic.Int32
	puts     atomic.Int32
	mu       sync.Mutex
	gate     chan struct{}
	entered  chan struct{}
}

func (s *flakyStore) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	s.puts.Add(1)
	s.mu.Lock()
	gate, entered := s.gate, s.entered
	s.mu.Unlock()
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	if s.failPuts.Add(-1) >= 0 {
		return blobstore.Info{}, errors.New("injected put failure: " + blobstore.ErrUnavailable.Error())
	}
	s.failPuts.Store(0)
	return s.Store.Put(ctx, data)
}

// Unwrap makes the optional interfaces of the wrapped store visible
// (blobstore.As).
func (s *flakyStore) Unwrap() blobstore.Store { return s.Store }

// forgetStore is a Store that is a blobstore.Forgetter.
type forgetStore struct {
	blobstore.Store
	forget func(ctx context.Context, id blobid.ID) error
}

func (s forgetStore) Forget(ctx context.Context, id blobid.ID) error { return s.forget(ctx, id) }
func (s forgetStore) Unwrap() blobstore.Store                        { return s.Store }

// epochStore is a Store that is a blobstore.EpochReporter.
type epochStore struct {
	blobstore.Store
	endEpoch func(ids []blobid.ID) (uint32, bool)
}

func (s epochStore) EndEpoch(ids []blobid.ID) (uint32, bool) { return s.endEpoch(ids) }
func (s epochStore) Unwrap() blobstore.Store                 { return s.Store }

// env is a core FS over a mem store and a test index.
type env struct {
	t     *testing.T
	fs    *FS
	idx   *index.Index
	mem   *mem.Store
	store *flakyStore
	clock *fakeClock
	dir   string
}

const testChunk = 64 << 10

// envOptions configures newEnv. The zero value is 64 KiB chunks, no
// disk cache, fast pack flushes and retries, and a started uploader.
type envOptions struct {
	Chunk   uint64         // chunk size of the index; 0 means testChunk
	Tweak   func(*Options) // adjusts the FS options before New
	NoStart bool           // leave the uploader stopped (call Start yourself)
	FSClock bool           // the FS uses the fake clock too (commit times)
	Cache   bool           // serve stored chunks through a disk cache
	// Wrap, if set, wraps the store New is given (around env.store), e.g.
	// to give it an optional interface of blobstore.
	Wrap func(blobstore.Store) blobstore.Store
}

// newEnv builds an FS over a mem store and a test index.
func newEnv(t *testing.T, eo envOptions) *env {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	chunk := eo.Chunk
	if chunk == 0 {
		chunk = testChunk
	}
	idx := index.TestIndexWith(t, &index.Options{ChunkSize: chunk, Clock: clock.Now})
	ms, err := mem.New(100)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, idx: idx, mem: ms, store: &flakyStore{Store: ms}, clock: clock, dir: t.TempDir()}
	o := &Options{StagingDir: filepath.Join(e.dir, "staging"), PackDelay: 20 * time.Millisecond, UploadDelay: -1,
		RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, PackThreshold: 16 << 10}
	if eo.Cache {
		c, err := cache.New(filepath.Join(e.dir, "cache"), ms, &cache.Options{MaxBytes: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		o.Cache = c
	}
	if eo.FSClock {
		o.Clock = clock.Now
	}
	if eo.Tweak != nil {
		eo.Tweak(o)
	}
	var store blobstore.Store = e.store
	if eo.Wrap != nil {
		store = eo.Wrap(store)
	}
	e.fs, err = New(context.Background(), idx, store, o)
	if err != nil {
		t.Fatal(err)
	}
	if !eo.NoStart {
		if err := e.fs.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = e.fs.Close(time.Second) })
	return e
}

var ctxb = context.Background()

// create makes name in the root, writes data and closes it.
func (e *env) create(name string, data []byte) index.Attr {
	e.t.Helper()
	return e.createIn(index.RootIno, name, data)
}

// createIn makes name in directory parent, writes data and closes it.
func (e *env) createIn(parent uint64, name string, data []byte) index.Attr {
	e.t.Helper()
	a, h, err := e.fs.Create(ctxb, parent, name, 0o2 /*O_RDWR*/, 0o644, 0, 0)
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	if len(data) > 0 {
		if n, err := h.WriteAt(ctxb, data, 0); err != nil || n != len(data) {
			e.t.Fatalf("write %s: %d, %v", name, n, err)
		}
	}
	if err := h.Flush(ctxb); err != nil {
		e.t.Fatalf("flush %s: %v", name, err)
	}
	h.Release(ctxb)
	return a
}

// read returns the whole content of ino through a new handle.
func (e *env) read(ino uint64) []byte {
	e.t.Helper()
	h, err := e.fs.Open(ctxb, ino, 0)
	if err != nil {
		e.t.Fatalf("open %d: %v", ino, err)
	}
	defer h.Release(ctxb)
	a, err := e.fs.GetAttr(ctxb, ino)
	if err != nil {
		e.t.Fatal(err)
	}
	buf := make([]byte, a.Size+10)
	n, err := h.ReadAt(ctxb, buf, 0)
	if err != nil {
		e.t.Fatalf("read %d: %v", ino, err)
	}
	return buf[:n]
}

func (e *env) sync() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(ctxb, 30*time.Second)
	defer cancel()
	if err := e.fs.Sync(ctx); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
}

func (e *env) state(ino uint64) index.FileState {
	e.t.Helper()
	st, err := e.idx.FileState(ctxb, ino)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// eventually polls cond for up to 5 s (background uploads hold inode
// references for a moment).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting: %s", what)
}

// waitUploaderIdle waits until the uploader has nothing queued or running.
func (e *env) waitUploaderIdle() {
	e.t.Helper()
	u := e.fs.up
	eventually(e.t, "uploader idle", func() bool {
		u.mu.Lock()
		defer u.mu.Unlock()
		return len(u.pending) == 0 && len(u.running) == 0
	})
}
