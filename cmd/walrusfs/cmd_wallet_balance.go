package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/walrusfs/walrusfs/clientconf"
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
	cenv := clientconf.OSEnv()
	if *conf == "" {
		*conf = os.Getenv(envClientConf)
	}
	if *ctxName == "" {
		*ctxName = os.Getenv(envContext)
	}
	var rpc, addr, system string
	if *conf != "" || *ctxName != "" {
		path, err := clientconf.Find(*conf, cenv)
		if err != nil {
			return err
		}
		w, err := clientconf.Load(path, *ctxName)
		if err != nil {
			return err
		}
		r, err := clientconf.Resolve(w, cenv)
		if err != nil {
			return err
		}
		rpc, addr, system = r.RPCURL, r.Address, w.SystemObject
	} else {
		var s clientconf.Sui
		var err error
		for _, p := range clientconf.SuiSearchPath(cenv) {
			if s, err = clientconf.LoadSui(p); err == nil {
				break
			}
		}
		if s.Path == "" {
			return fmt.Errorf("no Sui wallet configuration found in %s; give --config or --context of a Walrus CLI configuration",
				strings.Join(clientconf.SuiSearchPath(cenv), ", "))
		}
		e, ok := s.Env(s.ActiveEnv)
		if !ok {
			return fmt.Errorf("%s: active env %q has no RPC URL", s.Path, s.ActiveEnv)
		}
		rpc, addr = e.RPC, s.ActiveAddress
	}
	if addr == "" {
		return fmt.Errorf("no active address in the wallet configuration")
	}
	c, err := sui.Dial(sui.Network{}, rpc)
	if err != nil {
		return err
	}
	defer c.Close()
	walType := sui.KnownWALType(system)
	if walType == "" {
		types, err := c.CoinTypes(ctx, addr)
		if err != nil {
			return err
		}
		for _, t := range types {
			if strings.HasSuffix(t, "::wal::WAL") {
				walType = t
			}
		}
	}
	fmt.Fprintf(env.stdout, "address: %s\n", addr)
	fmt.Fprintf(env.stdout, "network: %s\n", rpc)
	var notes []string
	for _, cur := range []struct{ name, typ string }{{"SUI", "0x2::sui::SUI"}, {"WAL", walType}} {
		if cur.typ == "" {
			fmt.Fprintf(env.stdout, "%s:%s0 %s (no WAL coin type known for this network)\n", cur.name, pad(cur.name), cur.name)
			continue
		}
		b, err := c.Balance(ctx, addr, cur.typ)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s:%s%s %s\n", cur.name, pad(cur.name), decimal9(b.Coins), cur.name)
		if b.Address > 0 {
			notes = append(notes, fmt.Sprintf("%s %s is held as an address balance, which walrusfs cannot spend yet (it pays with coin objects); move it into a coin with a Sui wallet",
				decimal9(b.Address), cur.name))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(env.stdout, "note: %s\n", n)
	}
	return nil
}

func pad(name string) string { return strings.Repeat(" ", 8-len(name)) }

// decimal9 formats an amount with nine decimals (MIST in SUI, FROST in
// WAL), trailing zeros trimmed.
func decimal9(v uint64) string {
	s := sui.FormatWAL(new(big.Int).SetUint64(v))
	return strings.TrimSuffix(s, " WAL")
}
