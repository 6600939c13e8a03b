package volkey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// An Unlocker is one way of proving the right to the volume key:
// Passphrase, RecoveryCode, Wallet or KeyFile. Printing one shows only
// its method.
type Unlocker interface {
	Method() Method
	unlock(kd string) (Key, error)
}

type unlocker struct {
	m      Method
	secret []byte // passphrase
	code   string // recovery code
	signer Signer
}

func (u *unlocker) Method() Method               { return u.m }
func (u *unlocker) String() string               { return "volkey.Unlocker(" + string(u.m) + ")" }
func (u *unlocker) GoString() string             { return u.String() }
func (u *unlocker) Format(f fmt.State, _ rune)   { io.WriteString(f, u.String()) }
func (u *unlocker) LogValue() slog.Value         { return slog.StringValue(u.String()) }
func (u *unlocker) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

func methodMissing(kd string, m Method) error {
	return fmt.Errorf("volkey: the volume in %s has no %s unlock: %w", kd, m, ErrNoMethod)
}

func wrapf(format string, a ...any) error { return fmt.Errorf("volkey: "+format, a...) }

func (u *unlocker) unlock(kd string) (Key, error) {
	switch u.m {
	case MethodPassphrase:
		if len(u.secret) == 0 {
			return Key{}, wrapf("empty passphrase: %w", ErrWrongPassphrase)
		}
		id, err := age.NewScryptIdentity(string(u.secret))
		if err != nil {
			return Key{}, wrapf("%w", err)
		}
		return open(filepath.Join(kd, passphraseFile), id, MethodPassphrase, ErrWrongPassphrase)
	case MethodRecovery:
		id, err := ParseRecoveryCode(u.code)
		if err != nil {
			return Key{}, err
		}
		return open(filepath.Join(kd, recoveryFile), id, MethodRecovery, ErrWrongKey)
	case MethodWallet:
		path := filepath.Join(kd, walletFile)
		if ok, err := exists(path); err != nil {
			return Key{}, err
		} else if !ok {
			return Key{}, methodMissing(kd, MethodWallet)
		}
		id, err := walletIdentity(u.signer, false)
		if err != nil {
			return Key{}, err
		}
		return open(path, id, MethodWallet, ErrWrongKey)
	case MethodKeyFile:
		path := filepath.Join(kd, keyFileID)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return Key{}, methodMissing(kd, MethodKeyFile)
		}
		if err != nil {
			return Key{}, wrapf("%w", err)
		}
		ids, err := age.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return Key{}, wrapf("%s: %w: %v", path, ErrCorrupt, err)
		}
		return open(filepath.Join(kd, keyFileWrap), ids[0], MethodKeyFile, ErrWrongKey)
	}
	return Key{}, wrapf("unknown unlock method %q", u.m)
}

// recoveryCodeLen is the length of AGE-SECRET-KEY-1 + 52 data characters
// (32 bytes) + 6 checksum characters.
const recoveryCodeLen = len("AGE-SECRET-KEY-1") + 52 + 6

// Passphrase unlocks with a passphrase.
func Passphrase(p []byte) Unlocker { return &unlocker{m: MethodPassphrase, secret: p} }

// RecoveryCode unlocks with the recovery code (AGE-SECRET-KEY-1…; case,
// spaces and line breaks do not matter).
func RecoveryCode(code string) Unlocker { return &unlocker{m: MethodRecovery, code: code} }

// Wallet unlocks with the wallet that was added by Create or AddWallet.
func Wallet(s Signer) Unlocker { return &unlocker{m: MethodWallet, signer: s} }

// KeyFile unlocks with keys/keyfile.
func KeyFile() Unlocker { return &unlocker{m: MethodKeyFile} }

// ParseRecoveryCode returns the age identity of a recovery code. Spaces
// and line breaks are ignored and lower case is accepted; a code with a
// typo gives ErrMalformedCode saying what is wrong.
func ParseRecoveryCode(code string) (*age.X25519Identity, error) {
	c := strings.ToUpper(strings.Join(strings.Fields(code), ""))
	const prefix = "AGE-SECRET-KEY-1"
	switch {
	case c == "":
		return nil, wrapf("%w: empty", ErrMalformedCode)
	case strings.HasPrefix(c, "AGE1"):
		return nil, wrapf("%w: this is an age public key (age1…); the recovery code starts with %s", ErrMalformedCode, prefix)
	case !strings.HasPrefix(c, prefix):
		return nil, wrapf("%w: it does not start with %s", ErrMalformedCode, prefix)
	case len(c) != recoveryCodeLen:
		return nil, wrapf("%w: it has %d characters, a recovery code has %d (a character missing or extra?)", ErrMalformedCode, len(c), recoveryCodeLen)
	}
	id, err := age.ParseX25519Identity(c)
	if err != nil {
		return nil, wrapf("%w: its checksum does not match, so it has a typo (0/O, 1/l and similar are the usual suspects)", ErrMalformedCode)
	}
	return id, nil
}

// Unlock returns the volume key of dir (the data directory) using u. A
// wrong passphrase gives ErrWrongPassphrase; a wrong recovery code,
// wallet or key file ErrWrongKey; a method the volume lacks ErrNoMethod; a
// damaged file ErrCorrupt naming it. Unlock never changes anything on
// disk.
func Unlock(dir string, u Unlocker) (Key, error) {
	if u == nil {
		return Key{}, wrapf("no unlock method given")
	}
	info, err := ReadInfo(dir)
	if err != nil {
		return Key{}, err
	}
	kd := filepath.Join(dir, keysDir)
	k, err := u.unlock(kd)
	if err != nil {
		return Key{}, err
	}
	if k.check() != info.KeyCheck {
		return Key{}, wrapf("%s: %w: it holds the key of another volume than %s describes",
			filepath.Join(kd, methodFiles[u.Method()][0]), ErrCorrupt, volumeFile)
	}
	return k, nil
}
