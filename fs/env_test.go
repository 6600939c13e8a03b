package fs

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// env is a core FS over a mem store, a test index and a disk cache, for
// the adapter's tests (the core's own tests are in package vfs).
type env struct {
	t     *testing.T
	fs    *vfs.FS
	idx   *index.Index
	store blobstore.Store
	dir   string
}

const testChunk = 64 << 10

// envOptions configures newEnv. The zero value is 64 KiB chunks, fast
// pack flushes and retries, and a started uploader.
type envOptions struct {
	Chunk uint64             // chunk size of the index; 0 means testChunk
	Tweak func(*vfs.Options) // adjusts the FS options before New
}

// newEnv builds a started FS with a disk cache.
func newEnv(t *testing.T, eo envOptions) *env {
	t.Helper()
	if eo.Chunk == 0 {
		eo.Chunk = testChunk
	}
	idx := index.TestIndexWith(t, &index.Options{ChunkSize: eo.Chunk})
	ms, err := mem.New(100)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, idx: idx, store: ms, dir: t.TempDir()}
	c, err := cache.New(filepath.Join(e.dir, "cache"), ms, &cache.Options{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	o := &vfs.Options{StagingDir: filepath.Join(e.dir, "staging"), Cache: c, PackDelay: 20 * time.Millisecond, UploadDelay: -1,
		RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, PackThreshold: 16 << 10}
	if eo.Tweak != nil {
		eo.Tweak(o)
	}
	e.fs, err = vfs.New(context.Background(), idx, e.store, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.fs.Close(time.Second) })
	return e
}

var ctxb = context.Background()

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

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
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
