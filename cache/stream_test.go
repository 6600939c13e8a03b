package cache

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// readSeq reads [from, to) of a blob through r in n-byte reads and checks
// the bytes.
func readSeq(t *testing.T, r *Reader, data []byte, from, to, n int64) {
	t.Helper()
	p := make([]byte, n)
	for off := from; off < to; off += n {
		got, err := r.ReadAt(context.Background(), p, off)
		if got == 0 || !bytes.Equal(p[:got], data[off:off+int64(got)]) {
			t.Fatalf("read at %d: n=%d err=%v or wrong bytes", off, got, err)
		}
	}
}

// A Reader closed in the middle of a sequential stream is taken over by
// the next NewReader of the same blob: its read-ahead is not cancelled,
// its window is kept, and no block is fetched twice.
func TestReaderTakenOverAfterClose(t *testing.T) {
	const blocks = 32
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 41)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 * blocks * testBS, MaxReadAhead: 8 * testBS})
	c.parkGrace = time.Hour // never expires during the test
	r := c.NewReader(id, size)
	readSeq(t, r, data, 0, 4*testBS, 16<<10)
	r.mu.Lock()
	window := r.window
	r.mu.Unlock()
	if window == 0 {
		t.Fatal("no read-ahead window after sequential reads")
	}
	waitIdle(t, c)
	release := src.hold() // read-ahead issued from now on stays in flight
	// The bookkeeping part of a read at 4 blocks (the read itself would
	// wait for the held Source): it widens the window and issues more
	// read-ahead.
	r.advance(4*testBS, 16<<10)
	waitFor(t, func() bool { return src.active.Load() > 0 })
	r.Close()
	r.Close() // a second Close does nothing
	r2 := c.NewReader(id, size)
	defer r2.Close()
	r2.mu.Lock()
	if r2.window < window || r2.next != 4*testBS+16<<10 {
		t.Errorf("taken-over stream: window %d next %d, want >= %d and %d", r2.window, r2.next, window, 4*testBS+16<<10)
	}
	r2.mu.Unlock()
	release()
	readSeq(t, r2, data, 4*testBS, size, 16<<10)
	waitIdle(t, c)
	s := c.Stats()
	if src.cancelled.Load() != 0 || s.Fetches != blocks || s.Misses > 1 {
		t.Fatalf("%d fetches cancelled; stats %+v: want none cancelled, %d fetches, at most the first block missed",
			src.cancelled.Load(), s, blocks)
	}
	// The new Reader is independent of the closed one.
	if got := r.Spill(); got != 0 {
		t.Fatalf("closed Reader reports a spill of %d", got)
	}
}

// Nobody takes the stream over: its read-ahead is cancelled after the
// grace period. A Reader that was not in a sequential stream is
// cancelled at Close.
func TestParkedReaderExpires(t *testing.T) {
	const blocks = 32
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 42)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 * blocks * testBS, MaxReadAhead: 8 * testBS})
	c.parkGrace = 10 * time.Millisecond
	src.stallAt.Store(4 * testBS) // blocks >= 4 never arrive
	r := c.NewReader(id, size)
	readSeq(t, r, data, 0, 3*testBS, 16<<10)
	waitFor(t, func() bool { return src.active.Load() > 0 })
	r.Close()
	waitFor(t, func() bool { return c.Stats().InFlight == 0 })
	c.mu.Lock()
	n := len(c.parked)
	c.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d streams still parked after the grace period", n)
	}
	if s := c.Stats(); s.Errors != 0 || s.InFlight != 0 {
		t.Fatalf("stats after expiry: %+v", s)
	}
}

