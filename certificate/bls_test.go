package certificate

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// testKey returns a deterministic secret key for index i.
func testKey(t testing.TB, i int) *SecretKey {
	t.Helper()
	b := sha256.Sum256(fmt.Appendf(nil, "certificate test key %d", i))
	b[0] &= 0x3f // below the group order
	sk, err := ParseSecretKey(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func TestSecretKeyRoundTrip(t *testing.T) {
	sk, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b := sk.Bytes()
	if len(b) != SecretKeySize {
		t.Fatalf("Bytes: %d bytes", len(b))
	}
	sk2, err := ParseSecretKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sk.PublicKey(), sk2.PublicKey()) {
		t.Fatal("parsed key has another public key")
	}
	if len(sk.PublicKey()) != PublicKeySize {
		t.Fatalf("PublicKey: %d bytes", len(sk.PublicKey()))
	}
	if s := fmt.Sprint(sk); strings.Contains(s, fmt.Sprintf("%x", b)) || strings.Contains(s, fmt.Sprint(b)) {
		t.Fatalf("String leaks the key: %s", s)
	}
	sk3, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sk3.Bytes(), b) {
		t.Fatal("two generated keys are equal")
	}
}

func TestGenerateKeyShortRandom(t *testing.T) {
	if _, err := GenerateKey(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Fatal("GenerateKey with 5 bytes of randomness succeeded")
	}
}

