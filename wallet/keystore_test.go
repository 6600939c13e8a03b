package wallet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// threeKeys returns one key of each scheme.
func threeKeys(t *testing.T) []*Key {
	return []*Key{testKey(t, Ed25519, 10), testKey(t, Secp256k1, 10), testKey(t, Secp256r1, 10)}
}

func TestKeystoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sui_config", "sui.keystore")
	keys := threeKeys(t)
	if err := WriteKeystore(path, keys); err != nil {
		t.Fatal(err)
	}
	// The Sui CLI's layout: serde_json pretty print, no trailing newline.
	data, _ := os.ReadFile(path)
	want := "[\n  \"" + keys[0].Encode() + "\",\n  \"" + keys[1].Encode() + "\",\n  \"" + keys[2].Encode() + "\"\n]"
	if string(data) != want {
		t.Fatalf("keystore file:\n%s\nwant:\n%s", data, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("keystore mode %v, want 0600", st.Mode())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Fatalf("created directory mode %v, want 0700", st.Mode())
	}
	ks, err := OpenKeystore(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.Path != path || len(ks.Keys) != 3 || ks.Insecure || ks.Mode != 0o600 {
		t.Fatalf("keystore %+v", ks)
	}
	for i, k := range ks.Keys {
		if k.Encode() != keys[i].Encode() {
			t.Fatalf("key %d differs (order must be the file's)", i)
		}
	}
	for _, k := range keys {
		a := k.Address()
		for _, form := range []string{a, strings.ToUpper(a[2:]), " " + a + " ", "0x" + strings.TrimLeft(a[2:], "0")} {
			if form == strings.ToUpper(a[2:]) {
				form = "0x" + form
			}
			got, err := ks.Find(form)
			if err != nil || got.Address() != a {
				t.Fatalf("Find(%q) = %v, %v", form, got, err)
			}
		}
	}
	if _, err := ks.Find("0x2"); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "it holds 3 other keys") ||
		!strings.Contains(err.Error(), path) {
		t.Fatalf("Find of a missing address: %v", err)
	}
	if _, err := ks.Find("alice"); err == nil || errors.Is(err, ErrNoKey) {
		t.Fatalf("Find of a non-address: %v", err)
	}
}

func TestKeystorePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sui.keystore")
	if err := WriteKeystore(path, threeKeys(t)[:1]); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mode     fs.FileMode
		insecure bool
	}{{0o600, false}, {0o400, false}, {0o644, true}, {0o640, true}, {0o604, true}, {0o620, false}} {
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		ks, err := OpenKeystore(path)
		if err != nil {
			t.Fatal(err)
		}
		if ks.Insecure != tt.insecure || ks.Mode != tt.mode {
			t.Errorf("mode %v: Insecure %v, Mode %v", tt.mode, ks.Insecure, ks.Mode)
		}
	}
	// Rewriting makes the file private again.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeystore(path, threeKeys(t)); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("rewritten keystore mode %v", st.Mode())
	}
}

func TestKeystoreEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sui.keystore")
	if err := os.WriteFile(path, []byte(" [ ]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := OpenKeystore(path)
	if err != nil || len(ks.Keys) != 0 {
		t.Fatalf("empty array: %v, %v", ks, err)
	}
	if _, err := ks.Find("0x1"); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "holds no keys") {
		t.Fatalf("Find in an empty keystore: %v", err)
	}
}

// TestKeystoreBadFiles: each malformed file gets an error naming the file
// (and the entry) and showing no key material.
func TestKeystoreBadFiles(t *testing.T) {
	good := threeKeys(t)
	secret := bytes.Repeat([]byte{0x42}, 32)
	q := func(s string) string { return `"` + s + `"` }
	arr := func(entries ...string) string { return "[" + strings.Join(entries, ",") + "]" }
	tests := []struct {
		name, content, want string
	}{
		{"empty file", "\n", "is empty"},
		{"malformed JSON", `["` + good[0].Encode() + `",`, "is not valid JSON (error at byte"},
		{"unterminated", arr(q(good[0].Encode())) + "]", "is not valid JSON"},
		{"v2 object", `{"version":2,"keys":[{"alias":"a","key":{"type":"ed25519","value":"` + good[0].Encode() + `"}}]}`,
			"is a JSON object, not the array of base64 keys the Sui CLI writes"},
		{"string", q(good[0].Encode()), "is not a JSON array of base64 keys"},
		{"null", "null", "is not a JSON array of base64 keys"},
		{"number entry", arr(q(good[0].Encode()), "42"), "entry 1 of keystore FILE is not a string"},
		{"object entry", arr(`{"k":"v"}`), "entry 0 of keystore FILE is not a string"},
		{"not base64", arr(q(good[0].Encode()), q("%%%notbase64%%%")), "key is neither base64 (flag and secret, as in sui.keystore) nor a suiprivkey1… string in entry 1 of FILE"},
		{"wrong length", arr(q(good[0].Encode()), q(good[1].Encode()), q(base64.StdEncoding.EncodeToString(secret))),
			"key is 32 bytes, want 33 (scheme flag and 32-byte secret) in entry 2 of FILE"},
		{"multisig flag", arr(q(good[0].Encode()), q(flagged(3, secret))), "unsupported key scheme flag 3 in entry 1 of FILE (multisig;"},
		{"zklogin flag", arr(q(flagged(5, secret))), "unsupported key scheme flag 5 in entry 0 of FILE (zkLogin;"},
		{"secp256k1 out of range", arr(q(flagged(1, bytes.Repeat([]byte{0xff}, 32)))), "secp256k1 secret is zero or not below the curve order in entry 0 of FILE"},
		{"suiprivkey entry", arr(q(good[0].Bech32())), "entry 0 of FILE is a suiprivkey string"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "ks"+string(rune('a'+i)))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ks, err := OpenKeystore(path)
			if err == nil {
				t.Fatalf("accepted: %+v", ks)
			}
			want := strings.ReplaceAll(tt.want, "FILE", path)
			if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "wallet: ") {
				t.Fatalf("error %q\nwant it to contain %q", err, want)
			}
			for _, k := range good {
				for _, f := range secretForms(k) {
					if strings.Contains(err.Error(), f) {
						t.Fatalf("error shows key material: %q", err)
					}
				}
			}
			for _, f := range []string{"QkJC", "424242", base64.StdEncoding.EncodeToString(secret)[4:24]} {
				if strings.Contains(err.Error(), f) {
					t.Fatalf("error shows key material %q: %q", f, err)
				}
			}
		})
	}
	if _, err := OpenKeystore(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := OpenKeystore(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Fatalf("directory: %v", err)
	}
	if err := WriteKeystore(filepath.Join(dir, "x"), []*Key{good[0], nil}); err == nil {
		t.Fatal("WriteKeystore with a nil key succeeded")
	}
}

func TestWriteKeystoreSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.keystore")
	link := filepath.Join(dir, "sui.keystore")
	if err := WriteKeystore(target, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeystore(link, threeKeys(t)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi, err)
	}
	ks, err := OpenKeystore(target)
	if err != nil || len(ks.Keys) != 3 {
		t.Fatalf("target: %v, %v", ks, err)
	}
}

func TestAddKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new", "sui.keystore")
	keys := threeKeys(t)
	// Created: no alias file is made (the Sui CLI makes them when missing).
	ks, err := AddKey(path, keys[0])
	if err != nil || len(ks.Keys) != 1 {
		t.Fatalf("AddKey to a new keystore: %v, %v", ks, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new", "sui.aliases")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("alias file: %v", err)
	}
	// Appended in order, and given an alias when the alias file exists.
	aliases := filepath.Join(dir, "new", "sui.aliases")
	old := `[{"alias":"walrusfs-` + keys[1].Address()[2:10] + `","public_key_base64":"x","extra":1}]`
	if err := os.WriteFile(aliases, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AddKey(path, keys[1]); err != nil {
		t.Fatal(err)
	}
	if ks, err = AddKey(path, keys[2]); err != nil {
		t.Fatal(err)
	}
	got, err := OpenKeystore(path)
	if err != nil || len(got.Keys) != 3 || len(ks.Keys) != 3 {
		t.Fatalf("after three adds: %v, %v", got, err)
	}
	for i := range keys {
		if got.Keys[i].Address() != keys[i].Address() {
			t.Fatalf("key %d out of order", i)
		}
	}
	var entries []map[string]any
	data, _ := os.ReadFile(aliases)
	if err := json.Unmarshal(data, &entries); err != nil || len(entries) != 3 {
		t.Fatalf("alias file: %s (%v)", data, err)
	}
	if entries[0]["extra"] != float64(1) {
		t.Fatalf("existing alias entry not kept as it was: %v", entries[0])
	}
	wantNames := []string{"walrusfs-" + keys[1].Address()[2:10] + "-2", "walrusfs-" + keys[2].Address()[2:10]}
	for i, e := range entries[1:] {
		if e["alias"] != wantNames[i] || e["public_key_base64"] != keys[i+1].PublicKeyBase64() {
			t.Fatalf("alias entry %d: %v, want %s", i+1, e, wantNames[i])
		}
	}
	if st, _ := os.Stat(aliases); st.Mode().Perm() != 0o644 {
		t.Fatalf("alias file mode changed to %v", st.Mode())
	}
	if _, err := AddKey(path, keys[1]); err == nil || !strings.Contains(err.Error(), "already in keystore") {
		t.Fatalf("adding a key twice: %v", err)
	}
	// A broken alias file: the key is added, and the error says so.
	if err := os.WriteFile(aliases, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	k4 := testKey(t, Ed25519, 11)
	if _, err := AddKey(path, k4); err == nil || !strings.Contains(err.Error(), "was added to "+path+", but alias file") {
		t.Fatalf("broken alias file: %v", err)
	}
	// A broken keystore is never overwritten.
	bad := filepath.Join(dir, "bad.keystore")
	if err := os.WriteFile(bad, []byte(`{"version":2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AddKey(bad, k4); err == nil {
		t.Fatal("AddKey overwrote an unreadable keystore")
	}
	if data, _ := os.ReadFile(bad); string(data) != `{"version":2}` {
		t.Fatalf("unreadable keystore changed: %s", data)
	}
}
