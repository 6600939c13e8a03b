package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/sui"
)

// Keystore is the content of a Sui CLI keystore file.
type Keystore struct {
	// Path is the file the keys were read from.
	Path string
	// Keys are the file's keys in file order.
	Keys []*Key
	// Insecure is set when the file is readable by its group or by others
	// (Mode&0o044 != 0): anyone who can read it can spend the wallet.
	Insecure bool
	// Mode is the file's permission bits.
	Mode fs.FileMode
}

// ErrNoKey is wrapped by Find's error when no key has the address.
var ErrNoKey = errors.New("no such key")

// OpenKeystore reads a keystore: a JSON array of base64 strings, each the
// 33 bytes flag ‖ secret. Errors name the file and the entry (counted from
// 0) and never include key material. Other shapes, such as an object
// {"version":2,…} of a newer format, are refused. An empty array is a
// valid keystore holding no keys.
func OpenKeystore(path string) (*Keystore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wallet: opening keystore: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("wallet: keystore %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("wallet: keystore %s is not a regular file", path)
	}
	const maxSize = 16 << 20 // a million keys; anything larger is not a keystore
	if st.Size() > maxSize {
		return nil, fmt.Errorf("wallet: keystore %s is %d bytes, too large for a keystore", path, st.Size())
	}
	data := make([]byte, st.Size())
	if n, err := f.ReadAt(data, 0); n != len(data) {
		return nil, fmt.Errorf("wallet: reading keystore %s: %w", path, err)
	}
	keys, err := parseKeystore(data, path)
	if err != nil {
		return nil, err
	}
	mode := st.Mode().Perm()
	return &Keystore{Path: path, Keys: keys, Mode: mode, Insecure: mode&0o044 != 0}, nil
}

// parseKeystore decodes the keystore file content data read from path.
func parseKeystore(data []byte, path string) ([]*Key, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("wallet: keystore %s is empty (want a JSON array of base64 keys, [] for none)", path)
	}
	switch trimmed[0] {
	case '[':
	case '{':
		return nil, fmt.Errorf("wallet: keystore %s is a JSON object, not the array of base64 keys the Sui CLI writes "+
			"(a newer keystore format?); unsupported", path)
	default:
		return nil, fmt.Errorf("wallet: keystore %s is not a JSON array of base64 keys", path)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		// json's own messages may quote bytes of the file: say where only.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("wallet: keystore %s is not valid JSON (error at byte %d)", path, syn.Offset)
		}
		return nil, fmt.Errorf("wallet: keystore %s is not a JSON array of base64 keys", path)
	}
	keys := make([]*Key, 0, len(raw))
	for i, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fmt.Errorf("wallet: entry %d of keystore %s is not a string (want base64 of flag and secret)", i, path)
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), HRP) {
			// The Sui CLI would refuse the file: so do we.
			return nil, fmt.Errorf("wallet: entry %d of %s is a suiprivkey string; a keystore holds base64 of flag and secret "+
				"(import the key with sui keytool import)", i, path)
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, at(err, fmt.Sprintf(" in entry %d of %s", i, path))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Find returns the key of address (any form sui.NormalizeAddress takes:
// "0x2a" matches 0x000…02a). Several entries with one address (the same
// key twice) give the first.
func (ks *Keystore) Find(address string) (*Key, error) {
	a, err := sui.NormalizeAddress(address)
	if err != nil {
		return nil, fmt.Errorf("wallet: looking up a key: %w", err)
	}
	if len(ks.Keys) == 0 {
		return nil, fmt.Errorf("wallet: %w for address %s: keystore %s holds no keys (walrusfs wallet new adds one)", ErrNoKey, a, ks.Path)
	}
	for _, k := range ks.Keys {
		if k.address == a {
			return k, nil
		}
	}
	return nil, fmt.Errorf("wallet: %w for address %s in keystore %s (it holds %d other keys; walrusfs wallet address lists them)",
		ErrNoKey, a, ks.Path, len(ks.Keys))
}

// WriteKeystore replaces the keystore at path with keys, in the Sui CLI's
// layout (pretty-printed JSON array of base64 strings), mode 0600 and
// atomically: a crash leaves the old file or the new one. A missing
// directory is created (mode 0700). When path is a symbolic link, the file
// it points to is replaced.
func WriteKeystore(path string, keys []*Key) error {
	strs := make([]string, len(keys))
	for i, k := range keys {
		if k == nil {
			return fmt.Errorf("wallet: writing keystore %s: key %d is nil", path, i)
		}
		strs[i] = k.Encode()
	}
	data, err := json.MarshalIndent(strs, "", "  ")
	if err != nil {
		return fmt.Errorf("wallet: writing keystore %s: %w", path, err)
	}
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("wallet: writing keystore %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(target, data, &atomicfile.Options{Perm: 0o600}); err != nil {
		return fmt.Errorf("wallet: writing keystore %s: %w", path, err)
	}
	return nil
}

// AddKey appends k to the keystore at path, creating the file (mode 0600)
// when it does not exist, and returns the keystore as written. When the
// Sui CLI's alias file sits next to the keystore (sui.aliases for
// sui.keystore), the key also gets an alias there ("walrusfs-" and the
// first 8 hex digits of its address), as the Sui CLI expects one per key.
func AddKey(path string, k *Key) (*Keystore, error) {
	ks, err := OpenKeystore(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ks = &Keystore{Path: path}
	case err != nil:
		return nil, err
	}
	for _, old := range ks.Keys {
		if old.address == k.address {
			return nil, fmt.Errorf("wallet: key %s is already in keystore %s", k, path)
		}
	}
	keys := append(append([]*Key(nil), ks.Keys...), k)
	if err := WriteKeystore(path, keys); err != nil {
		return nil, err
	}
	if err := addAlias(aliasesPath(path), k); err != nil {
		return nil, fmt.Errorf("wallet: key %s was added to %s, but %w", k, path, err)
	}
	return &Keystore{Path: path, Keys: keys, Mode: 0o600}, nil
}

// aliasesPath is the Sui CLI's alias file of a keystore: the keystore's
// path with its extension replaced by .aliases.
func aliasesPath(keystore string) string {
	return strings.TrimSuffix(keystore, filepath.Ext(keystore)) + ".aliases"
}

// alias is one entry of sui.aliases.
type alias struct {
	Alias           string `json:"alias"`
	PublicKeyBase64 string `json:"public_key_base64"`
}

// addAlias gives k an alias in the alias file at path, if that file
// exists; entries already there are kept as they are.
func addAlias(path string, k *Key) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the Sui CLI makes aliases for every key when the file is missing
	}
	if err != nil {
		return fmt.Errorf("reading alias file: %w", err)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		return fmt.Errorf("alias file %s is not a JSON array; not updated", path)
	}
	taken := map[string]bool{}
	for _, e := range entries {
		var a alias
		if json.Unmarshal(e, &a) == nil {
			taken[a.Alias] = true
		}
	}
	name := "walrusfs-" + k.address[2:10]
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("walrusfs-%s-%d", k.address[2:10], i)
	}
	e, err := json.Marshal(alias{Alias: name, PublicKeyBase64: k.PublicKeyBase64()})
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(append(entries, e), "", "  ")
	if err != nil {
		return err
	}
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	perm := fs.FileMode(0o600)
	if st, err := os.Stat(target); err == nil {
		perm = st.Mode().Perm()
	}
	if err := atomicfile.WriteFile(target, out, &atomicfile.Options{Perm: perm}); err != nil {
		return fmt.Errorf("updating alias file: %w", err)
	}
	return nil
}
