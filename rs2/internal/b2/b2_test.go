package b2

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// refPrefixed is the reference: x/crypto's BLAKE2b-256 of prefix||m.
func refPrefixed(prefix byte, m []byte) Digest {
	buf := make([]byte, 1+len(m))
	buf[0] = prefix
	copy(buf[1:], m)
	return blake2b.Sum256(buf)
}

func randMsgs(rng *rand.Rand, count, length int) [][]byte {
	// One backing array, as callers typically slice a buffer; the capacity
	// is cut so that reading past a message would not go unnoticed by -race
	// style checks of the slice bounds.
	back := make([]byte, count*length)
	for i := range back {
		back[i] = byte(rng.Uint32())
	}
	msgs := make([][]byte, count)
	for i := range msgs {
		msgs[i] = back[i*length : (i+1)*length : (i+1)*length]
	}
	return msgs
}

// implementations lists SumPrefixed-like functions under test: the exported
// entry point plus, where built, the individual kernels.
type prefixedImpl struct {
	name string
	fn   func(dst []Digest, prefix byte, msgs [][]byte)
}

type pairsImpl struct {
	name string
	fn   func(dst []Digest, prefix byte, src []Digest)
}

// splitImpl turns a SumPrefixed2-like function into a SumPrefixed-like
// one: each message is passed as a head and a tail of tailLen bytes (all
// of it if shorter).
func splitImpl(name string, tailLen int, fn func(dst []Digest, prefix byte, heads, tails [][]byte)) prefixedImpl {
	return prefixedImpl{fmt.Sprintf("%s/tail%d", name, tailLen), func(dst []Digest, prefix byte, msgs [][]byte) {
		heads := make([][]byte, len(msgs))
		tails := make([][]byte, len(msgs))
		for i, m := range msgs {
			cut := max(0, len(m)-tailLen)
			heads[i], tails[i] = m[:cut:cut], m[cut:]
		}
		fn(dst, prefix, heads, tails)
	}}
}

// splitTails are the tail lengths SumPrefixed2 is tested with: none, the
// tails of RS2 symbols (up to 62 bytes), and ones spanning blocks.
var splitTails = []int{0, 1, 46, 62, 127, 128, 129, 300}

var (
	prefixedImpls = func() []prefixedImpl {
		impls := []prefixedImpl{
			{"SumPrefixed", SumPrefixed},
			{"generic", sumPrefixedGeneric},
		}
		for _, tl := range splitTails {
			impls = append(impls, splitImpl("SumPrefixed2", tl, SumPrefixed2), splitImpl("generic2", tl, sumPrefixed2Generic))
		}
		return impls
	}()
	pairsImpls = []pairsImpl{
		{"SumPairs", SumPairs},
		{"generic", sumPairsGeneric},
	}
)

// checkPrefixed hashes count random messages of the given length with every
// implementation and compares with x/crypto.
func checkPrefixed(t *testing.T, rng *rand.Rand, prefix byte, count, length int) {
	t.Helper()
	msgs := randMsgs(rng, count, length)
	want := make([]Digest, count)
	for i, m := range msgs {
		want[i] = refPrefixed(prefix, m)
	}
	dst := make([]Digest, count)
	for _, impl := range prefixedImpls {
		clear(dst)
		impl.fn(dst, prefix, msgs)
		for i := range msgs {
			if dst[i] != want[i] {
				t.Fatalf("%s: prefix %#x, len %d, count %d: message %d: got %x, want %x",
					impl.name, prefix, length, count, i, dst[i], want[i])
			}
		}
	}
}

func TestSumPrefixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prefixes := []byte{0x00, 0x01, byte(rng.Uint32())}
	lengths := []int{1000, 4095, 4096, 40000, 65535}
	for l := 0; l <= 600; l++ {
		lengths = append(lengths, l)
	}
	counts := []int{1000, 1003}
	for c := 0; c <= 20; c++ {
		counts = append(counts, c)
	}
	for _, l := range lengths {
		for _, c := range counts {
			if (testing.Short() || raceEnabled) && c > 20 && l%16 != 0 {
				continue
			}
			if c*l > 1<<22 { // keep the very long ones affordable
				c = (1<<22)/l + c%9
			}
			for _, p := range prefixes {
				checkPrefixed(t, rng, p, c, l)
			}
		}
	}
}

func TestSumPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	counts := []int{5000}
	for c := 0; c <= 40; c++ {
		counts = append(counts, c)
	}
	for _, impl := range pairsImpls {
		for _, p := range []byte{0x00, 0x01, byte(rng.Uint32())} {
			for _, c := range counts {
				src := make([]Digest, 2*c)
				for i := range src {
					for k := range src[i] {
						src[i][k] = byte(rng.Uint32())
					}
				}
				dst := make([]Digest, c)
				impl.fn(dst, p, src)
				for i := range dst {
					want := refPrefixed(p, append(src[2*i][:], src[2*i+1][:]...))
					if dst[i] != want {
						t.Fatalf("%s: prefix %#x count %d: pair %d: got %x, want %x", impl.name, p, c, i, dst[i], want)
					}
				}
			}
		}
	}
}

// TestMixedLengths checks that misuse (messages of differing lengths) still
// gives correct digests.
func TestMixedLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, impl := range prefixedImpls {
		if strings.Contains(impl.name, "/tail") {
			continue // SumPrefixed2 requires equal lengths (TestPanics)
		}
		for trial := 0; trial < 50; trial++ {
			msgs := make([][]byte, rng.IntN(40))
			for i := range msgs {
				msgs[i] = randMsgs(rng, 1, []int{2, 6, 127, 128, 300, 1000}[rng.IntN(6)])[0]
			}
			dst := make([]Digest, len(msgs))
			impl.fn(dst, 7, msgs)
			for i, m := range msgs {
				if want := refPrefixed(7, m); dst[i] != want {
					t.Fatalf("%s: message %d (len %d): got %x, want %x", impl.name, i, len(m), dst[i], want)
				}
			}
		}
	}
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("SumPrefixed", func() { SumPrefixed(make([]Digest, 1), 0, nil) })
	mustPanic("SumPairs", func() { SumPairs(make([]Digest, 1), 0, make([]Digest, 1)) })
	mustPanic("SumPrefixed2 count", func() { SumPrefixed2(make([]Digest, 1), 0, [][]byte{{1}}, nil) })
	mustPanic("SumPrefixed2 heads", func() {
		SumPrefixed2(make([]Digest, 2), 0, [][]byte{{1}, {1, 2}}, [][]byte{{3}, {3}})
	})
	mustPanic("SumPrefixed2 tails", func() {
		SumPrefixed2(make([]Digest, 2), 0, [][]byte{{1}, {1}}, [][]byte{{3}, {}})
	})
}

func TestNoAllocs(t *testing.T) {
	msgs := randMsgs(rand.New(rand.NewPCG(7, 8)), 100, 302)
	dst := make([]Digest, len(msgs))
	src := make([]Digest, 2*len(msgs))
	if n := testing.AllocsPerRun(10, func() { SumPrefixed(dst, 1, msgs) }); n != 0 {
		t.Errorf("SumPrefixed: %v allocations per call", n)
	}
	if n := testing.AllocsPerRun(10, func() { SumPairs(dst, 1, src) }); n != 0 {
		t.Errorf("SumPairs: %v allocations per call", n)
	}
	heads := make([][]byte, len(msgs))
	tails := make([][]byte, len(msgs))
	for i, m := range msgs {
		heads[i], tails[i] = m[:256], m[256:]
	}
	if n := testing.AllocsPerRun(10, func() { SumPrefixed2(dst, 1, heads, tails) }); n != 0 {
		t.Errorf("SumPrefixed2: %v allocations per call", n)
	}
}

