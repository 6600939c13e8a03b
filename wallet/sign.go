package wallet

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// transactionIntent prefixes TransactionData in the signed message: scope
// TransactionData (0), version V0 (0), app Sui (0).
var transactionIntent = [3]byte{0, 0, 0}

// Serialized signature sizes: flag ‖ signature ‖ public key.
const (
	ed25519SigSize = 1 + ed25519.SignatureSize + ed25519.PublicKeySize // 97
	ecdsaSigSize   = 1 + 64 + 33                                       // 98
)

// TransactionDigest returns blake2b-256(00 00 00 ‖ txData), the message a
// Sui transaction signature signs.
func TransactionDigest(txData []byte) [32]byte {
	h, _ := blake2b.New256(nil)
	h.Write(transactionIntent[:])
	h.Write(txData)
	return [32]byte(h.Sum(nil))
}

// SignTransaction signs txData (BCS TransactionData) and returns the
// serialized signature flag ‖ signature ‖ public key that Sui nodes take
// (base64 it for the RPC). ECDSA signatures are r ‖ s with a low s and
// RFC 6979 nonces, so signing is deterministic.
func (k *Key) SignTransaction(txData []byte) []byte {
	return k.signDigest(TransactionDigest(txData))
}

var p256HalfN = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// parseDER reads an ASN.1 ECDSA signature SEQUENCE { r INTEGER, s INTEGER }.
func parseDER(der []byte) (r, s *big.Int, ok bool) {
	r, s = new(big.Int), new(big.Int)
	var inner cryptobyte.String
	in := cryptobyte.String(der)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) || !inner.Empty() {
		return nil, nil, false
	}
	return r, s, true
}

// ErrBadSignature is wrapped by VerifyTransaction's errors.
var ErrBadSignature = errors.New("invalid signature")

func sigErr(format string, a ...any) error {
	return fmt.Errorf("wallet: %w: %s", ErrBadSignature, fmt.Sprintf(format, a...))
}

// VerifyTransaction checks a serialized signature (flag ‖ signature ‖
// public key) over txData as a Sui node does and returns the signer's
// address. It refuses unknown flags, wrong lengths, public keys that are
// not on the curve, ECDSA r or s outside [1, n-1] and a high s (Sui
// accepts only the low-s form of an ECDSA signature).
func VerifyTransaction(txData, serializedSig []byte) (address string, err error) {
	return verifyDigest(TransactionDigest(txData), serializedSig, "transaction")
}

// verifyDigest checks a serialized signature over the intent-message
// digest d (of a transaction or a personal message, named by what) and
// returns the signer's address.
func verifyDigest(d [32]byte, serializedSig []byte, what string) (string, error) {
	if len(serializedSig) == 0 {
		return "", sigErr("empty")
	}
	flag := serializedSig[0]
	scheme, ok := schemeOK(flag)
	if !ok {
		if name := flagNames[flag]; name != "" {
			return "", sigErr("%s signatures (flag %d) are not supported", name, flag)
		}
		return "", sigErr("unknown signature scheme flag %d", flag)
	}
	want := ecdsaSigSize
	if scheme == Ed25519 {
		want = ed25519SigSize
	}
	if len(serializedSig) != want {
		return "", sigErr("%s signature is %d bytes, want %d (flag, signature, public key)", scheme, len(serializedSig), want)
	}
	sig, pub := serializedSig[1:65], serializedSig[65:]
	switch scheme {
	case Ed25519:
		if !ed25519.Verify(ed25519.PublicKey(pub), d[:], sig) {
			return "", sigErr("ed25519 signature does not match the %s and public key", what)
		}
	case Secp256k1:
		if err := verifyK1(d, sig, pub); err != nil {
			return "", err
		}
	case Secp256r1:
		if err := verifyR1(d, sig, pub); err != nil {
			return "", err
		}
	}
	return addressOf(scheme, pub), nil
}

func verifyK1(d [32]byte, sig, pub []byte) error {
	if pub[0] != 2 && pub[0] != 3 {
		return sigErr("secp256k1 public key is not a compressed point")
	}
	pk, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		return sigErr("secp256k1 public key is not on the curve")
	}
	var r, s secp256k1.ModNScalar
	if r.SetByteSlice(sig[:32]) || r.IsZero() || s.SetByteSlice(sig[32:]) || s.IsZero() {
		return sigErr("secp256k1 signature r or s is out of range")
	}
	if s.IsOverHalfOrder() {
		return sigErr("secp256k1 signature has a high s (not normalised)")
	}
	h := sha256.Sum256(d[:])
	if !secpecdsa.NewSignature(&r, &s).Verify(h[:], pk) {
		return sigErr("secp256k1 signature does not match the transaction and public key")
	}
	return nil
}

func verifyR1(d [32]byte, sig, pub []byte) error {
	curve := elliptic.P256()
	if pub[0] != 2 && pub[0] != 3 {
		return sigErr("secp256r1 public key is not a compressed point")
	}
	x, y := elliptic.UnmarshalCompressed(curve, pub)
	if x == nil {
		return sigErr("secp256r1 public key is not on the curve")
	}
	raw := make([]byte, 65)
	raw[0] = 4
	x.FillBytes(raw[1:33])
	y.FillBytes(raw[33:])
	pk, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
	if err != nil {
		return sigErr("secp256r1 public key is not on the curve")
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	n := curve.Params().N
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return sigErr("secp256r1 signature r or s is out of range")
	}
	if s.Cmp(p256HalfN) > 0 {
		return sigErr("secp256r1 signature has a high s (not normalised)")
	}
	h := sha256.Sum256(d[:])
	if !ecdsa.Verify(pk, h[:], r, s) {
		return sigErr("secp256r1 signature does not match the transaction and public key")
	}
	return nil
}
