package cache

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// readAll reads the blob front to back in chunks of n bytes, through a
// Reader if r != nil, else with plain Cache.ReadAt.
func readAll(t *testing.T, c *Cache, r *Reader, id blobid.ID, data []byte, n int) {
	t.Helper()
	p := make([]byte, n)
	for off := int64(0); off < int64(len(data)); off += int64(n) {
		var got int
		var err error
		if r != nil {
			got, err = r.ReadAt(context.Background(), p, off)
		} else {
			got, err = c.ReadAt(context.Background(), id, int64(len(data)), p, off)
		}
		if got == 0 || !bytes.Equal(p[:got], data[off:off+int64(got)]) {
			t.Fatalf("read at %d: n=%d err=%v or wrong bytes", off, got, err)
		}
	}
}

func TestReadAheadReducesMisses(t *testing.T) {
	const blocks = 64
	opts := &Options{BlockSize: testBS, MaxBytes: 2 * blocks * testBS, MaxReadAhead: 16 * testBS}
	src := newFakeSource()
	src.delay.Store(int64(2 * time.Millisecond))
	id, data := src.add(blocks*testBS, 21)

	plain, _ := newTestCache(t, src, opts)
	start := time.Now()
	readAll(t, plain, nil, id, data, 32<<10)
	plainTook := time.Since(start)
	ps := plain.Stats()
	if ps.Misses != blocks || ps.ReadAheads != 0 {
		t.Fatalf("plain ReadAt: %+v", ps)
	}

	c, _ := newTestCache(t, src, opts)
	r := c.NewReader(id, int64(len(data)))
	defer r.Close()
	start = time.Now()
	readAll(t, c, r, id, data, 32<<10)
	took := time.Since(start)
	s := c.Stats()
	t.Logf("sequential %d blocks, %v source latency: plain %v %d misses; reader %v %d misses %d joins %d hits",
		blocks, 2*time.Millisecond, plainTook, ps.Misses, took, s.Misses, s.Joins, s.Hits)
	if s.Misses > 2 || s.Misses+s.Joins > blocks/2 || s.ReadAheads < blocks-2 {
		t.Fatalf("read-ahead did not help: %+v", s)
	}
	if s.Fetches != blocks {
		t.Fatalf("%d fetches for %d blocks: read-ahead fetched twice or past the end", s.Fetches, blocks)
	}
	r.mu.Lock()
	w := r.window
	r.mu.Unlock()
	if w != c.maxRA || c.maxRA != 16*testBS {
		t.Fatalf("window %d, cap %d", w, c.maxRA)
	}
}

func TestReadAheadStopsOnRandomAccess(t *testing.T) {
	const blocks = 64
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 22)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 * blocks * testBS})
	r := c.NewReader(id, size)
	defer r.Close()
	ctx := context.Background()
	p := make([]byte, 4096)
	for off := int64(0); off < 8*4096; off += 4096 {
		if _, err := r.ReadAt(ctx, p, off); err != nil {
			t.Fatal(err)
		}
	}
	waitIdle(t, c)
	before := c.Stats()
	if before.ReadAheads == 0 {
		t.Fatal("no read-ahead on sequential reads")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	prev := int64(0)
	for range 50 {
		off := rng.Int64N(size - 4096)
		if d := off - prev; d > -3*testBS && d < 3*testBS {
			continue // too close to count as a seek
		}
		prev = off
		if _, err := r.ReadAt(ctx, p, off); err != nil || !bytes.Equal(p, data[off:off+4096]) {
			t.Fatalf("random read at %d: %v", off, err)
		}
		// Random 4 KiB reads fetch exactly the block they touch.
	}
	waitIdle(t, c)
	after := c.Stats()
	if after.ReadAheads != before.ReadAheads {
		t.Fatalf("read-ahead on random reads: %d -> %d", before.ReadAheads, after.ReadAheads)
	}
	if got := after.FetchedBytes - before.FetchedBytes; got > (after.Misses-before.Misses)*testBS {
		t.Fatalf("random reads fetched %d bytes for %d misses", got, after.Misses-before.Misses)
	}
}

// A seek and Close cancel read-ahead still in flight, and read-ahead
// never has more than the cap (MaxBytes/4 here) in flight.
func TestReadAheadCancelledAndCapped(t *testing.T) {
	const blocks = 32
	src := newFakeSource()
	id, data := src.add(blocks*testBS, 23)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 8 * testBS}) // cap 2 blocks
	c.parkGrace = 0                                                                 // Close cancels at once (parking: TestParkedReaderExpires)
	if c.maxRA != 2*testBS {
		t.Fatalf("read-ahead cap %d, want MaxBytes/4 = %d", c.maxRA, 2*testBS)
	}
	src.stallAt.Store(2 * testBS) // blocks >= 2 never arrive
	ctx := context.Background()
	p := make([]byte, 16<<10)
	for _, closeIt := range []bool{false, true} {
		r := c.NewReader(id, size)
		for off := int64(0); off < 2*testBS; off += int64(len(p)) {
			if _, err := r.ReadAt(ctx, p, off); err != nil {
				t.Fatal(err)
			}
			if n := src.active.Load(); n > 2 {
				t.Fatalf("%d read-ahead fetches in flight, cap is 2 blocks", n)
			}
		}
		waitFor(t, func() bool { return src.active.Load() == 2 })
		cancelled := src.cancelled.Load()
		if closeIt {
			r.Close()
		} else if _, err := r.ReadAt(ctx, p, 0); err != nil { // a seek back
			t.Fatal(err)
		}
		waitFor(t, func() bool { return src.active.Load() == 0 })
		if got := src.cancelled.Load() - cancelled; got != 2 {
			t.Fatalf("close=%v: %d read-ahead fetches cancelled, want 2", closeIt, got)
		}
		r.Close()
	}
	waitFor(t, func() bool { return c.Stats().InFlight == 0 })
	if s := c.Stats(); s.Errors != 0 {
		t.Fatalf("cancelled read-ahead counted as errors: %+v", s)
	}
}
