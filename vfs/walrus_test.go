package vfs

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/blobstore/walrus/walrustest"
	"github.com/walrusfs/walrusfs/index"
)

// newWalrusEnv is an FS over a walrus.Store (a blobstore.Forgetter, found
// through the flakyStore around it) on a fake Walrus, with fast
// retries in both the store and the uploader.
func newWalrusEnv(t *testing.T, srv *walrustest.Server) *env {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	idx := index.TestIndexWith(t, &index.Options{ChunkSize: testChunk, Clock: clock.Now})
	ws, err := walrus.New(walrus.Config{Publisher: srv.PublisherURL(), Aggregators: srv.AggregatorURLs(), NShards: srv.NShards(),
		MaxAttempts: 2, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	e := &env{t: t, idx: idx, store: &flakyStore{Store: ws}, clock: clock, dir: t.TempDir()}
	e.fs, err = New(context.Background(), idx, e.store, &Options{StagingDir: filepath.Join(e.dir, "staging"),
		PackDelay: 20 * time.Millisecond, UploadDelay: -1, RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		PackThreshold: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.fs.Close(time.Second) })
	return e
}

// TestWalrusPublisherFailures: a publisher answering 413, 504 or garbage
// leaves the file staged (readable, listed as a failure with the
// server's message), and once the publisher recovers the file is stored
// and reads back the same.
func TestWalrusPublisherFailures(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	e := newWalrusEnv(t, srv)
	for i, c := range []struct {
		fault walrustest.Fault
		msg   string
	}{{walrustest.TooLarge, "413"}, {walrustest.GatewayTimeout, "504"}, {walrustest.GarbageJSON, "publisher"}} {
		srv.FailPublisher(c.fault, 1_000_000)
		data := randBytes(3*testChunk/2, uint64(10+i)) // two chunk blobs
		name := "f" + c.msg
		a := e.create(name, data)
		ctx, cancel := context.WithTimeout(ctxb, 10*time.Second)
		err := e.fs.Sync(ctx)
		cancel()
		if err == nil {
			t.Fatalf("%s: sync succeeded", c.msg)
		}
		st, _ := e.idx.Stats(ctxb)
		if len(st.Failures) != 1 || !strings.Contains(st.Failures[0].Error, c.msg) || st.PendingFiles != 1 {
			t.Fatalf("%s: stats %+v", c.msg, st)
		}
		if s := e.state(a.Ino); s.State == index.UploadStored || len(s.Blobs) != 0 { // staged, or uploading: a retry
			t.Fatalf("%s: state %v", c.msg, s.State)
		}
		if got := e.read(a.Ino); !bytes.Equal(got, data) {
			t.Fatalf("%s: staged content differs", c.msg)
		}
		srv.FailPublisher(walrustest.None, 0)
		e.sync()
		if s := e.state(a.Ino); s.State != index.UploadStored || len(s.Blobs) != 2 {
			t.Fatalf("%s: after recovery %+v", c.msg, s)
		}
		for _, id := range e.state(a.Ino).Blobs {
			if !srv.Has(id.String()) {
				t.Fatalf("%s: blob %v not on Walrus", c.msg, id)
			}
		}
		if got := e.read(a.Ino); !bytes.Equal(got, data) {
			t.Fatalf("%s: stored content differs", c.msg)
		}
	}
}
