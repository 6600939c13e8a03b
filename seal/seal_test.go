package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// testKey returns a fixed non-zero key whose bytes depend on seed.
func testKey(seed byte) Key {
	var k Key
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

// randBytes returns n pseudo-random bytes from seed.
func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	lengths := []int{0, 1, 15, 16, 17, 65535, 65536, 65537, 2 * 65536, 2*65536 + 1, 4*65536 - 1, 5<<20 + 7}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		lengths = append(lengths, rng.IntN(12*65536))
	}
	for _, n := range lengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plain := randBytes(uint64(n), n)
			sealed := Seal(nil, k, plain)
			if got, want := int64(len(sealed)), SealedSize(int64(n)); got != want {
				t.Fatalf("len(Seal) = %d, want SealedSize = %d", got, want)
			}
			if n >= 32 && bytes.Contains(sealed, plain[:32]) {
				t.Fatal("sealed output contains the plaintext")
			}
			// Sequential and parallel paths give the same bytes.
			for _, w := range []int{1, 2, 3, 8} {
				if other := sealN(nil, k, plain, w); !bytes.Equal(other, sealed) {
					t.Fatalf("sealN with %d workers differs from Seal", w)
				}
			}
			got, err := Open(nil, k, sealed)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Fatal("Open(Seal(p)) != p")
			}
			for _, w := range []int{1, 2, 8} {
				got, err := openN(nil, k, int64(n), 0, sealed, w)
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("openN with %d workers: err %v, equal %v", w, err, bytes.Equal(got, plain))
				}
			}
			// Both append to dst and leave its prefix alone.
			prefix := []byte("prefix")
			s2 := Seal(append([]byte(nil), prefix...), k, plain)
			if !bytes.Equal(s2[:len(prefix)], prefix) || !bytes.Equal(s2[len(prefix):], sealed) {
				t.Fatal("Seal with a non-empty dst did not append")
			}
			p2, err := Open(append([]byte(nil), prefix...), k, sealed)
			if err != nil || !bytes.Equal(p2[:len(prefix)], prefix) || !bytes.Equal(p2[len(prefix):], plain) {
				t.Fatalf("Open with a non-empty dst did not append (err %v)", err)
			}
		})
	}
}

func TestSealFreshKeysDiffer(t *testing.T) {
	plain := randBytes(7, 1000)
	k1, _ := NewKey()
	k2, _ := NewKey()
	if k1 == k2 {
		t.Fatal("NewKey returned the same key twice")
	}
	if bytes.Equal(Seal(nil, k1, plain), Seal(nil, k2, plain)) {
		t.Fatal("two keys give the same ciphertext")
	}
	if !bytes.Equal(Seal(nil, k1, plain), Seal(nil, k1, plain)) {
		t.Fatal("Seal is not deterministic for a fixed key")
	}
}

// TestKnownAnswer builds the expected ciphertext of a 3-segment chunk with
// chacha20poly1305 directly from the format's definition, nonces spelled
// out byte by byte.
func TestKnownAnswer(t *testing.T) {
	k := testKey(0x40)
	plain := make([]byte, 2*65536+100)
	for i := range plain {
		plain[i] = byte(i*7 + i>>16)
	}
	aead, err := chacha20poly1305.New(k[:])
	if err != nil {
		t.Fatal(err)
	}
	segs := []struct {
		nonce [12]byte
		p     []byte
	}{
		{[12]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00}, plain[:65536]},
		{[12]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00}, plain[65536:131072]},
		{[12]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01}, plain[131072:]},
	}
	var want []byte
	for _, s := range segs {
		want = aead.Seal(want, s.nonce[:], s.p, nil)
	}
	if len(want) != 65552+65552+116 {
		t.Fatalf("expected ciphertext is %d bytes", len(want))
	}
	got := Seal(nil, k, plain)
	if !bytes.Equal(got, want) {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Seal differs from the definition at byte %d (segment %d)", i, i/65552)
			}
		}
		t.Fatalf("Seal: %d bytes, want %d", len(got), len(want))
	}
	// Pin the bytes: a change of the format (or of the primitive) shows here.
	// The same digest comes from an independent implementation (Python's
	// cryptography package, OpenSSL's ChaCha20-Poly1305) fed the same
	// key, nonces and segments.
	const digest = "d69a9f565a650d2cb2cc9d0841de40ccd40654e4e7805ea18424ff31186af69d"
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != digest {
		t.Fatalf("SHA-256 of the known answer = %x, want %s", sum, digest)
	}
}

