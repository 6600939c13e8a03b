package suitx

import "github.com/walrusfs/walrusfs/sui"

// Digest returns the transaction digest of a BCS TransactionData, as Sui
// names the transaction: base58(Blake2b256("TransactionData::" || txData)).
func Digest(txData []byte) string { return sui.TxDigest(txData) }
