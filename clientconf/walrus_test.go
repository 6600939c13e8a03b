package clientconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/sui"
)

var (
	testnetSystem  = sui.Networks["testnet"].SystemObject
	testnetStaking = sui.Networks["testnet"].StakingObject
	mainnetSystem  = sui.Networks["mainnet"].SystemObject
	mainnetStaking = sui.Networks["mainnet"].StakingObject
	testnetExch    = []string{
		"0xf4d164ea2def5fe07dc573992a029e010dba09b1a8dcbc44c5c2e79567f39073",
		"0x19825121c52080bb1073662231cfea5c0e4d905fd13e95f21e9a018f2ef41862",
		"0x83b454e524c71f30803f4d6c302a86fb6a39e96cdfb873c2d1e93bc1c26a3bc5",
		"0x8d63209cf8589ce7aef8f262437163c67577ed09f3e636a9d8e0813843fb8bf1",
	}
)

// writeFile writes body to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadWalrusRepoFiles reads the files of the Walrus repository
// (testdata, copied with their commit named in the first line).
func TestLoadWalrusRepoFiles(t *testing.T) {
	multi := filepath.Join("testdata", "client_config.yaml")
	single := filepath.Join("testdata", "client_config_testnet.yaml")
	example := filepath.Join("testdata", "client_config_example.yaml")
	testnet := Walrus{
		Path: multi, Context: "testnet", SystemObject: testnetSystem, StakingObject: testnetStaking,
		NShards: 1000, MaxEpochsAhead: 53, RPCURLs: []string{"https://fullnode.testnet.sui.io:443"},
		ExchangeObjects: testnetExch, Wallet: Wallet{ActiveEnv: "testnet"},
	}
	mainnet := Walrus{
		Path: multi, Context: "mainnet", SystemObject: mainnetSystem, StakingObject: mainnetStaking,
		NShards: 1000, MaxEpochsAhead: 53, RPCURLs: []string{"https://fullnode.mainnet.sui.io:443"},
		Wallet: Wallet{ActiveEnv: "mainnet"},
	}
	singleWant := testnet
	singleWant.Path, singleWant.Context, singleWant.Wallet = single, "", Wallet{}
	for _, c := range []struct {
		path, context string
		want          Walrus
	}{
		{multi, "", testnet}, // default_context: testnet
		{multi, "testnet", testnet},
		{multi, "mainnet", mainnet},
		{single, "", singleWant},
		{example, "", Walrus{
			Path: example, SystemObject: "0xa2637d13d171b278eadfa8a3fbe8379b5e471e1f3739092e5243da17fc8090eb",
			StakingObject: "0xca7cf321e47a1fc9bfd032abc31b253f5063521fd5b4c431f2cdd3fee1b4ec00",
			NShards:       1000, MaxEpochsAhead: 53, RPCURLs: []string{"https://fullnode.testnet.sui.io:443"},
			ExchangeObjects: []string{
				"0xa9b00f69d3b033e7b64acff2672b54fbb7c31361954251e235395dea8bd6dcac",
				"0x26a8a417b553b18d13027c23e8016c3466b81e7083225436b55143c127f3c0cb",
			},
		}},
	} {
		got, err := Load(c.path, c.context)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Load(%s, %q) = %+v, %v\nwant %+v", c.path, c.context, got, err, c.want)
		}
	}
	// As in the walrus CLI: a context for a single-context file, or one
	// the file lacks, is an error.
	if _, err := Load(single, "testnet"); err == nil || !strings.Contains(err.Error(), "single-context") || !strings.Contains(err.Error(), single) {
		t.Errorf("context on single file: %v", err)
	}
	if _, err := Load(multi, "devnet"); err == nil || !strings.Contains(err.Error(), `context "devnet" not found; available: mainnet, testnet`) {
		t.Errorf("unknown context: %v", err)
	}
	if KnownNetwork(testnetSystem) != "testnet" || KnownNetwork("0x"+strings.TrimLeft(mainnetSystem[2:], "0")) != "mainnet" ||
		KnownNetwork("0x1") != "" || KnownNetwork("nope") != "" {
		t.Error("KnownNetwork")
	}
}

