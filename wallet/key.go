package wallet

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/decred/dcrd/bech32"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/blake2b"
)

// Scheme is a Sui signature scheme, numbered by its flag byte.
type Scheme byte

// The schemes a Key can have.
const (
	Ed25519   Scheme = 0
	Secp256k1 Scheme = 1
	Secp256r1 Scheme = 2
)

// String returns the scheme's name as the Sui CLI spells it.
func (s Scheme) String() string {
	switch s {
	case Ed25519:
		return "ed25519"
	case Secp256k1:
		return "secp256k1"
	case Secp256r1:
		return "secp256r1"
	}
	return fmt.Sprintf("scheme(%d)", byte(s))
}

// ParseScheme returns the scheme named name ("ed25519", "secp256k1",
// "secp256r1", any case).
func ParseScheme(name string) (Scheme, error) {
	for _, s := range []Scheme{Ed25519, Secp256k1, Secp256r1} {
		if strings.EqualFold(name, s.String()) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("wallet: unknown key scheme %q (want ed25519, secp256k1 or secp256r1)", name)
}

// flagNames name the Sui signature flags that are not keys of this package.
var flagNames = map[byte]string{3: "multisig", 4: "BLS12-381", 5: "zkLogin", 6: "passkey"}

const (
	// SecretSize is the length of a secret key.
	SecretSize = 32
	// HRP is the bech32 human-readable part of a "suiprivkey1…" string.
	HRP = "suiprivkey"
)

// ErrUnsupportedScheme is wrapped by the error for a key whose flag byte
// is not ed25519, secp256k1 or secp256r1.
var ErrUnsupportedScheme = errors.New("unsupported key scheme")

// keyError says why a key string was refused. It never holds key material;
// where ("in entry 2 of FILE") is filled in by the keystore.
type keyError struct {
	msg   string // "unsupported key scheme flag 3"
	where string // " in entry 2 of /home/u/.sui/sui_config/sui.keystore"
	note  string // " (multisig)"
	err   error  // sentinel for errors.Is, or nil
}

func (e *keyError) Error() string { return "wallet: " + e.msg + e.where + e.note }
func (e *keyError) Unwrap() error { return e.err }

// at returns err with its place added when it is a keyError.
func at(err error, where string) error {
	var ke *keyError
	if errors.As(err, &ke) {
		c := *ke
		c.where = where
		return &c
	}
	return fmt.Errorf("%w%s", err, where)
}

// Key is a Sui private key with its public key. It prints (fmt, slog) as
// "<scheme> <address>", never the secret. Keys come from NewKey, ParseKey,
// FromBytes or a Keystore (the zero Key is not usable); they are
// immutable and safe for concurrent use.
type Key struct {
	scheme  Scheme
	secret  [SecretSize]byte
	pub     []byte // 32 bytes ed25519, 33 compressed for ECDSA
	address string

	ed ed25519.PrivateKey
	k1 *secp256k1.PrivateKey
	r1 *ecdsa.PrivateKey
}

// NewKey makes a key of scheme s from 32 bytes of rand (more when a draw
// is not a valid secret, which for the ECDSA curves happens with
// probability below 2^-32).
func NewKey(s Scheme, rand io.Reader) (*Key, error) {
	if _, ok := schemeOK(byte(s)); !ok {
		return nil, &keyError{msg: fmt.Sprintf("unsupported key scheme flag %d", byte(s)), err: ErrUnsupportedScheme}
	}
	for range 64 {
		var secret [SecretSize]byte
		if _, err := io.ReadFull(rand, secret[:]); err != nil {
			return nil, fmt.Errorf("wallet: reading randomness for a new %s key: %w", s, err)
		}
		k, err := keyFromSecret(s, secret)
		if err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("wallet: no valid %s secret in 64 draws of randomness (broken random source?)", s)
}

func schemeOK(flag byte) (Scheme, bool) {
	switch s := Scheme(flag); s {
	case Ed25519, Secp256k1, Secp256r1:
		return s, true
	}
	return 0, false
}

// FromBytes returns the key of the 33 bytes flag ‖ secret.
func FromBytes(b []byte) (*Key, error) {
	if len(b) != 1+SecretSize {
		ke := &keyError{msg: fmt.Sprintf("key is %d bytes, want 33 (scheme flag and 32-byte secret)", len(b))}
		switch len(b) {
		case SecretSize:
			ke.note = " (a bare secret without its scheme flag?)"
		case 1 + 32 + SecretSize:
			ke.note = " (the pre-2023 keystore form flag, public key, secret? re-import the key with a current Sui CLI)"
		}
		return nil, ke
	}
	s, ok := schemeOK(b[0])
	if !ok {
		ke := &keyError{msg: fmt.Sprintf("unsupported key scheme flag %d", b[0]), err: ErrUnsupportedScheme}
		if name := flagNames[b[0]]; name != "" {
			ke.note = " (" + name + "; a keystore holds ed25519, secp256k1 or secp256r1 keys)"
		}
		return nil, ke
	}
	return keyFromSecret(s, [SecretSize]byte(b[1:]))
}

// keyFromSecret derives the public key and address of a secret.
func keyFromSecret(s Scheme, secret [SecretSize]byte) (*Key, error) {
	k := &Key{scheme: s, secret: secret}
	switch s {
	case Ed25519:
		k.ed = ed25519.NewKeyFromSeed(secret[:])
		k.pub = []byte(k.ed.Public().(ed25519.PublicKey))
	case Secp256k1:
		var sc secp256k1.ModNScalar
		if overflow := sc.SetByteSlice(secret[:]); overflow || sc.IsZero() {
			return nil, &keyError{msg: "secp256k1 secret is zero or not below the curve order"}
		}
		k.k1 = secp256k1.NewPrivateKey(&sc)
		k.pub = k.k1.PubKey().SerializeCompressed()
	case Secp256r1:
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), secret[:])
		if err != nil {
			return nil, &keyError{msg: "secp256r1 secret is zero or not below the curve order"}
		}
		k.r1 = priv
		raw, err := priv.PublicKey.Bytes()
		if err != nil {
			return nil, fmt.Errorf("wallet: secp256r1 public key: %w", err)
		}
		k.pub = compressP256(raw)
	}
	k.address = addressOf(s, k.pub)
	return k, nil
}

