package clientconf

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// suiYAML is a client.yaml as `sui client` writes it (keystore path made
// relative to test relative resolution).
const suiYAML = `---
keystore:
  File: sui.keystore
external_keys: ~
envs:
  - alias: testnet
    rpc: "https://fullnode.testnet.sui.io:443"
    ws: ~
    basic_auth: ~
    chain_id: 4c78adac
  - alias: local
    rpc: "http://127.0.0.1:9000"
    ws: ~
    basic_auth: "user:pass"
active_env: testnet
active_address: "0x8ccbd8d2e6e5bca3f1f8ef2c0cd1b4ae9e1a3dbbcd0e3c4f1c6b3e0a2f9d5e71"
`

const addrA = "0x8ccbd8d2e6e5bca3f1f8ef2c0cd1b4ae9e1a3dbbcd0e3c4f1c6b3e0a2f9d5e71"

func TestLoadSui(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	p := writeFile(t, dir, "sui_config/client.yaml", suiYAML)
	s, err := loadSui(p, home)
	want := Sui{
		Path: p, Keystore: filepath.Join(dir, "sui_config", "sui.keystore"),
		Envs: []SuiEnv{
			{Alias: "testnet", RPC: "https://fullnode.testnet.sui.io:443"},
			{Alias: "local", RPC: "http://127.0.0.1:9000", BasicAuth: "user:pass"},
		},
		ActiveEnv: "testnet", ActiveAddress: addrA,
	}
	if err != nil || !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v, %v\nwant %+v", s, err, want)
	}
	for ks, want := range map[string]string{
		"~/.sui/sui_config/sui.keystore": filepath.Join(home, ".sui/sui_config/sui.keystore"),
		"/abs/sui.keystore":              "/abs/sui.keystore",
		"../keys/k":                      filepath.Join(dir, "keys/k"),
	} {
		p := writeFile(t, dir, "sui_config/client.yaml", "keystore:\n  File: "+ks+"\nenvs: []\n")
		if s, err := loadSui(p, home); err != nil || s.Keystore != want {
			t.Errorf("keystore %q: %q, %v; want %q", ks, s.Keystore, err, want)
		}
	}
	t.Setenv("HOME", home)
	p = writeFile(t, dir, "c.yaml", "keystore:\n  File: ~/k\nenvs: []\n")
	if s, err := LoadSui(p); err != nil || s.Keystore != filepath.Join(home, "k") {
		t.Errorf("LoadSui ~: %+v, %v", s, err)
	}
}

