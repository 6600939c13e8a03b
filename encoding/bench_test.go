package encoding

import (
	"fmt"
	"testing"
)

// BenchmarkComputeMetadata measures the blob ID computation; make
// bench-encoding compares it with the WASM encoder.
func BenchmarkComputeMetadata(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, size := range []int{1 << 20, 64 << 20} {
			b.Run(fmt.Sprintf("n=%d/%dMiB", n, size>>20), func(b *testing.B) {
				e, err := NewEncoder(n)
				if err != nil {
					b.Fatal(err)
				}
				data := pattern(size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.ComputeMetadata(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEncode measures encoding with every sliver emitted.
func BenchmarkEncode(b *testing.B) {
	e, err := NewEncoder(1000)
	if err != nil {
		b.Fatal(err)
	}
	data := pattern(64 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Encode(data, func(*Sliver) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
