package volkey

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/walrusfs/walrusfs/wallet"
)

// fast keeps scrypt cheap in tests; TestCreateDefaultWorkFactor uses the
// real default.
var fast = params{scryptLogN: 10}

const (
	strongPass  = "tangerine obelisk quietly folds 97 maps"
	strongPass2 = "harbor-lantern-zigzag-cobalt-4412"
)

func walletKey(t *testing.T, s wallet.Scheme, seed byte) *wallet.Key {
	t.Helper()
	k, err := wallet.NewKey(s, mrand.NewChaCha8([32]byte{seed, byte(s)}))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sameKey re-creates a wallet key from its private key bytes, as a
// wallet restored from its mnemonic would be.
func sameKey(t *testing.T, k *wallet.Key) *wallet.Key {
	t.Helper()
	k2, err := wallet.FromBytes(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return k2
}

// newVolume creates a volume with every method in a fresh directory.
func newVolume(t *testing.T, w Signer) (dir string, k Key, code string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	k, code, err := create(dir, Options{Passphrase: []byte(strongPass), Wallet: w, KeyFile: true}, fast, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dir, k, code
}

// snapshot returns every file of dir/keys with its mode and contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	kd := filepath.Join(dir, keysDir)
	err := filepath.WalkDir(kd, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(path)
		if err != nil {
			return err
		}
		data := ""
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data = string(b)
		}
		out[strings.TrimPrefix(path, kd)] = st.Mode().String() + "\n" + data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%s: keys directory had %d entries, now %d", what, len(before), len(after))
	}
	for name, v := range before {
		if after[name] != v {
			t.Errorf("%s: %s changed", what, name)
		}
	}
}

// TestRoundTrip: every method unlocks the key Create made; Methods lists
// them; modes are 0700/0600; volume.json holds no secret.
func TestRoundTrip(t *testing.T) {
	w := walletKey(t, wallet.Ed25519, 1)
	dir, k, code := newVolume(t, w)
	if k == (Key{}) {
		t.Fatal("zero key")
	}
	for _, u := range []Unlocker{Passphrase([]byte(strongPass)), RecoveryCode(code), Wallet(w), KeyFile()} {
		got, err := Unlock(dir, u)
		if err != nil {
			t.Fatalf("%s: %v", u.Method(), err)
		}
		if got != k {
			t.Fatalf("%s: unlocked a different key", u.Method())
		}
	}
	ms, err := Methods(dir)
	if err != nil || !slices.Equal(ms, allMethods) {
		t.Fatalf("Methods = %v, %v", ms, err)
	}
	checkModes(t, dir)
	info, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != 1 || len(info.ID) != 32 || info.Created.IsZero() || !slices.Equal(info.Methods, allMethods) {
		t.Fatalf("volume.json: %+v", info)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, keysDir, volumeFile))
	for _, secret := range []string{string(k[:]), hexOf(k[:]), code, strings.ToLower(code), strongPass} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatal("volume.json holds a secret")
		}
	}
	// A second volume gets another key, ID and code.
	dir2, k2, code2 := newVolume(t, nil)
	info2, _ := ReadInfo(dir2)
	if k2 == k || code2 == code || info2.ID == info.ID {
		t.Fatal("two volumes share key, code or ID")
	}
	if ms, _ := Methods(dir2); slices.Contains(ms, MethodWallet) {
		t.Fatal("wallet method without a wallet")
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func checkModes(t *testing.T, dir string) {
	t.Helper()
	kd := filepath.Join(dir, keysDir)
	st, err := os.Stat(kd)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", kd, st.Mode().Perm())
	}
	ents, err := os.ReadDir(kd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		st, err := os.Stat(filepath.Join(kd, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), st.Mode().Perm())
		}
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	parent, _ := os.ReadDir(dir)
	for _, e := range parent {
		if strings.HasPrefix(e.Name(), ".keys-new-") {
			t.Errorf("temporary directory %s left behind", e.Name())
		}
	}
}

