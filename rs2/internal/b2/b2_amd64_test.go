//go:build amd64 && !purego

package b2

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// simdWidths lists the kernel widths this CPU can run.
func simdWidths() []int {
	switch {
	case useAVX512:
		return []int{4, 8, 16}
	case useAVX2:
		return []int{4}
	}
	return nil
}

// The SIMD drivers are registered once per maximum width so that every
// kernel is tested whatever width the dispatcher picks.
func init() {
	for _, w := range simdWidths() {
		name := fmt.Sprintf("simd%d", w)
		prefixedImpls = append(prefixedImpls, prefixedImpl{name, func(dst []Digest, prefix byte, msgs [][]byte) {
			sumPrefixedSIMD(dst, prefix, msgs, w)
		}})
		pairsImpls = append(pairsImpls, pairsImpl{name, func(dst []Digest, prefix byte, src []Digest) {
			sumPairsSIMD(dst, prefix, src, w)
		}})
		for _, tl := range splitTails {
			prefixedImpls = append(prefixedImpls, splitImpl(name+"-2", tl, func(dst []Digest, prefix byte, heads, tails [][]byte) {
				sumPrefixed2SIMD(dst, prefix, heads, tails, w)
			}))
		}
	}
}

// TestSIMDMatchesGeneric compares the SIMD kernels and drivers directly with
// the scalar fallback: multi-block kernel calls with independent per-lane
// data, random chaining values, counters and final flags, then whole
// messages.
func TestSIMDMatchesGeneric(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, w := range simdWidths() {
		for trial := 0; trial < 200; trial++ {
			n := rng.IntN(5)
			tc := uint64(128 * rng.IntN(1000))
			f := []uint64{0, ^uint64(0)}[rng.IntN(2)]
			var b batch
			b.start(w, w)
			data := make([][]byte, w)
			want := make([][8]uint64, w)
			for j := range data {
				data[j] = make([]byte, 128*n+1)
				for k := range data[j] {
					data[j][k] = byte(rng.Uint32())
				}
				b.p[j] = &data[j][0]
				for i := range 8 {
					v := rng.Uint64()
					b.h[i*w+j] = v
					want[j][i] = v
				}
				blocksGeneric(&want[j], data[j][:128*n], tc, f)
			}
			b.compress(n, tc, f)
			for j := range data {
				for i := range 8 {
					if got := b.h[i*w+j]; got != want[j][i] {
						t.Fatalf("w=%d n=%d lane %d word %d: got %#x, want %#x", w, n, j, i, got, want[j][i])
					}
				}
			}
		}
		for _, l := range []int{2, 6, 76, 126, 127, 128, 302, 1000} {
			for _, c := range []int{1, 3, 4, 5, 8, 9, 16, 17, 33} {
				msgs := randMsgs(rng, c, l)
				got := make([]Digest, c)
				want := make([]Digest, c)
				sumPrefixedSIMD(got, 9, msgs, w)
				sumPrefixedGeneric(want, 9, msgs)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("w=%d len %d count %d: message %d differs", w, l, c, i)
					}
				}
			}
		}
	}
}

func TestLanes(t *testing.T) {
	for _, c := range []struct{ rem, max, want int }{
		{1, 4, 4}, {100, 4, 4}, {1, 16, 4}, {4, 16, 4}, {5, 16, 8}, {8, 16, 8}, {9, 16, 16}, {100, 16, 16}, {100, 8, 8},
	} {
		if got := lanes(c.rem, c.max); got != c.want {
			t.Errorf("lanes(%d, %d) = %d, want %d", c.rem, c.max, got, c.want)
		}
	}
}

// BenchmarkKernels measures each SIMD width separately (ns/msg).
func BenchmarkKernels(b *testing.B) {
	const count = 1 << 14
	for _, w := range simdWidths() {
		for _, l := range []int{2, 64, 302} {
			msgs := randMsgs(rand.New(rand.NewPCG(1, 1)), count, l)
			dst := make([]Digest, count)
			b.Run(fmt.Sprintf("simd%d/%d", w, l+1), func(b *testing.B) {
				for b.Loop() {
					sumPrefixedSIMD(dst, 1, msgs, w)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/count, "ns/msg")
			})
		}
		src := make([]Digest, 2*count)
		dst := make([]Digest, count)
		b.Run(fmt.Sprintf("simd%d/pairs", w), func(b *testing.B) {
			for b.Loop() {
				sumPairsSIMD(dst, 1, src, w)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/count, "ns/msg")
		})
	}
}
