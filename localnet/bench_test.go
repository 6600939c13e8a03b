package localnet

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/rs2"
)

const benchSize = 64 << 20

// rawDisk measures writing benchSize bytes to one file with fsync, and
// reading it back, in dir.
func rawDisk(b *testing.B, dir string, data []byte) (writeMBs, readMBs float64) {
	p := filepath.Join(dir, "raw")
	start := time.Now()
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	w := time.Since(start)
	start = time.Now()
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, data) {
		b.Fatal("raw read back failed")
	}
	r := time.Since(start)
	os.Remove(p)
	return mbs(len(data), w), mbs(len(data), r)
}

func mbs(n int, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

// BenchmarkEmbedded64MiB stores and reads a 64 MiB blob on the default
// embedded network (7 nodes, 100 shards, fsync on) and reports, measured
// in the same run: raw disk write (with fsync) and read speed, store and
// read throughput, and the store speed as a fraction of the physical
// limit, raw write speed / storage expansion.
func BenchmarkEmbedded64MiB(b *testing.B) {
	dir := b.TempDir()
	nw := openNet(b, dir, nil)
	data := blobstoretest.Data(64, benchSize)
	p, _ := rs2.NewParams(DefaultShards)
	enc, _ := p.EncodedLength(benchSize)
	expansion := float64(enc) / benchSize
	ctx := context.Background()
	var rawW, rawR, put, get float64
	for i := 0; b.Loop(); i++ {
		w, r := rawDisk(b, dir, data)
		rawW += w
		rawR += r
		d := bytes.Clone(data)
		d[0] = byte(i) // a new blob each round
		start := time.Now()
		info, err := nw.Put(ctx, d)
		if err != nil {
			b.Fatal(err)
		}
		put += mbs(len(d), time.Since(start))
		start = time.Now()
		got, err := nw.Read(ctx, info.ID, 0, -1)
		if err != nil || !bytes.Equal(got, d) {
			b.Fatalf("read back: %v", err)
		}
		get += mbs(len(d), time.Since(start))
		if err := nw.Delete(ctx, info.ID); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(rawW/n, "raw-write-MB/s")
	b.ReportMetric(rawR/n, "raw-read-MB/s")
	b.ReportMetric(put/n, "store-MB/s")
	b.ReportMetric(get/n, "read-MB/s")
	b.ReportMetric(expansion, "expansion")
	b.ReportMetric((put/n)/((rawW/n)/expansion), "store/limit")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkBlockReads reads a 16 MiB blob (one mount chunk) in 1 MiB
// blocks, as the mount's block cache does on a cold sequential read.
func BenchmarkBlockReads(b *testing.B) {
	nw := openNet(b, b.TempDir(), nil)
	const size = 16 << 20
	data := blobstoretest.Data(16, size)
	ctx := context.Background()
	info, err := nw.Put(ctx, data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		for off := int64(0); off < size; off += 1 << 20 {
			if _, err := nw.Read(ctx, info.ID, off, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	}
}
