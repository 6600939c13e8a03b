package certificate

import (
	"bytes"
	"testing"

	GG "github.com/cloudflare/circl/ecc/bls12381"
	"github.com/cloudflare/circl/ecc/bls12381/ff"
)

// badPoint is a named byte string that is not a valid key or signature.
type badPoint struct {
	name string
	b    []byte
}

// fpBytes is the 48-byte big-endian encoding of the small integer c.
func fpBytes(c uint64) []byte {
	var x ff.Fp
	x.SetUint64(c)
	b, err := x.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return b
}

// g1X finds the smallest x >= 1 for which x³+4 is (or is not) a square in
// Fp, i.e. a compressed G1 encoding on (or off) the curve.
func g1X(t testing.TB, square bool) []byte {
	t.Helper()
	for c := uint64(1); c < 1000; c++ {
		var x, rhs, y, four ff.Fp
		x.SetUint64(c)
		four.SetUint64(4)
		rhs.Sqr(&x)
		rhs.Mul(&rhs, &x)
		rhs.Add(&rhs, &four)
		if (y.Sqrt(&rhs) == 1) == square {
			b := fpBytes(c)
			b[0] |= 0x80
			return b
		}
	}
	t.Fatal("no x found")
	return nil
}

// g2X is g1X for G2 (y² = x³ + 4(1+u)) with x = c + 0·u; the compressed
// encoding is x.c1 ‖ x.c0 with the flags in the first byte.
func g2X(t testing.TB, square bool) []byte {
	t.Helper()
	for c := uint64(1); c < 1000; c++ {
		var x, rhs, y, b ff.Fp2
		x[0].SetUint64(c)
		b[0].SetUint64(4)
		b[1].SetUint64(4)
		rhs.Sqr(&x)
		rhs.Mul(&rhs, &x)
		rhs.Add(&rhs, &b)
		if (y.Sqrt(&rhs) == 1) == square {
			out := append(make([]byte, 48), fpBytes(c)...)
			out[0] |= 0x80
			return out
		}
	}
	t.Fatal("no x found")
	return nil
}

// uncompressedG1 returns the 96-byte uncompressed encoding of a key.
func uncompressedG1(t testing.TB, pk []byte) []byte {
	t.Helper()
	var p GG.G1
	if err := p.SetBytes(pk); err != nil {
		t.Fatal(err)
	}
	return p.Bytes()
}

// uncompressedG2 returns the 192-byte uncompressed encoding of a signature.
func uncompressedG2(t testing.TB, sig []byte) []byte {
	t.Helper()
	var p GG.G2
	if err := p.SetBytes(sig); err != nil {
		t.Fatal(err)
	}
	return p.Bytes()
}

// badPublicKeys are G1 encodings a verifier must refuse.
func badPublicKeys(t testing.TB, valid []byte) []badPoint {
	t.Helper()
	var g GG.G1
	g.SetIdentity()
	infinity := g.BytesCompressed()
	uncompressed := uncompressedG1(t, valid)
	return []badPoint{
		{"empty", nil},
		{"short", valid[:47]},
		{"long", append(bytes.Clone(valid), 0)},
		{"infinity", infinity},
		{"not on curve", g1X(t, false)},
		{"not in subgroup", g1X(t, true)},
		{"compression flag cleared", func() []byte { b := bytes.Clone(valid); b[0] &^= 0x80; return b }()},
		{"uncompressed, flag set", func() []byte { b := bytes.Clone(uncompressed); b[0] |= 0x80; return b }()},
		{"uncompressed, short", uncompressed[:95]},
		{"x not reduced", func() []byte { b := bytes.Repeat([]byte{0xff}, 48); b[0] = 0x9f; return b }()},
	}
}

// badSignatures are G2 encodings a verifier must refuse.
func badSignatures(t testing.TB, valid []byte) []badPoint {
	t.Helper()
	var g GG.G2
	g.SetIdentity()
	infinity := g.BytesCompressed()
	uncompressed := uncompressedG2(t, valid)
	return []badPoint{
		{"empty", nil},
		{"short", valid[:95]},
		{"long", append(bytes.Clone(valid), 0)},
		{"infinity", infinity},
		{"not on curve", g2X(t, false)},
		{"not in subgroup", g2X(t, true)},
		{"compression flag cleared", func() []byte { b := bytes.Clone(valid); b[0] &^= 0x80; return b }()},
		{"uncompressed, flag set", func() []byte { b := bytes.Clone(uncompressed); b[0] |= 0x80; return b }()},
		{"uncompressed, y changed", func() []byte { b := bytes.Clone(uncompressed); b[191] ^= 1; return b }()},
		{"zeros", make([]byte, 96)},
	}
}

// TestBadPointsAreWhatTheySay makes sure the constructed encodings fail
// for the stated reason: off-curve x has no y, the other x does but the
// point is not in the subgroup.
func TestBadPointsAreWhatTheySay(t *testing.T) {
	var p1 GG.G1
	if err := p1.SetBytes(g1X(t, true)); err == nil {
		t.Fatal("G1 point outside the subgroup accepted by SetBytes")
	}
	var p2 GG.G2
	if err := p2.SetBytes(g2X(t, true)); err == nil {
		t.Fatal("G2 point outside the subgroup accepted by SetBytes")
	}
	if bytes.Equal(g1X(t, true), g1X(t, false)) || bytes.Equal(g2X(t, true), g2X(t, false)) {
		t.Fatal("on-curve and off-curve encodings coincide")
	}
}
