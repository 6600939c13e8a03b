package suitx

import (
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/blake2b"
)

// Digest returns the transaction digest of a BCS TransactionData, as Sui
// names the transaction: base58(Blake2b256("TransactionData::" || txData)).
func Digest(txData []byte) string {
	h, _ := blake2b.New256(nil) // no key: never fails
	h.Write([]byte("TransactionData::"))
	h.Write(txData)
	return base58.Encode(h.Sum(nil))
}
