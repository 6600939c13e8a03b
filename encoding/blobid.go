package encoding

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// BlobID names and verifies a blob: Blake2b256(0x01 || u64le(length) || root).
// Its text form is URL-safe base64 without padding (43 characters).
type BlobID [32]byte

// ErrInvalidBlobID is wrapped by every blob ID parse error.
var ErrInvalidBlobID = errors.New("invalid blob ID")

var b64 = base64.RawURLEncoding

// ParseBlobID parses the base64url (no padding) text form. It never panics:
// any input that does not decode to exactly 32 bytes is an error.
func ParseBlobID(s string) (BlobID, error) {
	var id BlobID
	if len(s) != 43 {
		return id, fmt.Errorf("%w %q: want 43 base64url characters, got %d", ErrInvalidBlobID, clip(s), len(s))
	}
	b, err := b64.Strict().DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("%w %q: %v", ErrInvalidBlobID, clip(s), err)
	}
	if len(b) != 32 {
		return id, fmt.Errorf("%w %q: decodes to %d bytes, want 32", ErrInvalidBlobID, clip(s), len(b))
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
func (id BlobID) String() string { return b64.EncodeToString(id[:]) }

// Hex returns the lowercase hex of the 32 bytes.
func (id BlobID) Hex() string { return hex.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler.
func (id BlobID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *BlobID) UnmarshalText(b []byte) error {
	v, err := ParseBlobID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Decimal returns the u256 that Sui stores for this blob ID: the 32 bytes
// read as a little-endian integer, in decimal.
func (id BlobID) Decimal() string {
	var be [32]byte
	for i := range id {
		be[31-i] = id[i]
	}
	return new(big.Int).SetBytes(be[:]).String()
}

// ParseBlobIDDecimal parses Sui's decimal u256 form.
func ParseBlobIDDecimal(s string) (BlobID, error) {
	var id BlobID
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.BitLen() > 256 {
		return id, fmt.Errorf("%w %q: not a decimal u256", ErrInvalidBlobID, clip(s))
	}
	var be [32]byte
	v.FillBytes(be[:])
	for i := range id {
		id[i] = be[31-i]
	}
	return id, nil
}

// ShardOffset is the rotation of this blob's sliver pairs over the shards:
// the 32 bytes read as a big-endian integer, modulo n.
func (id BlobID) ShardOffset(n int) int {
	var r uint64
	for _, b := range id {
		r = (r<<8 | uint64(b)) % uint64(n)
	}
	return int(r)
}

// PairShard is the shard that stores sliver pair `pair`.
func (id BlobID) PairShard(pair, n int) int { return (pair + id.ShardOffset(n)) % n }

// ShardPair is the sliver pair stored on `shard`.
func (id BlobID) ShardPair(shard, n int) int {
	return ((shard-id.ShardOffset(n))%n + n) % n
}