// TestCreateDefaultWorkFactor uses the real scrypt work factor (2^18).
func TestCreateDefaultWorkFactor(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt at 2^18 takes seconds")
	}
	dir := t.TempDir()
	k, _, err := Create(dir, Options{Passphrase: []byte(strongPass)})
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := os.ReadFile(filepath.Join(dir, keysDir, passphraseFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(hdr), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "-> scrypt ") || !strings.HasSuffix(lines[1], " 18") {
		t.Fatalf("passphrase.age stanza %q, want scrypt with work factor 18", lines[1])
	}
	got, err := Unlock(dir, Passphrase([]byte(strongPass)))
	if err != nil || got != k {
		t.Fatalf("Unlock: %v", err)
	}
	if err := ChangePassphrase(dir, k, []byte(strongPass2)); err != nil {
		t.Fatal(err)
	}
	hdr, _ = os.ReadFile(filepath.Join(dir, keysDir, passphraseFile))
	if !strings.HasSuffix(strings.Split(string(hdr), "\n")[1], " 18") {
		t.Fatal("ChangePassphrase did not use work factor 18")
	}
}

// TestRecoveryOnFreshCopy: the code alone unlocks a copy of the keys
// directory, also one that holds only volume.json and recovery.age.
func TestRecoveryOnFreshCopy(t *testing.T) {
	dir, k, code := newVolume(t, nil)
	for _, files := range [][]string{
		{volumeFile, passphraseFile, recoveryFile, keyFileWrap, keyFileID},
		{volumeFile, recoveryFile},
	} {
		fresh := t.TempDir()
		if err := os.Mkdir(filepath.Join(fresh, keysDir), 0o700); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(dir, keysDir, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(fresh, keysDir, f), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		got, err := Unlock(fresh, RecoveryCode(code))
		if err != nil || got != k {
			t.Fatalf("copy with %v: %v", files, err)
		}
		if len(files) == 2 {
			if ms, _ := Methods(fresh); !slices.Equal(ms, []Method{MethodRecovery}) {
				t.Fatalf("Methods = %v", ms)
			}
			if _, err := Unlock(fresh, Passphrase([]byte(strongPass))); !errors.Is(err, ErrNoMethod) {
				t.Fatalf("passphrase unlock without passphrase.age: %v, want ErrNoMethod", err)
			}
			if _, err := Unlock(fresh, KeyFile()); !errors.Is(err, ErrNoMethod) {
				t.Fatalf("key file unlock without keyfile: %v, want ErrNoMethod", err)
			}
			if _, err := Unlock(fresh, Wallet(walletKey(t, wallet.Ed25519, 1))); !errors.Is(err, ErrNoMethod) {
				t.Fatalf("wallet unlock without wallet.age: %v, want ErrNoMethod", err)
			}
		}
	}
}

// TestAgeInterop: the wrappings are standard age files that age's own
// API opens with the recovery identity, the passphrase and the key file.
func TestAgeInterop(t *testing.T) {
	dir, k, code := newVolume(t, nil)
	kd := filepath.Join(dir, keysDir)
	rid, err := age.ParseX25519Identity(code)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := age.NewScryptIdentity(strongPass)
	if err != nil {
		t.Fatal(err)
	}
	idFile, err := os.ReadFile(filepath.Join(kd, keyFileID))
	if err != nil {
		t.Fatal(err)
	}
	kids, err := age.ParseIdentities(bytes.NewReader(idFile))
	if err != nil || len(kids) != 1 {
		t.Fatalf("keyfile is not an age identity file: %v", err)
	}
	for _, c := range []struct {
		file string
		id   age.Identity
	}{{recoveryFile, rid}, {passphraseFile, sid}, {keyFileWrap, kids[0]}} {
		f, err := os.Open(filepath.Join(kd, c.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := age.Decrypt(f, c.id)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		pt, err := io.ReadAll(r)
		f.Close()
		if err != nil || !bytes.Equal(pt, k[:]) {
			t.Fatalf("%s: age.Decrypt gave %d bytes, %v", c.file, len(pt), err)
		}
	}
	// The recovery file is not encrypted to the key file and vice versa.
	f, _ := os.Open(filepath.Join(kd, recoveryFile))
	defer f.Close()
	if _, err := age.Decrypt(f, kids[0]); err == nil {
		t.Fatal("the key file opens recovery.age")
	}
}

// TestWalletDeterministic: for each scheme, a wallet re-created from the
// same private key unlocks, twice to the same key; another wallet does
// not, and changes nothing.
func TestWalletDeterministic(t *testing.T) {
	for _, s := range []wallet.Scheme{wallet.Ed25519, wallet.Secp256k1, wallet.Secp256r1} {
		t.Run(s.String(), func(t *testing.T) {
			w := walletKey(t, s, 3)
			dir := t.TempDir()
			k, _, err := create(dir, Options{Wallet: w}, fast, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				got, err := Unlock(dir, Wallet(sameKey(t, w)))
				if err != nil || got != k {
					t.Fatalf("restored wallet: %v", err)
				}
			}
			before := snapshot(t, dir)
			for _, other := range []Signer{walletKey(t, s, 4), walletKey(t, (s+1)%3, 3)} {
				if _, err := Unlock(dir, Wallet(other)); !errors.Is(err, ErrWrongKey) {
					t.Fatalf("other wallet: %v, want ErrWrongKey", err)
				}
			}
			sameSnapshot(t, "wrong wallet", before, snapshot(t, dir))
			// The derived identity is HKDF of the raw signature, by hand.
			id, err := walletIdentity(w, true)
			if err != nil {
				t.Fatal(err)
			}
			sig := w.SignPersonalMessage([]byte(WalletMessage))
			if addr, err := wallet.VerifyPersonalMessage([]byte(WalletMessage), sig); err != nil || addr != w.Address() {
				t.Fatalf("wallet signature does not verify: %v", err)
			}
			want := manualWalletRecipient(t, sig[1:65])
			if id.Recipient().String() != want {
				t.Fatalf("derived recipient %s, by hand %s", id.Recipient(), want)
			}
		})
	}
}

// signerFunc adapts a function to Signer.
type signerFunc func([]byte) []byte

func (f signerFunc) SignPersonalMessage(m []byte) []byte { return f(m) }

func TestBadSigners(t *testing.T) {
	good := walletKey(t, wallet.Ed25519, 9)
	random := signerFunc(func(m []byte) []byte {
		sig := good.SignPersonalMessage(m)
		rand.Read(sig[1:65])
		return sig
	})
	for _, c := range []struct {
		name string
		s    Signer
	}{
		{"not deterministic", random},
		{"empty", signerFunc(func([]byte) []byte { return nil })},
		{"unknown flag", signerFunc(func(m []byte) []byte { sig := good.SignPersonalMessage(m); sig[0] = 5; return sig })},
		{"short", signerFunc(func(m []byte) []byte { return good.SignPersonalMessage(m)[:96] })},
		{"secp size with ed25519 flag", signerFunc(func(m []byte) []byte { return append(good.SignPersonalMessage(m), 0) })},
	} {
		dir := t.TempDir()
		_, _, err := create(dir, Options{Wallet: c.s}, fast, nil, nil)
		if !errors.Is(err, ErrSigner) {
			t.Errorf("%s: Create: %v, want ErrSigner", c.name, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: Create left %d entries", c.name, len(ents))
		}
	}
	dir, k, _ := newVolume(t, good)
	if _, err := Unlock(dir, Wallet(nil)); !errors.Is(err, ErrSigner) {
		t.Fatalf("Unlock(Wallet(nil)): %v, want ErrSigner", err)
	}
	before := snapshot(t, dir)
	if err := AddWallet(dir, k, random); !errors.Is(err, ErrSigner) {
		t.Fatalf("AddWallet(random signer): %v", err)
	}
	sameSnapshot(t, "AddWallet(random signer)", before, snapshot(t, dir))
}

func TestChangePassphrase(t *testing.T) {
	dir, k, _ := newVolume(t, nil)
	before := snapshot(t, dir)
	for _, c := range []struct {
		name string
		k    Key
		pass string
		want error
	}{
		{"weak", k, "password", ErrWeakPassphrase},
		{"wrong key", Key{1}, strongPass2, ErrWrongKey},
	} {
		if err := changePassphrase(dir, c.k, []byte(c.pass), fast); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
		sameSnapshot(t, c.name, before, snapshot(t, dir))
	}
	if err := changePassphrase(dir, k, []byte(strongPass2), fast); err != nil {
		t.Fatal(err)
	}
	if _, err := Unlock(dir, Passphrase([]byte(strongPass))); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase: %v, want ErrWrongPassphrase", err)
	}
	if got, err := Unlock(dir, Passphrase([]byte(strongPass2))); err != nil || got != k {
		t.Fatalf("new passphrase: %v", err)
	}
	checkModes(t, dir)
	// On a volume without a passphrase, it adds one.
	dir2 := t.TempDir()
	k2, _, err := create(dir2, Options{KeyFile: true}, fast, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := changePassphrase(dir2, k2, []byte(strongPass), fast); err != nil {
		t.Fatal(err)
	}
	if info, _ := ReadInfo(dir2); !slices.Equal(info.Methods, []Method{MethodPassphrase, MethodRecovery, MethodKeyFile}) {
		t.Fatalf("volume.json methods %v", info.Methods)
	}
	if got, err := Unlock(dir2, Passphrase([]byte(strongPass))); err != nil || got != k2 {
		t.Fatalf("added passphrase: %v", err)
	}
}

func TestExportRecovery(t *testing.T) {
	dir, k, code := newVolume(t, nil)
	if _, err := ExportRecovery(dir, Key{2}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	code2, err := ExportRecovery(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if code2 == code || !strings.HasPrefix(code2, "AGE-SECRET-KEY-1") {
		t.Fatal("no new code")
	}
	if _, err := Unlock(dir, RecoveryCode(code)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("old code: %v, want ErrWrongKey", err)
	}
	if got, err := Unlock(dir, RecoveryCode(code2)); err != nil || got != k {
		t.Fatalf("new code: %v", err)
	}
	checkModes(t, dir)
}

func TestAddWalletAndKeyFile(t *testing.T) {
	dir := t.TempDir()
	k, _, err := create(dir, Options{Passphrase: []byte(strongPass)}, fast, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := walletKey(t, wallet.Secp256k1, 1), walletKey(t, wallet.Secp256r1, 2)
	if err := AddWallet(dir, Key{3}, w1); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("AddWallet with a wrong key: %v", err)
	}
	if err := AddKeyFile(dir, Key{3}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("AddKeyFile with a wrong key: %v", err)
	}
	if err := AddWallet(dir, k, w1); err != nil {
		t.Fatal(err)
	}
	if got, err := Unlock(dir, Wallet(w1)); err != nil || got != k {
		t.Fatalf("added wallet: %v", err)
	}
	if err := AddWallet(dir, k, w2); err != nil {
		t.Fatal(err)
	}
	if _, err := Unlock(dir, Wallet(w1)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("replaced wallet: %v, want ErrWrongKey", err)
	}
	if got, err := Unlock(dir, Wallet(w2)); err != nil || got != k {
		t.Fatalf("new wallet: %v", err)
	}
	if err := AddKeyFile(dir, k); err != nil {
		t.Fatal(err)
	}
	if got, err := Unlock(dir, KeyFile()); err != nil || got != k {
		t.Fatalf("added key file: %v", err)
	}
	checkModes(t, dir)
}

func TestRemove(t *testing.T) {
	dir, k, code := newVolume(t, walletKey(t, wallet.Ed25519, 5))
	if err := Remove(dir, Method("yubikey")); !errors.Is(err, ErrNoMethod) {
		t.Fatalf("unknown method: %v", err)
	}
	for _, m := range []Method{MethodKeyFile, MethodPassphrase, MethodWallet} {
		if err := Remove(dir, m); err != nil {
			t.Fatalf("Remove(%s): %v", m, err)
		}
		if err := Remove(dir, m); !errors.Is(err, ErrNoMethod) {
			t.Fatalf("Remove(%s) again: %v, want ErrNoMethod", m, err)
		}
	}
	for _, f := range []string{keyFileID, keyFileWrap, passphraseFile, walletFile} {
		if _, err := os.Stat(filepath.Join(dir, keysDir, f)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s still there", f)
		}
	}
	if ms, _ := Methods(dir); !slices.Equal(ms, []Method{MethodRecovery}) {
		t.Fatalf("Methods = %v", ms)
	}
	if info, _ := ReadInfo(dir); !slices.Equal(info.Methods, []Method{MethodRecovery}) {
		t.Fatalf("volume.json methods = %v", info.Methods)
	}
	before := snapshot(t, dir)
	if err := Remove(dir, MethodRecovery); !errors.Is(err, ErrLastMethod) {
		t.Fatalf("removing the last method: %v", err)
	}
	sameSnapshot(t, "Remove(last)", before, snapshot(t, dir))
	if got, err := Unlock(dir, RecoveryCode(code)); err != nil || got != k {
		t.Fatal(err)
	}
}

func TestCreateRefuses(t *testing.T) {
	dir, _, _ := newVolume(t, nil)
	before := snapshot(t, dir)
	if _, _, err := create(dir, Options{KeyFile: true}, fast, nil, nil); !errors.Is(err, ErrExist) {
		t.Fatalf("second Create: %v, want ErrExist", err)
	}
	sameSnapshot(t, "second Create", before, snapshot(t, dir))
	// An empty keys directory is taken over.
	dir2 := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir2, keysDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := create(dir2, Options{}, fast, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir2)
	// A weak passphrase is refused before anything is written.
	dir3 := t.TempDir()
	if _, _, err := create(dir3, Options{Passphrase: []byte("12345678")}, fast, nil, nil); !errors.Is(err, ErrWeakPassphrase) {
		t.Fatalf("weak passphrase: %v", err)
	}
	if ents, _ := os.ReadDir(dir3); len(ents) != 0 {
		t.Fatal("Create with a weak passphrase wrote something")
	}
}

func TestNoKeys(t *testing.T) {
	dir := t.TempDir()
	if _, err := Methods(dir); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Methods: %v", err)
	}
	if _, err := Unlock(dir, KeyFile()); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Unlock: %v", err)
	}
	if err := ChangePassphrase(dir, Key{}, []byte(strongPass)); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	if err := Remove(dir, MethodRecovery); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := Unlock(dir, nil); err == nil {
		t.Fatal("Unlock(nil) succeeded")
	}
}

// TestWrongInputsChangeNothing: wrong passphrases, codes and wallets give
// the sentinels and leave the keys directory byte for byte unchanged.
func TestWrongInputsChangeNothing(t *testing.T) {
	w := walletKey(t, wallet.Ed25519, 7)
	dir, _, code := newVolume(t, w)
	_, _, otherCode := newVolume(t, nil)
	before := snapshot(t, dir)
	typo := []byte(code)
	typo[30] = map[byte]byte{'Q': 'P'}[typo[30]]
	if typo[30] == 0 {
		typo[30] = 'Q'
	}
	for _, c := range []struct {
		name string
		u    Unlocker
		want error
	}{
		{"wrong passphrase", Passphrase([]byte(strongPass2)), ErrWrongPassphrase},
		{"passphrase with a newline", Passphrase([]byte(strongPass + "\n")), ErrWrongPassphrase},
		{"empty passphrase", Passphrase(nil), ErrWrongPassphrase},
		{"another volume's code", RecoveryCode(otherCode), ErrWrongKey},
		{"code with a typo", RecoveryCode(string(typo)), ErrMalformedCode},
		{"other wallet", Wallet(walletKey(t, wallet.Ed25519, 8)), ErrWrongKey},
	} {
		_, err := Unlock(dir, c.u)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), strongPass) || strings.Contains(err.Error(), otherCode)) {
			t.Errorf("%s: the error shows the secret", c.name)
		}
	}
	sameSnapshot(t, "wrong inputs", before, snapshot(t, dir))
}

func TestParseRecoveryCode(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	code := id.String()
	swap := []byte(code)
	swap[40], swap[41] = swap[41], swap[40]
	if swap[40] == swap[41] {
		swap[40], swap[42] = swap[42], swap[40]
	}
	for _, c := range []struct {
		name, in string
		ok       bool
		msg      string
	}{
		{"as printed", code, true, ""},
		{"lower case", strings.ToLower(code), true, ""},
		{"spaces and line breaks", "  " + code[:30] + "\n " + code[30:50] + " " + code[50:] + "\n", true, ""},
		{"empty", "", false, "empty"},
		{"public key", id.Recipient().String(), false, "public key"},
		{"wrong prefix", "AGE-PLUGIN-KEY-1" + code[16:], false, "does not start"},
		{"missing character", code[:40] + code[41:], false, "73 characters"},
		{"extra character", code[:40] + "Q" + code[40:], false, "75 characters"},
		{"swapped characters", string(swap), false, "typo"},
		{"mixed case", strings.ToLower(code[:20]) + code[20:], true, ""}, // case is normalised
	} {
		got, err := ParseRecoveryCode(c.in)
		if c.ok {
			if err != nil || got.String() != code {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrMalformedCode) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want ErrMalformedCode saying %q", c.name, err, c.msg)
		}
	}
}

// TestCorruptFiles: damaged or truncated files give ErrCorrupt naming
// the file.
func TestCorruptFiles(t *testing.T) {
	otherDir := t.TempDir()
	if _, _, err := create(otherDir, Options{Passphrase: []byte(strongPass)}, fast, nil, nil); err != nil {
		t.Fatal(err)
	}
	otherWrap, _ := os.ReadFile(filepath.Join(otherDir, keysDir, passphraseFile))
	for _, c := range []struct {
		name, file string
		damage     func([]byte) []byte
		u          func(code string) Unlocker
	}{
		{"truncated payload", recoveryFile, func(b []byte) []byte { return b[:len(b)-20] }, RecoveryCode},
		{"truncated header", recoveryFile, func(b []byte) []byte { return b[:30] }, RecoveryCode},
		{"empty", recoveryFile, func([]byte) []byte { return nil }, RecoveryCode},
		{"flipped payload bit", recoveryFile, func(b []byte) []byte { b[len(b)-5] ^= 1; return b }, RecoveryCode},
		{"flipped header MAC", recoveryFile, flipMAC, RecoveryCode},
		{"garbage", keyFileWrap, func([]byte) []byte { return []byte("not an age file\n") }, func(string) Unlocker { return KeyFile() }},
		{"garbage identity", keyFileID, func([]byte) []byte { return []byte("AGE-SECRET-KEY-1XYZ\n") }, func(string) Unlocker { return KeyFile() }},
		{"another volume's wrapping", passphraseFile, func([]byte) []byte { return otherWrap }, func(string) Unlocker { return Passphrase([]byte(strongPass)) }},
		{"volume.json", volumeFile, func(b []byte) []byte { return b[:len(b)/2] }, RecoveryCode},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, _, code := newVolume(t, nil)
			path := filepath.Join(dir, keysDir, c.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = Unlock(dir, c.u(code))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Fatalf("%v, want ErrCorrupt naming %s", err, path)
			}
		})
	}
	// A future format version is refused clearly.
	dir, _, code := newVolume(t, nil)
	path := filepath.Join(dir, keysDir, volumeFile)
	data, _ := os.ReadFile(path)
	var m map[string]any
	json.Unmarshal(data, &m)
	m["format"] = 2
	data, _ = json.Marshal(m)
	os.WriteFile(path, data, 0o600)
	if _, err := Unlock(dir, RecoveryCode(code)); err == nil || !strings.Contains(err.Error(), "format version 2") {
		t.Fatalf("format 2: %v", err)
	}
}

