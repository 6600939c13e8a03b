package volkey

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crypto/sha256"
	"filippo.io/age"
	"github.com/decred/dcrd/bech32"
	"github.com/walrusfs/walrusfs/wallet"
	"golang.org/x/crypto/curve25519"
	xhkdf "golang.org/x/crypto/hkdf"
)

// TestKeyRedacted: no fmt verb, slog handler or marshaller shows a Key,
// and Unlockers do not show their secrets.
func TestKeyRedacted(t *testing.T) {
	var k Key
	for i := range k {
		k[i] = 0xA0 | byte(i%16)
	}
	leaks := func(s string) bool {
		return strings.Contains(strings.ToLower(s), "a0a1a2") || strings.Contains(s, string(k[:4])) ||
			strings.Contains(s, "160") || strings.Contains(s, "0xa0")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%T"} {
		s := fmt.Sprintf(verb, k)
		if verb != "%T" && s != redacted {
			t.Errorf("%s of a Key = %q, want %q", verb, s, redacted)
		}
		if leaks(s) {
			t.Errorf("%s of a Key leaks: %q", verb, s)
		}
		if s := fmt.Sprintf(verb, &k); leaks(s) {
			t.Errorf("%s of a *Key leaks: %q", verb, s)
		}
		if s := fmt.Sprintf(verb, struct{ K Key }{k}); leaks(s) {
			t.Errorf("%s of a struct with a Key leaks: %q", verb, s)
		}
	}
	if leaks(k.String()) || leaks(fmt.Sprint(k)) || leaks(fmt.Sprintln(k)) {
		t.Error("Sprint leaks")
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", k, "ptr", &k)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "key", k, "ptr", &k)
	if leaks(buf.String()) || !strings.Contains(buf.String(), redacted) {
		t.Errorf("slog: %s", buf.String())
	}
	if b, err := json.Marshal(k); err == nil {
		t.Errorf("json.Marshal(Key) = %s, want an error", b)
	}
	if b, err := json.Marshal(struct{ K Key }{k}); err == nil {
		t.Errorf("json.Marshal(struct with a Key) = %s, want an error", b)
	}

	code := "AGE-SECRET-KEY-1QQQQ"
	for _, u := range []Unlocker{Passphrase([]byte(strongPass)), RecoveryCode(code), Wallet(nil), KeyFile()} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			s := fmt.Sprintf(verb, u)
			if strings.Contains(s, "tangerine") || strings.Contains(s, "QQQQ") || strings.Contains(s, "74616e") {
				t.Errorf("%s of %s unlocker leaks: %q", verb, u.Method(), s)
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "u", u)
		if strings.Contains(buf.String(), "tangerine") || strings.Contains(buf.String(), "QQQQ") {
			t.Errorf("slog of %s unlocker leaks: %s", u.Method(), buf.String())
		}
	}
}

// TestIdentityFromScalar: the identity built from 32 bytes has exactly
// those bytes as its X25519 scalar: its string decodes to them and its
// recipient is scalar·basepoint.
func TestIdentityFromScalar(t *testing.T) {
	for i := range 50 {
		b := make([]byte, 32)
		rand.Read(b)
		if i == 0 {
			b = make([]byte, 32)
		}
		id, err := identityFromScalar(b)
		if err != nil {
			t.Fatal(err)
		}
		hrp, data, err := bech32.DecodeToBase256(strings.ToLower(id.String()))
		if err != nil || hrp != "age-secret-key-" || !bytes.Equal(data, b) {
			t.Fatalf("identity string decodes to %q %x, %v", hrp, data, err)
		}
		pub, err := curve25519.X25519(b, curve25519.Basepoint)
		if err != nil {
			t.Fatal(err)
		}
		if want := recipientString(t, pub); id.Recipient().String() != want {
			t.Fatalf("recipient %s, want %s", id.Recipient(), want)
		}
	}
	// Round trip with age's own generator.
	for range 20 {
		g, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		_, data, err := bech32.DecodeToBase256(strings.ToLower(g.String()))
		if err != nil {
			t.Fatal(err)
		}
		id, err := identityFromScalar(data)
		if err != nil || id.String() != g.String() || id.Recipient().String() != g.Recipient().String() {
			t.Fatalf("identityFromScalar(age identity bytes) = %v, %v", id.Recipient(), err)
		}
	}
}