func TestLoadNetworkDefaults(t *testing.T) {
	dir := t.TempDir()
	// Only the IDs of testnet (short form for staking: normalised): the
	// built-in testnet values fill the rest; given keys win.
	p := writeFile(t, dir, "c.yaml", "system_object: "+testnetSystem+"\nstaking_object: '"+testnetStaking+"'\n"+
		"rpc_urls: [https://my-node:443]\nmax_epochs_ahead: 99\n")
	w, err := Load(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.NShards != 1000 || w.MaxEpochsAhead != 99 || !reflect.DeepEqual(w.RPCURLs, []string{"https://my-node:443"}) ||
		!reflect.DeepEqual(w.ExchangeObjects, testnetExch) {
		t.Fatalf("testnet defaults: %+v", w)
	}
	// Testnet's system object with another staking object is not testnet.
	p = writeFile(t, dir, "d.yaml", "system_object: "+testnetSystem+"\nstaking_object: 0x2\n")
	if w, err = Load(p, ""); err != nil || w.NShards != 0 || w.RPCURLs != nil || w.StakingObject != "0x"+strings.Repeat("0", 63)+"2" {
		t.Fatalf("unknown network: %+v, %v", w, err)
	}
}

func TestLoadContexts(t *testing.T) {
	dir := t.TempDir()
	ctx := func(sys string) string {
		return "    system_object: " + sys + "\n    staking_object: 0x99\n    n_shards: 7\n"
	}
	// No default_context and one context: that one.
	p := writeFile(t, dir, "one.yaml", "contexts:\n  local:\n"+ctx("0x1"))
	if w, err := Load(p, ""); err != nil || w.Context != "local" || w.NShards != 7 {
		t.Fatalf("only context: %+v, %v", w, err)
	}
	// Anchors and aliases work; unknown keys are ignored anywhere.
	p = writeFile(t, dir, "alias.yaml", "contexts:\n  a: &base\n"+ctx("0x1")+"    communication_config: {max_data_in_flight: 5}\n  b: *base\ndefault_context: b\nfuture_key: [1, 2]\n")
	if w, err := Load(p, ""); err != nil || w.Context != "b" || w.SystemObject != "0x"+strings.Repeat("0", 63)+"1" {
		t.Fatalf("alias: %+v, %v", w, err)
	}
	if w, err := Load(p, "a"); err != nil || w.Context != "a" {
		t.Fatalf("explicit context: %+v, %v", w, err)
	}
}

func TestWalletConfig(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	base := "system_object: 0x1\nstaking_object: 0x2\n"
	for _, c := range []struct {
		wallet string
		want   Wallet
	}{
		{"wallet_config: null\n", Wallet{}},
		{"wallet_config: sui/client.yaml\n", Wallet{Path: filepath.Join(dir, "sui/client.yaml")}},
		{"wallet_config: ~/.sui/sui_config/client.yaml\n", Wallet{Path: filepath.Join(home, ".sui/sui_config/client.yaml")}},
		{"wallet_config: /abs/client.yaml\n", Wallet{Path: "/abs/client.yaml"}},
		{"wallet_config:\n  active_env: testnet\n  active_address: 0xABC\n  path: ~\n", Wallet{ActiveEnv: "testnet", ActiveAddress: "0x" + strings.Repeat("0", 61) + "abc"}},
		{"wallet_config:\n  path: ../w.yaml\n", Wallet{Path: filepath.Join(filepath.Dir(dir), "w.yaml")}},
	} {
		p := writeFile(t, dir, "c.yaml", base+c.wallet)
		w, err := load(p, "", home)
		if err != nil || w.Wallet != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.wallet, w.Wallet, err, c.want)
		}
	}
	// The exported Load expands ~ with $HOME.
	t.Setenv("HOME", home)
	p := writeFile(t, dir, "c.yaml", base+"wallet_config: ~/w.yaml\n")
	if w, err := Load(p, ""); err != nil || w.Wallet.Path != filepath.Join(home, "w.yaml") {
		t.Errorf("Load ~: %+v, %v", w.Wallet, err)
	}
}

