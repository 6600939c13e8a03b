package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/sui"
)

// Configuration is resolved here, in one place, for every command: flags,
// then WALRUSFS_* environment variables, then the data directory's
// walrus.conf, then the network presets (walrus.Networks); the result is
// one walrus.Config, checked by its Validate. Back-end packages take that
// Config and read no flags, environment or files of their own.
//
// The official walrus CLI's configuration (client_config.yaml and the Sui
// wallet it points to, package clientconf) is read only when asked for:
// --config FILE or --context NAME (or WALRUSFS_CLIENT_CONFIG,
// WALRUSFS_CONTEXT, or client_config/context in walrus.conf). A
// client_config.yaml lying in the places the walrus CLI searches is NOT
// picked up on its own, although the walrus CLI would: with it walrusfs
// writes blobs itself and pays for them with the user's WAL and SUI, which
// must never happen just because a file exists.

// configFileName is the name of the optional config file in the data dir.
const configFileName = "walrus.conf"

// Environment variables read by resolveWalrus.
const (
	envNetwork    = "WALRUSFS_NETWORK"
	envPublisher  = "WALRUSFS_PUBLISHER"
	envAggregator = "WALRUSFS_AGGREGATOR" // comma-separated, failover order
	envToken      = "WALRUSFS_PUBLISHER_TOKEN"
	envSuiURL     = "WALRUSFS_SUI_URL"
	envClientConf = "WALRUSFS_CLIENT_CONFIG" // a Walrus client_config.yaml
	envContext    = "WALRUSFS_CONTEXT"       // a context of that file
)

// fileKeys are the keys walrus.conf may hold. sui_url is for the sui
// side (estimate, status) and ignored here.
var fileKeys = map[string]bool{
	"network": true, "publisher": true, "aggregator": true, "publisher_token": true, "epochs": true,
	"permanent": true, "send_object_to": true, "trust_aggregator": true, "n_shards": true,
	"max_blob_size": true, "sui_url": true, "max_wal_per_epoch": true, "client_config": true, "context": true,
}

// optBool is a boolean flag that remembers whether it was given.
type optBool struct{ Given, Value bool }

func (b *optBool) String() string   { return strconv.FormatBool(b.Value) }
func (b *optBool) IsBoolFlag() bool { return true }

// Set implements flag.Value.
func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.Given, b.Value = true, v
	return nil
}

// walrusValues are the command-line values of the Walrus settings; zero values
// mean "not given".
type walrusValues struct {
	Network, Publisher, Aggregators, Token, SendObjectTo string
	ClientConfig, Context                                string
	MaxWALPerEpoch                                       string
	Epochs                                               int
	Permanent, TrustAggregator                           optBool
}

// Register adds the standard flags to fs, bound to f.
func (f *walrusValues) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Network, "network", "", "Walrus network: testnet or mainnet (public endpoints as defaults; env "+envNetwork+")")
	fs.StringVar(&f.Publisher, "publisher", "", "publisher URL (env "+envPublisher+")")
	fs.StringVar(&f.Aggregators, "aggregator", "", "aggregator URLs, comma-separated, tried in order (env "+envAggregator+")")
	fs.StringVar(&f.Token, "publisher-token", "", "bearer token (JWT) for an authenticated publisher (env "+envToken+")")
	fs.StringVar(&f.SendObjectTo, "send-object-to", "", "Sui address that receives the Blob objects")
	fs.IntVar(&f.Epochs, "epochs", 0, fmt.Sprintf("epochs ahead to store blobs for, 1..%d (default %d)", walrus.MaxEpochsAhead, walrus.DefaultEpochs))
	fs.Var(&f.Permanent, "permanent", "store permanent blobs instead of deletable ones")
	fs.Var(&f.TrustAggregator, "trust-aggregator", "serve byte ranges with HTTP Range requests without verifying them against the blob ID")
	fs.StringVar(&f.ClientConfig, "config", "", "Walrus CLI client_config.yaml: its network and Sui wallet, which pays for stores (env "+envClientConf+")")
	fs.StringVar(&f.MaxWALPerEpoch, "max-wal-per-epoch", "", "with a wallet: at most this much WAL spent per epoch on storage and renewals, e.g. 2.5 (default: no cap)")
	fs.StringVar(&f.Context, "context", "", "context of the Walrus CLI configuration, found where the walrus CLI looks if no --config (env "+envContext+")")
}

// setting is one value and the precedence level it came from
// (3 flag, 2 environment, 1 config file, 0 unset).
type setting struct {
	v     string
	level int
}

