package volkey

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// Options says which unlock methods Create sets up. A recovery code is
// always made.
type Options struct {
	// Passphrase, if not empty, adds a passphrase unlock. It must pass
	// CheckPassphrase.
	Passphrase []byte
	// Wallet, if not nil, adds a wallet unlock.
	Wallet Signer
	// KeyFile adds a key file unlock (keys/keyfile), which needs no input
	// and protects nothing against someone who has the data directory.
	KeyFile bool
}

// params are tunables that tests lower.
type params struct {
	scryptLogN int // scrypt work factor 2^logN for new passphrase wrappings
}

// defaults: age's own scrypt work factor (about 1 s).
var defaults = params{scryptLogN: 18}

// Create makes a new volume master key in dir (the data directory) and
// writes its wrappings into dir/keys; it returns the key and the
// recovery code, which is shown to the user once and stored nowhere. It
// refuses with ErrExist if dir/keys already holds anything. The keys
// directory appears all at once: it is built under a temporary name and
// renamed into place.
func Create(dir string, o Options) (k Key, recoveryCode string, err error) {
	return create(dir, o, defaults, nil, nil)
}

// Restore is Create for a volume that exists elsewhere (recovery on a new
// machine): the keys directory gets the given key and volume ID instead of
// new ones, with the unlock methods of o and a new recovery code.
func Restore(dir string, k Key, volumeID [16]byte, o Options) (recoveryCode string, err error) {
	if k == (Key{}) || volumeID == ([16]byte{}) {
		return "", fmt.Errorf("volkey: restore: zero key or volume ID: %w", ErrWrongKey)
	}
	_, code, err := create(dir, o, defaults, &k, &volumeID)
	return code, err
}

