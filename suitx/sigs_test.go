package suitx

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// TestVectorSignatures checks the ed25519 and secp256r1 signatures of the
// committed vectors with the standard library, so that whoever compares
// Go signing with them knows what they are: the serialized signature
// (flag || r||s or sig || compressed or raw public key) over
// Blake2b256(intent 00 00 00 || TransactionData), ECDSA over its SHA-256;
// and each key's address is Blake2b256(flag || public key).
func TestVectorSignatures(t *testing.T) {
	b, err := os.ReadFile(filepath.FromSlash(vectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(v.Keys["ed25519"])
	edKey := ed25519.NewKeyFromSeed(seed)
	for _, c := range v.Cases {
		tx, _ := base64.StdEncoding.DecodeString(c.Tx)
		digest := blake2b.Sum256(append([]byte{0, 0, 0}, tx...))

		ed, _ := base64.StdEncoding.DecodeString(c.Signatures["ed25519"])
		if len(ed) != 1+64+32 || ed[0] != 0 {
			t.Fatalf("%s: ed25519 signature of %d bytes", c.Name, len(ed))
		}
		pk := ed25519.PublicKey(ed[65:])
		if !pk.Equal(edKey.Public()) || !ed25519.Verify(pk, digest[:], ed[1:65]) {
			t.Errorf("%s: ed25519 signature does not verify", c.Name)
		}
		if a := blake2b.Sum256(append([]byte{0}, pk...)); "0x"+hex.EncodeToString(a[:]) != v.Address["ed25519"] {
			t.Errorf("ed25519 address %s, want 0x%x", v.Address["ed25519"], a)
		}

		r1, _ := base64.StdEncoding.DecodeString(c.Signatures["secp256r1"])
		if len(r1) != 1+64+33 || r1[0] != 2 {
			t.Fatalf("%s: secp256r1 signature of %d bytes", c.Name, len(r1))
		}
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), r1[65:])
		if x == nil {
			t.Fatalf("%s: secp256r1 public key does not decode", c.Name)
		}
		uncompressed := append(append([]byte{4}, x.FillBytes(make([]byte, 32))...), y.FillBytes(make([]byte, 32))...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), uncompressed)
		if err != nil {
			t.Fatalf("%s: secp256r1 public key: %v", c.Name, err)
		}
		h := sha256.Sum256(digest[:])
		rr, ss := new(big.Int).SetBytes(r1[1:33]), new(big.Int).SetBytes(r1[33:65])
		if !ecdsa.Verify(pub, h[:], rr, ss) {
			t.Errorf("%s: secp256r1 signature does not verify", c.Name)
		}
		half := new(big.Int).Rsh(elliptic.P256().Params().N, 1)
		if ss.Cmp(half) > 0 {
			t.Errorf("%s: secp256r1 signature is not low-S", c.Name)
		}
		if a := blake2b.Sum256(append([]byte{2}, r1[65:]...)); "0x"+hex.EncodeToString(a[:]) != v.Address["secp256r1"] {
			t.Errorf("secp256r1 address %s, want 0x%x", v.Address["secp256r1"], a)
		}
	}
}