// resolveWalrus builds a Config from flags, then environment variables (getenv,
// e.g. os.Getenv), then dataDir/walrus.conf, then the network preset.
// The preset fills only the URLs not given at the network's level or
// above: "--network mainnet" overrides a publisher from the config file,
// but "--publisher URL" overrides the preset. With no network and no URL
// anywhere the network is testnet. The data dir becomes Config.DataDir.
func resolveWalrus(f walrusValues, dataDir string, getenv func(string) string) (walrus.Config, error) {
	file, err := readConfigFile(filepath.Join(dataDir, configFileName))
	if err != nil {
		return walrus.Config{}, err
	}
	if dataDir == "" {
		file = nil
	}
	pick := func(flagV, env, key string) setting {
		switch {
		case flagV != "":
			return setting{flagV, 3}
		case env != "" && getenv(env) != "":
			return setting{getenv(env), 2}
		case file[key] != "":
			return setting{file[key], 1}
		}
		return setting{}
	}
	epochs := ""
	if f.Epochs != 0 {
		epochs = strconv.Itoa(f.Epochs)
	}
	network := pick(f.Network, envNetwork, "network")
	pub := pick(f.Publisher, envPublisher, "publisher")
	aggs := pick(f.Aggregators, envAggregator, "aggregator")
	client, clientLevel, err := resolveClient(pick(f.ClientConfig, envClientConf, "client_config"),
		pick(f.Context, envContext, "context"), dataDir, getenv)
	if err != nil {
		return walrus.Config{}, err
	}
	if network.v == "" && pub.v == "" && aggs.v == "" && client == nil {
		network.v = "testnet"
	}
	cfg := walrus.Config{DataDir: dataDir, BearerToken: pick(f.Token, envToken, "publisher_token").v}
	if client != nil {
		if err := useClient(&cfg, client, clientLevel, network, &pub, &aggs); err != nil {
			return walrus.Config{}, err
		}
	} else if network.v != "" {
		preset, ok := walrus.Networks[network.v]
		if !ok {
			return walrus.Config{}, fmt.Errorf("walrus: unknown network %q (want testnet or mainnet, or give --publisher/--aggregator)", network.v)
		}
		cfg.Network, cfg.NShards = preset.Name, preset.NShards
		if pub.level < network.level || pub.v == "" {
			pub.v = preset.Publisher
		}
		if aggs.level < network.level || aggs.v == "" {
			aggs.v = strings.Join(preset.Aggregators, ",")
		}
	}
	cfg.Publisher = pub.v
	for _, a := range strings.Split(aggs.v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Aggregators = append(cfg.Aggregators, a)
		}
	}
	if v := pick(f.MaxWALPerEpoch, "", "max_wal_per_epoch").v; v != "" {
		frost, err := parseWAL(v)
		if err != nil {
			return walrus.Config{}, fmt.Errorf("walrus: max_wal_per_epoch %q: %w", v, err)
		}
		cfg.MaxWALPerEpoch = frost
	}
	cfg.SendObjectTo = pick(f.SendObjectTo, "", "send_object_to").v
	if cfg.SendObjectTo == "" && cfg.Client != nil {
		// With a wallet the blobs are the user's, through a publisher too.
		cfg.SendObjectTo = cfg.Client.Address
	}
	posInt := func(flagV, key string) (int64, error) {
		v := pick(flagV, "", key).v
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("walrus: %s %q: want a positive integer", key, v)
		}
		return n, nil
	}
	boolean := func(flagV optBool, key string) (bool, error) {
		fv := ""
		if flagV.Given {
			fv = strconv.FormatBool(flagV.Value)
		}
		v := pick(fv, "", key).v
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("walrus: %s %q: want true or false", key, v)
		}
		return b, nil
	}
	e, err1 := posInt(epochs, "epochs")
	n, err2 := posInt("", "n_shards")
	m, err3 := posInt("", "max_blob_size")
	p, err4 := boolean(f.Permanent, "permanent")
	t, err5 := boolean(f.TrustAggregator, "trust_aggregator")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return walrus.Config{}, err
	}
	cfg.Epochs, cfg.MaxBlobSize, cfg.Permanent, cfg.TrustAggregator = int(e), m, p, t
	if n != 0 {
		cfg.NShards = int(n) // Validate refuses one that disagrees with the client configuration
	}
	if client != nil && client.Walrus.MaxEpochsAhead != 0 && cfg.Epochs > client.Walrus.MaxEpochsAhead {
		return walrus.Config{}, fmt.Errorf("walrus: epochs %d exceeds max_epochs_ahead %d of %s", cfg.Epochs, client.Walrus.MaxEpochsAhead, client.Walrus.Path)
	}
	return cfg, cfg.Validate()
}

