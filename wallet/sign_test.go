package wallet

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"
)

func TestTransactionDigest(t *testing.T) {
	tx := []byte("transaction data")
	want := blake2b.Sum256(append([]byte{0, 0, 0}, tx...))
	if TransactionDigest(tx) != want {
		t.Fatal("TransactionDigest is not blake2b-256(00 00 00 ‖ tx)")
	}
}

// TestSignVerify: signatures are deterministic, low-s, of the Sui sizes,
// and verify to the signer's address.
func TestSignVerify(t *testing.T) {
	rng := mrand.NewChaCha8([32]byte{9})
	for _, s := range allSchemes {
		k := testKey(t, s, 3)
		normalised := 0
		for i := range 200 {
			tx := make([]byte, i*7)
			rng.Read(tx)
			sig := k.SignTransaction(tx)
			if !bytes.Equal(sig, k.SignTransaction(tx)) {
				t.Fatalf("%v: signing is not deterministic", s)
			}
			wantLen := 98
			if s == Ed25519 {
				wantLen = 97
			}
			if len(sig) != wantLen || sig[0] != byte(s) || !bytes.Equal(sig[65:], k.PublicKey()) {
				t.Fatalf("%v: serialized signature %x is not flag ‖ sig ‖ pk", s, sig)
			}
			if addr, err := VerifyTransaction(tx, sig); err != nil || addr != k.Address() {
				t.Fatalf("%v: VerifyTransaction = %s, %v", s, addr, err)
			}
			if s != Ed25519 {
				if _, err := VerifyTransaction(tx, highS(sig)); err == nil || !strings.Contains(err.Error(), "high s") {
					t.Fatalf("%v: high-s form: %v", s, err)
				}
			}
			if s == Secp256r1 {
				// crypto/ecdsa does not normalise s: count the signatures
				// SignTransaction had to fix, to know that path ran.
				d := TransactionDigest(tx)
				h := sha256.Sum256(d[:])
				if der, err := k.r1.Sign(nil, h[:], crypto.SHA256); err == nil {
					if _, s0, ok := parseDER(der); ok && s0.Cmp(p256HalfN) > 0 {
						normalised++
					}
				}
			}
		}
		if s == Secp256r1 && (normalised < 50 || normalised > 150) {
			t.Errorf("secp256r1: %d of 200 signatures needed a low s, want about half", normalised)
		}
	}
}

// TestVerifyRejects: every corruption of a signature, a key or the
// transaction is refused with ErrBadSignature and a reason.
func TestVerifyRejects(t *testing.T) {
	tx := []byte("pay 1 WAL")
	k1n, _ := new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	r1n := elliptic.P256().Params().N
	for _, s := range allSchemes {
		k := testKey(t, s, 4)
		sig := k.SignTransaction(tx)
		n := k1n
		if s == Secp256r1 {
			n = r1n
		}
		with := func(f func(b []byte)) []byte {
			b := bytes.Clone(sig)
			f(b)
			return b
		}
		type tc struct {
			name string
			tx   []byte
			sig  []byte
			want string
		}
		tests := []tc{
			{"tampered tx", []byte("pay 2 WAL"), sig, "does not match"},
			{"empty tx", nil, sig, "does not match"},
			{"tampered r", tx, tamper(sig, 5), ""},
			{"tampered s", tx, tamper(sig, 40), ""},
			{"tampered public key", tx, tamper(sig, 70), ""},
			{"truncated", tx, sig[:len(sig)-1], "bytes, want"},
			{"extended", tx, append(bytes.Clone(sig), 0), "bytes, want"},
			{"empty", tx, nil, "empty"},
			{"multisig flag", tx, with(func(b []byte) { b[0] = 3 }), "multisig signatures (flag 3) are not supported"},
			{"zklogin flag", tx, with(func(b []byte) { b[0] = 5 }), "zkLogin signatures (flag 5) are not supported"},
			{"unknown flag", tx, with(func(b []byte) { b[0] = 9 }), "unknown signature scheme flag 9"},
		}
		if s != Ed25519 {
			other := Secp256k1
			if s == Secp256k1 {
				other = Secp256r1
			}
			setS := func(v *big.Int) []byte { return with(func(b []byte) { v.FillBytes(b[33:65]) }) }
			setR := func(v *big.Int) []byte { return with(func(b []byte) { v.FillBytes(b[1:33]) }) }
			tests = append(tests,
				tc{"other curve's flag", tx, with(func(b []byte) { b[0] = byte(other) }), ""},
				tc{"high s", tx, highS(sig), "high s"},
				tc{"s = 0", tx, setS(big.NewInt(0)), "out of range"},
				tc{"s = n", tx, setS(n), "out of range"},
				tc{"r = 0", tx, setR(big.NewInt(0)), "out of range"},
				tc{"r = n", tx, setR(n), "out of range"},
				tc{"uncompressed prefix", tx, with(func(b []byte) { b[65] = 4 }), "not a compressed point"},
				tc{"public key off the curve", tx, with(func(b []byte) { copy(b[66:], offCurveX(t, s)) }), "not on the curve"},
			)
		} else {
			tests = append(tests, tc{"ecdsa flag on an ed25519 signature", tx, with(func(b []byte) { b[0] = 1 }), "bytes, want 98"})
		}
		for _, tt := range tests {
			addr, err := VerifyTransaction(tt.tx, tt.sig)
			if err == nil {
				t.Errorf("%v %s: accepted (address %s)", s, tt.name, addr)
				continue
			}
			if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v %s: error %q, want ErrBadSignature and %q", s, tt.name, err, tt.want)
			}
		}
	}
}

