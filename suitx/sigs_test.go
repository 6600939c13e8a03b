package suitx

import (
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/walrusfs/walrusfs/wallet"
)

// schemes are the key schemes the vectors sign with, by their names in
// the vectors.
var schemes = map[string]wallet.Scheme{"ed25519": wallet.Ed25519, "secp256k1": wallet.Secp256k1, "secp256r1": wallet.Secp256r1}

// signatureMismatches signs each case's TransactionData with the wallet
// package, using the test keys (scheme -> hex secret), and counts the
// signatures and addresses that differ from the TypeScript SDK's
// (serialized flag || signature || public key over Blake2b256(00 00 00 ||
// TransactionData)). addrs may be nil.
func signatureMismatches(t *testing.T, keys, addrs map[string]string, cases []testCase) int {
	t.Helper()
	bad := 0
	signers := map[string]*wallet.Key{}
	for name, s := range schemes {
		secret, err := hex.DecodeString(keys[name])
		if err != nil {
			t.Fatalf("test key %s: %v", name, err)
		}
		k, err := wallet.FromBytes(append([]byte{byte(s)}, secret...))
		if err != nil {
			t.Fatalf("test key %s: %v", name, err)
		}
		if addrs != nil && k.Address() != addrs[name] {
			t.Errorf("%s key: address %s, TypeScript %s", name, k.Address(), addrs[name])
			bad++
		}
		signers[name] = k
	}
	for _, c := range cases {
		tx, err := base64.StdEncoding.DecodeString(c.Tx)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for name, k := range signers {
			got := base64.StdEncoding.EncodeToString(k.SignTransaction(tx))
			if got != c.Signatures[name] {
				t.Errorf("%s: %s signature\n go: %s\n ts: %s", c.Name, name, got, c.Signatures[name])
				bad++
			}
		}
	}
	return bad
}
