package rs2

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/klauspost/reedsolomon"
)

// rsCode is one systematic Reed-Solomon code of reed-solomon-simd 3.1.0
// (what walrus-core uses): k source shards, r recovery shards, GF(2^16),
// Leopard/Lin-Chung-Han FFT. reed-solomon-simd picks one of two codes:
//
//   - high rate (Leopard's classic code, what klauspost implements);
//   - low rate: recovery j is the value at FFT position K+j (K =
//     nextPow2(k)) of the degree < K polynomial through the k originals
//     zero-padded to K.
//
// klauspost has no low-rate mode, so it is emulated: H_m = klauspost
// New(m, m) maps the values of a degree < m polynomial on positions [0, m)
// to [m, 2m) (translation symmetry of the additive FFT), so starting from
// the K padded originals and doubling until K+r values are known gives the
// low-rate recovery shards. See ../shared/walrus-protocol.md §1.6.
type rsCode struct {
	k, r int
	low  bool
	bigK int // nextPow2(k), low rate only

	high reedsolomon.Encoder // high rate: New(k, r)
	// Low rate: step i maps the values at positions [0, m) to those at
	// [m, m+outs[i]), m = K<<i: H_m, computing only as many values as
	// needed (see newRSCode).
	steps []reedsolomon.Encoder
	outs  []int
	dec   reedsolomon.Encoder // low rate decoder: New(K, K)
}

func nextPow2(v int) int {
	if v <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(v-1))
}

// prevPow2 is the largest power of two <= v (1 for v <= 1).
func prevPow2(v int) int {
	if v <= 1 {
		return 1
	}
	return 1 << (bits.Len(uint(v)) - 1)
}

// useLowRate mirrors reed-solomon-simd's DefaultRate::use_high_rate.
func useLowRate(k, r int) bool {
	kk, rr := nextPow2(k), nextPow2(r)
	if kk != rr {
		return kk < rr
	}
	return k > r
}

func newRSCode(k, r int) (*rsCode, error) {
	c := &rsCode{k: k, r: r, low: useLowRate(k, r)}
	opt := reedsolomon.WithLeopardGF16(true)
	var err error
	if !c.low {
		c.high, err = reedsolomon.New(k, r, opt)
		return c, err
	}
	// Step m is klauspost's New(in, outs) with FFT size ceilPow2(outs) = m
	// (outs > m/2): its parity shards are the values at positions
	// [m, m+outs) of the degree < m polynomial through the values at
	// [0, m) (the translation symmetry above), and it computes only those;
	// only the last step needs fewer than m. The first step leaves out the
	// zero padding of the originals past k: klauspost pads its data shards
	// with zeros up to m itself, and skips the work on them.
	c.bigK = nextPow2(k)
	for m := c.bigK; m < c.bigK+r; m *= 2 {
		outs := max(min(m, c.bigK+r-m), m/2+1)
		in := m
		if m == c.bigK {
			in = k
		}
		h, err := reedsolomon.New(in, outs, opt)
		if err != nil {
			return nil, err
		}
		c.steps = append(c.steps, h)
		c.outs = append(c.outs, outs)
	}
	c.dec, err = reedsolomon.New(c.bigK, c.bigK, opt)
	return c, err
}

// codeScratch holds per-goroutine buffers for one shard size.
type codeScratch struct {
	size  int
	zero  []byte   // an all-zero shard, never written
	extra [][]byte // low-rate positions computed past K+r
	known [][]byte // low rate: the shards of positions [0, m)
	call  [][]byte // low rate: the shards passed to one step
}

func (c *rsCode) newScratch(size int) *codeScratch {
	s := &codeScratch{size: size}
	if c.low {
		s.zero = make([]byte, size)
		last := len(c.steps) - 1
		total := c.bigK<<last + c.outs[last] // positions computed
		for range total - (c.bigK + c.r) {
			s.extra = append(s.extra, make([]byte, size))
		}
		s.known = make([][]byte, 0, total)
		s.call = make([][]byte, 0, total)
	}
	return s
}

// encode computes the r recovery shards of the k source shards into out.
// All shards have sc.size bytes.
func (c *rsCode) encode(src, out [][]byte, sc *codeScratch) error {
	if !c.low {
		shards := make([][]byte, 0, c.k+c.r)
		shards = append(append(shards, src...), out...)
		return c.high.Encode(shards)
	}
	known := append(sc.known[:0], src...)
	for len(known) < c.bigK {
		known = append(known, sc.zero)
	}
	extra := sc.extra
	for i, h := range c.steps {
		m := c.bigK << i
		call := append(sc.call[:0], known[:m]...)
		if i == 0 {
			call = call[:c.k] // the zero padding is implicit
		}
		for pos := m; pos < m+c.outs[i]; pos++ {
			s := extra
			if j := pos - c.bigK; j < c.r {
				s = out[j:]
			} else {
				extra = extra[1:]
			}
			call = append(call, s[0])
			known = append(known, s[0])
		}
		if err := h.Encode(call); err != nil {
			return err
		}
	}
	return nil
}

// errTooFewRows is returned by reconstruct when the given shards cannot
// determine the source.
var errTooFewRows = errors.New("not enough shards to decode")

// reconstruct fills the missing source shards (nil entries of
// shards[0:k]) from the others. shards has k+r entries: source shards then
// recovery shards, nil where unknown; missing source entries must have
// capacity sc.size or be nil (then they are allocated).
func (c *rsCode) reconstruct(shards [][]byte, sc *codeScratch) error {
	if len(shards) != c.k+c.r {
		return fmt.Errorf("reconstruct: %d shards, want %d", len(shards), c.k+c.r)
	}
	if !c.low {
		return c.high.ReconstructData(shards)
	}
	// Low rate: positions [0,K) are the padded source, [K,2K) the first K
	// recovery shards; klauspost's New(K,K) decoder sees the same two
	// cosets. Recovery shards past K cannot be used here.
	all := make([][]byte, 2*c.bigK)
	copy(all, shards[:c.k])
	for i := c.k; i < c.bigK; i++ {
		all[i] = sc.zero
	}
	usable := 0
	for i, s := range shards {
		if s == nil {
			continue
		}
		if i >= c.k {
			j := i - c.k
			if j >= c.bigK {
				continue
			}
			all[c.bigK+j] = s
		}
		usable++
	}
	if usable < c.k {
		// Too few shards below position 2K: fall back to the general
		// (slow) decoder, which can use every recovery shard.
		return c.lagrangeReconstruct(shards, sc.size)
	}
	if err := c.dec.ReconstructData(all); err != nil {
		return err
	}
	copy(shards[:c.k], all[:c.k])
	return nil
}