// flipMAC flips a bit of the header MAC line ("--- <base64>").
func flipMAC(b []byte) []byte {
	i := bytes.Index(b, []byte("\n--- "))
	b[i+6] ^= 1 // a base64 character stays one (flips between neighbours)
	if b[i+6] == '\n' || b[i+6] == ' ' {
		b[i+6] ^= 1
		b[i+7] ^= 1
	}
	return b
}

// TestAgeCLI: the stock age command opens recovery.age with the code and
// keyfile.age with keys/keyfile. It runs when an age binary is on PATH
// (go install filippo.io/age/cmd/age@v1.3.2).
func TestAgeCLI(t *testing.T) {
	bin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("no age command on PATH")
	}
	dir, k, code := newVolume(t, nil)
	kd := filepath.Join(dir, keysDir)
	codeFile := filepath.Join(t.TempDir(), "code.txt")
	if err := os.WriteFile(codeFile, []byte(code+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, file string }{
		{codeFile, recoveryFile},
		{filepath.Join(kd, keyFileID), keyFileWrap},
	} {
		out, err := exec.Command(bin, "-d", "-i", c.id, filepath.Join(kd, c.file)).Output()
		if err != nil {
			t.Fatalf("age -d -i %s %s: %v", c.id, c.file, err)
		}
		if !bytes.Equal(out, k[:]) {
			t.Fatalf("age -d %s printed %d bytes, not the key", c.file, len(out))
		}
	}
}

