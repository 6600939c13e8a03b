package vfs

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/index"
)

// fakeNanos is a settable clock for activity.now.
type fakeNanos struct{ t atomic.Int64 }

func (c *fakeNanos) now() int64 { return c.t.Load() }

// sleep is a fake sleepCtx: it only advances the clock.
func (c *fakeNanos) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.t.Add(int64(d))
	return nil
}

func newFakeNanos() *fakeNanos {
	c := &fakeNanos{}
	c.t.Store(int64(time.Hour))
	return c
}

// fakeThrottle is an uploadThrottle over a fake clock and sleep.
func fakeThrottle() (*uploadThrottle, *fakeNanos, *atomic.Int64) {
	clk := newFakeNanos()
	urgent := &atomic.Int64{}
	th := &uploadThrottle{act: &activity{now: clk.now}, urgent: urgent, sleep: clk.sleep}
	return th, clk, urgent
}

// TestThrottleYield: Yield pauses while a request is in flight (at most
// throttleMaxPause, then lets one unit of work through, one per
// throttleMaxPause across callers) and for
// throttleQuiet after the last one ended, never while a waiter is
// urgent, and not at all on an idle mount.
func TestThrottleYield(t *testing.T) {
	th, clk, urgent := fakeThrottle()
	yield := func() int64 {
		t.Helper()
		before := th.pauses.Load()
		if err := th.Yield(ctxb); err != nil {
			t.Fatal(err)
		}
		return th.pauses.Load() - before
	}
	if n := yield(); n != 0 {
		t.Fatalf("idle mount: %d pauses", n)
	}
	if th.Workers() != 1 {
		t.Fatalf("background Workers %d, want 1", th.Workers())
	}

	th.act.begin()
	if n, want := yield(), int64(throttleMaxPause/throttleStep); n != want {
		t.Fatalf("request in flight: %d pauses, want %d (the bound)", n, want)
	}
	// The bound is shared: a caller that began pausing 200 ms before
	// another one was let through (the clock is set back to its start)
	// waits until throttleMaxPause after that pass, not after its own
	// start.
	clk.t.Add(-int64(200 * time.Millisecond))
	if n, want := yield(), int64((throttleMaxPause+200*time.Millisecond)/throttleStep); n != want {
		t.Fatalf("request in flight, another caller let through 200 ms after this one began: %d pauses, want %d", n, want)
	}
	urgent.Add(1)
	if n := yield(); n != 0 {
		t.Fatalf("request in flight, Sync waiting: %d pauses, want none", n)
	}
	if th.Workers() > 0 {
		t.Fatalf("Sync waiting: Workers %d, want the store's default", th.Workers())
	}
	urgent.Add(-1)

	th.act.end()
	if n, want := yield(), int64(throttleQuiet/throttleStep); n != want {
		t.Fatalf("request just ended: %d pauses, want %d (until quiet)", n, want)
	}
	if n := yield(); n != 0 {
		t.Fatalf("quiet again: %d pauses", n)
	}

	th.act.begin()
	ctx, cancel := context.WithCancel(ctxb)
	cancel()
	if err := th.Yield(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while pausing: %v", err)
	}
}

// throttleStore records, for each Put, whether ctx carried a Throttle,
// the Workers it gave, how many pauses the Yields of the Put took, and how
// many Puts ran at once.
type throttleStore struct {
	blobstore.Store
	th      *uploadThrottle // to read pause counts
	onYield func(i int)     // called before each of the 5 Yields of a Put

	mu      sync.Mutex
	puts    []putRecord
	running int
	maxRun  int
}

type putRecord struct {
	throttled bool
	workers   int
	pauses    int64
}

func (s *throttleStore) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	s.mu.Lock()
	s.running++
	s.maxRun = max(s.maxRun, s.running)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}()
	var rec putRecord
	if th := blobstore.ThrottleFrom(ctx); th != nil {
		rec.throttled, rec.workers = true, th.Workers()
		before := s.th.pauses.Load()
		for i := range 5 {
			if s.onYield != nil {
				s.onYield(i)
			}
			if err := th.Yield(ctx); err != nil {
				return blobstore.Info{}, err
			}
		}
		rec.pauses = s.th.pauses.Load() - before
	}
	time.Sleep(2 * time.Millisecond) // long enough for two workers to overlap
	s.mu.Lock()
	s.puts = append(s.puts, rec)
	s.mu.Unlock()
	return s.Store.Put(ctx, data)
}

