package clientconf

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/sui"
)

// Wallet is a context's wallet_config (WalletConfig in
// crates/walrus-sui/src/config.rs): either a bare path or a mapping with
// path, active_env and active_address, each optional.
type Wallet struct {
	// Path is the Sui client.yaml, "~/" expanded and made absolute
	// relative to the Walrus file; "" = the Sui default places
	// (SuiSearchPath).
	Path string
	// ActiveEnv overrides the Sui file's active_env; it must name one of
	// its envs.
	ActiveEnv string
	// ActiveAddress overrides the Sui file's active_address (normalised).
	ActiveAddress string
}

// Walrus is one context of a Walrus client configuration: the keys of
// ClientConfig and ContractConfig walrusfs uses. Zero values mean "not in
// the file" (after the network defaults, see the package doc).
type Walrus struct {
	// Path is the file it was read from.
	Path string
	// Context is the context's name; "" for a single-context file.
	Context string
	// SystemObject and StakingObject are the shared objects of the
	// deployment (required, normalised).
	SystemObject, StakingObject string
	// NShards is the number of shards (1..65535; 0 = read from chain).
	NShards int
	// MaxEpochsAhead is the most epochs a blob can be bought for (0 =
	// unknown).
	MaxEpochsAhead int
	// RPCURLs are Sui full nodes for reads, in order.
	RPCURLs []string
	// ExchangeObjects are SUI->WAL exchange objects (testnet), normalised.
	ExchangeObjects []string
	// Wallet is wallet_config.
	Wallet Wallet
}

// Load reads the Walrus client configuration at path and returns the
// named context. context "" selects default_context, or the only context
// when default_context is missing. As in the walrus CLI
// (ClientConfig::load_from_multi_config), naming a context for a
// single-context file is an error, as is a context the file does not have;
// every context in the file must parse. "~/" in paths is $HOME.
func Load(path, context string) (Walrus, error) {
	home, _ := os.UserHomeDir()
	return load(path, context, home)
}

func load(path, context, home string) (Walrus, error) {
	d, root, err := parseFile(path)
	if err != nil {
		return Walrus{}, err
	}
	top, err := d.fields(root)
	if err != nil {
		return Walrus{}, err
	}
	// serde's untagged MultiClientConfig tries SingletonConfig first: a
	// top-level system_object makes it the single-context form.
	if _, single := top["system_object"]; single || top["contexts"] == nil {
		if context != "" {
			return Walrus{}, fmt.Errorf("clientconf: %s is a single-context configuration file: cannot select context %q (drop --context)", path, context)
		}
		return d.context(root, top, "", home)
	}
	ctxs, ctxNode, err := d.mapping(top, "contexts")
	if err != nil {
		return Walrus{}, err
	}
	def, err := d.str(top, "default_context")
	if err != nil {
		return Walrus{}, err
	}
	names := make([]string, 0, len(ctxs))
	for name := range ctxs {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return Walrus{}, d.errf(ctxNode, "contexts: no context defined")
	}
	parsed := make(map[string]Walrus, len(names))
	for _, name := range names {
		n := ctxs[name]
		if n.Kind != yaml.MappingNode {
			return Walrus{}, d.errf(n, "contexts: %s: want a mapping, got %s", name, describe(n))
		}
		f, err := d.fields(n)
		if err != nil {
			return Walrus{}, err
		}
		if parsed[name], err = d.context(n, f, name, home); err != nil {
			return Walrus{}, err
		}
	}
	want := context
	switch {
	case want == "" && def != "":
		want = def
	case want == "" && len(names) == 1:
		want = names[0]
	case want == "":
		return Walrus{}, fmt.Errorf("clientconf: %s: no default_context and %d contexts (%s): select one with --context",
			path, len(names), strings.Join(names, ", "))
	}
	w, ok := parsed[want]
	if !ok {
		what := "context"
		if context == "" {
			what = "default_context"
		}
		return Walrus{}, fmt.Errorf("clientconf: %s: %s %q not found; available: %s", path, what, want, strings.Join(names, ", "))
	}
	return w, nil
}

