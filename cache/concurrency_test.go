package cache

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// 32 readers (half sequential, half random) of a blob three times the
// cap: the bytes on disk, measured by walking the directory, never exceed
// the cap, and every byte read is right.
func TestCapHoldsUnderConcurrentReaders(t *testing.T) {
	const max = 16 * testBS
	src := newFakeSource()
	src.delay.Store(int64(50 * time.Microsecond))
	id, data := src.add(3*max+777, 11)
	size := int64(len(data))
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: max, MaxReadAhead: 4 * testBS})

	stopMonitor := monitorDisk(t, c, dir)

	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			r := c.NewReader(id, size)
			defer r.Close()
			rng := rand.New(rand.NewPCG(uint64(g), 99))
			off := rng.Int64N(size)
			for range 25 {
				p := make([]byte, 1+rng.IntN(testBS))
				if g%2 == 1 {
					off = rng.Int64N(size)
				}
				n, err := r.ReadAt(context.Background(), p, off)
				if n == 0 && err != nil {
					off = 0
					continue
				}
				if !bytes.Equal(p[:n], data[off:off+int64(n)]) {
					t.Errorf("reader %d: wrong bytes at %d+%d", g, off, n)
					return
				}
				off += int64(n)
			}
		})
	}
	wg.Wait()
	stopMonitor()
	waitIdle(t, c)
	c.mu.Lock()
	n, _, tmps := diskUsage(t, dir)
	used := c.used
	var overhead int64 // accounted for blob files' headers and extent trees, which may need less
	for _, bf := range c.files {
		overhead += bf.overhead
	}
	c.mu.Unlock()
	if n > used || used-n > overhead || n > max || tmps != 0 {
		t.Fatalf("idle: disk %d, accounted %d (of which file overhead %d), cap %d, temp files %d", n, used, overhead, max, tmps)
	}
	s := c.Stats()
	t.Logf("stats: %+v", s)
	if s.Evictions == 0 {
		t.Fatal("no evictions while reading 3x the cap")
	}
}

// When every cached block is pinned, a new block is served from memory
// and not stored, rather than exceeding the cap.
func TestAllPinnedServesUncached(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(3*testBS, 12)
	size := int64(len(data))
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 2*testBS + fileOverhead(2)})
	ctx := context.Background()
	if _, err := c.ReadAt(ctx, id, size, make([]byte, 2*testBS), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	var refs []ref
	for i := range int64(2) {
		r, err := c.acquire(ctx, key{id, i}, testBS, false)
		if err != nil || r.e == nil {
			t.Fatalf("acquire %d: %v", i, err)
		}
		refs = append(refs, r)
	}
	p := make([]byte, testBS)
	if _, err := c.ReadAt(ctx, id, size, p, 2*testBS); err != nil || !bytes.Equal(p, data[2*testBS:]) {
		t.Fatal(err)
	}
	waitIdle(t, c)
	if s := c.Stats(); s.Uncached != 1 || s.Evictions != 0 || s.Blocks != 2 {
		t.Fatalf("stats %+v", s)
	}
	checkDisk(t, c, dir)
	for _, r := range refs {
		c.release(r.e)
	}
	// Unpinned now: the block is cached, evicting the coldest.
	if _, err := c.ReadAt(ctx, id, size, p, 2*testBS); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	if s := c.Stats(); s.Evictions != 1 || s.Blocks != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestSingleflight(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(4*testBS, 13)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS})
	release := src.hold()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			p := make([]byte, 1000)
			off := int64(testBS + i*100)
			if _, err := c.ReadAt(context.Background(), id, size, p, off); err != nil || !bytes.Equal(p, data[off:off+1000]) {
				t.Errorf("reader %d: %v", i, err)
			}
		})
	}
	waitFor(t, func() bool { s := c.Stats(); return s.Misses+s.Joins == 100 })
	release()
	wg.Wait()
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d Source reads for 100 concurrent readers of one block, want 1", n)
	}
	if s := c.Stats(); s.Misses != 1 || s.Joins != 99 || s.Fetches != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// A waiter whose ctx is cancelled returns at once; the fetch goes on for
// the others. When the last waiter gives up, the fetch is cancelled and a
// later read starts afresh.
func TestCancelOneWaiter(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(2*testBS, 14)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS})
	release := src.hold()

	ctxA, cancelA := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	go func() {
		_, err := c.ReadAt(ctxA, id, size, make([]byte, 10), 0)
		errA <- err
	}()
	errB := make(chan error, 1)
	pB := make([]byte, 10)
	go func() {
		_, err := c.ReadAt(context.Background(), id, size, pB, 5)
		errB <- err
	}()
	waitFor(t, func() bool { s := c.Stats(); return s.Misses+s.Joins == 2 })
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: err = %v", err)
	}
	time.Sleep(5 * time.Millisecond)
	if n := src.cancelled.Load(); n != 0 {
		t.Fatal("fetch cancelled although another reader waits")
	}
	release()
	if err := <-errB; err != nil || !bytes.Equal(pB, data[5:15]) {
		t.Fatalf("other waiter: %v", err)
	}
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d Source reads", n)
	}

	// Last waiter gone: the Source read is cancelled.
	release = src.hold()
	ctxC, cancelC := context.WithCancel(context.Background())
	errC := make(chan error, 1)
	go func() {
		_, err := c.ReadAt(ctxC, id, size, make([]byte, 10), testBS)
		errC <- err
	}()
	waitFor(t, func() bool { return src.active.Load() == 1 })
	cancelC()
	if err := <-errC; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	waitFor(t, func() bool { return src.cancelled.Load() == 1 })
	release()
	p := make([]byte, 10)
	if _, err := c.ReadAt(context.Background(), id, size, p, testBS); err != nil || !bytes.Equal(p, data[testBS:testBS+10]) {
		t.Fatalf("read after abandoned fetch: %v", err)
	}
}

func TestCloseCancelsFetches(t *testing.T) {
	src := newFakeSource()
	id, _ := src.add(testBS, 15)
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS})
	defer src.hold()()
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReadAt(context.Background(), id, testBS, make([]byte, 10), 0)
		errc <- err
	}()
	waitFor(t, func() bool { return src.active.Load() == 1 })
	c.Close()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(100 * time.Microsecond)
	}
}
