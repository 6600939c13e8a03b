package clientconf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/sui"
)

// The shapes written, in the key order of setup/client_config.yaml.

type walletOut struct {
	Path          string `yaml:"path,omitempty"`
	ActiveEnv     string `yaml:"active_env,omitempty"`
	ActiveAddress string `yaml:"active_address,omitempty"`
}

type contextOut struct {
	SystemObject    string     `yaml:"system_object"`
	StakingObject   string     `yaml:"staking_object"`
	ExchangeObjects []string   `yaml:"exchange_objects,omitempty"`
	NShards         int        `yaml:"n_shards,omitempty"`
	MaxEpochsAhead  int        `yaml:"max_epochs_ahead,omitempty"`
	WalletConfig    *walletOut `yaml:"wallet_config,omitempty"`
	RPCURLs         []string   `yaml:"rpc_urls,omitempty"`
}

type multiOut struct {
	Contexts       map[string]contextOut `yaml:"contexts"`
	DefaultContext string                `yaml:"default_context"`
}

type suiEnvOut struct {
	Alias     string `yaml:"alias"`
	RPC       string `yaml:"rpc"`
	BasicAuth string `yaml:"basic_auth,omitempty"`
}

type suiOut struct {
	Keystore      map[string]string `yaml:"keystore"`
	Envs          []suiEnvOut       `yaml:"envs"`
	ActiveEnv     string            `yaml:"active_env,omitempty"`
	ActiveAddress string            `yaml:"active_address,omitempty"`
}

// WriteWalrus writes contexts as a multi-context Walrus client
// configuration with default_context, readable by Load and by the walrus
// CLI (only keys of ClientConfig/ContractConfig/WalletConfig are written;
// zero values are left out). Each context needs SystemObject and
// StakingObject; IDs and addresses are normalised; the Path and Context
// fields are not written (the map key is the name). Paths are written as
// given: make them absolute for the walrus CLI, which reads relative paths
// against its current directory. The file is replaced atomically.
func WriteWalrus(path string, contexts map[string]Walrus, defaultContext string) error {
	if _, ok := contexts[defaultContext]; !ok {
		return fmt.Errorf("clientconf: write %s: default context %q is not among the contexts", path, defaultContext)
	}
	out := multiOut{Contexts: map[string]contextOut{}, DefaultContext: defaultContext}
	for name, w := range contexts {
		if name == "" {
			return fmt.Errorf("clientconf: write %s: empty context name", path)
		}
		c, err := contextFor(w)
		if err != nil {
			return fmt.Errorf("clientconf: write %s: context %s: %w", path, name, err)
		}
		out.Contexts[name] = c
	}
	return writeYAML(path, out)
}

func contextFor(w Walrus) (contextOut, error) {
	if w.SystemObject == "" || w.StakingObject == "" {
		return contextOut{}, fmt.Errorf("missing system_object or staking_object")
	}
	if w.NShards < 0 || w.NShards > 1<<16-1 || w.MaxEpochsAhead < 0 {
		return contextOut{}, fmt.Errorf("n_shards %d or max_epochs_ahead %d out of range", w.NShards, w.MaxEpochsAhead)
	}
	c := contextOut{NShards: w.NShards, MaxEpochsAhead: w.MaxEpochsAhead, RPCURLs: slices.Clone(w.RPCURLs)}
	var err error
	ids := []*string{&c.SystemObject, &c.StakingObject}
	for i, v := range []string{w.SystemObject, w.StakingObject} {
		if *ids[i], err = sui.NormalizeAddress(v); err != nil {
			return contextOut{}, err
		}
	}
	for _, x := range w.ExchangeObjects {
		id, err := sui.NormalizeAddress(x)
		if err != nil {
			return contextOut{}, err
		}
		c.ExchangeObjects = append(c.ExchangeObjects, id)
	}
	if w.Wallet != (Wallet{}) {
		c.WalletConfig = &walletOut{Path: w.Wallet.Path, ActiveEnv: w.Wallet.ActiveEnv}
		if w.Wallet.ActiveAddress != "" {
			if c.WalletConfig.ActiveAddress, err = sui.NormalizeAddress(w.Wallet.ActiveAddress); err != nil {
				return contextOut{}, err
			}
		}
	}
	return c, nil
}

// WriteSui writes s as a Sui client.yaml (keystore: {File: PATH}, envs,
// active_env, active_address), readable by LoadSui and by the sui and
// walrus CLIs. Path is not written; Keystore is written as given (make it
// absolute for the Rust tools). The file is replaced atomically.
func WriteSui(path string, s Sui) error {
	if s.Keystore == "" {
		return fmt.Errorf("clientconf: write %s: empty keystore path", path)
	}
	out := suiOut{Keystore: map[string]string{"File": s.Keystore}, Envs: []suiEnvOut{}, ActiveEnv: s.ActiveEnv}
	for _, e := range s.Envs {
		if e.Alias == "" || e.RPC == "" {
			return fmt.Errorf("clientconf: write %s: each env needs alias and rpc", path)
		}
		out.Envs = append(out.Envs, suiEnvOut(e))
	}
	if s.ActiveEnv != "" {
		if _, ok := s.Env(s.ActiveEnv); !ok {
			return fmt.Errorf("clientconf: write %s: active_env %q is not among the envs", path, s.ActiveEnv)
		}
	}
	if s.ActiveAddress != "" {
		a, err := sui.NormalizeAddress(s.ActiveAddress)
		if err != nil {
			return fmt.Errorf("clientconf: write %s: active_address: %w", path, err)
		}
		out.ActiveAddress = a
	}
	return writeYAML(path, out)
}

// writeYAML marshals v and replaces path with it via a temporary file in
// the same directory (mode 0600: the files name the user's keystore).
func writeYAML(path string, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // as the files of the Walrus and Sui repositories
	if err := errFirst(enc.Encode(v), enc.Close()); err != nil {
		return fmt.Errorf("clientconf: write %s: %w", path, err)
	}
	data := buf.Bytes()
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("clientconf: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("clientconf: write %s: %w", path, err)
	}
	return nil
}
