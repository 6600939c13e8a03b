package clientconf

import (
	"os"

	"gopkg.in/yaml.v3"
)

// SuiEnv is one entry of a Sui client.yaml's envs (SuiEnv in
// crates/sui-sdk/src/sui_client_config.rs).
type SuiEnv struct {
	Alias string
	// RPC is the full node URL.
	RPC string
	// BasicAuth is "username:password" for the full node, if it needs
	// one. It is a secret: never log it.
	BasicAuth string
}

// Sui is a Sui wallet configuration, client.yaml (SuiClientConfig in
// crates/sui-sdk/src/sui_client_config.rs).
type Sui struct {
	// Path is the file it was read from.
	Path string
	// Keystore is the file keystore (keystore: {File: PATH}): "~/"
	// expanded and made absolute relative to Path. It holds private keys;
	// this package never opens it.
	Keystore string
	// Envs are the networks, in file order.
	Envs []SuiEnv
	// ActiveEnv names one of Envs; "" = the first (SuiClientConfig::get_env).
	ActiveEnv string
	// ActiveAddress is the address to sign with (normalised); "" = the
	// keystore's first key, which only the signer can tell.
	ActiveAddress string
}

// Env returns the env named alias ("" = the first), or false.
func (s Sui) Env(alias string) (SuiEnv, bool) {
	for _, e := range s.Envs {
		if e.Alias == alias || alias == "" {
			return e, true
		}
	}
	return SuiEnv{}, false
}

// LoadSui reads the Sui client.yaml at path. Only a file keystore is
// supported (the in-memory one exists for tests of the Sui tools). Unknown
// keys (external_keys, ws, chain_id, ...) are ignored. "~/" is $HOME.
func LoadSui(path string) (Sui, error) {
	home, _ := os.UserHomeDir()
	return loadSui(path, home)
}

func loadSui(path, home string) (Sui, error) {
	d, root, err := parseFile(path)
	if err != nil {
		return Sui{}, err
	}
	top, err := d.fields(root)
	if err != nil {
		return Sui{}, err
	}
	s := Sui{Path: path}
	ks, ksNode, err := d.mapping(top, "keystore")
	switch {
	case err != nil:
		return Sui{}, err
	case ks == nil:
		return Sui{}, d.errf(root, "missing keystore")
	case ks["File"] == nil:
		return Sui{}, d.errf(ksNode, "keystore: want File: PATH (only a file keystore is supported)")
	}
	if s.Keystore, err = d.str(ks, "File"); err != nil {
		return Sui{}, err
	}
	if s.Keystore == "" {
		return Sui{}, d.errf(ksNode, "keystore: empty File path")
	}
	if s.Keystore, err = resolvePath(s.Keystore, path, home); err != nil {
		return Sui{}, d.errf(ksNode, "keystore: %v", err)
	}
	envs, err := d.seq(top, "envs")
	if err != nil {
		return Sui{}, err
	}
	for _, n := range envs {
		if n.Kind != yaml.MappingNode {
			return Sui{}, d.errf(n, "envs: want a mapping (alias, rpc), got %s", describe(n))
		}
		f, err := d.fields(n)
		if err != nil {
			return Sui{}, err
		}
		var e SuiEnv
		var errs [3]error
		e.Alias, errs[0] = d.str(f, "alias")
		e.RPC, errs[1] = d.str(f, "rpc")
		e.BasicAuth, errs[2] = d.str(f, "basic_auth")
		if err := errFirst(errs[:]...); err != nil {
			return Sui{}, err
		}
		if e.Alias == "" || e.RPC == "" {
			return Sui{}, d.errf(n, "envs: each env needs alias and rpc")
		}
		s.Envs = append(s.Envs, e)
	}
	var errs [2]error
	s.ActiveEnv, errs[0] = d.str(top, "active_env")
	s.ActiveAddress, errs[1] = d.objectID(top, "active_address")
	if err := errFirst(errs[:]...); err != nil {
		return Sui{}, err
	}
	return s, nil
}
