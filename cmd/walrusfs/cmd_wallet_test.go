package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/wallet"
)

// writeTestKeystore writes keys of the three schemes to a keystore with
// mode perm and returns its path and the keys.
func writeTestKeystore(t *testing.T, perm os.FileMode) (string, []*wallet.Key) {
	t.Helper()
	var keys []*wallet.Key
	for i, s := range []wallet.Scheme{wallet.Secp256k1, wallet.Ed25519, wallet.Secp256r1} {
		k, err := wallet.NewKey(s, bytes.NewReader(bytes.Repeat([]byte{byte(i + 1)}, 32)))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	path := filepath.Join(t.TempDir(), "sui.keystore")
	if err := wallet.WriteKeystore(path, keys); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path, keys
}

func TestWalletAddress(t *testing.T) {
	path, keys := writeTestKeystore(t, 0o600)
	code, out, errs := runCLI(t, "", "wallet", "address", "--keystore", path)
	want := keys[0].Address() + " secp256k1\n" + keys[1].Address() + " ed25519\n" + keys[2].Address() + " secp256r1\n"
	if code != 0 || out != want || errs != "" {
		t.Fatalf("code %d\nout %q\nwant %q\nstderr %q", code, out, want, errs)
	}
	// Readable by others: the same output, and a warning on stderr only.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "", "wallet", "address", "-keystore", path)
	wantWarn := "walrusfs: warning: keystore " + path + " is readable by other users (mode 0644); run chmod 600 " + path + "\n"
	if code != 0 || out != want || errs != wantWarn {
		t.Fatalf("0644: code %d\nout %q\nstderr %q\nwant %q", code, out, errs, wantWarn)
	}
	for _, k := range keys {
		if strings.Contains(out+errs, k.Encode()) || strings.Contains(out+errs, k.Bech32()) {
			t.Fatal("output shows a secret")
		}
	}
}

func TestWalletAddressDefaultKeystore(t *testing.T) {
	path, keys := writeTestKeystore(t, 0o600)
	home := t.TempDir()
	t.Setenv("HOME", home)
	if got, err := defaultKeystore(); err != nil || got != filepath.Join(home, ".sui", "sui_config", "sui.keystore") {
		t.Fatalf("defaultKeystore = %q, %v", got, err)
	}
	code, _, errs := runCLI(t, "", "wallet", "address")
	if code != 1 || !strings.Contains(errs, filepath.Join(home, ".sui", "sui_config", "sui.keystore")) ||
		!strings.Contains(errs, "walrusfs wallet new creates a keystore") {
		t.Fatalf("missing default keystore: code %d, %q", code, errs)
	}
	data, _ := os.ReadFile(path)
	if err := os.MkdirAll(filepath.Join(home, ".sui", "sui_config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".sui", "sui_config", "sui.keystore"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "wallet", "address")
	if code != 0 || !strings.HasPrefix(out, keys[0].Address()+" secp256k1\n") {
		t.Fatalf("default keystore: code %d, %q", code, out)
	}
}

func TestWalletErrors(t *testing.T) {
	dir := t.TempDir()
	secretEntry := filepath.Join(dir, "flag5.keystore")
	// zkLogin flag, secret 0x42…
	if err := os.WriteFile(secretEntry, []byte(`["BUJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	object := filepath.Join(dir, "v2.keystore")
	if err := os.WriteFile(object, []byte(`{"version":2,"keys":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.keystore")
	if err := os.WriteFile(empty, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		code    int
		out     string
		errPart string
	}{
		{[]string{"wallet"}, 2, "", "no wallet command given"},
		{[]string{"wallet", "list"}, 2, "", `unknown wallet command "list"`},
		{[]string{"wallet", "--help"}, 0, "", "address  print the address and scheme"},
		{[]string{"wallet", "address", "--help"}, 0, "", "  --keystore string"},
		{[]string{"wallet", "new", "--help"}, 0, "", "(default ed25519)"},
		{[]string{"wallet", "address", "extra"}, 2, "", "takes no arguments"},
		{[]string{"wallet", "address", "--bogus"}, 2, "", "flag provided but not defined"},
		{[]string{"wallet", "address", "--keystore", filepath.Join(dir, "none")}, 1, "", "no such file or directory (walrusfs wallet new creates"},
		{[]string{"wallet", "address", "--keystore", secretEntry}, 1, "", "unsupported key scheme flag 5 in entry 0 of " + secretEntry},
		{[]string{"wallet", "address", "--keystore", object}, 1, "", "is a JSON object"},
		{[]string{"wallet", "address", "--keystore", empty}, 0, "", "holds no keys"},
		{[]string{"wallet", "new", "--keystore", empty, "--scheme", "bls"}, 2, "", "unknown key scheme"},
		{[]string{"wallet", "new", "--keystore", object}, 1, "", "is a JSON object"},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, "", tt.args...)
		if code != tt.code || out != tt.out || !strings.Contains(errs, tt.errPart) {
			t.Errorf("%q: code %d, out %q, stderr %q; want code %d and %q", tt.args, code, out, errs, tt.code, tt.errPart)
		}
		if strings.Contains(errs, "QkJC") || strings.Contains(errs, "4242") {
			t.Errorf("%q: stderr shows key material: %q", tt.args, errs)
		}
	}
	if data, _ := os.ReadFile(object); string(data) != `{"version":2,"keys":[]}` {
		t.Fatalf("wallet new changed an unreadable keystore: %s", data)
	}
	if code, _, errs := runCLI(t, "", "--help"); code != 0 || !strings.Contains(errs, "  wallet ") {
		t.Fatalf("walrusfs --help does not list wallet: %q", errs)
	}
}

func TestWalletNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg", "sui.keystore")
	line := regexp.MustCompile(`^0x[0-9a-f]{64} (ed25519|secp256k1|secp256r1)\n$`)
	var lines []string
	for _, s := range []string{"", "secp256k1", "SECP256R1"} {
		args := []string{"wallet", "new", "--keystore", path}
		if s != "" {
			args = append(args, "--scheme", s)
		}
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || !line.MatchString(out) || !strings.Contains(errs, "added a new") {
			t.Fatalf("%q: code %d, out %q, stderr %q", args, code, out, errs)
		}
		lines = append(lines, out)
	}
	if !strings.HasSuffix(lines[0], " ed25519\n") || !strings.HasSuffix(lines[1], " secp256k1\n") ||
		!strings.HasSuffix(lines[2], " secp256r1\n") {
		t.Fatalf("schemes: %q", lines)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("new keystore: %v, %v", st, err)
	}
	// wallet address lists what wallet new printed, in order.
	code, out, errs := runCLI(t, "", "wallet", "address", "--keystore", path)
	if code != 0 || out != strings.Join(lines, "") || errs != "" {
		t.Fatalf("address after new: code %d, %q, %q", code, out, errs)
	}
	// The printed address is the key's: it signs for it.
	ks, err := wallet.OpenKeystore(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ks.Find(strings.Fields(lines[1])[0])
	if err != nil {
		t.Fatal(err)
	}
	if addr, err := wallet.VerifyTransaction([]byte("tx"), k.SignTransaction([]byte("tx"))); err != nil || addr+" secp256k1\n" != lines[1] {
		t.Fatalf("signature of the new key: %s, %v", addr, err)
	}
	// Adding to a keystore readable by others fixes its mode and says so.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI(t, "", "wallet", "new", "--keystore", path)
	if code != 0 || !strings.Contains(errs, "was readable by other users (mode 0644); it is now 0600") {
		t.Fatalf("new on a 0644 keystore: code %d, %q", code, errs)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode after new: %v", st.Mode())
	}
}

// TestPrintWallet: amounts with nine decimals, and a note for funds held
// as an address balance, which walrusfs cannot spend.
func TestPrintWallet(t *testing.T) {
	var b strings.Builder
	printWallet(&b, &control.StatusWallet{Address: "0xabc", RPC: "http://x", WALType: "0x8::wal::WAL",
		SUI: 1_500_000_000, WAL: 2_000_000_001, WALAddressBalance: 3_000_000_000})
	out := b.String()
	for _, want := range []string{"address: 0xabc\n", "SUI:     1.5 SUI\n", "WAL:     2.000000001 WAL\n",
		"note: 3 WAL is held as an address balance, which walrusfs cannot spend yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "SUI is held") {
		t.Errorf("a note for SUI without an address balance:\n%s", out)
	}
}
