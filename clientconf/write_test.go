package clientconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteWalrusRoundTrip(t *testing.T) {
	dir := t.TempDir()
	// The testnet context of the Walrus repository's file, plus a local
	// deployment as the devnet writes it.
	testnet, err := Load(filepath.Join("testdata", "client_config.yaml"), "testnet")
	if err != nil {
		t.Fatal(err)
	}
	local := Walrus{
		SystemObject: "0x1A", StakingObject: "0x" + strings.Repeat("b", 64), NShards: 10, MaxEpochsAhead: 5,
		RPCURLs: []string{"http://127.0.0.1:9000"}, ExchangeObjects: []string{"0x3"},
		Wallet: Wallet{Path: filepath.Join(dir, "sui", "client.yaml"), ActiveEnv: "local", ActiveAddress: "0x4"},
	}
	minimal := Walrus{SystemObject: "0x5", StakingObject: "0x6"}
	p := filepath.Join(dir, "client_config.yaml")
	if err := WriteWalrus(p, map[string]Walrus{"testnet": testnet, "local": local, "min": minimal}, "local"); err != nil {
		t.Fatal(err)
	}
	norm := func(w Walrus, name string) Walrus {
		w.Path, w.Context = p, name
		pad := func(s string) string { return "0x" + strings.Repeat("0", 66-len(s)) + strings.ToLower(s[2:]) }
		w.SystemObject, w.StakingObject = pad(w.SystemObject), pad(w.StakingObject)
		for i, x := range w.ExchangeObjects {
			w.ExchangeObjects[i] = pad(x)
		}
		if w.Wallet.ActiveAddress != "" {
			w.Wallet.ActiveAddress = pad(w.Wallet.ActiveAddress)
		}
		return w
	}
	for name, want := range map[string]Walrus{"": norm(local, "local"), "testnet": norm(testnet, "testnet"), "min": norm(minimal, "min")} {
		got, err := Load(p, name)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("context %q: %+v, %v\nwant %+v", name, got, err, want)
		}
	}
	// The keys are those of setup/client_config.yaml, which the walrus CLI
	// reads; zero values are left out.
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"contexts:", "default_context: local", "system_object:", "staking_object:", "exchange_objects:",
		"n_shards: 10", "max_epochs_ahead: 5", "wallet_config:", "path: ", "active_env: local", "active_address:", "rpc_urls:"} {
		if !strings.Contains(string(data), k) {
			t.Errorf("written file lacks %q:\n%s", k, data)
		}
	}
	if strings.Contains(string(data), "n_shards: 0") || strings.Contains(string(data), "Path") {
		t.Errorf("written file has zero values or Go names:\n%s", data)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode: %v, %v", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestWriteSuiRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := Sui{
		Keystore:  filepath.Join(dir, "sui.keystore"),
		Envs:      []SuiEnv{{Alias: "local", RPC: "http://127.0.0.1:9000"}, {Alias: "auth", RPC: "https://n:443", BasicAuth: "u:p"}},
		ActiveEnv: "local", ActiveAddress: "0xAB",
	}
	p := filepath.Join(dir, "client.yaml")
	if err := WriteSui(p, s); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSui(p)
	want := s
	want.Path, want.ActiveAddress = p, "0x"+strings.Repeat("0", 62)+"ab"
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v\nwant %+v", got, err, want)
	}
	data, _ := os.ReadFile(p)
	if !strings.Contains(string(data), "keystore:\n  File: "+s.Keystore) || !strings.Contains(string(data), "envs:") {
		t.Errorf("written:\n%s", data)
	}
	// Overwriting replaces the file.
	if err := WriteSui(p, Sui{Keystore: "k"}); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadSui(p); err != nil || got.Keystore != filepath.Join(dir, "k") || got.Envs != nil {
		t.Fatalf("rewrite: %+v, %v", got, err)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	ok := Walrus{SystemObject: "0x1", StakingObject: "0x2"}
	for _, c := range []struct {
		name string
		ctxs map[string]Walrus
		def  string
		want string
	}{
		{"default missing", map[string]Walrus{"a": ok}, "b", `default context "b" is not among`},
		{"empty name", map[string]Walrus{"": ok}, "", "empty context name"},
		{"no system", map[string]Walrus{"a": {StakingObject: "0x2"}}, "a", "context a: missing system_object"},
		{"bad id", map[string]Walrus{"a": {SystemObject: "zz", StakingObject: "0x2"}}, "a", `address "zz"`},
		{"bad exchange", map[string]Walrus{"a": {SystemObject: "0x1", StakingObject: "0x2", ExchangeObjects: []string{"q"}}}, "a", `address "q"`},
		{"bad address", map[string]Walrus{"a": {SystemObject: "0x1", StakingObject: "0x2", Wallet: Wallet{ActiveAddress: "me"}}}, "a", `address "me"`},
		{"shards", map[string]Walrus{"a": {SystemObject: "0x1", StakingObject: "0x2", NShards: 1 << 16}}, "a", "out of range"},
	} {
		if err := WriteWalrus(p, c.ctxs, c.def); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		s    Sui
		want string
	}{
		{"no keystore", Sui{}, "empty keystore path"},
		{"env", Sui{Keystore: "k", Envs: []SuiEnv{{Alias: "a"}}}, "each env needs alias and rpc"},
		{"active env", Sui{Keystore: "k", ActiveEnv: "x"}, `active_env "x" is not among`},
		{"address", Sui{Keystore: "k", ActiveAddress: "x"}, "active_address"},
	} {
		if err := WriteSui(p, c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("a failed write left %s: %v", p, err)
	}
	if err := WriteSui(filepath.Join(dir, "no", "such", "dir", "c.yaml"), Sui{Keystore: "k"}); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}
