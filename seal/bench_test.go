package seal

import "testing"

var benchSizes = []struct {
	name string
	n    int
}{
	{"64KiB", 64 << 10},
	{"1MiB", 1 << 20},
	{"16MiB", 16 << 20},
}

// BenchmarkSeal measures Seal ("par": the public function, parallel from
// parallelMin segments on) and the one-goroutine path ("seq").
func BenchmarkSeal(b *testing.B) {
	k := testKey(1)
	for _, s := range benchSizes {
		plain := randBytes(1, s.n)
		for _, mode := range []string{"seq", "par"} {
			b.Run(s.name+"/"+mode, func(b *testing.B) {
				w := 1
				if mode == "par" {
					w = workers(numSegments(int64(s.n)))
				}
				dst := make([]byte, 0, SealedSize(int64(s.n)))
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					dst = sealN(dst[:0], k, plain, w)
				}
			})
		}
	}
}

// BenchmarkOpen measures Open the same way.
func BenchmarkOpen(b *testing.B) {
	k := testKey(1)
	for _, s := range benchSizes {
		sealed := Seal(nil, k, randBytes(1, s.n))
		for _, mode := range []string{"seq", "par"} {
			b.Run(s.name+"/"+mode, func(b *testing.B) {
				w := 1
				if mode == "par" {
					w = workers(numSegments(int64(s.n)))
				}
				dst := make([]byte, 0, s.n)
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if dst, err = openN(dst[:0], k, int64(s.n), 0, sealed, w); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