func TestLoadSuiErrors(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"empty", "", "empty file"},
		{"no keystore", "envs: []\n", ":1: missing keystore"},
		{"in-memory keystore", "keystore:\n  InMem: {}\n", ":2: keystore: want File: PATH"},
		{"keystore string", "keystore: sui.keystore\n", ":1: keystore: want a mapping"},
		{"keystore int", "keystore:\n  File: 5\n", ":2: File: want a string"},
		{"keystore empty", "keystore:\n  File: ''\n", "empty File path"},
		{"envs map", "keystore: {File: k}\nenvs: {alias: x}\n", ":2: envs: want a list"},
		{"env scalar", "keystore: {File: k}\nenvs: [x]\n", ":2: envs: want a mapping"},
		{"env no rpc", "keystore: {File: k}\nenvs:\n  - alias: x\n", ":3: envs: each env needs alias and rpc"},
		{"env rpc list", "keystore: {File: k}\nenvs:\n  - alias: x\n    rpc: [a]\n", ":4: rpc: want a string"},
		{"address", "keystore: {File: k}\nactive_address: 0xnothex\n", ":2: active_address"},
		{"syntax", "keystore: {File: k\n", "yaml:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "client.yaml", c.body)
			_, err := loadSui(p, "/h")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want %q naming %s", err, c.want, p)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cwd, home := filepath.Join(dir, "cwd"), filepath.Join(dir, "home")
	suiPath := writeFile(t, dir, "wallet/client.yaml", suiYAML)
	env := Env{Cwd: cwd, Home: home}
	testnetRPC, localRPC := "https://fullnode.testnet.sui.io:443", "http://127.0.0.1:9000"
	addrB := "0x" + strings.Repeat("0", 62) + "0b"
	for _, c := range []struct {
		name    string
		wallet  Wallet
		rpcURLs []string
		env     SuiEnv
		rpcs    []string
		addr    string
	}{
		{"sui's env and address", Wallet{Path: suiPath}, []string{testnetRPC, "https://other:443"},
			SuiEnv{"testnet", testnetRPC, ""}, []string{testnetRPC, "https://other:443"}, addrA},
		{"walrus overrides env and address", Wallet{Path: suiPath, ActiveEnv: "local", ActiveAddress: addrB}, []string{testnetRPC},
			SuiEnv{"local", localRPC, "user:pass"}, []string{localRPC, testnetRPC}, addrB},
		{"no rpc_urls", Wallet{Path: suiPath}, nil, SuiEnv{"testnet", testnetRPC, ""}, []string{testnetRPC}, addrA},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := Walrus{Path: "/w.yaml", RPCURLs: c.rpcURLs, Wallet: c.wallet}
			r, err := Resolve(w, env)
			if err != nil {
				t.Fatal(err)
			}
			if r.Env != c.env || !reflect.DeepEqual(r.RPCURLs, c.rpcs) || r.RPCURL != c.rpcs[0] || r.Address != c.addr ||
				r.Keystore != filepath.Join(dir, "wallet", "sui.keystore") || r.Sui.Path != suiPath || !reflect.DeepEqual(r.Walrus, w) {
				t.Fatalf("got %+v", r)
			}
		})
	}
	// Without wallet_config.path: ./sui_config.yaml, then
	// ~/.sui/sui_config/client.yaml; the first wins.
	homeSui := writeFile(t, home, ".sui/sui_config/client.yaml", "keystore: {File: h.keystore}\nenvs: []\n")
	r, err := Resolve(Walrus{RPCURLs: []string{"http://a"}}, env)
	if err != nil || r.Sui.Path != homeSui || r.RPCURL != "http://a" || r.Address != "" || r.Env != (SuiEnv{}) {
		t.Fatalf("home wallet: %+v, %v", r, err)
	}
	cwdSui := writeFile(t, cwd, "sui_config.yaml", "keystore: {File: c.keystore}\nenvs:\n  - {alias: x, rpc: 'http://x'}\n")
	r, err = Resolve(Walrus{}, env)
	if err != nil || r.Sui.Path != cwdSui || r.Keystore != filepath.Join(cwd, "c.keystore") || r.RPCURL != "http://x" || r.Env.Alias != "x" {
		t.Fatalf("cwd wallet, first env: %+v, %v", r, err)
	}

	// Errors.
	if _, err := Resolve(Walrus{Path: "/w.yaml"}, Env{Cwd: filepath.Join(dir, "none")}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "wallet_config.path in /w.yaml") {
		t.Errorf("no wallet: %v", err)
	}
	if _, err := Resolve(Walrus{Wallet: Wallet{Path: suiPath, ActiveEnv: "devnet"}}, env); err == nil || !strings.Contains(err.Error(), `env "devnet" not found in wallet config file `+suiPath+" (envs: testnet, local)") {
		t.Errorf("unknown active_env: %v", err)
	}
	bad := writeFile(t, dir, "bad.yaml", "keystore: {File: k}\nenvs: []\nactive_env: gone\n")
	if _, err := Resolve(Walrus{Wallet: Wallet{Path: bad}}, env); err == nil || !strings.Contains(err.Error(), `env "gone" not found`) || !strings.Contains(err.Error(), "envs: none") {
		t.Errorf("sui active_env missing: %v", err)
	}
	if _, err := Resolve(Walrus{Path: "/w.yaml", Wallet: Wallet{Path: homeSui}}, env); err == nil || !strings.Contains(err.Error(), "no Sui RPC URL") {
		t.Errorf("no rpc: %v", err)
	}
	if _, err := Resolve(Walrus{Wallet: Wallet{Path: filepath.Join(dir, "absent.yaml")}}, env); err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("absent wallet: %v", err)
	}
}