// resolveClient reads the Walrus CLI configuration if file (a
// client_config.yaml) or context is set, else returns nil: see the comment
// at the top of this file. A relative file from walrus.conf is taken
// relative to the data directory; with no file, the places the walrus CLI
// searches are tried (clientconf.Find). The level returned is the highest
// of the two settings' levels.
func resolveClient(file, context setting, dataDir string, getenv func(string) string) (*clientconf.Resolved, int, error) {
	if file.v == "" && context.v == "" {
		return nil, 0, nil
	}
	cwd, _ := os.Getwd()
	env := clientconf.Env{Getenv: getenv, Cwd: cwd, Home: getenv("HOME")}
	if file.level == 1 && file.v != "" && !filepath.IsAbs(file.v) && !strings.HasPrefix(file.v, "~") {
		file.v = filepath.Join(dataDir, file.v)
	}
	path, err := clientconf.Find(file.v, env)
	if err != nil {
		return nil, 0, fmt.Errorf("walrus: %w (give --config FILE)", err)
	}
	w, err := clientconf.Load(path, context.v)
	if err != nil {
		return nil, 0, fmt.Errorf("walrus: %w", err)
	}
	r, err := clientconf.Resolve(w, env)
	if err != nil {
		return nil, 0, fmt.Errorf("walrus: %w", err)
	}
	return &r, max(file.level, context.level), nil
}

// useClient makes the client configuration's context the network of cfg.
// Its n_shards is used (a context without one is refused: blob IDs depend
// on it). A network given at the same or a higher level naming another
// deployment (another System object) is an error, not silently
// overridden; one from a lower level (walrus.conf under --context) gives
// way, as in the rest of the precedence. Publisher and aggregator URLs
// given at a lower level than the client configuration are dropped, as a
// network preset drops them: with no publisher, blobs are written directly
// and paid for from the context's wallet. Aggregators default to the
// public ones of testnet or mainnet when the context is one of them.
func useClient(cfg *walrus.Config, c *clientconf.Resolved, level int, network setting, pub, aggs *setting) error {
	w := c.Walrus
	where := w.Path
	if w.Context != "" {
		where = "context " + w.Context + " of " + w.Path
	}
	known := clientconf.KnownNetwork(w.SystemObject)
	if network.v != "" && network.level >= level {
		n, ok := sui.Networks[network.v]
		if !ok {
			return fmt.Errorf("walrus: unknown network %q (want testnet or mainnet, or leave --network out with --config/--context)", network.v)
		}
		if n.SystemObject != w.SystemObject {
			return fmt.Errorf("walrus: network %s conflicts with %s (system object %s, not %s's %s)",
				network.v, where, w.SystemObject, network.v, n.SystemObject)
		}
	}
	if w.NShards == 0 {
		return fmt.Errorf("walrus: no n_shards in %s (walrusfs needs it to compute blob IDs)", where)
	}
	// Network names only the public deployments (walrus.Networks): a
	// context's own name may be anything, and the mount remembers Network.
	cfg.Client, cfg.NShards, cfg.Network = c, w.NShards, known
	if pub.level < level {
		*pub = setting{}
	}
	if aggs.level < level || aggs.v == "" {
		aggs.v = ""
		if n, ok := walrus.Networks[known]; ok {
			aggs.v = strings.Join(n.Aggregators, ",")
		}
	}
	return nil
}

// readConfigFile reads "key = value" lines (values optionally in double
// quotes; '#' starts a comment line). A missing file is empty; an unknown
// key or a malformed line is an error naming the line.
func readConfigFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("walrus: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("walrus: %s:%d: want key = value", path, n)
		}
		if !fileKeys[k] {
			return nil, fmt.Errorf("walrus: %s:%d: unknown key %q", path, n, k)
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("walrus: %s: %w", path, err)
	}
	return out, nil
}

// parseWAL reads an amount of WAL with up to nine decimals ("2.5") as
// FROST.
func parseWAL(s string) (uint64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" && frac == "" || len(frac) > 9 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("want an amount of WAL such as 2 or 0.25")
	}
	frac += strings.Repeat("0", 9-len(frac))
	w, err := strconv.ParseUint(cmp.Or(whole, "0"), 10, 64)
	if err != nil || w > math.MaxUint64/1_000_000_000 {
		return 0, fmt.Errorf("amount too large")
	}
	f, _ := strconv.ParseUint(frac, 10, 64)
	return w*1_000_000_000 + f, nil
}
