package wallet

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/decred/dcrd/bech32"
)

var allSchemes = []Scheme{Ed25519, Secp256k1, Secp256r1}

// testKey returns a key of scheme s drawn from a fixed seed.
func testKey(t testing.TB, s Scheme, seed byte) *Key {
	t.Helper()
	k, err := NewKey(s, mrand.NewChaCha8([32]byte{seed, byte(s)}))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// secretForms are the ways a key's secret could leak into text.
func secretForms(k *Key) []string {
	return []string{hex.EncodeToString(k.secret[:]), k.Encode(), k.Bech32(),
		base64.StdEncoding.EncodeToString(k.secret[:])[:20], fmt.Sprint(k.secret[:8])[1:20]}
}

func assertNoSecret(t *testing.T, what, text string, k *Key) {
	t.Helper()
	for _, f := range secretForms(k) {
		if strings.Contains(text, f) {
			t.Errorf("%s shows the secret (%q): %s", what, f, text)
		}
	}
}

func TestScheme(t *testing.T) {
	for _, s := range allSchemes {
		p, err := ParseScheme(strings.ToUpper(s.String()))
		if err != nil || p != s {
			t.Errorf("ParseScheme(%q) = %v, %v", s, p, err)
		}
	}
	if got := Scheme(5).String(); got != "scheme(5)" {
		t.Errorf("Scheme(5) = %q", got)
	}
	if _, err := ParseScheme("bls12381"); err == nil || !strings.Contains(err.Error(), "want ed25519, secp256k1 or secp256r1") {
		t.Errorf("ParseScheme(bls12381): %v", err)
	}
}

// TestKeyForms: every form of a key parses back to it; sizes and the
// address follow the Sui formats.
func TestKeyForms(t *testing.T) {
	for _, s := range allSchemes {
		k := testKey(t, s, 1)
		wantPub := 33
		if s == Ed25519 {
			wantPub = 32
		}
		if k.Scheme() != s || len(k.PublicKey()) != wantPub {
			t.Errorf("%v: scheme %v, public key %d bytes", s, k.Scheme(), len(k.PublicKey()))
		}
		if s != Ed25519 && k.PublicKey()[0] != 2 && k.PublicKey()[0] != 3 {
			t.Errorf("%v public key is not compressed: %x", s, k.PublicKey())
		}
		if len(k.Address()) != 66 || !strings.HasPrefix(k.Address(), "0x") || strings.ToLower(k.Address()) != k.Address() {
			t.Errorf("%v address %q", s, k.Address())
		}
		if raw, _ := base64.StdEncoding.DecodeString(k.Encode()); len(raw) != 33 || raw[0] != byte(s) {
			t.Errorf("%v Encode() is not base64 of flag and secret", s)
		}
		if !strings.HasPrefix(k.Bech32(), "suiprivkey1") {
			t.Errorf("%v Bech32() = %s…", s, k.Bech32()[:11])
		}
		pkb, _ := base64.StdEncoding.DecodeString(k.PublicKeyBase64())
		if pkb[0] != byte(s) || !bytes.Equal(pkb[1:], k.PublicKey()) {
			t.Errorf("%v PublicKeyBase64", s)
		}
		for _, form := range []string{k.Encode(), k.Bech32(), strings.ToUpper(k.Bech32()), " " + k.Encode() + "\n"} {
			k2, err := ParseKey(form)
			if err != nil || k2.Address() != k.Address() || k2.Encode() != k.Encode() {
				t.Errorf("%v: ParseKey of a form of the key: %v, %v", s, k2, err)
			}
		}
		// PublicKey returns a copy.
		k.PublicKey()[1] ^= 1
		if k2, _ := ParseKey(k.Encode()); !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
			t.Errorf("%v: PublicKey exposes the key's own slice", s)
		}
	}
}

func TestNewKey(t *testing.T) {
	for _, s := range allSchemes {
		a, b := testKey(t, s, 7), testKey(t, s, 7)
		if a.Encode() != b.Encode() || testKey(t, s, 8).Encode() == a.Encode() {
			t.Errorf("%v: NewKey does not follow its random source", s)
		}
	}
	if _, err := NewKey(Scheme(3), mrand.NewChaCha8([32]byte{})); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("NewKey(3): %v", err)
	}
	if _, err := NewKey(Ed25519, iotest.ErrReader(errors.New("entropy gone"))); err == nil || !strings.Contains(err.Error(), "entropy gone") {
		t.Errorf("NewKey with a failing reader: %v", err)
	}
	// A draw at or above the curve order is skipped, not used or fatal.
	ff := bytes.Repeat([]byte{0xff}, 32)
	good := append([]byte(nil), ff...)
	good[0] = 0x11
	for _, s := range []Scheme{Secp256k1, Secp256r1} {
		k, err := NewKey(s, bytes.NewReader(append(append([]byte(nil), ff...), good...)))
		if err != nil || !bytes.Equal(k.secret[:], good) {
			t.Errorf("%v: NewKey after an invalid draw: %v", s, err)
		}
		if _, err := NewKey(s, bytes.NewReader(bytes.Repeat([]byte{0xff}, 32*64))); err == nil {
			t.Errorf("%v: NewKey with only invalid draws succeeded", s)
		}
	}
}