// compressP256 turns the 65-byte uncompressed point 04 ‖ x ‖ y into the
// 33-byte form (02 | parity of y) ‖ x.
func compressP256(uncompressed []byte) []byte {
	out := make([]byte, 33)
	out[0] = 2 | uncompressed[64]&1
	copy(out[1:], uncompressed[1:33])
	return out
}

// addressOf is "0x" ‖ hex(blake2b-256(flag ‖ pub)).
func addressOf(s Scheme, pub []byte) string {
	h, _ := blake2b.New256(nil)
	h.Write([]byte{byte(s)})
	h.Write(pub)
	return "0x" + hex.EncodeToString(h.Sum(nil))
}

// ParseKey parses a private key in either form the Sui tools use:
// "suiprivkey1…" (bech32) or the keystore's base64 of flag ‖ secret. It
// checks the flag: only ed25519, secp256k1 and secp256r1 keys are accepted.
// Surrounding white space is ignored. Errors never include key material.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, &keyError{msg: "empty key string"}
	}
	// bech32 letters are base64 letters too: look at the prefix first.
	if strings.HasPrefix(strings.ToLower(s), HRP+"1") {
		return parseBech32(s)
	}
	if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
		return FromBytes(b)
	}
	if looksBech32(s) {
		return parseBech32(s)
	}
	return nil, &keyError{msg: "key is neither base64 (flag and secret, as in sui.keystore) nor a suiprivkey1… string"}
}

// looksBech32 reports whether s is some bech32 string (another prefix).
func looksBech32(s string) bool {
	_, _, err := bech32.DecodeNoLimit(s)
	return err == nil
}

func parseBech32(s string) (*Key, error) {
	hrp, data, err := bech32.DecodeNoLimit(s)
	if err != nil {
		// The library's messages may quote characters of the string or the
		// expected checksum, which derives from the secret: name the kind.
		var (
			cs bech32.ErrInvalidChecksum
			ch bech32.ErrInvalidCharacter
			nc bech32.ErrNonCharsetChar
			mc bech32.ErrMixedCase
		)
		reason := "malformed bech32"
		switch {
		case errors.As(err, &cs):
			reason = "bad bech32 checksum (mistyped or truncated?)"
		case errors.As(err, &ch), errors.As(err, &nc):
			reason = "character not in the bech32 alphabet"
		case errors.As(err, &mc):
			reason = "mixed upper and lower case"
		}
		return nil, &keyError{msg: "suiprivkey string: " + reason}
	}
	if hrp != HRP {
		return nil, &keyError{msg: fmt.Sprintf("bech32 string with prefix %q, want %q", hrp, HRP)}
	}
	b, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil {
		return nil, &keyError{msg: "suiprivkey string: bad padding of the bech32 data"}
	}
	return FromBytes(b)
}

// Scheme returns the key's signature scheme.
func (k *Key) Scheme() Scheme { return k.scheme }

// PublicKey returns the public key: 32 bytes for ed25519, the 33-byte
// compressed point for secp256k1 and secp256r1.
func (k *Key) PublicKey() []byte { return append([]byte(nil), k.pub...) }

// PublicKeyBase64 returns base64(flag ‖ public key), the form of the Sui
// CLI's sui.aliases file and of `sui keytool` listings.
func (k *Key) PublicKeyBase64() string {
	return base64.StdEncoding.EncodeToString(append([]byte{byte(k.scheme)}, k.pub...))
}

// Address returns the Sui address: "0x" and 64 lower-case hex digits.
func (k *Key) Address() string { return k.address }

// Bytes returns flag ‖ secret (33 bytes). Handle with care.
func (k *Key) Bytes() []byte { return append([]byte{byte(k.scheme)}, k.secret[:]...) }

// Encode returns base64(flag ‖ secret), one entry of sui.keystore.
func (k *Key) Encode() string { return base64.StdEncoding.EncodeToString(k.Bytes()) }

// Bech32 returns the "suiprivkey1…" form of the key.
func (k *Key) Bech32() string {
	s, err := bech32.EncodeFromBase256(HRP, k.Bytes())
	if err != nil {
		// Only invalid bit groupings fail, and 33 bytes are always valid.
		panic("wallet: bech32 encoding of a key: " + err.Error())
	}
	return s
}

// String returns "<scheme> <address>", never the secret.
func (k *Key) String() string { return k.scheme.String() + " " + k.address }

// GoString is String, so %#v does not print the secret.
func (k *Key) GoString() string { return k.String() }

// Format prints String for every verb (%x or %d of the struct would
// otherwise show the secret).
func (k *Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue makes slog print the key as String does.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

var (
	_ fmt.Stringer   = (*Key)(nil)
	_ fmt.Formatter  = (*Key)(nil)
	_ slog.LogValuer = (*Key)(nil)
)
