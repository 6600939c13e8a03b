package clientconf

import (
	"fmt"
	"slices"
	"strings"
)

// Resolved is what a writer needs from the configuration: the Walrus
// context, the Sui wallet it points to, and the Sui network, keystore and
// address to sign with.
type Resolved struct {
	Walrus Walrus
	Sui    Sui
	// Env is the Sui env in use (active_env).
	Env SuiEnv
	// RPCURL is the Sui full node to send transactions to: RPCURLs[0].
	RPCURL string
	// RPCURLs are all the full nodes, the wallet env's first, then the
	// Walrus rpc_urls, without repeats (combine_rpc_urls in
	// crates/walrus-sdk/src/config.rs, as SuiContractClient gets them).
	RPCURLs []string
	// Keystore is the Sui file keystore (a path; never read here).
	Keystore string
	// Address is the signing address: wallet_config.active_address, else
	// the Sui file's active_address; "" = the keystore's first key.
	Address string
}

// Resolve finds the Sui wallet of w the way WalletConfig::load_wallet does
// (crates/walrus-sui/src/config.rs): wallet_config.path if set, else the
// first existing file of SuiSearchPath(env). wallet_config.active_env and
// active_address override the Sui file's; an active_env the Sui file does
// not list is an error, as in the walrus CLI. Without an active_env the
// first env is used (SuiClientConfig::get_env). env.Home expands "~/" in
// the Sui file.
//
// Unlike the walrus CLI, an active_address is not checked against the
// keystore here (that needs the keys); the signer must refuse an address
// it holds no key for.
func Resolve(w Walrus, env Env) (Resolved, error) {
	path := w.Wallet.Path
	if path == "" {
		p, err := firstExisting(SuiSearchPath(env), "Sui wallet configuration (set wallet_config.path in "+w.Path+")")
		if err != nil {
			return Resolved{}, err
		}
		path = p
	}
	s, err := loadSui(path, env.Home)
	if err != nil {
		return Resolved{}, err
	}
	r := Resolved{Walrus: w, Sui: s, Keystore: s.Keystore, Address: s.ActiveAddress}
	alias := s.ActiveEnv
	if w.Wallet.ActiveEnv != "" {
		alias = w.Wallet.ActiveEnv
	}
	if e, ok := s.Env(alias); ok {
		r.Env = e
		r.RPCURLs = append(r.RPCURLs, e.RPC)
	} else if alias != "" {
		return Resolved{}, fmt.Errorf("clientconf: env %q not found in wallet config file %s (envs: %s)", alias, path, aliases(s.Envs))
	}
	if w.Wallet.ActiveAddress != "" {
		r.Address = w.Wallet.ActiveAddress
	}
	for _, u := range w.RPCURLs {
		if !slices.Contains(r.RPCURLs, u) {
			r.RPCURLs = append(r.RPCURLs, u)
		}
	}
	if len(r.RPCURLs) == 0 {
		return Resolved{}, fmt.Errorf("clientconf: no Sui RPC URL: %s has no envs and %s no rpc_urls", path, w.Path)
	}
	r.RPCURL = r.RPCURLs[0]
	return r, nil
}

func aliases(envs []SuiEnv) string {
	if len(envs) == 0 {
		return "none"
	}
	var a []string
	for _, e := range envs {
		a = append(a, e.Alias)
	}
	return strings.Join(a, ", ")
}
