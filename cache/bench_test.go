package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// BenchmarkCachedRandomRead4K measures 4 KiB reads at random offsets of a
// 64 MiB blob whose blocks are all on disk (the scrubbing case once the
// cache is warm). It reports p50/p99 latency besides ns/op; the target is
// p50 well under 0.2 ms.
func BenchmarkCachedRandomRead4K(b *testing.B) {
	const size = 64 << 20
	src := newFakeSource()
	id, _ := src.add(size, 31)
	c, _ := newTestCache(b, src, &Options{MaxBytes: 2 * size})
	ctx := context.Background()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		if _, err := c.ReadAt(ctx, id, size, buf, off); err != nil {
			b.Fatal(err)
		}
	}
	waitIdle(b, c)
	fetches := src.reads.Load()

	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]byte, 4096)
	lat := make([]time.Duration, 0, min(b.N, 1<<20))
	b.SetBytes(int64(len(p)))
	b.ResetTimer()
	for i := range b.N {
		off := rng.Int64N(size - int64(len(p)))
		start := time.Now()
		if _, err := c.ReadAt(ctx, id, size, p, off); err != nil {
			b.Fatal(err)
		}
		if i < cap(lat) {
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	if n := src.reads.Load(); n != fetches {
		b.Fatalf("%d Source reads during cached reads", n-fetches)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkColdSequential reads a 64 MiB blob front to back in 128 KiB
// reads (the FUSE read size) through a Reader on an empty cache, for a
// Source with no latency and with 5 ms per block read. Blocks are 1 MiB.
func BenchmarkColdSequential(b *testing.B) {
	const size = 64 << 20
	for _, delay := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%v", delay), func(b *testing.B) {
			src := newFakeSource()
			src.delay.Store(int64(delay))
			id, _ := src.add(size, 32)
			p := make([]byte, 128<<10)
			b.SetBytes(size)
			for b.Loop() {
				b.StopTimer()
				c, dir := newTestCache(b, src, &Options{MaxBytes: 4 * size})
				r := c.NewReader(id, size)
				b.StartTimer()
				for off := int64(0); off < size; off += int64(len(p)) {
					if _, err := r.ReadAt(context.Background(), p, off); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				r.Close()
				c.Close()
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkColdRandomRead4K measures 4 KiB reads at random offsets of a
// 1 GiB blob on an empty cache with a Source of 5 ms latency: each read
// must cost one block fetch (latency plus 1 MiB), not the whole blob.
func BenchmarkColdRandomRead4K(b *testing.B) {
	const size = 1 << 30
	src := &rangeSource{delay: 5 * time.Millisecond}
	c, _ := newTestCache(b, src, &Options{MaxBytes: 64 << 20})
	rng := rand.New(rand.NewPCG(3, 4))
	p := make([]byte, 4096)
	for b.Loop() {
		off := rng.Int64N(size - int64(len(p)))
		if _, err := c.ReadAt(context.Background(), [32]byte{1}, size, p, off); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	s := c.Stats()
	b.ReportMetric(float64(s.FetchedBytes)/float64(b.N), "fetched-B/op")
}

// rangeSource serves a virtual blob of any size whose byte at offset o is
// byte(o), so big blobs cost no memory.
type rangeSource struct{ delay time.Duration }

func (s *rangeSource) Read(ctx context.Context, _ blobid.ID, off, length int64) ([]byte, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := make([]byte, length)
	for i := range out {
		out[i] = byte(off + int64(i))
	}
	return out, nil
}
