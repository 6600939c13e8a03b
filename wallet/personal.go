package wallet

import (
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"

	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/blake2b"
)

// personalMessageIntent prefixes a personal message in the signed bytes:
// scope PersonalMessage (3), version V0 (0), app Sui (0).
var personalMessageIntent = [3]byte{3, 0, 0}

// PersonalMessageDigest returns blake2b-256(03 00 00 ‖ BCS(vector<u8> msg)),
// the 32 bytes a Sui personal-message signature signs. BCS writes the
// vector as its ULEB128 length followed by the bytes.
func PersonalMessageDigest(msg []byte) [32]byte {
	h, _ := blake2b.New256(nil)
	h.Write(personalMessageIntent[:])
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(msg)))])
	h.Write(msg)
	return [32]byte(h.Sum(nil))
}

// SignPersonalMessage signs msg as a Sui personal message (what wallets
// show as "sign message") and returns the serialized signature
// flag ‖ signature ‖ public key, the bytes @mysten/sui's
// signPersonalMessage returns in base64. The per-scheme rules are those of
// SignTransaction: ed25519 signs the digest itself, ECDSA signs
// SHA-256(digest) with RFC 6979 nonces and a low s. Signing is therefore
// deterministic: the same key and message always give the same bytes,
// which lets a signature serve as key material.
func (k *Key) SignPersonalMessage(msg []byte) []byte {
	return k.signDigest(PersonalMessageDigest(msg))
}

// signDigest signs an intent-message digest under the rules of k's scheme
// and serializes the result as flag ‖ signature ‖ public key.
func (k *Key) signDigest(d [32]byte) []byte {
	out := []byte{byte(k.scheme)}
	switch k.scheme {
	case Ed25519:
		out = append(out, ed25519.Sign(k.ed, d[:])...)
	case Secp256k1:
		h := sha256.Sum256(d[:])
		sig := secpecdsa.Sign(k.k1, h[:]) // RFC 6979, low s
		r, s := sig.R(), sig.S()
		var rb, sb [32]byte
		r.PutBytes(&rb)
		s.PutBytes(&sb)
		out = append(append(out, rb[:]...), sb[:]...)
	case Secp256r1:
		h := sha256.Sum256(d[:])
		der, err := k.r1.Sign(nil, h[:], crypto.SHA256) // nil rand: RFC 6979
		if err != nil {
			panic("wallet: secp256r1 signing: " + err.Error())
		}
		r, s, ok := parseDER(der)
		if !ok {
			panic("wallet: secp256r1 signing: unparsable DER from crypto/ecdsa")
		}
		if s.Cmp(p256HalfN) > 0 {
			s.Sub(elliptic.P256().Params().N, s)
		}
		var rs [64]byte
		r.FillBytes(rs[:32])
		s.FillBytes(rs[32:])
		out = append(out, rs[:]...)
	}
	return append(out, k.pub...)
}

// VerifyPersonalMessage checks a serialized signature (flag ‖ signature ‖
// public key) over the personal message msg and returns the signer's
// address. It applies VerifyTransaction's rules (known schemes, exact
// lengths, points on the curve, low s).
func VerifyPersonalMessage(msg, serializedSig []byte) (address string, err error) {
	return verifyDigest(PersonalMessageDigest(msg), serializedSig, "personal message")
}
