package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// KeySize is the size of a Key in bytes.
const KeySize = 32

// WrappedKeySize is the length of WrapKey's output: a 24-byte nonce, the
// 32-byte encrypted key and a 16-byte tag.
const WrappedKeySize = chacha20poly1305.NonceSizeX + KeySize + TagSize

// redacted is what every formatting of a Key prints.
const redacted = "seal.Key(redacted)"

// Key is a 256-bit secret key: a chunk key (Kc), a volume master key or a
// key derived from one with Derive.
//
// The bytes are reachable only through the array itself (k[:]). fmt,
// log/slog and %v/%x/%s/%q/%#v print "seal.Key(redacted)" instead of the
// bytes. (fmt cannot call methods on unexported struct fields, so a Key kept
// in an unexported field of a struct that is printed with %v is printed as
// bytes: never print such structs.)
//
// The zero Key is never a valid key: it is what an uninitialised variable
// holds. Seal and Derive panic on it and WrapKey refuses it, so a missing key
// cannot silently encrypt data.
type Key [KeySize]byte

// NewKey returns a fresh random key from crypto/rand. Every stored chunk
// version gets its own NewKey (see the package documentation for why a key
// is never reused).
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("seal: new key: %w", err)
	}
	if k.isZero() { // probability 2^-256: a broken random source
		return Key{}, errors.New("seal: new key: random source returned zeros")
	}
	return k, nil
}

// String returns "seal.Key(redacted)", never the key bytes.
func (k Key) String() string { return redacted }

// GoString returns "seal.Key(redacted)", never the key bytes (%#v).
func (k Key) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb (%x and %d included)
// prints "seal.Key(redacted)" and never the key bytes.
func (k Key) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer so that log/slog handlers (the JSON
// handler included) log "seal.Key(redacted)" and never the key bytes.
func (k Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// isZero reports whether k is the zero Key, in constant time.
func (k Key) isZero() bool {
	var acc byte
	for _, b := range k {
		acc |= b
	}
	return acc == 0
}

// Derive returns the subkey of master for label:
// HKDF-SHA256(ikm = master, salt = none, info = "walrusfs " + label), 32
// bytes. Different labels give independent keys; the label names the key's
// purpose (for example "read", "dedup", "index-wrap") and is not secret.
// Derive panics on the zero master Key.
func Derive(master Key, label string) Key {
	if master.isZero() {
		panic("seal: Derive from the zero Key (an uninitialised master key)")
	}
	r := hkdf.New(sha256.New, master[:], nil, []byte("walrusfs "+label))
	var k Key
	if _, err := io.ReadFull(r, k[:]); err != nil {
		// HKDF-SHA256 can produce 255*32 bytes; 32 never fails.
		panic("seal: hkdf: " + err.Error())
	}
	return k
}

// WrapKey encrypts k under the key-encryption key kek for storage in the
// local index: XChaCha20-Poly1305(kek, random 24-byte nonce, plaintext k,
// additional data aad), returned as nonce ‖ ciphertext ‖ tag
// (WrappedKeySize = 72 bytes). aad is authenticated but not stored; the
// caller passes the same bytes to UnwrapKey (for example a format/version
// tag, or the identity of the record the key belongs to, so that a wrapped
// key cannot be moved to another record). Both keys must be non-zero.
func WrapKey(kek, k Key, aad []byte) ([]byte, error) {
	if kek.isZero() {
		return nil, fmt.Errorf("seal: wrap key: the key-encryption key is the zero Key: %w", ErrInvalid)
	}
	if k.isZero() {
		return nil, fmt.Errorf("seal: wrap key: the key to wrap is the zero Key: %w", ErrInvalid)
	}
	aead, err := chacha20poly1305.NewX(kek[:])
	if err != nil {
		return nil, fmt.Errorf("seal: wrap key: %w", err)
	}
	out := make([]byte, chacha20poly1305.NonceSizeX, WrappedKeySize)
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("seal: wrap key: nonce: %w", err)
	}
	return aead.Seal(out, out, k[:], aad), nil
}

// UnwrapKey reverses WrapKey. A wrapped key of the wrong length is
// ErrInvalid; a wrong kek, a wrong aad or altered bytes are ErrAuth (the
// three cannot be told apart).
func UnwrapKey(kek Key, wrapped, aad []byte) (Key, error) {
	if len(wrapped) != WrappedKeySize {
		return Key{}, fmt.Errorf("seal: unwrap key: wrapped key is %d bytes, want %d: %w",
			len(wrapped), WrappedKeySize, ErrInvalid)
	}
	aead, err := chacha20poly1305.NewX(kek[:])
	if err != nil {
		return Key{}, fmt.Errorf("seal: unwrap key: %w", err)
	}
	var k Key
	nonce, ct := wrapped[:chacha20poly1305.NonceSizeX], wrapped[chacha20poly1305.NonceSizeX:]
	if _, err := aead.Open(k[:0], nonce, ct, aad); err != nil {
		return Key{}, fmt.Errorf("seal: unwrap key (wrong key-encryption key, wrong additional data or altered bytes): %w", ErrAuth)
	}
	if k.isZero() {
		return Key{}, fmt.Errorf("seal: unwrap key: the wrapped key is the zero Key: %w", ErrInvalid)
	}
	return k, nil
}
