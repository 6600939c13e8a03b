package tree

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"
	"time"
)

// TestNodeSizeFigure reports the size of a directory node of 1000 regular
// files of one sealed chunk each, with realistic names, times and pack
// layout (randomNode): bytes per file serialized, compressed and sealed.
// The design estimate is about 90 B/file, of which 32 are the chunk key.
func TestNodeSizeFigure(t *testing.T) {
	n := randomNode(rand.New(rand.NewPCG(7, 8)), 1000)
	body, err := encodeNode(n, true)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := deflate(body)
	if err != nil {
		t.Fatal(err)
	}
	sealed := mustSealNode(t, testKey(1), n)
	var names int
	for _, e := range n.Entries {
		names += len(e.Name)
	}
	per := func(x int) float64 { return float64(x) / float64(len(n.Entries)) }
	t.Logf("1000 files, 1 chunk each: mean name %.1f B; serialized %.1f B/file, deflated %.1f B/file, sealed %.1f B/file (%d bytes)",
		per(names), per(len(body)), per(len(comp)), per(len(sealed)), len(sealed))
	for _, level := range []int{flate.BestSpeed, flate.BestCompression} {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, level)
		_, _ = w.Write(body)
		_ = w.Close()
		t.Logf("  (flate level %d: %.1f B/file)", level, per(buf.Len()))
	}
	// The figure must stay near the design: the key alone is 32 bytes.
	if b := per(len(sealed)); b > 110 || b < 40 {
		t.Fatalf("sealed node of %.1f B/file: far from the ~90 B/file design estimate", b)
	}
	if len(comp) >= len(body) {
		t.Fatalf("compression does not help: %d >= %d", len(comp), len(body))
	}
}

// TestNodeTiming100k reports SealNode and OpenNode times for a node of
// 100 000 entries (BenchmarkSealNode100k/BenchmarkOpenNode100k measure
// them properly).
func TestNodeTiming100k(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	n := randomNode(rand.New(rand.NewPCG(9, 10)), 100_000)
	start := time.Now()
	sealed := mustSealNode(t, testKey(1), n)
	sealT := time.Since(start)
	start = time.Now()
	if _, err := OpenNode(testKey(1), sealed); err != nil {
		t.Fatal(err)
	}
	t.Logf("100 000 entries: SealNode %v, OpenNode %v, %d bytes sealed (%.1f B/file)",
		sealT, time.Since(start), len(sealed), float64(len(sealed))/1e5)
}

func BenchmarkSealNode100k(b *testing.B) {
	n := randomNode(rand.New(rand.NewPCG(9, 10)), 100_000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		s, err := SealNode(testKey(1), n)
		if err != nil {
			b.Fatal(err)
		}
		size = len(s)
	}
	b.ReportMetric(float64(size)/1e5, "B/file")
}

func BenchmarkOpenNode100k(b *testing.B) {
	n := randomNode(rand.New(rand.NewPCG(9, 10)), 100_000)
	sealed, err := SealNode(testKey(1), n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(sealed)))
	for b.Loop() {
		if _, err := OpenNode(testKey(1), sealed); err != nil {
			b.Fatal(err)
		}
	}
}
