package certificate

import (
	"errors"
	"fmt"
	"io"

	GG "github.com/cloudflare/circl/ecc/bls12381"
	"github.com/cloudflare/circl/sign/bls"
)

// Sizes of the encodings used by Walrus.
const (
	SecretKeySize = 32 // big-endian scalar, 0 < sk < r
	PublicKeySize = 48 // compressed G1 point
	SignatureSize = 96 // compressed G2 point
)

// DST is the hash-to-curve domain separation tag of the signatures.
const DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"

var (
	// ErrInvalidSecretKey reports a secret key that is not a scalar in
	// [1, r).
	ErrInvalidSecretKey = errors.New("certificate: invalid BLS secret key")
	// ErrInvalidPublicKey reports a public key that is not a compressed,
	// non-identity point of the G1 subgroup.
	ErrInvalidPublicKey = errors.New("certificate: invalid BLS public key")
	// ErrInvalidSignature reports a signature that is not a compressed,
	// non-identity point of the G2 subgroup.
	ErrInvalidSignature = errors.New("certificate: invalid BLS signature")
	// ErrVerify reports a well-formed signature that does not verify.
	ErrVerify = errors.New("certificate: BLS signature does not verify")
)

// SecretKey is a BLS12-381 min-pk signing key (a storage node's protocol
// key).
type SecretKey struct {
	k *bls.PrivateKey[bls.KeyG1SigG2]
}

// GenerateKey returns a new secret key from 32 bytes of rand.
func GenerateKey(rand io.Reader) (*SecretKey, error) {
	for range 8 {
		var s GG.Scalar
		if err := s.Random(rand); err != nil {
			return nil, fmt.Errorf("certificate: generate BLS key: %w", err)
		}
		if s.IsZero() == 1 {
			continue
		}
		b, err := s.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("certificate: generate BLS key: %w", err)
		}
		return ParseSecretKey(b)
	}
	return nil, fmt.Errorf("certificate: generate BLS key: %w", ErrInvalidSecretKey)
}

// ParseSecretKey parses the 32-byte big-endian encoding of a secret key
// (the form of Bytes and of @noble/curves).
func ParseSecretKey(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSecretKey, len(b), SecretKeySize)
	}
	k := new(bls.PrivateKey[bls.KeyG1SigG2])
	if err := k.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("%w: zero or not below the group order", ErrInvalidSecretKey)
	}
	return &SecretKey{k: k}, nil
}

// Bytes returns the 32-byte big-endian encoding of sk, for persisting a
// node's key. It is secret.
func (sk *SecretKey) Bytes() []byte {
	b, err := sk.k.MarshalBinary()
	if err != nil {
		panic(err) // a scalar always encodes
	}
	return b
}

// PublicKey returns the 48-byte compressed G1 public key.
func (sk *SecretKey) PublicKey() []byte {
	b, err := sk.k.PublicKey().MarshalBinary()
	if err != nil {
		panic(err) // a point always encodes
	}
	return b
}

// Sign returns the 96-byte compressed G2 signature of msg.
func (sk *SecretKey) Sign(msg []byte) []byte {
	return bls.Sign(sk.k, msg)
}

// String hides the key.
func (sk *SecretKey) String() string { return "certificate.SecretKey(…)" }

// parsePublicKey decodes a G1 point, compressed (48 bytes) or
// uncompressed (96 bytes, compression flag clear), and rejects the
// identity and points outside the subgroup. That is what fastcrypto (blst
// PublicKey::key_validate) accepts, and so Sui's bls12381_min_pk_verify.
func parsePublicKey(b []byte) (*GG.G1, error) {
	if len(b) != PublicKeySize && len(b) != 2*PublicKeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidPublicKey, len(b), PublicKeySize)
	}
	p := new(GG.G1)
	if err := p.SetBytes(b); err != nil {
		return nil, fmt.Errorf("%w: not a point of G1: %v", ErrInvalidPublicKey, err)
	}
	if p.IsIdentity() {
		return nil, fmt.Errorf("%w: point at infinity", ErrInvalidPublicKey)
	}
	return p, nil
}