func TestLoadErrors(t *testing.T) {
	base := "system_object: 0x1\nstaking_object: 0x2\n"
	two := "contexts:\n  a:\n    system_object: 0x1\n    staking_object: 0x2\n  b:\n    system_object: 0x1\n    staking_object: 0x2\n"
	for _, c := range []struct {
		name, body, context, want string
	}{
		{"empty", "", "", "empty file"},
		{"comment only", "# nothing\n", "", "empty file"},
		{"list", "- a\n- b\n", "", ":1: want a mapping"},
		{"syntax", "system_object: [\n", "", "yaml: line"},
		{"tab", "a:\n\tb: 1\n", "", "yaml: line 2"},
		{"no system", "staking_object: 0x2\nn_shards: 10\n", "", ":1: missing system_object"},
		{"null system", "system_object: ~\nstaking_object: 0x2\n", "", "missing system_object"},
		{"no staking", "system_object: 0x1\n", "", "missing staking_object"},
		{"bad system", "system_object: 0xzz\nstaking_object: 0x2\n", "", `:1: system_object: sui: address "0xzz"`},
		{"list system", "system_object: [0x1]\nstaking_object: 0x2\n", "", ":1: system_object: want an object ID"},
		{"n_shards word", base + "n_shards: many\n", "", `:3: n_shards: want an integer, got the string "many"`},
		{"n_shards float", base + "n_shards: 1.5\n", "", ":3: n_shards: want an integer"},
		{"n_shards zero", base + "n_shards: 0\n", "", ":3: n_shards: 0 outside 1..65535"},
		{"n_shards big", base + "n_shards: 70000\n", "", "n_shards: 70000 outside"},
		{"epochs negative", base + "max_epochs_ahead: -1\n", "", "max_epochs_ahead: -1 outside"},
		{"rpc not list", base + "rpc_urls: https://x\n", "", ":3: rpc_urls: want a list"},
		{"rpc number", base + "rpc_urls:\n  - 5\n", "", ":4: rpc_urls: want a string, got !!int 5"},
		{"exchange bad", base + "exchange_objects: [0x1, hello]\n", "", `:3: exchange_objects: sui: address "hello"`},
		{"wallet list", base + "wallet_config: [a]\n", "", ":3: wallet_config: want a path or a mapping"},
		{"wallet path int", base + "wallet_config:\n  path: 5\n", "", ":4: path: want a string"},
		{"wallet address", base + "wallet_config:\n  active_address: me\n", "", `:4: active_address: sui: address "me"`},
		{"duplicate", base + "n_shards: 1\nn_shards: 2\n", "", `:4: duplicate key "n_shards"`},
		{"context on single", base, "testnet", "single-context configuration file"},
		{"contexts not map", "contexts: [a]\ndefault_context: a\n", "", ":1: contexts: want a mapping"},
		{"context not map", "contexts:\n  a: 5\ndefault_context: a\n", "", ":2: contexts: a: want a mapping, got !!int 5"},
		{"no contexts", "contexts: {}\ndefault_context: a\n", "", ":1: contexts: no context defined"},
		{"context missing system", "contexts:\n  a:\n    n_shards: 3\ndefault_context: a\n", "", ":3: context a: missing system_object"},
		{"no default, two", two, "", "no default_context and 2 contexts (a, b)"},
		{"default missing", two + "default_context: c\n", "", `default_context "c" not found; available: a, b`},
		{"default not string", two + "default_context: [a]\n", "", "default_context: want a string"},
		{"unknown context", two + "default_context: a\n", "z", `context "z" not found; available: a, b`},
		{"other context broken", two + "  c:\n    system_object: 0x1\n    staking_object: 0x2\n    n_shards: x\ndefault_context: a\n", "a", ":11: n_shards"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "client_config.yaml", c.body)
			_, err := Load(p, c.context)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want %q naming %s", err, c.want, p)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), ""); err == nil || !strings.Contains(err.Error(), "absent.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
}
