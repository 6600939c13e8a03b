// Package blobid holds the Walrus blob ID, the 32 bytes that name a blob and
// commit to its content (Blake2b256(0x01 || u64le(length) || Merkle root of
// the blob's metadata); package rs2 computes it), and its text forms:
//
//   - String: URL-safe base64 without padding, 43 characters, the form the
//     Walrus CLI prints and every walrusfs command and file uses;
//   - Hex: lowercase hex of the 32 bytes;
//   - Decimal: the u256 Sui stores in a Blob object (the bytes read as a
//     little-endian integer).
//
// It imports no other walrusfs package, so that every layer (the index, the
// blob store interface, the encoder) can share one type.
package blobid

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// ID names and verifies a blob. The zero ID names no blob.
type ID [32]byte

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("malformed blob ID")

var b64 = base64.RawURLEncoding

// Parse parses the base64url (no padding) text form. It never panics: any
// input that does not decode to exactly 32 bytes is an error wrapping
// ErrInvalid.
func Parse(s string) (ID, error) {
	var id ID
	if len(s) != 43 {
		return id, fmt.Errorf("%w %q: want 43 base64url characters, got %d", ErrInvalid, clip(s), len(s))
	}
	b, err := b64.Strict().DecodeString(s)
	if err != nil || len(b) != 32 {
		return id, fmt.Errorf("%w %q: not base64url of 32 bytes", ErrInvalid, clip(s))
	}
	copy(id[:], b)
	return id, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// String returns the base64url text form.
func (id ID) String() string { return b64.EncodeToString(id[:]) }

// Hex returns the lowercase hex of the 32 bytes.
func (id ID) Hex() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is all zero bytes (never a stored blob).
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText implements encoding.TextMarshaler with the String form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see Parse.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Decimal returns the u256 that Sui stores for this blob ID: the 32 bytes
// read as a little-endian integer, in decimal.
func (id ID) Decimal() string {
	var be [32]byte
	for i := range id {
		be[31-i] = id[i]
	}
	return new(big.Int).SetBytes(be[:]).String()
}

// ParseDecimal parses Sui's decimal u256 form. Errors wrap ErrInvalid.
func ParseDecimal(s string) (ID, error) {
	var id ID
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.BitLen() > 256 {
		return id, fmt.Errorf("%w %q: not a decimal u256", ErrInvalid, clip(s))
	}
	var be [32]byte
	v.FillBytes(be[:])
	for i := range id {
		id[i] = be[31-i]
	}
	return id, nil
}
