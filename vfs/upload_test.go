package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
)

// TestPackSmallFiles: many small files end up in few pack blobs, each file
// reads back, and a big file gets blobs of its own.
func TestPackSmallFiles(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.PackMax = 64 << 10; o.PackDelay = time.Second }})
	const n = 200
	inos := make([]uint64, n)
	for i := range n {
		inos[i] = e.create(fmt.Sprintf("small%03d", i), randBytes(1000+i, uint64(i))).Ino
	}
	e.sync()
	packs := map[blobid.ID]int{}
	for _, ino := range inos {
		s := e.state(ino)
		if s.State != index.UploadStored || len(s.Blobs) != 1 {
			t.Fatalf("inode %d: %+v", ino, s)
		}
		packs[s.Blobs[0]]++
	}
	// ~260 KB of data in packs of >= 64 KiB: at most 5 packs.
	if len(packs) > 5 {
		t.Errorf("%d files went to %d blobs, want packs", n, len(packs))
	}
	for i, ino := range inos {
		if !bytes.Equal(e.read(ino), randBytes(1000+i, uint64(i))) {
			t.Fatalf("file %d differs", i)
		}
	}
	big := e.create("big", randBytes(3*testChunk, 99))
	e.sync()
	if s := e.state(big.Ino); len(s.Blobs) != 3 {
		t.Errorf("big file: %d blobs, want 3 (one per chunk)", len(s.Blobs))
	}
}

// TestGenerationConflict: a write during an upload makes its commit stale;
// the file is uploaded again and the newest bytes win.
func TestGenerationConflict(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.store.mu.Lock()
	e.store.gate, e.store.entered = make(chan struct{}), make(chan struct{}, 1)
	e.store.mu.Unlock()
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := randBytes(2*testChunk, 5)
	if _, err := h.WriteAt(ctxb, data, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Fsync(ctxb); err != nil { // forces the upload while open
		t.Fatal(err)
	}
	<-e.store.entered // the upload is inside Put
	if _, err := h.WriteAt(ctxb, []byte("NEW"), 10); err != nil {
		t.Fatal(err)
	}
	copy(data[10:], "NEW")
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	h.Release(ctxb)
	e.store.mu.Lock()
	close(e.store.gate)
	e.store.gate = nil
	e.store.mu.Unlock()
	e.sync()
	if !bytes.Equal(e.read(a.Ino), data) {
		t.Fatal("content after conflicting upload differs")
	}
	if s := e.state(a.Ino); s.State != index.UploadStored {
		t.Fatalf("state %+v", s)
	}
}

// TestDeleteDuringUpload: a file deleted while its chunks are being
// stored stops after the chunk in flight, and Sync does not wait for that
// upload (the file is no longer in the queue).
func TestDeleteDuringUpload(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.store.mu.Lock()
	e.store.gate, e.store.entered = make(chan struct{}), make(chan struct{}, 1)
	e.store.mu.Unlock()
	openGate := func() {
		e.store.mu.Lock()
		if e.store.gate != nil {
			close(e.store.gate)
			e.store.gate = nil
		}
		e.store.mu.Unlock()
	}
	t.Cleanup(openGate) // before the FS closes, even if the test fails
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, randBytes(4*testChunk, 8), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Fsync(ctxb); err != nil { // forces the upload
		t.Fatal(err)
	}
	h.Release(ctxb)
	<-e.store.entered // chunk 0 is inside Put
	if err := e.fs.Unlink(ctxb, index.RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctxb, 5*time.Second)
	defer cancel()
	if err := e.fs.Sync(ctx); err != nil {
		t.Fatalf("sync with only a deleted file's upload running: %v", err)
	}
	openGate()
	e.waitUploaderIdle()
	if n := e.store.puts.Load(); n != 1 {
		t.Fatalf("%d chunks stored for a file deleted during its first chunk's upload, want 1", n)
	}
	eventually(t, "deleted file and its staging file gone", func() bool {
		_, err := e.idx.GetAttr(ctxb, a.Ino)
		_, serr := os.Stat(e.fs.stagingPath(a.Ino))
		return errors.Is(err, index.ErrNotFound) && errors.Is(serr, os.ErrNotExist)
	})
}

// TestUploadFailureRetry: store failures are recorded (status, xattr),
// retried with backoff, and cleared by the success.
func TestUploadFailureRetry(t *testing.T) {
	e := newEnv(t, envOptions{})
	// The store fails until the test has seen Sync report it: with a
	// fixed number of failures, a slow machine could let the retries
	// succeed before Sync looks.
	e.store.failPuts.Store(1 << 30)
	a := e.create("f", []byte("data"))
	ctx, cancel := context.WithTimeout(ctxb, 10*time.Second)
	defer cancel()
	if err := e.fs.Sync(ctx); err == nil {
		t.Fatal("sync succeeded with a failing store")
	}
	st, _ := e.idx.Stats(ctxb)
	if len(st.Failures) != 1 || st.Failures[0].Ino != a.Ino {
		t.Fatalf("failures %+v", st.Failures)
	}
	e.store.failPuts.Store(0)
	eventually(t, "upload retried until it succeeds", func() bool {
		return e.state(a.Ino).State == index.UploadStored
	})
	st, _ = e.idx.Stats(ctxb)
	if len(st.Failures) != 0 || st.PendingFiles != 0 {
		t.Fatalf("after success: %+v", st)
	}
}

// TestGCAfterGrace: the blob of a deleted file is deleted from the store
// only after the grace period (injected clock).
func TestGCAfterGrace(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.GCGrace = 10 * time.Minute }})
	a := e.create("f", randBytes(2*testChunk, 1))
	e.sync()
	blobs := e.state(a.Ino).Blobs
	if len(blobs) != 2 {
		t.Fatalf("blobs %v", blobs)
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "inode dropped", func() bool { _, err := e.idx.GetAttr(ctxb, a.Ino); return err != nil })
	e.clock.Advance(9 * time.Minute)
	if n, err := e.fs.CollectGarbage(ctxb); err != nil || n != 0 {
		t.Fatalf("before grace: %d, %v", n, err)
	}
	e.clock.Advance(2 * time.Minute)
	if n, err := e.fs.CollectGarbage(ctxb); err != nil || n != 2 {
		t.Fatalf("after grace: %d, %v", n, err)
	}
	for _, id := range blobs {
		if _, err := e.mem.Stat(ctxb, id); err == nil {
			t.Errorf("blob %v still in the store", id)
		}
	}
	if st, _ := e.idx.Stats(ctxb); st.DeadBlobs != 0 || st.Blobs != 0 {
		t.Fatalf("stats after gc %+v", st)
	}
}

