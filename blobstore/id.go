package blobstore

import (
	"encoding/base64"
	"fmt"
)

// ID is a Walrus blob ID: 32 bytes, written as 43 characters of URL-safe
// base64 without padding. It has the same layout as blobid.ID.
type ID [32]byte

var b64 = base64.RawURLEncoding.Strict()

// ParseID parses the text form of a blob ID. Errors wrap ErrInvalid.
func ParseID(s string) (ID, error) {
	var id ID
	shown := s
	if len(shown) > 64 {
		shown = shown[:64] + "..."
	}
	if len(s) != 43 {
		return id, fmt.Errorf("%w: malformed blob ID %q: want 43 base64url characters, got %d", ErrInvalid, shown, len(s))
	}
	b, err := b64.DecodeString(s)
	if err != nil || len(b) != 32 {
		return id, fmt.Errorf("%w: malformed blob ID %q: not base64url of 32 bytes", ErrInvalid, shown)
	}
	copy(id[:], b)
	return id, nil
}

// String returns the base64url text form.
func (id ID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
