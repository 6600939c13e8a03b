package volkey

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/decred/dcrd/bech32"
)

// Signer signs Sui personal messages and returns the serialized signature
// flag ‖ signature ‖ public key (97 bytes for ed25519, 98 for secp256k1
// and secp256r1). Signing must be deterministic; wallet.Key is one.
type Signer interface {
	SignPersonalMessage(msg []byte) []byte
}

// The wallet derivation. These three strings are part of the on-disk
// format: changing any of them makes every existing wallet unlock (and
// recovery from the mnemonic alone) fail.
const (
	// WalletMessage is the personal message the wallet signs.
	WalletMessage = "walrusfs volume key v1: signing this message lets walrusfs unlock your encrypted files. It spends nothing."
	walletSalt    = "walrusfs wallet unlock v1"
	walletInfo    = "age x25519 identity"
)

// walletIdentity derives the age identity of a wallet: the 64-byte raw
// signature of WalletMessage → HKDF-SHA256(salt walletSalt, info
// walletInfo) → 32 bytes → X25519 identity. With check, the message is
// signed twice and a signer whose two signatures differ is refused.
func walletIdentity(s Signer, check bool) (*age.X25519Identity, error) {
	if s == nil {
		return nil, fmt.Errorf("volkey: %w: no wallet given", ErrSigner)
	}
	sig := s.SignPersonalMessage([]byte(WalletMessage))
	if err := checkSig(sig); err != nil {
		return nil, err
	}
	if check && !bytes.Equal(sig, s.SignPersonalMessage([]byte(WalletMessage))) {
		return nil, fmt.Errorf("volkey: %w: two signatures of the same message differ, so they cannot serve as a key", ErrSigner)
	}
	scalar, err := hkdf.Key(sha256.New, sig[1:65], []byte(walletSalt), walletInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("volkey: hkdf: %w", err)
	}
	return identityFromScalar(scalar)
}

// checkSig accepts the serialized signatures of the three key schemes.
func checkSig(sig []byte) error {
	if len(sig) == 0 {
		return fmt.Errorf("volkey: %w: empty signature", ErrSigner)
	}
	want := map[byte]int{0: 97, 1: 98, 2: 98}[sig[0]]
	if want == 0 {
		return fmt.Errorf("volkey: %w: signature scheme flag %d (want ed25519, secp256k1 or secp256r1)", ErrSigner, sig[0])
	}
	if len(sig) != want {
		return fmt.Errorf("volkey: %w: signature of %d bytes, want %d (flag, signature, public key)", ErrSigner, len(sig), want)
	}
	return nil
}

// identityFromScalar makes the age X25519 identity with secret scalar b
// (32 bytes): age has no constructor from bytes, so it encodes the
// standard string AGE-SECRET-KEY-1… and parses that.
func identityFromScalar(b []byte) (*age.X25519Identity, error) {
	s, err := bech32.EncodeFromBase256("age-secret-key-", b)
	if err != nil {
		return nil, fmt.Errorf("volkey: bech32: %w", err)
	}
	id, err := age.ParseX25519Identity(strings.ToUpper(s))
	if err != nil {
		return nil, fmt.Errorf("volkey: age identity: %w", err)
	}
	return id, nil
}

// WalletWrapped returns the wallet's wrapping of the volume key of the
// volume in dir (the bytes of keys/wallet.age), ok false if the volume has
// no wallet unlock. Like the volume header, it is public material: only
// the wallet opens it. walrusfs stores a copy on the chain, so that the
// wallet alone recovers the volume on a new machine (UnwrapWallet).
func WalletWrapped(dir string) (b []byte, ok bool, err error) {
	b, err = os.ReadFile(filepath.Join(dir, keysDir, walletFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("volkey: %w", err)
	}
	return b, true, nil
}

// UnwrapWallet opens a wallet wrapping of a volume key (WalletWrapped)
// with the wallet s. Another wallet's wrapping gives ErrWrongKey, bytes
// that are not one ErrCorrupt.
func UnwrapWallet(wrapped []byte, s Signer) (Key, error) {
	id, err := walletIdentity(s, false)
	if err != nil {
		return Key{}, err
	}
	if len(wrapped) > 4096 {
		return Key{}, fmt.Errorf("volkey: wallet wrapping of %d bytes: %w", len(wrapped), ErrCorrupt)
	}
	return openBytes(wrapped, "the wallet wrapping", id, ErrWrongKey)
}