// Seed and Spill: when a stream's read-ahead reaches past the end of its
// blob, a Reader of the next blob seeded with the spill fetches its first
// blocks before the stream gets there, and the stream's first read there
// is not a miss and continues the window.
func TestSeedNextBlob(t *testing.T) {
	const blocks = 16
	src := newFakeSource()
	id1, _ := src.add(blocks*testBS, 43)
	id2, data2 := src.add(blocks*testBS, 44)
	size := int64(blocks * testBS)
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 8 * blocks * testBS, MaxReadAhead: 8 * testBS})
	c.parkGrace = time.Hour
	r1 := c.NewReader(id1, size)
	var spill int64
	p := make([]byte, 16<<10)
	for off := int64(0); off < size; off += int64(len(p)) {
		if _, err := r1.ReadAt(context.Background(), p, off); err != nil {
			t.Fatal(err)
		}
		if s := r1.Spill(); s > 0 {
			if s <= spill {
				t.Fatalf("Spill reported %d after %d", s, spill)
			}
			spill = s
			r2 := c.NewReader(id2, size)
			r2.Seed(0, min(s, size))
			r2.Close()
		}
	}
	if spill == 0 {
		t.Fatal("the window never reached past the end of the blob")
	}
	r1.Close()
	waitIdle(t, c)
	before := c.Stats()
	r2 := c.NewReader(id2, size)
	defer r2.Close()
	readSeq(t, r2, data2, 0, size, 16<<10)
	waitIdle(t, c)
	after := c.Stats()
	if after.Misses != before.Misses {
		t.Fatalf("%d misses on the seeded blob", after.Misses-before.Misses)
	}
	if after.Fetches != 2*blocks {
		t.Fatalf("%d fetches for 2 blobs of %d blocks", after.Fetches, blocks)
	}
}

// Read-ahead runs at most ReadAheadFetches Source reads at once, however
// wide the window.
func TestReadAheadFetchesBounded(t *testing.T) {
	const blocks = 64
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 45)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 * blocks * testBS,
		MaxReadAhead: 32 * testBS, ReadAheadFetches: 3})
	release := src.hold()
	r := c.NewReader(id, size)
	defer r.Close()
	p := make([]byte, 16<<10)
	// Reads that are not waited for: they queue on the held Source.
	for off := int64(0); off < 8*int64(len(p)); off += int64(len(p)) {
		r.advance(off, int64(len(p)))
	}
	waitFor(t, func() bool { return c.Stats().ReadAheads > 3 })
	time.Sleep(10 * time.Millisecond) // give extra fetches (there must be none) a chance to start
	if n := src.active.Load(); n > 3 {
		t.Fatalf("%d Source reads in flight, bound is 3", n)
	}
	release()
	readSeq(t, r, data, 0, size, 16<<10)
}

// Blocks fetched by read-ahead stay in memory (within a bound) once
// written, so the reader they were for does not open the block files;
// Invalidate drops them from memory too.
func TestReadAheadBlocksServedFromMemory(t *testing.T) {
	const blocks = 16
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 46)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 * blocks * testBS, MaxReadAhead: 8 * testBS})
	if c.hotMax != 8*testBS {
		t.Fatalf("hotMax %d, want the read-ahead cap %d", c.hotMax, 8*testBS)
	}
	r := c.NewReader(id, size)
	r.Seed(0, 8*testBS)
	r.Close()
	waitIdle(t, c)
	if s := c.Stats(); s.Blocks != 8 || s.Fetches != 8 {
		t.Fatalf("after seeding 8 blocks: %+v", s)
	}
	// With the files gone, reads can only come from memory (or the
	// Source, which would count as fetches).
	if err := os.RemoveAll(c.root); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 16<<10)
	for off := int64(0); off < 8*testBS; off += int64(len(p)) {
		if _, err := c.ReadAt(context.Background(), id, size, p, off); err != nil || !bytes.Equal(p, data[off:off+int64(len(p))]) {
			t.Fatalf("read at %d: %v or wrong bytes", off, err)
		}
	}
	if s := c.Stats(); s.Fetches != 8 {
		t.Fatalf("%d fetches: hot blocks were not served from memory", s.Fetches)
	}
	c.Invalidate(id)
	if _, err := c.ReadAt(context.Background(), id, size, p, 0); err != nil || !bytes.Equal(p, data[:len(p)]) {
		t.Fatalf("read after Invalidate: %v or wrong bytes", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.Fetches != 9 || c.hotBytes != 0 || c.hot.Len() != 0 {
		t.Fatalf("after Invalidate: %d fetches, %d hot bytes in %d blocks; want 9, 0, 0", c.st.Fetches, c.hotBytes, c.hot.Len())
	}
}