// offCurveX returns 32 bytes x such that 02 ‖ x is not a point of the
// curve of s.
func offCurveX(t *testing.T, s Scheme) []byte {
	t.Helper()
	for i := 1; i < 100; i++ {
		x := make([]byte, 32)
		x[31] = byte(i)
		pub := append([]byte{2}, x...)
		sig := append(append([]byte{byte(s)}, make([]byte, 64)...), pub...)
		sig[32], sig[64] = 1, 1
		if _, err := VerifyTransaction(nil, sig); err != nil && strings.Contains(err.Error(), "not on the curve") {
			return x
		}
	}
	t.Fatalf("no x off the %v curve found", s)
	return nil
}

// FuzzVerifyTransaction: no input panics, and whatever verifies names the
// address of the signature's own public key.
func FuzzVerifyTransaction(f *testing.F) {
	for _, s := range allSchemes {
		k := testKey(f, s, 5)
		f.Add([]byte("tx"), k.SignTransaction([]byte("tx")))
		f.Add([]byte("tx"), highS(k.SignTransaction([]byte("tx"))))
	}
	f.Add([]byte{}, []byte{})
	f.Add([]byte{}, []byte{3})
	f.Fuzz(func(t *testing.T, tx, sig []byte) {
		addr, err := VerifyTransaction(tx, sig)
		if err != nil {
			return
		}
		if want := addressOf(Scheme(sig[0]), sig[65:]); addr != want {
			t.Fatalf("address %s, want %s", addr, want)
		}
	})
}

// FuzzParseKey: no input panics, and what parses round-trips.
func FuzzParseKey(f *testing.F) {
	for _, s := range allSchemes {
		k := testKey(f, s, 6)
		f.Add(k.Encode())
		f.Add(k.Bech32())
	}
	f.Add("")
	f.Add("suiprivkey1")
	f.Add("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		for _, form := range []string{k.Encode(), k.Bech32()} {
			k2, err := ParseKey(form)
			if err != nil || k2.Address() != k.Address() {
				t.Fatalf("round trip of a parsed key: %v, %v", k2, err)
			}
		}
	})
}

// TestSignConcurrent: one key signs from many goroutines (run with -race).
func TestSignConcurrent(t *testing.T) {
	for _, s := range allSchemes {
		k := testKey(t, s, 12)
		want := k.SignTransaction([]byte("tx"))
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				for range 20 {
					if !bytes.Equal(k.SignTransaction([]byte("tx")), want) {
						errs <- errors.New(s.String() + ": concurrent signature differs")
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
}