// TestKeyNeverPrintsSecret: fmt under every verb, slog and JSON show the
// scheme and address only.
func TestKeyNeverPrintsSecret(t *testing.T) {
	for _, s := range allSchemes {
		k := testKey(t, s, 2)
		want := s.String() + " " + k.Address()
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			got := fmt.Sprintf(verb, k)
			assertNoSecret(t, verb, got, k)
			if verb != "%T %v" && got != want {
				t.Errorf("%s of a key = %q, want %q", verb, got, want)
			}
		}
		if got := fmt.Sprint([]*Key{k}); got != "["+want+"]" {
			t.Errorf("Sprint of a slice = %q", got)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("signing", "key", k)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("signing", "key", k)
		assertNoSecret(t, "slog", buf.String(), k)
		if !strings.Contains(buf.String(), `"key":"`+want+`"`) || !strings.Contains(buf.String(), `key="`+want+`"`) {
			t.Errorf("slog output: %s", buf.String())
		}
		// Inside a JSON payload (say a log record) a key is an empty object.
		j, _ := json.Marshal(map[string]any{"key": k})
		if string(j) != `{"key":{}}` {
			t.Errorf("json of a key: %s", j)
		}
	}
}

// flagged returns base64(flag ‖ secret).
func flagged(flag byte, secret []byte) string {
	return base64.StdEncoding.EncodeToString(append([]byte{flag}, secret...))
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseKeyErrors(t *testing.T) {
	secret := bytes.Repeat([]byte{0x5a}, 32)
	good, err := FromBytes(append([]byte{0}, secret...))
	if err != nil {
		t.Fatal(err)
	}
	b32 := good.Bech32()
	badSum := b32[:len(b32)-1] + map[bool]string{true: "q", false: "p"}[b32[len(b32)-1] != 'q']
	conv, _ := bech32.ConvertBits(append([]byte{0}, secret...), 8, 5, true)
	otherHRP, _ := bech32.Encode("bc", conv)
	conv32, _ := bech32.ConvertBits(secret, 8, 5, true)
	short, _ := bech32.Encode(HRP, conv32)
	k1n := mustHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
	r1n := mustHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
	tests := []struct {
		name, in, want string
		is             error
	}{
		{"empty", " ", "empty key string", nil},
		{"not base64", "this is no key!", "neither base64", nil},
		{"url base64", strings.NewReplacer("+", "-", "/", "_").Replace(flagged(0, bytes.Repeat([]byte{0xfb}, 32))), "neither base64", nil},
		{"bare secret", base64.StdEncoding.EncodeToString(secret), "key is 32 bytes, want 33 (scheme flag and 32-byte secret) (a bare secret", nil},
		{"34 bytes", flagged(0, append(secret, 1)), "key is 34 bytes, want 33", nil},
		{"legacy form", flagged(0, append(secret, secret...)), "pre-2023 keystore form", nil},
		{"multisig flag", flagged(3, secret), "unsupported key scheme flag 3 (multisig;", ErrUnsupportedScheme},
		{"BLS flag", flagged(4, secret), "unsupported key scheme flag 4 (BLS12-381;", ErrUnsupportedScheme},
		{"zklogin flag", flagged(5, secret), "unsupported key scheme flag 5 (zkLogin;", ErrUnsupportedScheme},
		{"passkey flag", flagged(6, secret), "unsupported key scheme flag 6 (passkey;", ErrUnsupportedScheme},
		{"unknown flag", flagged(0x80, secret), "unsupported key scheme flag 128", ErrUnsupportedScheme},
		{"secp256k1 zero", flagged(1, make([]byte, 32)), "secp256k1 secret is zero or not below the curve order", nil},
		{"secp256k1 n", flagged(1, k1n), "secp256k1 secret is zero or not below the curve order", nil},
		{"secp256r1 zero", flagged(2, make([]byte, 32)), "secp256r1 secret is zero or not below the curve order", nil},
		{"secp256r1 n", flagged(2, r1n), "secp256r1 secret is zero or not below the curve order", nil},
		{"bad checksum", badSum, "suiprivkey string: bad bech32 checksum", nil},
		{"truncated", b32[:len(b32)-5], "suiprivkey string: bad bech32 checksum", nil},
		{"bad character", b32[:20] + "b" + b32[21:], "suiprivkey string: character not in the bech32 alphabet", nil},
		{"mixed case", strings.ToUpper(b32[:15]) + b32[15:], "suiprivkey string: mixed upper and lower case", nil},
		{"wrong HRP", otherHRP, `bech32 string with prefix "bc", want "suiprivkey"`, nil},
		{"suiprivkey of 32 bytes", short, "key is 32 bytes, want 33", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if err == nil {
				t.Fatalf("ParseKey accepted it: %v", k)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wallet: ") {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %q is not %v", err, tt.is)
			}
			leaks := []string{hex.EncodeToString(secret), good.Encode(), b32[11:40], "5a5a5a"}
			if strings.TrimSpace(tt.in) != "" {
				leaks = append(leaks, tt.in)
			}
			for _, f := range leaks {
				if strings.Contains(err.Error(), f) {
					t.Fatalf("error %q shows key material %q", err, f)
				}
			}
		})
	}
}
