package volkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"
)

// The keys directory and its files (see doc.go).
const (
	keysDir        = "keys"
	volumeFile     = "volume.json"
	passphraseFile = "passphrase.age"
	recoveryFile   = "recovery.age"
	walletFile     = "wallet.age"
	keyFileWrap    = "keyfile.age"
	keyFileID      = "keyfile"
	formatVersion  = 1
)

// methodFiles are the files each method consists of; the first one holds
// the wrapped key.
var methodFiles = map[Method][]string{
	MethodPassphrase: {passphraseFile},
	MethodRecovery:   {recoveryFile},
	MethodWallet:     {walletFile},
	MethodKeyFile:    {keyFileWrap, keyFileID},
}

// Info is the public description of a volume kept in keys/volume.json. It
// holds no secret.
type Info struct {
	Format  int       `json:"format"`   // 1
	ID      string    `json:"volumeId"` // 16 random bytes, hex
	Created time.Time `json:"created"`
	// Methods as of the last change made through this package; Methods
	// (the function) looks at the files themselves.
	Methods []Method `json:"methods"`
	// KeyCheck is HMAC-SHA256(M, "walrusfs volume key check v1")[:16] in
	// hex: it tells whether an unwrapped key is this volume's.
	KeyCheck string `json:"keyCheck"`
}

// ReadInfo returns the volume description in dir (the data directory).
func ReadInfo(dir string) (Info, error) {
	path := filepath.Join(dir, keysDir, volumeFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("volkey: %s: %w (create them first)", path, ErrNoKeys)
	}
	if err != nil {
		return Info{}, fmt.Errorf("volkey: %w", err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, fmt.Errorf("volkey: %s: %w: %v", path, ErrCorrupt, err)
	}
	if info.Format != formatVersion {
		return Info{}, fmt.Errorf("volkey: %s: format version %d, this walrusfs reads version %d", path, info.Format, formatVersion)
	}
	if len(info.KeyCheck) != 32 || len(info.ID) != 32 {
		return Info{}, fmt.Errorf("volkey: %s: %w: volume ID or key check missing", path, ErrCorrupt)
	}
	return info, nil
}

// Methods returns the unlock methods set up in dir (the data directory),
// in a fixed order, judged by the files present. It returns ErrNoKeys if
// there are none.
func Methods(dir string) ([]Method, error) {
	kd := filepath.Join(dir, keysDir)
	var ms []Method
	for _, m := range allMethods {
		ok, err := exists(filepath.Join(kd, methodFiles[m][0]))
		if err != nil {
			return nil, err
		}
		if ok {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("volkey: no unlock method in %s: %w", kd, ErrNoKeys)
	}
	return ms, nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("volkey: %w", err)
	}
	return true, nil
}

// seal returns M encrypted as an age file to r.
func seal(k Key, r age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("volkey: age: %w", err)
	}
	if _, err := w.Write(k[:]); err != nil {
		return nil, fmt.Errorf("volkey: age: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("volkey: age: %w", err)
	}
	return buf.Bytes(), nil
}

// open decrypts the age file at path with id and returns the key in it.
// An identity that does not match gives wrong; anything else that fails
// is ErrCorrupt naming the file.
func open(path string, id age.Identity, m Method, wrong error) (Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, fmt.Errorf("volkey: the volume has no %s unlock (%s is missing): %w", m, path, ErrNoMethod)
	}
	if err != nil {
		return Key{}, fmt.Errorf("volkey: %w", err)
	}
	return openBytes(data, path, id, wrong)
}

// openBytes decrypts the age file data (named name in errors) with id.
func openBytes(data []byte, name string, id age.Identity, wrong error) (Key, error) {
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
			return Key{}, fmt.Errorf("volkey: %s: %w", name, wrong)
		}
		return Key{}, fmt.Errorf("volkey: %s: %w: %v", name, ErrCorrupt, err)
	}
	pt, err := io.ReadAll(io.LimitReader(r, 64))
	if err != nil {
		return Key{}, fmt.Errorf("volkey: %s: %w: %v", name, ErrCorrupt, err)
	}
	if len(pt) != len(Key{}) {
		return Key{}, fmt.Errorf("volkey: %s: %w: it holds %d bytes, not a 32-byte key", name, ErrCorrupt, len(pt))
	}
	return Key(pt), nil
}

// writeAtomic replaces dir/name with data (mode 0600): a temporary file in
// dir is written, synced and renamed over name, then dir is synced.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("volkey: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("volkey: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("volkey: writing %s: %w", filepath.Join(dir, name), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("volkey: writing %s: %w", filepath.Join(dir, name), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("volkey: writing %s: %w", filepath.Join(dir, name), err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("volkey: %w", err)
	}
	ok = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("volkey: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("volkey: syncing %s: %w", dir, err)
	}
	return nil
}

// marshalInfo encodes info for volume.json.
func marshalInfo(info Info) ([]byte, error) {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("volkey: %w", err)
	}
	return append(data, '\n'), nil
}

// updateInfo rewrites volume.json with the methods present now.
func updateInfo(dir string, info Info) error {
	ms, err := Methods(dir)
	if err != nil {
		return err
	}
	info.Methods = slices.Clone(ms)
	data, err := marshalInfo(info)
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, keysDir), volumeFile, data)
}
