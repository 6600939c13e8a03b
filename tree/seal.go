package tree

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/walrusfs/walrusfs/seal"
)

// kind is the kind of a sealed record; each has its own additional data, so
// that a record sealed as one kind never opens as another.
type kind uint8

const (
	kindDir kind = iota
	kindFile
	kindCommit
	numKinds
)

// aad is the additional data of each kind (format version 1).
var aad = [numKinds]string{
	kindDir:    "walrusfs tree node v1",
	kindFile:   "walrusfs tree file node v1",
	kindCommit: "walrusfs tree commit v1",
}

func (k kind) String() string {
	switch k {
	case kindDir:
		return "directory node"
	case kindFile:
		return "file node"
	case kindCommit:
		return "commit record"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

const (
	nonceSize = chacha20poly1305.NonceSizeX
	tagSize   = chacha20poly1305.Overhead
	// minSealed is the size of a sealed empty plaintext.
	minSealed = nonceSize + tagSize
)

// sealRecord returns nonce ‖ XChaCha20-Poly1305(key, nonce, plain, aad[k])
// with a random nonce.
func sealRecord(key seal.Key, k kind, plain []byte) ([]byte, error) {
	if key == (seal.Key{}) {
		return nil, fmt.Errorf("seal %s: the zero key (an uninitialised key): %w", k, ErrInvalid)
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, fmt.Errorf("seal %s: %w", k, err)
	}
	out := make([]byte, nonceSize, nonceSize+len(plain)+tagSize)
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("seal %s: nonce: %w", k, err)
	}
	return aead.Seal(out, out, plain, []byte(aad[k])), nil
}

// openRecord reverses sealRecord for kind k. If authentication fails, it
// tries the other kinds' additional data so that a record of another kind
// is reported as such (ErrKind) rather than as a wrong key (ErrAuth).
func openRecord(key seal.Key, k kind, sealed []byte) ([]byte, error) {
	if key == (seal.Key{}) {
		return nil, fmt.Errorf("open %s: the zero key (an uninitialised key): %w", k, ErrInvalid)
	}
	if len(sealed) < minSealed {
		return nil, fmt.Errorf("open %s: %d bytes, shorter than a nonce and a tag (%d): %w", k, len(sealed), minSealed, ErrAuth)
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", k, err)
	}
	nonce, ct := sealed[:nonceSize], sealed[nonceSize:]
	plain, err := aead.Open(nil, nonce, ct, []byte(aad[k]))
	if err == nil {
		return plain, nil
	}
	for other := range numKinds {
		if other == k {
			continue
		}
		if _, err := aead.Open(nil, nonce, ct, []byte(aad[other])); err == nil {
			return nil, fmt.Errorf("open %s: the bytes are a %s: %w", k, other, ErrKind)
		}
	}
	return nil, fmt.Errorf("open %s: %w", k, ErrAuth)
}
