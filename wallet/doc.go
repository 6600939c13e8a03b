// Package wallet holds Sui keys: it reads and writes the Sui CLI keystore
// (~/.sui/sui_config/sui.keystore), parses "suiprivkey1…" strings, derives
// addresses and signs transactions the way Sui validators check them.
//
// # Formats
//
// A private key is 33 bytes: a scheme flag (0 ed25519, 1 secp256k1,
// 2 secp256r1) followed by the 32-byte secret. The keystore is a JSON array
// of base64 strings of those 33 bytes, in the order the Sui CLI wrote them;
// "suiprivkey1…" is the same 33 bytes in bech32 with the prefix suiprivkey.
// Other flags (3 multisig, 4 BLS12-381, 5 zkLogin, 6 passkey) are not keys
// a keystore can sign with and are refused by number.
//
// An address is "0x" and the 64 lower-case hex digits of
// blake2b-256(flag ‖ public key), where the public key is 32 bytes for
// ed25519 and the 33-byte compressed point for the two ECDSA curves.
//
// # Signatures
//
// A transaction is signed over blake2b-256(00 00 00 ‖ TransactionData BCS),
// the three zero bytes being the intent (TransactionData, version 0, app
// Sui). ed25519 signs that digest; the ECDSA schemes sign sha256 of it
// with RFC 6979 nonces (so signatures are deterministic and equal those of
// the TypeScript SDK byte for byte) and a low S. The serialized signature a
// Sui node accepts is flag ‖ signature ‖ public key: 1+64+32 bytes for
// ed25519, 1+64+33 for the ECDSA schemes, with the ECDSA signature as r ‖ s.
//
// # Secrets
//
// Key material never appears in errors, logs or fmt output: a *Key prints
// as "<scheme> <address>" under every fmt verb and as a slog value, and the
// keystore's errors name the file and the entry index only. Encode and
// Bech32 are the only ways out.
package wallet