func (s *throttleStore) records() []putRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]putRecord(nil), s.puts...)
}

// newThrottleEnv is an FS over a throttleStore whose uploader uses a fake
// clock and sleep, with delay as UploadDelay. Not started.
func newThrottleEnv(t *testing.T, delay time.Duration) (*FS, *throttleStore, *fakeNanos) {
	t.Helper()
	idx := index.TestIndexWith(t, &index.Options{ChunkSize: testChunk})
	ms, err := mem.New(100)
	if err != nil {
		t.Fatal(err)
	}
	st := &throttleStore{Store: ms}
	f, err := New(ctxb, idx, st, &Options{StagingDir: filepath.Join(t.TempDir(), "staging"), UploadDelay: delay,
		UploadWorkers: 2, PackThreshold: 1024, PackDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeNanos()
	f.up.act.now, f.up.th.sleep = clk.now, clk.sleep
	st.th = f.up.th
	t.Cleanup(func() { _ = f.Close(time.Second) })
	return f, st, clk
}

// writeTestFile creates name in the root with size bytes and closes it.
func writeTestFile(t *testing.T, f *FS, name string, size int) uint64 {
	t.Helper()
	a, h, err := f.Create(ctxb, index.RootIno, name, syscall.O_RDWR, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, make([]byte, size), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(ctxb); err != nil {
		t.Fatal(err)
	}
	h.Release(ctxb)
	return a.Ino
}

// TestUploadsYieldToForeground: a background upload's Puts carry the
// throttle with one worker and pause while a FUSE request is in flight,
// going on once it ends; background Puts run one at a time.
func TestUploadsYieldToForeground(t *testing.T) {
	f, st, clk := newThrottleEnv(t, -1)
	// A request is in flight from the start; the store ends it at the
	// third Yield of the first Put (and the fake clock moves past the
	// quiet time).
	f.up.act.begin()
	var once sync.Once
	st.onYield = func(i int) {
		if i == 2 {
			once.Do(func() {
				f.up.act.end()
				clk.t.Add(int64(time.Second))
			})
		}
	}
	if err := f.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		writeTestFile(t, f, name, 3*testChunk)
	}
	eventually(t, "9 chunks stored", func() bool { return len(st.records()) == 9 })
	recs := st.records()
	for i, r := range recs {
		if !r.throttled || r.workers != 1 {
			t.Fatalf("background Put %d: %+v, want throttled with 1 worker", i, r)
		}
	}
	if recs[0].pauses < 2*int64(throttleMaxPause/throttleStep) {
		t.Errorf("first Put paused %d steps while a request was in flight (two Yields), want >= %d", recs[0].pauses, 2*int64(throttleMaxPause/throttleStep))
	}
	for i, r := range recs[1:] {
		if r.pauses != 0 {
			t.Errorf("Put %d paused %d steps on a quiet mount", i+1, r.pauses)
		}
	}
	st.mu.Lock()
	maxRun := st.maxRun
	st.mu.Unlock()
	if maxRun != 1 {
		t.Errorf("%d background Puts ran at once, want 1", maxRun)
	}
}

// TestSyncUploadsUnthrottled: while Sync waits, uploads neither pause for
// a request in flight nor lose workers (the file is only uploaded because
// Sync forces it: UploadDelay is an hour).
func TestSyncUploadsUnthrottled(t *testing.T) {
	f, st, _ := newThrottleEnv(t, time.Hour)
	if err := f.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	ino := writeTestFile(t, f, "big", 3*testChunk)
	f.up.act.begin() // and never ends
	ctx, cancel := context.WithTimeout(ctxb, 30*time.Second)
	defer cancel()
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	recs := st.records()
	if len(recs) != 3 {
		t.Fatalf("%d Puts, want 3", len(recs))
	}
	for i, r := range recs {
		if !r.throttled || r.workers != 0 || r.pauses != 0 {
			t.Errorf("Put %d under Sync: %+v, want throttle lifted (workers 0, no pauses)", i, r)
		}
	}
	fs, err := f.idx.FileState(ctxb, ino)
	if err != nil || fs.State != index.UploadStored {
		t.Fatalf("after Sync: %+v %v", fs, err)
	}
}