func FuzzSumPrefixed(f *testing.F) {
	f.Add(uint16(302), uint16(9), uint64(1), byte(0))
	f.Add(uint16(0), uint16(1), uint64(2), byte(1))
	f.Add(uint16(127), uint16(13), uint64(3), byte(0xff))
	f.Add(uint16(255), uint16(4), uint64(4), byte(2))
	f.Fuzz(func(t *testing.T, length, count uint16, seed uint64, prefix byte) {
		l, c := int(length), int(count%64)
		rng := rand.New(rand.NewPCG(seed, uint64(length)))
		checkPrefixed(t, rng, prefix, c, l)
	})
}

func FuzzSumPairs(f *testing.F) {
	f.Add(uint16(9), uint64(1), byte(0))
	f.Fuzz(func(t *testing.T, count uint16, seed uint64, prefix byte) {
		c := int(count % 256)
		rng := rand.New(rand.NewPCG(seed, 0))
		src := make([]Digest, 2*c)
		for i := range src {
			for k := range src[i] {
				src[i][k] = byte(rng.Uint32())
			}
		}
		for _, impl := range pairsImpls {
			dst := make([]Digest, c)
			impl.fn(dst, prefix, src)
			for i := range dst {
				if want := refPrefixed(prefix, append(src[2*i][:], src[2*i+1][:]...)); dst[i] != want {
					t.Fatalf("%s: pair %d of %d: got %x, want %x", impl.name, i, c, dst[i], want)
				}
			}
		}
	})
}

// Benchmarks. Each reports ns/msg; the "xcrypto" variants run the obvious
// loop over blake2b.Sum256 for comparison.

func benchPrefixed(b *testing.B, count, length int) {
	msgs := randMsgs(rand.New(rand.NewPCG(9, 10)), count, length)
	dst := make([]Digest, count)
	run := func(b *testing.B, fn func()) {
		b.SetBytes(int64(count * (length + 1)))
		for b.Loop() {
			fn()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(count), "ns/msg")
	}
	b.Run("b2", func(b *testing.B) { run(b, func() { SumPrefixed(dst, 1, msgs) }) })
	b.Run("generic", func(b *testing.B) { run(b, func() { sumPrefixedGeneric(dst, 1, msgs) }) })
	b.Run("xcrypto", func(b *testing.B) {
		buf := make([]byte, length+1)
		buf[0] = 1
		run(b, func() {
			for i, m := range msgs {
				copy(buf[1:], m)
				dst[i] = blake2b.Sum256(buf)
			}
		})
	})
}

func BenchmarkSumPrefixed303(b *testing.B) { benchPrefixed(b, 1<<14, 302) }

func BenchmarkSumPrefixed(b *testing.B) {
	for _, l := range []int{2, 6, 76, 302, 40000} {
		b.Run(fmt.Sprint(l+1), func(b *testing.B) { benchPrefixed(b, max(64, (1<<22)/(l+1)), l) })
	}
}

func BenchmarkSumPairs(b *testing.B) {
	const count = 1 << 14
	rng := rand.New(rand.NewPCG(11, 12))
	src := make([]Digest, 2*count)
	for i := range src {
		for k := range src[i] {
			src[i][k] = byte(rng.Uint32())
		}
	}
	dst := make([]Digest, count)
	run := func(b *testing.B, fn func()) {
		b.SetBytes(65 * count)
		for b.Loop() {
			fn()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/count, "ns/msg")
	}
	b.Run("b2", func(b *testing.B) { run(b, func() { SumPairs(dst, 1, src) }) })
	b.Run("generic", func(b *testing.B) { run(b, func() { sumPairsGeneric(dst, 1, src) }) })
	b.Run("xcrypto", func(b *testing.B) {
		var buf [65]byte
		buf[0] = 1
		run(b, func() {
			for i := range dst {
				copy(buf[1:33], src[2*i][:])
				copy(buf[33:], src[2*i+1][:])
				dst[i] = blake2b.Sum256(buf[:])
			}
		})
	})
}
