package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