// context parses the ClientConfig keys of mapping n (fields f).
func (d *doc) context(n *yaml.Node, f map[string]*yaml.Node, name, home string) (Walrus, error) {
	w := Walrus{Path: d.path, Context: name}
	where := ""
	if name != "" {
		where = "context " + name + ": "
	}
	var e [7]error
	w.SystemObject, e[0] = d.objectID(f, "system_object")
	w.StakingObject, e[1] = d.objectID(f, "staking_object")
	w.NShards, e[2] = d.integer(f, "n_shards", 1, math.MaxUint16)
	w.MaxEpochsAhead, e[3] = d.integer(f, "max_epochs_ahead", 1, math.MaxUint32)
	w.RPCURLs, e[4] = d.strings(f, "rpc_urls")
	w.ExchangeObjects, e[5] = d.objectIDs(f, "exchange_objects")
	w.Wallet, e[6] = d.wallet(f, home)
	if err := errFirst(e[:]...); err != nil {
		return Walrus{}, err
	}
	for _, k := range []string{"system_object", "staking_object"} {
		if isNull(f[k]) {
			return Walrus{}, d.errf(n, "%smissing %s (the Walrus System and Staking object IDs)", where, k)
		}
	}
	// The walrus CLI merges its built-in defaults for testnet/mainnet under
	// a context naming their objects (apply_network_defaults).
	for _, k := range known {
		if k.SystemObject != w.SystemObject || k.StakingObject != w.StakingObject {
			continue
		}
		if isNull(f["n_shards"]) {
			w.NShards = k.NShards
		}
		if isNull(f["max_epochs_ahead"]) {
			w.MaxEpochsAhead = k.MaxEpochsAhead
		}
		if isNull(f["rpc_urls"]) {
			w.RPCURLs = slices.Clone(k.RPCURLs)
		}
		if isNull(f["exchange_objects"]) {
			w.ExchangeObjects = slices.Clone(k.ExchangeObjects)
		}
	}
	return w, nil
}

// wallet parses wallet_config: null, a path, or a mapping.
func (d *doc) wallet(f map[string]*yaml.Node, home string) (Wallet, error) {
	n := f["wallet_config"]
	var w Wallet
	var err error
	switch {
	case isNull(n):
		return w, nil
	case n.Kind == yaml.ScalarNode:
		w.Path, err = d.str(f, "wallet_config")
	case n.Kind == yaml.MappingNode:
		m, _, err1 := d.mapping(f, "wallet_config")
		if err1 != nil {
			return w, err1
		}
		var e [3]error
		w.Path, e[0] = d.str(m, "path")
		w.ActiveEnv, e[1] = d.str(m, "active_env")
		w.ActiveAddress, e[2] = d.objectID(m, "active_address")
		err = errFirst(e[:]...)
	default:
		return w, d.errf(n, "wallet_config: want a path or a mapping (path, active_env, active_address), got %s", describe(n))
	}
	if err != nil {
		return w, err
	}
	if w.Path != "" {
		if w.Path, err = resolvePath(w.Path, d.path, home); err != nil {
			return w, d.errf(n, "wallet_config: %v", err)
		}
	}
	return w, nil
}

// network is the built-in client configuration of a public deployment.
type network struct {
	Name                        string
	SystemObject, StakingObject string
	NShards, MaxEpochsAhead     int
	RPCURLs, ExchangeObjects    []string
}

// known are the defaults the walrus CLI embeds from
// setup/client_config_testnet.yaml and setup/client_config_mainnet.yaml
// (MystenLabs/walrus at 3c1cacc, include_str! in
// crates/walrus-sdk/src/config.rs). The object IDs and RPC URLs are those
// of sui.Networks.
var known = []network{
	{
		Name:         "testnet",
		SystemObject: sui.Networks["testnet"].SystemObject, StakingObject: sui.Networks["testnet"].StakingObject,
		NShards: 1000, MaxEpochsAhead: 53,
		RPCURLs: []string{sui.Networks["testnet"].URL},
		ExchangeObjects: []string{
			"0xf4d164ea2def5fe07dc573992a029e010dba09b1a8dcbc44c5c2e79567f39073",
			"0x19825121c52080bb1073662231cfea5c0e4d905fd13e95f21e9a018f2ef41862",
			"0x83b454e524c71f30803f4d6c302a86fb6a39e96cdfb873c2d1e93bc1c26a3bc5",
			"0x8d63209cf8589ce7aef8f262437163c67577ed09f3e636a9d8e0813843fb8bf1",
		},
	},
	{
		Name:         "mainnet",
		SystemObject: sui.Networks["mainnet"].SystemObject, StakingObject: sui.Networks["mainnet"].StakingObject,
		NShards: 1000, MaxEpochsAhead: 53,
		RPCURLs: []string{sui.Networks["mainnet"].URL},
	},
}

// KnownNetwork returns the name of the public Walrus deployment ("testnet",
// "mainnet") whose System object is systemObject, or "".
func KnownNetwork(systemObject string) string {
	id, err := sui.NormalizeAddress(systemObject)
	if err != nil {
		return ""
	}
	for _, k := range known {
		if k.SystemObject == id {
			return k.Name
		}
	}
	return ""
}
