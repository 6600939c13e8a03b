package cache

import (
	"bytes"
	"context"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/localnet"
)

// BenchmarkColdSequentialEmbedded reproduces the mount's cold sequential
// read without FUSE: a file of 16 MiB chunks (one blob each, the mount's
// default chunk size) stored on the default embedded network (7 nodes,
// 100 shards, fsync on), read front to back in 1 MiB reads through a
// Reader per blob (as a file handle does, with the mount's read-ahead
// into the next chunk) on an empty cache, so every
// block is fetched from the nodes as sliver rows and verified. Profile
// it with COLDREAD_CPUPROFILE=file (not -cpuprofile, which would also
// profile storing the blobs) to see where a cold read spends its time.
func BenchmarkColdSequentialEmbedded(b *testing.B) {
	const (
		chunk  = 16 << 20
		chunks = 8
		rd     = 1 << 20
	)
	netDir := b.TempDir()
	nw, err := localnet.Open(context.Background(), netDir, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]blobid.ID, chunks)
	want := make([][]byte, chunks)
	for i := range ids {
		want[i] = blobstoretest.Data(uint64(100+i), chunk)
		info, err := nw.Put(ctx, want[i])
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = info.ID
	}
	if err := nw.Close(); err != nil {
		b.Fatal(err)
	}
	p := make([]byte, rd)
	got := make([]byte, chunk)
	b.SetBytes(chunk * chunks)
	if path := os.Getenv("COLDREAD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { pprof.StopCPUProfile(); f.Close() })
	}
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		// A fresh client each round, as after a remount: no metadata
		// nor rows remembered from the previous round.
		nw, err := localnet.Open(context.Background(), netDir, nil)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		var opt Options
		if v := os.Getenv("COLDREAD_RAFETCHES"); v != "" {
			opt.ReadAheadFetches, _ = strconv.Atoi(v)
		}
		c, err := New(dir, nw, &opt)
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		b.StartTimer()
		for i, id := range ids {
			r := c.NewReader(id, chunk)
			for off := int64(0); off < chunk; off += rd {
				if _, err := r.ReadAt(ctx, p, off); err != nil {
					b.Fatal(err)
				}
				// What the mount does (fs.readAheadNext): read-ahead
				// reaching past this blob goes on into the next chunk.
				if spill := r.Spill(); spill > 0 && i+1 < len(ids) && os.Getenv("COLDREAD_NOCHAIN") == "" {
					nr := c.NewReader(ids[i+1], chunk)
					nr.Seed(0, min(spill, chunk))
					nr.Close()
				}
				copy(got[off:], p)
			}
			r.Close()
			if !bytes.Equal(got, want[i]) {
				b.Fatalf("blob %d: wrong bytes", i)
			}
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		c.Close()
		if err := nw.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	// CPU time of the whole process (nodes included) per byte read: less
	// sensitive than MB/s to what else runs on the machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*chunk*chunks), "cpu-ns/B")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