func recipientString(t *testing.T, pub []byte) string {
	t.Helper()
	s, err := bech32.EncodeFromBase256("age", pub)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// manualWalletRecipient derives the wallet recipient from the raw
// signature with x/crypto's HKDF (not the one walletIdentity uses).
func manualWalletRecipient(t *testing.T, rawSig []byte) string {
	t.Helper()
	scalar := make([]byte, 32)
	if _, err := xhkdf.New(sha256.New, rawSig, []byte("walrusfs wallet unlock v1"), []byte("age x25519 identity")).Read(scalar); err != nil {
		t.Fatal(err)
	}
	pub, err := curve25519.X25519(scalar, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	return recipientString(t, pub)
}

// TestWalletFormatFrozen pins the wallet derivation: the message text
// and the recipient of a fixed ed25519 key. If this fails, existing
// volumes can no longer be unlocked with their wallets.
func TestWalletFormatFrozen(t *testing.T) {
	if WalletMessage != "walrusfs volume key v1: signing this message lets walrusfs unlock your encrypted files. It spends nothing." {
		t.Fatal("WalletMessage changed: wallet unlocks of existing volumes would break")
	}
	w, err := wallet.FromBytes(append([]byte{0}, bytes.Repeat([]byte{42}, 32)...)) // ed25519, secret 2a2a…
	if err != nil {
		t.Fatal(err)
	}
	id, err := walletIdentity(w, true)
	if err != nil {
		t.Fatal(err)
	}
	const want = "age1ucs354aplr7lkmh4yadp4hcq6t45uvvjtfwflth0vp64vmnpjyjqsws9fu" // also in testdata/wallet_vectors.json, from the oracle
	if got := id.Recipient().String(); got != want {
		t.Fatalf("wallet recipient of the fixed key is %s, frozen value %s", got, want)
	}
}

func TestCheckPassphrase(t *testing.T) {
	for _, c := range []struct {
		pass string
		ok   bool
		why  string
	}{
		{"", false, "0 characters"},
		{"password", false, "8 characters"},
		{"12345678", false, "8 characters"},
		{"Tr0ub4dor&3", false, "11 characters"},
		{"ünïcödé☃☃", false, "9 characters"},
		{"aaaaaaaaaaaaaaaa", false, "too easy to guess"},
		{"password1234", false, "too easy to guess"},
		{"123456789012345", false, "too easy to guess"},
		{"qwertyuiopasdfgh", false, "too easy to guess"},
		{"passwordpassword", false, "too easy to guess"},
		{"iloveyou2026!", false, "too easy to guess"},
		{"walrusfswalrusfs", false, "too easy to guess"},
		{strings.Repeat("ab", 300), false, "too easy to guess"},
		{"\xff\xfe invalid utf8 bytes here", false, "UTF-8"},
		{strongPass, true, ""},
		{strongPass2, true, ""},
		{"correct horse battery staple", true, ""},
		{"Zq8#mW2!vN6@", true, ""},
		{strongPass + strings.Repeat(" and more", 50), true, ""},
	} {
		err := CheckPassphrase([]byte(c.pass))
		if c.ok {
			if err != nil {
				t.Errorf("%q refused: %v", c.pass, err)
			}
			continue
		}
		if !errors.Is(err, ErrWeakPassphrase) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: %v, want ErrWeakPassphrase saying %q", c.pass, err, c.why)
		}
		if err != nil && len(c.pass) > 3 && strings.Contains(err.Error(), c.pass) {
			t.Errorf("%q: the error shows the passphrase", c.pass)
		}
	}
}

func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		data, want string
	}{
		{"secret words here", "secret words here"},
		{"secret words here\n", "secret words here"},
		{"secret words here\r\n", "secret words here"},
		{"secret words here\n\n", "secret words here\n"},
		{" spaced \n", " spaced "},
		{"a\rb\n", "a\rb"},
	} {
		var logs bytes.Buffer
		p := write("pass", c.data, 0o600)
		got, err := readPassphraseFile(p, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil || string(got) != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.data, got, err, c.want)
		}
		if logs.Len() != 0 {
			t.Errorf("%q: mode 0600 logged %s", c.data, logs.String())
		}
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		var logs bytes.Buffer
		p := write("open", strongPass+"\n", mode)
		got, err := readPassphraseFile(p, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil || string(got) != strongPass {
			t.Fatalf("mode %v: %q, %v", mode, got, err)
		}
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), p) ||
			!strings.Contains(logs.String(), fmt.Sprintf("%#o", mode)) {
			t.Errorf("mode %v: warning %q", mode, logs.String())
		}
		if strings.Contains(logs.String(), "tangerine") {
			t.Error("the warning shows the passphrase")
		}
	}
	// The exported function warns through slog.Default.
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	p := write("open2", strongPass, 0o644)
	_, err := ReadPassphraseFile(p)
	slog.SetDefault(old)
	if err != nil || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("ReadPassphraseFile: %v, logs %q", err, logs.String())
	}
	for _, c := range []struct {
		name, path, why string
	}{
		{"empty", write("empty", "", 0o600), "empty"},
		{"only a newline", write("nl", "\n", 0o600), "empty"},
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"directory", dir, "not a regular file"},
		{"too long", write("long", strings.Repeat("x", 5000), 0o600), "longer than"},
	} {
		_, err := readPassphraseFile(c.path, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.why)
		}
	}
}

func TestReadPassphraseNoTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := readPassphrase(f, "Passphrase: ", false); !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("regular file: %v, want ErrNoTerminal", err)
	}
}
