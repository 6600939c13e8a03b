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

	high  reedsolomon.Encoder   // high rate: New(k, r)
	steps []reedsolomon.Encoder // low rate: H_K, H_2K, ... until K+r values
	dec   reedsolomon.Encoder   // low rate decoder: New(K, K)
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
	c.bigK = nextPow2(k)
	for m := c.bigK; m < c.bigK+r; m *= 2 {
		h, err := reedsolomon.New(m, m, opt)
		if err != nil {
			return nil, err
		}
		c.steps = append(c.steps, h)
	}
	c.dec, err = reedsolomon.New(c.bigK, c.bigK, opt)
	return c, err
}

// codeScratch holds per-goroutine buffers for one shard size.
type codeScratch struct {
	size  int
	zero  []byte   // an all-zero shard, never written
	extra [][]byte // low-rate positions past K+r
	work  [][]byte
}

func (c *rsCode) newScratch(size int) *codeScratch {
	s := &codeScratch{size: size}
	if c.low {
		s.zero = make([]byte, size)
		total := c.bigK
		for range c.steps {
			total *= 2
		}
		for range total - (c.bigK + c.r) {
			s.extra = append(s.extra, make([]byte, size))
		}
		s.work = make([][]byte, 0, total)
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
	known := append(sc.work[:0], src...)
	for len(known) < c.bigK {
		known = append(known, sc.zero)
	}
	extra := sc.extra
	for _, h := range c.steps {
		m := len(known)
		shards := known
		for pos := m; pos < 2*m; pos++ {
			if j := pos - c.bigK; j < c.r {
				shards = append(shards, out[j])
			} else {
				shards = append(shards, extra[0])
				extra = extra[1:]
			}
		}
		if err := h.Encode(shards); err != nil {
			return err
		}
		known = shards
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