func TestParseSecretKeyErrors(t *testing.T) {
	// r, the order of the groups.
	order := []byte{0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
		0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01}
	belowOrder := bytes.Clone(order)
	belowOrder[31]--
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"empty", nil, false},
		{"31 bytes", make([]byte, 31), false},
		{"33 bytes", append(make([]byte, 32), 1), false},
		{"zero", make([]byte, 32), false},
		{"order", order, false},
		{"all ones", bytes.Repeat([]byte{0xff}, 32), false},
		{"order-1", belowOrder, true},
		{"one", append(make([]byte, 31), 1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sk, err := ParseSecretKey(tc.b)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(sk.Bytes(), tc.b) {
					t.Fatalf("Bytes = %x, want %x", sk.Bytes(), tc.b)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSecretKey) {
				t.Fatalf("err = %v, want ErrInvalidSecretKey", err)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	sk := testKey(t, 1)
	pk := sk.PublicKey()
	msg := []byte("storage confirmation")
	sig := sk.Sign(msg)
	if len(sig) != SignatureSize {
		t.Fatalf("Sign: %d bytes", len(sig))
	}
	if !bytes.Equal(sig, sk.Sign(msg)) {
		t.Fatal("signatures are not deterministic")
	}
	if err := Verify(pk, msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := Verify(pk, []byte("storage confirmatioN"), sig); !errors.Is(err, ErrVerify) {
		t.Fatalf("tampered message: err = %v, want ErrVerify", err)
	}
	if err := Verify(testKey(t, 2).PublicKey(), msg, sig); !errors.Is(err, ErrVerify) {
		t.Fatalf("other key: err = %v, want ErrVerify", err)
	}
	if err := Verify(pk, msg, testKey(t, 2).Sign(msg)); !errors.Is(err, ErrVerify) {
		t.Fatalf("other signer: err = %v, want ErrVerify", err)
	}
	// Signing the empty message works too.
	if err := Verify(pk, nil, sk.Sign(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyBadPublicKeys(t *testing.T) {
	sk := testKey(t, 3)
	msg := []byte("m")
	sig := sk.Sign(msg)
	for _, bp := range badPublicKeys(t, sk.PublicKey()) {
		t.Run(bp.name, func(t *testing.T) {
			if err := Verify(bp.b, msg, sig); !errors.Is(err, ErrInvalidPublicKey) {
				t.Fatalf("Verify: err = %v, want ErrInvalidPublicKey", err)
			}
			if err := VerifyAggregate([][]byte{sk.PublicKey(), bp.b}, msg, sig); !errors.Is(err, ErrInvalidPublicKey) {
				t.Fatalf("VerifyAggregate: err = %v, want ErrInvalidPublicKey", err)
			}
		})
	}
}

func TestVerifyBadSignatures(t *testing.T) {
	sk := testKey(t, 4)
	msg := []byte("m")
	sig := sk.Sign(msg)
	for _, bp := range badSignatures(t, sig) {
		t.Run(bp.name, func(t *testing.T) {
			if err := Verify(sk.PublicKey(), msg, bp.b); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("Verify: err = %v, want ErrInvalidSignature", err)
			}
			if _, err := Aggregate([][]byte{sig, bp.b}); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("Aggregate: err = %v, want ErrInvalidSignature", err)
			}
			if err := VerifyAggregate([][]byte{sk.PublicKey()}, msg, bp.b); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("VerifyAggregate: err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	msg := []byte("one message")
	var pks, sigs [][]byte
	for i := range 5 {
		sk := testKey(t, 10+i)
		pks = append(pks, sk.PublicKey())
		sigs = append(sigs, sk.Sign(msg))
	}
	agg, err := Aggregate(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAggregate(pks, msg, agg); err != nil {
		t.Fatal(err)
	}
	// Order does not matter.
	rev, err := Aggregate([][]byte{sigs[4], sigs[3], sigs[2], sigs[1], sigs[0]})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(agg, rev) {
		t.Fatal("aggregate depends on order")
	}
	// One signature aggregates to itself.
	one, err := Aggregate(sigs[:1])
	if err != nil || !bytes.Equal(one, sigs[0]) {
		t.Fatalf("Aggregate of one = %x, %v", one, err)
	}
	for _, tc := range []struct {
		name string
		pks  [][]byte
		msg  []byte
		want error
	}{
		{"missing key", pks[:4], msg, ErrVerify},
		{"extra key", append(append([][]byte{}, pks...), testKey(t, 99).PublicKey()), msg, ErrVerify},
		{"duplicated key", append(append([][]byte{}, pks...), pks[0]), msg, ErrVerify},
		{"tampered message", pks, []byte("one messagE"), ErrVerify},
		{"no keys", nil, msg, ErrInvalidPublicKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyAggregate(tc.pks, tc.msg, agg); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Aggregate(nil); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("Aggregate(nil): err = %v", err)
	}
}

// TestVerifyAggregateKeysCancel: keys that add up to the identity are
// refused, as blst refuses an identity key.
func TestVerifyAggregateKeysCancel(t *testing.T) {
	sk := testKey(t, 5)
	pk := sk.PublicKey()
	neg := bytes.Clone(pk)
	neg[0] ^= 0x20 // the y-sign flag: -pk
	if err := VerifyAggregate([][]byte{pk, neg}, []byte("m"), sk.Sign([]byte("m"))); !errors.Is(err, ErrInvalidPublicKey) {
		t.Fatalf("err = %v, want ErrInvalidPublicKey", err)
	}
}

// TestUncompressedEncodings: fastcrypto (and so the chain) takes the
// uncompressed encodings; so do Verify, VerifyAggregate and Check.
func TestUncompressedEncodings(t *testing.T) {
	sk := testKey(t, 6)
	msg := []byte("m")
	pk, sig := uncompressedG1(t, sk.PublicKey()), uncompressedG2(t, sk.Sign(msg))
	if len(pk) != 2*PublicKeySize || len(sig) != 2*SignatureSize {
		t.Fatalf("uncompressed sizes %d, %d", len(pk), len(sig))
	}
	if err := Verify(pk, msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAggregate([][]byte{pk}, msg, sig); err != nil {
		t.Fatal(err)
	}
	agg, err := Aggregate([][]byte{sig})
	if err != nil || !bytes.Equal(agg, sk.Sign(msg)) {
		t.Fatalf("Aggregate of the uncompressed signature = %x, %v; want the compressed one", agg, err)
	}
	members := []Member{{PublicKey: sk.PublicKey(), Weight: 1}}
	if err := Check(members, sig, []byte{1}, msg); err != nil {
		t.Fatal(err)
	}
}