// TestRestartResumesUploads: a closed file whose upload never ran (daemon
// killed) is uploaded after a restart; an orphan left open is dropped.
func TestRestartResumesUploads(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true}) // uploader never started: "killed" before uploading
	data := randBytes(testChunk+5, 2)
	a := e.create("f", data)
	orphan := e.create("gone", []byte("x"))
	h, err := e.fs.Open(ctxb, orphan.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, "gone"); err != nil {
		t.Fatal(err)
	}
	_ = h // never released: the process "dies" with it open
	f2, err := New(ctxb, e.idx, e.store, &Options{StagingDir: filepath.Join(e.dir, "staging")})
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close(time.Second)
	if _, err := e.idx.GetAttr(ctxb, orphan.Ino); err == nil {
		t.Fatal("orphan left by the crash was not dropped")
	}
	if err := f2.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctxb, 10*time.Second)
	defer cancel()
	if err := f2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if s := e.state(a.Ino); s.State != index.UploadStored {
		t.Fatalf("after restart: %+v", s)
	}
	h2, err := f2.Open(ctxb, a.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Release(ctxb)
	got := make([]byte, len(data))
	if n, err := h2.ReadAt(ctxb, got, 0); err != nil || n != len(data) || !bytes.Equal(got, data) {
		t.Fatalf("read after restart: %d %v", n, err)
	}
}

// TestUnreadableBlobIsEIO: a stored chunk whose blob is gone reads as EIO,
// never ENOENT or zeros.
func TestUnreadableBlobIsEIO(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.create("f", randBytes(testChunk, 4))
	e.sync()
	for _, id := range e.state(a.Ino).Blobs {
		if err := e.mem.Delete(ctxb, id); err != nil {
			t.Fatal(err)
		}
	}
	h, err := e.fs.Open(ctxb, a.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	_, err = h.ReadAt(ctxb, make([]byte, 10), 0)
	if be := (*BlobError)(nil); !errors.As(err, &be) {
		t.Fatalf("read of a lost blob: %v, want a BlobError", err)
	}
}

// TestUploadDelay: a closed file waits UploadDelay before its upload, a
// file closed again meanwhile waits again, and sync does not wait.
func TestUploadDelay(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.UploadDelay = 1500 * time.Millisecond }})
	a := e.create("late", []byte("uploaded after a pause"))
	time.Sleep(100 * time.Millisecond)
	if s := e.state(a.Ino); s.State != index.UploadStaged {
		t.Fatalf("upload started before the delay: %+v", s)
	}
	eventually(t, "upload after the delay", func() bool { return e.state(a.Ino).State == index.UploadStored })
	b := e.create("forced", []byte("synced at once"))
	start := time.Now()
	e.sync()
	if s := e.state(b.Ino); s.State != index.UploadStored {
		t.Fatalf("after sync: %+v", s)
	}
	t.Logf("sync took %v", time.Since(start))
}

