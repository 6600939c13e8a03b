package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/daemon"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeConf(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, configFileName), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestResolvePrecedence(t *testing.T) {
	testnet := walrus.Networks["testnet"]
	dir := writeConf(t, `# walrusfs config
network = "mainnet"
publisher = http://file-publisher:9000
epochs = 4
permanent = true
`)
	// The file's publisher is at the same level as its network: it wins.
	cfg, err := resolveWalrus(walrusValues{}, dir, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Network != "mainnet" || cfg.Publisher != "http://file-publisher:9000" || cfg.Epochs != 4 || !cfg.Permanent ||
		!reflect.DeepEqual(cfg.Aggregators, walrus.Networks["mainnet"].Aggregators) || cfg.DataDir != dir {
		t.Fatalf("file only: %+v", cfg)
	}
	// The environment beats the file; a network from the environment
	// replaces the file's publisher with the preset's.
	cfg, err = resolveWalrus(walrusValues{}, dir, envOf(map[string]string{envNetwork: "testnet", envToken: "jwt"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Publisher != testnet.Publisher || cfg.BearerToken != "jwt" || cfg.Aggregators[0] != testnet.Aggregators[0] {
		t.Fatalf("env network: %+v", cfg)
	}
	// Flags beat both.
	var f walrusValues
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse([]string{"--aggregator", "http://a1, http://a2/", "--epochs", "9", "--permanent=false", "--trust-aggregator"}); err != nil {
		t.Fatal(err)
	}
	cfg, err = resolveWalrus(f, dir, envOf(map[string]string{envAggregator: "http://env-agg"}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Aggregators, []string{"http://a1", "http://a2/"}) || cfg.Epochs != 9 || cfg.Permanent || !cfg.TrustAggregator {
		t.Fatalf("flags: %+v", cfg)
	}
}

func TestResolveDefaultsAndErrors(t *testing.T) {
	cfg, err := resolveWalrus(walrusValues{}, "", envOf(nil))
	if err != nil || cfg.Network != "testnet" || cfg.NShards != 1000 {
		t.Fatalf("nothing given: %+v, %v", cfg, err)
	}
	// A custom deployment: URLs only, no preset mixed in.
	cfg, err = resolveWalrus(walrusValues{Aggregators: "http://127.0.0.1:1"}, "", envOf(nil))
	if err != nil || cfg.Network != "" || cfg.Publisher != "" {
		t.Fatalf("aggregator only: %+v, %v", cfg, err)
	}
	for _, c := range []struct {
		f    walrusValues
		conf string
		want string
	}{
		{walrusValues{Network: "devnet"}, "", `unknown network "devnet"`},
		{walrusValues{Epochs: 54}, "", "epochs 54 outside 1..53"},
		{walrusValues{Publisher: "ftp://x"}, "", "publisher URL"},
		{walrusValues{}, "colour = blue\n", `:1: unknown key "colour"`},
		{walrusValues{}, "\nepochs\n", ":2: want key = value"},
		{walrusValues{}, "epochs = many\n", `epochs "many"`},
		{walrusValues{}, "permanent = sure\n", `permanent "sure"`},
		{walrusValues{SendObjectTo: "0x12"}, "", "not a Sui address"},
	} {
		dir := writeConf(t, c.conf)
		_, err := resolveWalrus(c.f, dir, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v / %q: %v, want %q", c.f, c.conf, err, c.want)
		}
	}
}

// clientSetup writes a Walrus CLI configuration with a testnet and a
// local context and the Sui wallet it names, under a fresh directory; it
// returns that directory and the client_config.yaml path.
func clientSetup(t *testing.T) (dir, conf string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("sui/client.yaml", `keystore:
  File: sui.keystore
envs:
  - alias: testnet
    rpc: https://fullnode.testnet.sui.io:443
  - alias: local
    rpc: http://127.0.0.1:9000
active_env: testnet
active_address: 0x0000000000000000000000000000000000000000000000000000000000000abc
`)
	conf = write("walrus/client_config.yaml", `contexts:
  testnet:
    system_object: 0x6c2547cbbc38025cf3adac45f63cb0a8d12ecf777cdc75a4971612bf97fdf6af
    staking_object: 0xbe46180321c30aab2f8b3501e24048377287fa708018a5b7c2792b35fe339ee3
    wallet_config:
      path: ../sui/client.yaml
      active_env: testnet
  local:
    system_object: 0x11
    staking_object: 0x22
    n_shards: 10
    max_epochs_ahead: 5
    wallet_config:
      path: ../sui/client.yaml
      active_env: local
    rpc_urls: [http://127.0.0.1:9000]
  noshards:
    system_object: 0x11
    staking_object: 0x22
    wallet_config: ../sui/client.yaml
default_context: testnet
`)
	return dir, conf
}

func parseWalrusFlags(t *testing.T, args ...string) walrusValues {
	t.Helper()
	var f walrusValues
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolveClientConfig(t *testing.T) {
	dir, conf := clientSetup(t)
	testnet := walrus.Networks["testnet"]
	// --context alone searches the walrus CLI's places: ~/.config/walrus.
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".config", "walrus"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(conf, filepath.Join(home, ".config", "walrus", "client_config.yaml")); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolveWalrus(parseWalrusFlags(t, "--context", "testnet"), "", envOf(map[string]string{"HOME": home}))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Client
	if c == nil || cfg.Network != "testnet" || cfg.NShards != 1000 || cfg.Publisher != "" ||
		!reflect.DeepEqual(cfg.Aggregators, testnet.Aggregators) || c.RPCURL != "https://fullnode.testnet.sui.io:443" ||
		c.Keystore != filepath.Join(dir, "sui", "sui.keystore") || c.Walrus.Context != "testnet" ||
		c.Address != "0x0000000000000000000000000000000000000000000000000000000000000abc" {
		t.Fatalf("--context testnet: %+v / %+v", cfg, c)
	}

	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		conf  string // walrus.conf; {conf} is replaced by the client_config.yaml path
		check func(walrus.Config) bool
	}{
		{"config flag, default context", []string{"--config", conf}, nil, "",
			func(c walrus.Config) bool { return c.Client.Walrus.Context == "testnet" && c.Network == "testnet" }},
		{"custom context", []string{"--config", conf, "--context", "local", "--aggregator", "http://agg:1"}, nil, "",
			func(c walrus.Config) bool {
				return c.Network == "" && c.NShards == 10 && c.Client.RPCURL == "http://127.0.0.1:9000" &&
					reflect.DeepEqual(c.Aggregators, []string{"http://agg:1"})
			}},
		{"environment", nil, map[string]string{envClientConf: conf, envContext: "local", envAggregator: "http://agg:2"}, "",
			func(c walrus.Config) bool { return c.NShards == 10 && c.Aggregators[0] == "http://agg:2" }},
		{"flag context beats environment", []string{"--context", "testnet"}, map[string]string{envClientConf: conf, envContext: "local"}, "",
			func(c walrus.Config) bool { return c.Client.Walrus.Context == "testnet" }},
		{"walrus.conf, relative to the data dir", nil, nil, "client_config = client_config.yaml\ncontext = local\naggregator = http://agg:3\n",
			func(c walrus.Config) bool { return c.NShards == 10 && c.Aggregators[0] == "http://agg:3" }},
		{"env context beats walrus.conf", nil, map[string]string{envContext: "testnet"}, "client_config = {conf}\ncontext = local\n",
			func(c walrus.Config) bool { return c.Client.Walrus.Context == "testnet" }},
		{"agreeing network", []string{"--network", "testnet", "--config", conf}, nil, "",
			func(c walrus.Config) bool { return c.Client != nil && c.Publisher == "" }},
		{"walrus.conf network gives way", []string{"--config", conf}, nil, "network = mainnet\n",
			func(c walrus.Config) bool {
				return c.Network == "testnet" && c.Aggregators[0] == testnet.Aggregators[0]
			}},
		{"lower-level publisher dropped", []string{"--config", conf}, nil, "publisher = http://pub:1\naggregator = http://agg:4\n",
			func(c walrus.Config) bool { return c.Publisher == "" && c.Aggregators[0] == testnet.Aggregators[0] }},
		{"explicit publisher kept", []string{"--config", conf, "--publisher", "http://pub:2", "--aggregator", "http://agg:5"}, nil, "",
			func(c walrus.Config) bool { return c.Publisher == "http://pub:2" && c.Aggregators[0] == "http://agg:5" }},
		{"environment URLs give way to the flag", []string{"--config", conf}, map[string]string{envAggregator: "http://agg:6", envPublisher: "http://pub:3"}, "",
			func(c walrus.Config) bool { return c.Publisher == "" && c.Aggregators[0] == testnet.Aggregators[0] }},
		{"epochs within max_epochs_ahead", []string{"--config", conf, "--context", "local", "--aggregator", "http://a", "--epochs", "5"}, nil, "",
			func(c walrus.Config) bool { return c.Epochs == 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := writeConf(t, strings.ReplaceAll(tc.conf, "{conf}", conf))
			if err := os.Symlink(conf, filepath.Join(dataDir, "client_config.yaml")); err != nil {
				t.Fatal(err)
			}
			cfg, err := resolveWalrus(parseWalrusFlags(t, tc.args...), dataDir, envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Client == nil || !tc.check(cfg) {
				t.Fatalf("%+v / %+v", cfg, cfg.Client)
			}
		})
	}
}

func TestResolveClientConfigErrors(t *testing.T) {
	dir, conf := clientSetup(t)
	for _, tc := range []struct {
		name string
		args []string
		conf string
		want string
	}{
		{"conflicting network", []string{"--network", "mainnet", "--context", "testnet", "--config", conf}, "",
			"network mainnet conflicts with context testnet of " + conf},
		{"conflicting network, custom context", []string{"--network", "testnet", "--context", "local", "--config", conf}, "",
			"network testnet conflicts with context local"},
		{"flag network over walrus.conf context", []string{"--network", "mainnet"}, "client_config = " + conf + "\n",
			"network mainnet conflicts"},
		{"unknown network", []string{"--network", "devnet", "--config", conf}, "", `unknown network "devnet"`},
		{"unknown context", []string{"--config", conf, "--context", "devnet"}, "",
			`context "devnet" not found; available: local, noshards, testnet`},
		{"no n_shards", []string{"--config", conf, "--context", "noshards", "--aggregator", "http://a"}, "",
			"no n_shards in context noshards of " + conf},
		{"epochs beyond max_epochs_ahead", []string{"--config", conf, "--context", "local", "--aggregator", "http://a", "--epochs", "6"}, "",
			"epochs 6 exceeds max_epochs_ahead 5 of " + conf},
		{"n_shards disagrees", []string{"--config", conf, "--context", "local", "--aggregator", "http://a"}, "n_shards = 7\n",
			"NShards 7 disagrees with n_shards 10 of " + conf},
		{"missing file", []string{"--config", filepath.Join(dir, "absent.yaml")}, "", "absent.yaml: no such file"},
		{"nothing to find", []string{"--context", "testnet"}, "", "no Walrus client configuration (client_config.yaml): configuration file not found"},
		{"broken wallet path", []string{"--config", filepath.Join(dir, "bad.yaml")}, "", "sui/nope.yaml: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("system_object: 0x1\nstaking_object: 0x2\nn_shards: 3\nwallet_config: sui/nope.yaml\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := resolveWalrus(parseWalrusFlags(t, tc.args...), writeConf(t, tc.conf), envOf(map[string]string{"HOME": filepath.Join(dir, "nohome")}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestClientConfigOnlyWhenAsked: a client_config.yaml in the walrus CLI's
// places changes nothing without --config/--context (it would spend WAL).
func TestClientConfigOnlyWhenAsked(t *testing.T) {
	_, conf := clientSetup(t)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".walrus"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(conf, filepath.Join(home, ".walrus", "client_config.yaml")); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolveWalrus(walrusValues{Network: "testnet"}, "", envOf(map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Dir(conf)}))
	if err != nil || cfg.Client != nil || cfg.Publisher != walrus.Networks["testnet"].Publisher {
		t.Fatalf("%+v, %v", cfg, err)
	}
	w := &walrusFlags{walrusValues: walrusValues{Context: "testnet"}}
	if !w.given() {
		t.Error("--context alone does not select Walrus")
	}
}

// TestRemountKeepsClientConfig: a data directory mounted with --config
// and --context is mounted again with the same wallet and context when
// no back-end flag is given.
func TestRemountKeepsClientConfig(t *testing.T) {
	_, conf := clientSetup(t)
	dataDir := t.TempDir()
	rec := `{"kind":"walrus","network":"testnet","n_shards":1000,"client_config":"` + conf + `","context":"testnet"}`
	if err := os.WriteFile(filepath.Join(dataDir, daemon.BackendFile), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := mountWalrusConfig(dataDir, &walrusFlags{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil || cfg.Client == nil || cfg.Client.Walrus.Context != "testnet" || cfg.Client.Walrus.Path != conf {
		t.Fatalf("remount without flags: %+v", cfg)
	}
}

// TestCustomContextReadsFromNodes: a context of another deployment needs
// no aggregator: with the wallet, reads go to the storage nodes.
func TestCustomContextReadsFromNodes(t *testing.T) {
	_, conf := clientSetup(t)
	cfg, err := resolveWalrus(walrusValues{ClientConfig: conf, Context: "local"}, "", envOf(nil))
	if err != nil || cfg.Client == nil || len(cfg.Aggregators) != 0 || cfg.Publisher != "" {
		t.Fatalf("%+v, %v", cfg, err)
	}
}

// TestWalletOwnsPublisherBlobs: with a wallet configured, a publisher
// sends the Blob objects to the wallet's address unless told otherwise.
func TestWalletOwnsPublisherBlobs(t *testing.T) {
	_, conf := clientSetup(t)
	cfg, err := resolveWalrus(walrusValues{ClientConfig: conf, Context: "testnet", Publisher: "https://pub.example"}, "", envOf(nil))
	if err != nil || cfg.Publisher != "https://pub.example" || cfg.SendObjectTo != cfg.Client.Address || cfg.SendObjectTo == "" {
		t.Fatalf("%+v, %v", cfg, err)
	}
	other := "0x" + strings.Repeat("7", 64)
	cfg, err = resolveWalrus(walrusValues{ClientConfig: conf, Context: "testnet", Publisher: "https://pub.example", SendObjectTo: other}, "", envOf(nil))
	if err != nil || cfg.SendObjectTo != other {
		t.Fatalf("%+v, %v", cfg, err)
	}
}

func TestParseWAL(t *testing.T) {
	for in, want := range map[string]uint64{"2": 2_000_000_000, "0.25": 250_000_000, ".5": 500_000_000, "1.000000001": 1_000_000_001, "0": 0} {
		if got, err := parseWAL(in); err != nil || got != want {
			t.Errorf("parseWAL(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "-1", "1e3", "0.0000000001", "abc", "99999999999999999999"} {
		if _, err := parseWAL(in); err == nil {
			t.Errorf("parseWAL(%q): no error", in)
		}
	}
}

// TestCheckRenewal: writing through a publisher needs --epochs and
// --no-renew (then remembered); a wallet or a read-only mount does not.
func TestCheckRenewal(t *testing.T) {
	dd := t.TempDir()
	pub := func(epochs int) *walrus.Config {
		return &walrus.Config{Network: "testnet", Publisher: "https://pub.example", Epochs: epochs}
	}
	if err := checkRenewal(dd, pub(3), false); err == nil || !strings.Contains(err.Error(), "--no-renew") {
		t.Fatalf("publisher without --no-renew: %v", err)
	}
	if err := checkRenewal(dd, pub(0), true); err == nil {
		t.Fatal("--no-renew without --epochs accepted")
	}
	c := pub(3)
	if err := checkRenewal(dd, c, true); err != nil || !c.NoRenew {
		t.Fatalf("--epochs 3 --no-renew: %v %+v", err, c)
	}
	if err := checkRenewal(dd, nil, false); err != nil {
		t.Fatalf("embedded: %v", err)
	}
	if err := checkRenewal(dd, &walrus.Config{Network: "testnet", Aggregators: []string{"https://agg.example"}}, false); err != nil {
		t.Fatalf("read-only: %v", err)
	}
	rec := `{"kind":"walrus","network":"testnet","n_shards":1000,"no_renew":true,"epochs":3}`
	if err := os.WriteFile(filepath.Join(dd, daemon.BackendFile), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	c = pub(0)
	if err := checkRenewal(dd, c, false); err != nil || c.Epochs != 3 || !c.NoRenew {
		t.Fatalf("remembered: %v %+v", err, c)
	}
}
