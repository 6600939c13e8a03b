package main

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/sui"
)

// runWalletBalance: walrusfs wallet balance [--config FILE] [--context
// NAME]. Prints the SUI and WAL of the active address: the Walrus
// context's wallet when --config/--context is given, else the Sui CLI's
// client.yaml (its active env and address).
func runWalletBalance(ctx context.Context, env *cliEnv, args []string) error {
	flags := newFlags(env, "wallet balance", walletCommands[2].args)
	conf := flags.String("config", "", "Walrus CLI client_config.yaml whose wallet to use (env "+envClientConf+")")
	ctxName := flags.String("context", "", "context of the Walrus CLI configuration (env "+envContext+")")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() != 0 {
		return usageError{"wallet balance takes no arguments"}
	}
	w, err := walletReport(ctx, *conf, *ctxName, true)
	if err != nil {
		return err
	}
	printWallet(env.stdout, w)
	return nil
}

// walletReport reads the balances of the active address of a Walrus
// client configuration (conf, name; env variables when empty) or, if
// suiDefault and none is named, of the Sui CLI's client.yaml.
func walletReport(ctx context.Context, conf, name string, suiDefault bool) (*control.StatusWallet, error) {
	cenv := clientconf.OSEnv()
	if conf == "" {
		conf = os.Getenv(envClientConf)
	}
	if name == "" {
		name = os.Getenv(envContext)
	}
	var rpc, addr, system string
	switch {
	case conf != "" || name != "":
		path, err := clientconf.Find(conf, cenv)
		if err != nil {
			return nil, err
		}
		w, err := clientconf.Load(path, name)
		if err != nil {
			return nil, err
		}
		r, err := clientconf.Resolve(w, cenv)
		if err != nil {
			return nil, err
		}
		rpc, addr, system = r.RPCURL, r.Address, w.SystemObject
	case suiDefault:
		var s clientconf.Sui
		for _, p := range clientconf.SuiSearchPath(cenv) {
			if got, err := clientconf.LoadSui(p); err == nil {
				s = got
				break
			}
		}
		if s.Path == "" {
			return nil, fmt.Errorf("no Sui wallet configuration found in %s; give --config or --context of a Walrus CLI configuration",
				strings.Join(clientconf.SuiSearchPath(cenv), ", "))
		}
		e, ok := s.Env(s.ActiveEnv)
		if !ok {
			return nil, fmt.Errorf("%s: active env %q has no RPC URL", s.Path, s.ActiveEnv)
		}
		rpc, addr = e.RPC, s.ActiveAddress
	default:
		return nil, nil
	}
	if addr == "" {
		return nil, fmt.Errorf("no active address in the wallet configuration")
	}
	c, err := sui.Dial(sui.Network{}, rpc)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	walType := sui.KnownWALType(system)
	if walType == "" {
		types, err := c.CoinTypes(ctx, addr)
		if err != nil {
			return nil, err
		}
		for _, t := range types {
			if strings.HasSuffix(t, "::wal::WAL") {
				walType = t
			}
		}
	}
	w := &control.StatusWallet{Address: addr, RPC: rpc, WALType: walType}
	b, err := c.Balance(ctx, addr, "0x2::sui::SUI")
	if err != nil {
		return nil, err
	}
	w.SUI, w.SUIAddressBalance = b.Coins, b.Address
	if walType != "" {
		b, err := c.Balance(ctx, addr, walType)
		if err != nil {
			return nil, err
		}
		w.WAL, w.WALAddressBalance = b.Coins, b.Address
	}
	return w, nil
}

// printWallet prints a wallet report: address, network, SUI and WAL, and
// a note for funds walrusfs cannot spend.
func printWallet(out io.Writer, w *control.StatusWallet) {
	fmt.Fprintf(out, "address: %s\n", w.Address)
	fmt.Fprintf(out, "network: %s\n", w.RPC)
	fmt.Fprintf(out, "SUI:     %s SUI\n", decimal9(w.SUI))
	if w.WALType == "" {
		fmt.Fprintln(out, "WAL:     0 WAL (no WAL coin type known for this network)")
	} else {
		fmt.Fprintf(out, "WAL:     %s WAL\n", decimal9(w.WAL))
	}
	for _, x := range []struct {
		v    uint64
		name string
	}{{w.SUIAddressBalance, "SUI"}, {w.WALAddressBalance, "WAL"}} {
		if x.v > 0 {
			fmt.Fprintf(out, "note: %s %s is held as an address balance, which walrusfs cannot spend yet (it pays with coin objects); move it into a coin with a Sui wallet\n",
				decimal9(x.v), x.name)
		}
	}
}

// decimal9 formats an amount with nine decimals (MIST in SUI, FROST in
// WAL), trailing zeros trimmed.
func decimal9(v uint64) string {
	return strings.TrimSuffix(sui.FormatWAL(new(big.Int).SetUint64(v)), " WAL")
}