// TestStatusNamesFailedFiles: a failed upload is recorded with its inode,
// whose path the index can give (walrusfs status shows the path).
func TestStatusNamesFailedFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.store.failPuts.Store(1 << 30)
	d, err := e.fs.Mknod(ctxb, index.RootIno, "photos", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	if err != nil {
		t.Fatal(err)
	}
	a, h, err := e.fs.Create(ctxb, d.Ino, "cat.png", 0o2, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, []byte("png"), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	h.Release(ctxb)
	ctx, cancel := context.WithTimeout(ctxb, 10*time.Second)
	defer cancel()
	if err := e.fs.Sync(ctx); err == nil {
		t.Fatal("sync succeeded with a failing store")
	}
	s, err := e.idx.Stats(ctxb)
	if err != nil || len(s.Failures) != 1 || s.Failures[0].Ino != a.Ino {
		t.Fatalf("status failures %+v, %v", s.Failures, err)
	}
	if paths, err := e.idx.Paths(ctxb, []uint64{a.Ino}); err != nil || paths[a.Ino] != "photos/cat.png" {
		t.Fatalf("path of the failed file: %v, %v", paths, err)
	}
}

// TestSyncWhileOpenForWriting: Sync returns while a file it waits for is
// still open for writing, even when that file's upload went stale (a write
// landed while its blob was being stored). Such an upload is not retried
// until the writer's next close or fsync, and a writer that waits for the
// sync before closing would otherwise wait forever.
func TestSyncWhileOpenForWriting(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.store.mu.Lock()
	e.store.gate, e.store.entered = make(chan struct{}), make(chan struct{}, 1)
	e.store.mu.Unlock()
	a, h, err := e.fs.Create(ctxb, index.RootIno, "f", syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctxb)
	data := randBytes(2*testChunk, 9)
	if _, err := h.WriteAt(ctxb, data, 0); err != nil {
		t.Fatal(err)
	}
	// Queued, but not uploaded while open for writing.
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	e.waitUploaderIdle()
	ctx, cancel := context.WithTimeout(ctxb, 10*time.Second)
	defer cancel()
	synced := make(chan error, 1)
	go func() { synced <- e.fs.Sync(ctx) }() // forces the upload
	<-e.store.entered                        // the upload is inside Put
	// Makes the upload in flight stale; the handle stays open.
	if _, err := h.WriteAt(ctxb, []byte("NEW"), 10); err != nil {
		t.Fatal(err)
	}
	copy(data[10:], "NEW")
	e.store.mu.Lock()
	close(e.store.gate)
	e.store.gate = nil
	e.store.mu.Unlock()
	if err := <-synced; err != nil {
		t.Fatalf("sync with the file open for writing: %v", err)
	}
	if s := e.state(a.Ino); s.State != index.UploadStored {
		t.Fatalf("state after sync %+v", s)
	}
	got := make([]byte, len(data)+1)
	if n, err := h.ReadAt(ctxb, got, 0); err != nil || !bytes.Equal(got[:n], data) {
		t.Fatalf("content after sync differs (n=%d, err=%v)", n, err)
	}
}

// TestPackWaitsLongButNotForSync: with long pack delays (direct writes to
// Walrus), files wait in their pack, but walrusfs sync stores them with
// the default delays, still as few packs.
func TestPackWaitsLongButNotForSync(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.PackDelay, o.PackMaxWait = time.Hour, 2*time.Hour }})
	const n = 50
	inos := make([]uint64, n)
	for i := range n {
		inos[i] = e.create(fmt.Sprintf("small%03d", i), randBytes(500+i, uint64(i))).Ino
	}
	time.Sleep(200 * time.Millisecond)
	if s := e.state(inos[0]); s.State == index.UploadStored {
		t.Fatalf("a small file was stored without waiting for its pack: %+v", s)
	}
	start := time.Now()
	e.sync()
	if d := time.Since(start); d > DefaultPackMaxWait+5*time.Second {
		t.Fatalf("sync took %v", d)
	}
	packs := map[blobid.ID]bool{}
	for _, ino := range inos {
		s := e.state(ino)
		if s.State != index.UploadStored || len(s.Blobs) != 1 {
			t.Fatalf("inode %d: %+v", ino, s)
		}
		packs[s.Blobs[0]] = true
	}
	if len(packs) > 3 {
		t.Errorf("%d files went to %d packs after sync", n, len(packs))
	}
}