// parseSignature decodes a G2 point, compressed (96 bytes) or
// uncompressed (192 bytes, compression flag clear), and rejects the
// identity and points outside the subgroup: what fastcrypto (blst
// Signature::sig_validate with the infinity check) accepts.
func parseSignature(b []byte) (*GG.G2, error) {
	if len(b) != SignatureSize && len(b) != 2*SignatureSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSignature, len(b), SignatureSize)
	}
	p := new(GG.G2)
	if err := p.SetBytes(b); err != nil {
		return nil, fmt.Errorf("%w: not a point of G2: %v", ErrInvalidSignature, err)
	}
	if p.IsIdentity() {
		return nil, fmt.Errorf("%w: point at infinity", ErrInvalidSignature)
	}
	return p, nil
}

// hashToG2 hashes msg to G2 with DST.
func hashToG2(msg []byte) *GG.G2 {
	h := new(GG.G2)
	h.Hash(msg, []byte(DST))
	return h
}

// pairingCheck reports whether e(pk, h) == e(g1, sig) and pk is not the
// identity (blst refuses an identity key; with it the equation would hold
// for the identity signature).
func pairingCheck(pk *GG.G1, h, sig *GG.G2) bool {
	if pk.IsIdentity() {
		return false
	}
	return GG.ProdPairFrac([]*GG.G1{pk, GG.G1Generator()}, []*GG.G2{h, sig}, []int{1, -1}).IsIdentity()
}

// Verify checks a signature of msg under the public key pk. It returns an
// error wrapping ErrInvalidPublicKey, ErrInvalidSignature or ErrVerify.
// Like fastcrypto, it takes the uncompressed encodings too (96-byte keys,
// 192-byte signatures).
func Verify(pk, msg, sig []byte) error {
	p, err := parsePublicKey(pk)
	if err != nil {
		return err
	}
	s, err := parseSignature(sig)
	if err != nil {
		return err
	}
	if !pairingCheck(p, hashToG2(msg), s) {
		return ErrVerify
	}
	return nil
}

// Aggregate returns the aggregate (sum) of signatures, 96 bytes. Every
// signature must be a valid signature encoding (a non-identity point of
// the G2 subgroup); the aggregate of none is an error. This is stricter
// than walrus-wasm's bls12381_min_pk_aggregate, which adds the identity
// and points outside the subgroup too; no valid certificate needs them.
func Aggregate(sigs [][]byte) ([]byte, error) {
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no signatures to aggregate", ErrInvalidSignature)
	}
	var sum GG.G2
	sum.SetIdentity()
	for i, b := range sigs {
		s, err := parseSignature(b)
		if err != nil {
			return nil, fmt.Errorf("signature %d: %w", i, err)
		}
		sum.Add(&sum, s)
	}
	return sum.BytesCompressed(), nil
}

// aggregateKeys returns the sum of the public keys.
func aggregateKeys(pks [][]byte) (*GG.G1, error) {
	if len(pks) == 0 {
		return nil, fmt.Errorf("%w: no public keys to aggregate", ErrInvalidPublicKey)
	}
	sum := new(GG.G1)
	sum.SetIdentity()
	for i, b := range pks {
		p, err := parsePublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i, err)
		}
		sum.Add(sum, p)
	}
	return sum, nil
}

// VerifyAggregate checks an aggregate signature of one message signed by
// all of pks: it adds the public keys and verifies once. Each key must be
// valid (the committee's keys carry proofs of possession on chain).
func VerifyAggregate(pks [][]byte, msg, agg []byte) error {
	sum, err := aggregateKeys(pks)
	if err != nil {
		return err
	}
	if sum.IsIdentity() {
		return fmt.Errorf("%w: the public keys add up to the point at infinity", ErrInvalidPublicKey)
	}
	s, err := parseSignature(agg)
	if err != nil {
		return err
	}
	if !pairingCheck(sum, hashToG2(msg), s) {
		return ErrVerify
	}
	return nil
}
