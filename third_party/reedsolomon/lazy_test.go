package reedsolomon

// Tests of the changes this copy carries (see PATCHES.md).

import (
	"testing"
)

func gfniMatricesRef() *[order][4]uint64 {
	m := &[order][4]uint64{}
	for logM := range m[:] {
		var A, B, C, D uint64

		// A, C: effect of input lo_byte bits on output
		// VGF2P8AFFINEQB accesses byte (7-j) for output bit j, so we need:
		// position = (7-outputBit)*8 + inputBit
		for inputBit := range 8 {
			result := mulLog(ffe(1<<inputBit), ffe(logM))
			for outputBit := range 8 {
				if (byte(result)>>outputBit)&1 == 1 {
					A |= 1 << ((7-outputBit)*8 + inputBit)
				}
				if (byte(result>>8)>>outputBit)&1 == 1 {
					C |= 1 << ((7-outputBit)*8 + inputBit)
				}
			}
		}

		// B, D: effect of input hi_byte bits on output
		for inputBit := range 8 {
			result := mulLog(ffe(1<<(inputBit+8)), ffe(logM))
			for outputBit := range 8 {
				if (byte(result)>>outputBit)&1 == 1 {
					B |= 1 << ((7-outputBit)*8 + inputBit)
				}
				if (byte(result>>8)>>outputBit)&1 == 1 {
					D |= 1 << ((7-outputBit)*8 + inputBit)
				}
			}
		}

		m[logM] = [4]uint64{A, B, C, D}
	}
	return m
}

// TestGFNIMatrices checks the transposing construction of the GFNI
// matrices against upstream's bit-by-bit one, for every multiplier.
func TestGFNIMatrices(t *testing.T) {
	initConstants()
	want := gfniMatricesRef()
	save := gf2p811dMulMatrices16
	defer func() { gf2p811dMulMatrices16 = save }()
	initGFNIMatrices()
	for logM := range want {
		if gf2p811dMulMatrices16[logM] != want[logM] {
			t.Fatalf("log_m %d: got %x, want %x", logM, gf2p811dMulMatrices16[logM], want[logM])
		}
	}
}

// TestLazyTables checks that the tables built on first use hold the
// products they stand for.
func TestLazyTables(t *testing.T) {
	initConstants()
	for _, logM := range []ffe{0, 1, 2, 1000, 40000, modulus - 1} {
		l16 := &getMul16LUTs()[logM]
		l256 := &mul256LUT()[logM]
		for x := range order {
			want := mulLog(ffe(x), logM)
			if got := l16.Lo[x&255] ^ l16.Hi[x>>8]; got != want {
				t.Fatalf("mul16LUTs[%d] at %#x: %#x, want %#x", logM, x, got, want)
			}
			var got ffe
			for n := range 4 {
				nib := (x >> (4 * n)) & 15
				got ^= ffe(l256[n*16+nib]) | ffe(l256[64+n*16+nib])<<8
			}
			if got != want {
				t.Fatalf("multiply256LUT[%d] at %#x: %#x, want %#x", logM, x, got, want)
			}
		}
	}
}
