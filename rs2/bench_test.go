package rs2

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

// BenchmarkVerifyPrimarySliver compares the two ways a reader checks a
// primary sliver of a 16 MiB blob at n=100 (a cold read's main CPU cost):
// expanding it (VerifySliver) and with the node's repair leaves as a
// Merkle proof (VerifySliverHinted). Bytes are the sliver's.
func BenchmarkVerifyPrimarySliver(b *testing.B) {
	e, err := NewEncoder(100)
	if err != nil {
		b.Fatal(err)
	}
	var s *Sliver
	m, err := e.Encode(pattern(16<<20), func(x *Sliver) error {
		if x.Type == Primary && x.Index == 7 {
			s = &Sliver{Type: x.Type, Index: x.Index, SymbolSize: x.SymbolSize, Data: append([]byte(nil), x.Data...)}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	hint, err := e.RepairLeaves(m, s)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"expand", "hinted"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(s.Data)))
			for b.Loop() {
				var err error
				if mode == "expand" {
					err = e.VerifySliver(m, s)
				} else {
					err = e.VerifySliverHinted(m, s, hint)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