// TestRestore: a volume's key and ID put into a new keys directory (a new
// machine) unlock with the new methods, keep the ID, and refuse to
// overwrite.
func TestRestore(t *testing.T) {
	dir := t.TempDir()
	k, _, err := create(dir, Options{KeyFile: true}, fast, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var id [16]byte
	if _, err := hex.Decode(id[:], []byte(info.ID)); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	code, err := Restore(dir2, k, id, Options{KeyFile: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Unlock(dir2, KeyFile()); err != nil || got != k {
		t.Fatalf("unlock of the restored volume: %v", err)
	}
	if got, err := Unlock(dir2, RecoveryCode(code)); err != nil || got != k {
		t.Fatalf("recovery code of the restored volume: %v", err)
	}
	if info2, err := ReadInfo(dir2); err != nil || info2.ID != info.ID {
		t.Fatalf("volume ID %v %v; want %s", info2.ID, err, info.ID)
	}
	if _, err := Restore(dir2, k, id, Options{KeyFile: true}); !errors.Is(err, ErrExist) {
		t.Fatalf("restore over existing keys: %v", err)
	}
	if _, err := Restore(t.TempDir(), Key{}, id, Options{KeyFile: true}); err == nil {
		t.Fatal("zero key accepted")
	}
}

// TestUnwrapWallet: the wallet wrapping copied out of the data directory
// (as walrusfs keeps it on the chain) opens with the wallet alone; another
// wallet gets ErrWrongKey, damaged bytes ErrCorrupt; a volume without a
// wallet unlock has none.
func TestUnwrapWallet(t *testing.T) {
	w := walletKey(t, wallet.Ed25519, 5)
	dir := t.TempDir()
	k, _, err := create(dir, Options{Wallet: w}, fast, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, ok, err := WalletWrapped(dir)
	if err != nil || !ok {
		t.Fatalf("WalletWrapped: %v %v", ok, err)
	}
	if got, err := UnwrapWallet(b, sameKey(t, w)); err != nil || got != k {
		t.Fatalf("UnwrapWallet: %v", err)
	}
	if _, err := UnwrapWallet(b, walletKey(t, wallet.Ed25519, 6)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another wallet: %v, want ErrWrongKey", err)
	}
	bad := append([]byte(nil), b...)
	bad[len(bad)-3] ^= 1
	if _, err := UnwrapWallet(bad, w); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged wrapping: %v, want ErrCorrupt", err)
	}
	if _, err := UnwrapWallet([]byte("not age"), w); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage: %v, want ErrCorrupt", err)
	}
	other := t.TempDir()
	if _, _, err := create(other, Options{KeyFile: true}, fast, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := WalletWrapped(other); ok || err != nil {
		t.Fatalf("volume without a wallet: %v %v", ok, err)
	}
}
