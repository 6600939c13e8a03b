package rs2

import (
	"fmt"
	"sync"
)

// GF(2^16) arithmetic in the representation reed-solomon-simd and Leopard
// use: polynomial 0x1002D, elements written in a Cantor basis so that the
// FFT evaluation point of position i is the field element i. Only the
// general low-rate decoder below needs it; the hot paths go through
// klauspost's SIMD code.
type gfTables struct {
	log [65536]uint16
	exp [65536]uint16
}

const gfModulus = 65535

var (
	gfOnce sync.Once
	gf     *gfTables // immutable after gfOnce
)

func gfInit() *gfTables {
	gfOnce.Do(func() {
		t := &gfTables{}
		cantor := [16]uint16{
			0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
			0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E,
		}
		state := 1
		for i := range gfModulus {
			t.exp[state] = uint16(i)
			state <<= 1
			if state >= 65536 {
				state ^= 0x1002D
			}
		}
		t.exp[0] = gfModulus
		t.log[0] = 0
		for i := range 16 {
			w := 1 << i
			for j := range w {
				t.log[j+w] = t.log[j] ^ cantor[i]
			}
		}
		for i := range 65536 {
			t.log[i] = t.exp[t.log[i]]
		}
		for i := range 65536 {
			t.exp[t.log[i]] = uint16(i)
		}
		t.exp[gfModulus] = t.exp[0]
		gf = t
	})
	return gf
}

func (t *gfTables) mul(a, b uint16) uint16 {
	if a == 0 || b == 0 {
		return 0
	}
	s := uint32(t.log[a]) + uint32(t.log[b])
	if s >= gfModulus {
		s -= gfModulus
	}
	return t.exp[s]
}

func (t *gfTables) inv(a uint16) uint16 {
	return t.exp[(gfModulus-uint32(t.log[a]))%gfModulus]
}

// lagrangeReconstruct is the general low-rate decoder: it fills the missing
// source shards (nil in shards[0:k]) from any k present shards, including
// recovery shards past K that the klauspost decoder cannot use. It
// interpolates the degree < K polynomial through the K-k zero positions and
// k present positions (O(missing x k) multiplications per element), so it is
// only used when the fast path cannot be.
func (c *rsCode) lagrangeReconstruct(shards [][]byte, size int) error {
	t := gfInit()
	var pos []int     // FFT positions of the interpolation set S
	var present []int // indices into shards of the non-zero members of S
	var missing []int
	for i := 0; i < c.k; i++ {
		if shards[i] == nil {
			missing = append(missing, i)
		} else if len(present) < c.k {
			present = append(present, i)
			pos = append(pos, i)
		}
	}
	for i := c.k; i < len(shards) && len(present) < c.k; i++ {
		if shards[i] != nil {
			present = append(present, i)
			pos = append(pos, c.bigK+i-c.k)
		}
	}
	if len(present) < c.k {
		return errTooFewRows
	}
	for z := c.k; z < c.bigK; z++ {
		pos = append(pos, z)
	}
	if len(pos) != c.bigK {
		return fmt.Errorf("lagrange: %d points, want %d", len(pos), c.bigK)
	}
	// w[s] = 1 / prod_{u != s} (x_s - x_u), for the present members only.
	w := make([]uint16, len(present))
	for si := range present {
		prod := uint16(1)
		for ui, xu := range pos {
			if ui != si {
				prod = t.mul(prod, uint16(pos[si]^xu))
			}
		}
		w[si] = t.inv(prod)
	}
	for _, m := range missing {
		// coef[s] = w[s] * A(x_m) / (x_m - x_s)
		a := uint16(1)
		for _, xu := range pos {
			a = t.mul(a, uint16(m^xu))
		}
		out := make([]byte, size)
		for si, idx := range present {
			coef := t.mul(t.mul(w[si], a), t.inv(uint16(m^pos[si])))
			mulAddBlocks(t, out, shards[idx], coef)
		}
		shards[m] = out
	}
	return nil
}

// mulAddBlocks adds coef * in to out, element-wise in the 64-byte block
// layout (low bytes at j, high bytes at 32+j).
func mulAddBlocks(t *gfTables, out, in []byte, coef uint16) {
	if coef == 0 {
		return
	}
	lc := uint32(t.log[coef])
	for b := 0; b+64 <= len(in); b += 64 {
		for j := range 32 {
			v := uint16(in[b+j]) | uint16(in[b+32+j])<<8
			if v == 0 {
				continue
			}
			s := uint32(t.log[v]) + lc
			if s >= gfModulus {
				s -= gfModulus
			}
			p := t.exp[s]
			out[b+j] ^= byte(p)
			out[b+32+j] ^= byte(p >> 8)
		}
	}
}
