package volkey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Key is the volume master key M: 32 random bytes from which every other
// walrusfs key is derived. Its String, GoString, Format, LogValue and
// MarshalText methods never show the bytes, so printing or logging a Key
// by mistake leaks nothing; use k[:] to get at them.
type Key [32]byte

const redacted = "volkey.Key(redacted)"

// String returns a fixed placeholder, never the key.
func (Key) String() string { return redacted }

// GoString returns a fixed placeholder, never the key.
func (Key) GoString() string { return redacted }

// Format writes a fixed placeholder for every verb (%v, %x, %s, %q, %d …).
func (Key) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue makes slog print a placeholder.
func (Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText refuses, so a Key never ends up in JSON or YAML by mistake.
func (Key) MarshalText() ([]byte, error) {
	return nil, errors.New("volkey: a volume key is never marshalled")
}

// check returns the public key check value stored in volume.json:
// HMAC-SHA256(M, "walrusfs volume key check v1"), first 16 bytes, hex. It
// tells whether an unwrapped key belongs to the volume and reveals nothing
// about M.
func (k Key) check() string {
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte("walrusfs volume key check v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Method names one way of unlocking a volume.
type Method string

// The unlock methods. Each is one age file in the keys directory.
const (
	MethodPassphrase Method = "passphrase"
	MethodRecovery   Method = "recovery"
	MethodWallet     Method = "wallet"
	MethodKeyFile    Method = "keyfile"
)

// allMethods is the order in which Methods reports them.
var allMethods = []Method{MethodPassphrase, MethodRecovery, MethodWallet, MethodKeyFile}

// Errors, for errors.Is. Every error of this package wraps at most one
// of them and names the file it is about; none holds a key, passphrase,
// recovery code or signature.
var (
	// ErrWrongPassphrase: the passphrase does not unlock the volume.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrWrongKey: a recovery code, wallet or key file that does not
	// unlock the volume, or a Key that is not the volume's.
	ErrWrongKey = errors.New("wrong key")
	// ErrMalformedCode: a recovery code with a typo or of the wrong form.
	ErrMalformedCode = errors.New("malformed recovery code")
	// ErrNoKeys: the data directory holds no volume keys (Create makes them).
	ErrNoKeys = errors.New("no volume keys")
	// ErrNoMethod: the volume has keys, but not of the method asked for.
	ErrNoMethod = errors.New("unlock method not set up")
	// ErrLastMethod: Remove would remove the only way to unlock the volume.
	ErrLastMethod = errors.New("last unlock method")
	// ErrExist: Create found keys already there.
	ErrExist = errors.New("volume keys already exist")
	// ErrWeakPassphrase: CheckPassphrase refused the passphrase.
	ErrWeakPassphrase = errors.New("weak passphrase")
	// ErrNoTerminal: ReadPassphrase found no terminal to ask on.
	ErrNoTerminal = errors.New("no terminal")
	// ErrCorrupt: a key file or volume.json is damaged or truncated.
	ErrCorrupt = errors.New("damaged key file")
	// ErrSigner: the wallet's signatures cannot serve as a key (not
	// deterministic, or not a Sui serialized signature).
	ErrSigner = errors.New("unusable wallet signer")
)