func create(dir string, o Options, p params, known *Key, knownID *[16]byte) (k Key, code string, err error) {
	kd := filepath.Join(dir, keysDir)
	if ents, err := os.ReadDir(kd); err == nil && len(ents) > 0 {
		return Key{}, "", fmt.Errorf("volkey: %s: %w", kd, ErrExist)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	if len(o.Passphrase) > 0 {
		if err := CheckPassphrase(o.Passphrase); err != nil {
			return Key{}, "", err
		}
	}
	var walletID *age.X25519Identity
	if o.Wallet != nil {
		if walletID, err = walletIdentity(o.Wallet, true); err != nil {
			return Key{}, "", err
		}
	}
	var id [16]byte
	if known != nil {
		k, id = *known, *knownID
	} else {
		if _, err := io.ReadFull(rand.Reader, k[:]); err != nil {
			return Key{}, "", fmt.Errorf("volkey: random: %w", err)
		}
		if _, err := io.ReadFull(rand.Reader, id[:]); err != nil {
			return Key{}, "", fmt.Errorf("volkey: random: %w", err)
		}
	}
	recovery, err := age.GenerateX25519Identity()
	if err != nil {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	files := map[string][]byte{}
	if files[recoveryFile], err = seal(k, recovery.Recipient()); err != nil {
		return Key{}, "", err
	}
	if len(o.Passphrase) > 0 {
		if files[passphraseFile], err = sealPassphrase(k, o.Passphrase, p); err != nil {
			return Key{}, "", err
		}
	}
	if walletID != nil {
		if files[walletFile], err = seal(k, walletID.Recipient()); err != nil {
			return Key{}, "", err
		}
	}
	if o.KeyFile {
		if files[keyFileWrap], files[keyFileID], err = newKeyFile(k); err != nil {
			return Key{}, "", err
		}
	}
	info := Info{Format: formatVersion, ID: hex.EncodeToString(id[:]), Created: time.Now().UTC().Truncate(time.Second), KeyCheck: k.check()}
	for _, m := range allMethods {
		if _, ok := files[methodFiles[m][0]]; ok {
			info.Methods = append(info.Methods, m)
		}
	}
	if files[volumeFile], err = marshalInfo(info); err != nil {
		return Key{}, "", err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".keys-new-*") // mode 0700
	if err != nil {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for name, data := range files {
		if err := writeAtomic(tmp, name, data); err != nil {
			return Key{}, "", err
		}
	}
	// An empty keys directory (checked above) is replaced.
	if err := os.Remove(kd); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	if err := os.Rename(tmp, kd); err != nil {
		return Key{}, "", fmt.Errorf("volkey: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return Key{}, "", err
	}
	return k, recovery.String(), nil
}

func sealPassphrase(k Key, pass []byte, p params) ([]byte, error) {
	r, err := age.NewScryptRecipient(string(pass))
	if err != nil {
		return nil, fmt.Errorf("volkey: %w", err)
	}
	r.SetWorkFactor(p.scryptLogN)
	return seal(k, r)
}

// newKeyFile returns the wrapping of k for a new key file identity and
// the identity file itself (age-keygen's format).
func newKeyFile(k Key) (wrapped, idFile []byte, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, nil, fmt.Errorf("volkey: %w", err)
	}
	if wrapped, err = seal(k, id.Recipient()); err != nil {
		return nil, nil, err
	}
	idFile = fmt.Appendf(nil, "# walrusfs key file: unlocks keyfile.age without a passphrase.\n"+
		"# Anyone who can read this file can read the volume.\n# public key: %s\n%s\n", id.Recipient(), id)
	return wrapped, idFile, nil
}

// verify returns the volume's Info if k is its key, else ErrWrongKey.
func verify(dir string, k Key) (Info, error) {
	info, err := ReadInfo(dir)
	if err != nil {
		return Info{}, err
	}
	if k.check() != info.KeyCheck {
		return Info{}, wrapf("the key given is not the key of the volume in %s: %w", dir, ErrWrongKey)
	}
	return info, nil
}

// ChangePassphrase sets the passphrase unlock of the volume in dir to
// newPass (adding it if there was none). k must be the volume's key
// (from Unlock). The old passphrase stops working for this file, but a
// copy of the old passphrase.age (a backup, or the volume header on
// Walrus) still opens with the old passphrase: this is re-wrapping, not
// key rotation.
func ChangePassphrase(dir string, k Key, newPass []byte) error {
	return changePassphrase(dir, k, newPass, defaults)
}

func changePassphrase(dir string, k Key, newPass []byte, p params) error {
	if err := CheckPassphrase(newPass); err != nil {
		return err
	}
	info, err := verify(dir, k)
	if err != nil {
		return err
	}
	data, err := sealPassphrase(k, newPass, p)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, keysDir), passphraseFile, data); err != nil {
		return err
	}
	return updateInfo(dir, info)
}

// ExportRecovery makes a new recovery code for the volume in dir, wraps k
// for it and returns it. The previous code stops working for this keys
// directory (copies of the old recovery.age still open with it).
func ExportRecovery(dir string, k Key) (code string, err error) {
	info, err := verify(dir, k)
	if err != nil {
		return "", err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", wrapf("%w", err)
	}
	data, err := seal(k, id.Recipient())
	if err != nil {
		return "", err
	}
	if err := writeAtomic(filepath.Join(dir, keysDir), recoveryFile, data); err != nil {
		return "", err
	}
	if err := updateInfo(dir, info); err != nil {
		return "", err
	}
	return id.String(), nil
}

// AddWallet sets the wallet unlock of the volume in dir to s, replacing
// any previous wallet. k must be the volume's key.
func AddWallet(dir string, k Key, s Signer) error {
	info, err := verify(dir, k)
	if err != nil {
		return err
	}
	id, err := walletIdentity(s, true)
	if err != nil {
		return err
	}
	data, err := seal(k, id.Recipient())
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, keysDir), walletFile, data); err != nil {
		return err
	}
	return updateInfo(dir, info)
}

// AddKeyFile sets up (or replaces) the key file unlock of the volume in
// dir. k must be the volume's key.
func AddKeyFile(dir string, k Key) error {
	info, err := verify(dir, k)
	if err != nil {
		return err
	}
	wrapped, idFile, err := newKeyFile(k)
	if err != nil {
		return err
	}
	kd := filepath.Join(dir, keysDir)
	// The identity first: keyfile.age is what marks the method present.
	if err := writeAtomic(kd, keyFileID, idFile); err != nil {
		return err
	}
	if err := writeAtomic(kd, keyFileWrap, wrapped); err != nil {
		return err
	}
	return updateInfo(dir, info)
}

// Remove deletes the unlock method m of the volume in dir. It refuses
// with ErrLastMethod to remove the only one left, and with ErrNoMethod a
// method the volume does not have.
func Remove(dir string, m Method) error {
	info, err := ReadInfo(dir)
	if err != nil {
		return err
	}
	ms, err := Methods(dir)
	if err != nil {
		return err
	}
	kd := filepath.Join(dir, keysDir)
	found := false
	for _, x := range ms {
		found = found || x == m
	}
	if !found {
		return methodMissing(kd, m)
	}
	if len(ms) == 1 {
		return wrapf("%s is the only way left to unlock the volume in %s: %w", m, kd, ErrLastMethod)
	}
	for _, name := range methodFiles[m] {
		if err := os.Remove(filepath.Join(kd, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return wrapf("%w", err)
		}
	}
	if err := syncDir(kd); err != nil {
		return err
	}
	return updateInfo(dir, info)
}