func TestSegmentNonce(t *testing.T) {
	for _, tc := range []struct {
		i    int64
		last bool
		want string
	}{
		{0, false, "000000000000000000000000"},
		{0, true, "000000000000000000000001"},
		{1, false, "000000000000000000000100"},
		{255, true, "00000000000000000000ff01"},
		{256, false, "000000000000000000010000"},
		{0x0102030405060708, true, "000000010203040506070801"},
	} {
		n := segmentNonce(tc.i, tc.last)
		if got := hex.EncodeToString(n[:]); got != tc.want {
			t.Errorf("segmentNonce(%d, %v) = %s, want %s", tc.i, tc.last, got, tc.want)
		}
	}
}

func TestSizes(t *testing.T) {
	prev := int64(-1)
	for l := int64(0); l <= 4*65536+300; l++ {
		s := SealedSize(l)
		segs := max(1, (l+65535)/65536)
		if s != l+16*segs {
			t.Fatalf("SealedSize(%d) = %d, want %d", l, s, l+16*segs)
		}
		if s <= prev {
			t.Fatalf("SealedSize not increasing at %d", l)
		}
		prev = s
		back, err := PlainSize(s)
		if err != nil || back != l {
			t.Fatalf("PlainSize(SealedSize(%d)) = %d, %v", l, back, err)
		}
	}
	// Every sealed length is either the image of exactly one plaintext
	// length or ErrInvalid.
	valid := 0
	for s := int64(-5); s <= 4*65552+300; s++ {
		l, err := PlainSize(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("PlainSize(%d): %v is not ErrInvalid", s, err)
			}
			continue
		}
		valid++
		if SealedSize(l) != s {
			t.Fatalf("PlainSize(%d) = %d but SealedSize(%d) = %d", s, l, l, SealedSize(l))
		}
	}
	want := 0 // plaintext lengths whose sealed size is in the scanned range
	for l := int64(0); SealedSize(l) <= 4*65552+300; l++ {
		want++
	}
	if valid != want {
		t.Fatalf("%d valid sealed lengths, want %d", valid, want)
	}
	for _, tc := range []struct {
		sealed int64
		why    string
	}{
		{-1, "shorter than one tag"},
		{0, "shorter than one tag"},
		{15, "shorter than one tag"},
		{65552 + 1, "1-byte segment"},
		{65552 + 15, "15-byte segment"},
		{65552 + 16, "empty segment after a full one"},
		{3*65552 + 16, "empty segment after a full one"},
		{2*65552 + 7, "7-byte segment"},
	} {
		_, err := PlainSize(tc.sealed)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("PlainSize(%d) = %v, want ErrInvalid mentioning %q", tc.sealed, err, tc.why)
		}
	}
	// Large values do not overflow.
	if got := SealedSize(maxPlainLen); got != maxPlainLen+16*(maxPlainLen/65536) {
		t.Errorf("SealedSize(2^62) = %d", got)
	}
	if l, err := PlainSize(SealedSize(maxPlainLen)); err != nil || l != maxPlainLen {
		t.Errorf("PlainSize(SealedSize(2^62)) = %d, %v", l, err)
	}
}

// mustPanic runs f and fails unless it panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		if !strings.Contains(fmt.Sprint(r), want) {
			t.Fatalf("panic %q, want one mentioning %q", r, want)
		}
	}()
	f()
}

func TestProgrammingErrorsPanic(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"SealedSize negative", "out of range", func() { SealedSize(-1) }},
		{"SealedSize huge", "out of range", func() { SealedSize(maxPlainLen + 1) }},
		{"Span negative off", "negative offset", func() { Span(100, -1, 1) }},
		{"Span negative n", "negative offset", func() { Span(100, 0, -1) }},
		{"Span negative plainLen", "out of range", func() { Span(-1, 0, 1) }},
		{"Seal zero key", "zero Key", func() { Seal(nil, Key{}, []byte("x")) }},
		{"Derive zero key", "zero Key", func() { Derive(Key{}, "x") }},
	} {
		t.Run(tc.name, func(t *testing.T) { mustPanic(t, tc.want, tc.f) })
	}
}

// TestMaxPlain: MaxPlain(limit) seals to at most limit, and one byte more
// would not fit.
func TestMaxPlain(t *testing.T) {
	for _, limit := range []int64{0, 15, 16, 17, 100, 65536, 65551, 65552, 65553, 65568, 65569, 262144, 10 << 20, 1<<30 + 7} {
		p := MaxPlain(limit)
		if limit < TagSize {
			if p != 0 {
				t.Fatalf("MaxPlain(%d) = %d", limit, p)
			}
			continue
		}
		if SealedSize(p) > limit || SealedSize(p+1) <= limit {
			t.Fatalf("MaxPlain(%d) = %d: sealed %d, one more %d", limit, p, SealedSize(p), SealedSize(p+1))
		}
	}
}
