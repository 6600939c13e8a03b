package main

import (
	"bufio"
	"context"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
)

// runEstimate: walrusfs estimate [--network testnet|mainnet] [--sui-url URL] [--epochs N] FILE...
// Prints, per file, its size, its encoded size (what Walrus stores and
// charges for, protocol notes §1.7) and the cost in WAL of storing it as
// one blob for N epochs at the prices read live from the network's System
// object; then a total line.
func runEstimate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "estimate", "[--network testnet|mainnet] [--sui-url URL] [--epochs N] FILE...")
	network := fs.String("network", "", "Walrus network: testnet or mainnet (default $"+envNetwork+", else testnet)")
	suiURL := fs.String("sui-url", "", "Sui full node URL, gRPC or JSON-RPC (default $"+envSuiURL+", else the network's public node)")
	epochs := fs.Int("epochs", 1, fmt.Sprintf("epochs to store for, 1..%d", walrus.MaxEpochsAhead))
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for reading prices from Sui")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no files given"}
	}
	if *epochs < 1 || *epochs > walrus.MaxEpochsAhead {
		return usageError{fmt.Sprintf("--epochs %d outside 1..%d", *epochs, walrus.MaxEpochsAhead)}
	}
	name := firstSet(*network, os.Getenv(envNetwork), "testnet")
	net, ok := sui.Networks[name]
	if !ok {
		return usageError{fmt.Sprintf("unknown network %q (want testnet or mainnet)", name)}
	}
	client, err := sui.Dial(net, firstSet(*suiURL, os.Getenv(envSuiURL)))
	if err != nil {
		return err
	}
	defer client.Close()
	rctx, cancel := context.WithTimeout(ctx, *timeout)
	state, err := client.ReadState(rctx)
	cancel()
	if err != nil {
		return err
	}
	params, err := rs2.NewParams(state.NShards)
	if err != nil {
		return fmt.Errorf("network has %d shards: %w", state.NShards, err)
	}
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	fmt.Fprintf(out, "# %s epoch %d, %d shards: storage %d FROST/MiB/epoch, write %d FROST/MiB; %d epoch(s); gas not included\n",
		net.Name, state.Epoch, state.NShards, state.Prices.StoragePerUnit, state.Prices.WritePerUnit, *epochs)
	var totalSize, totalEnc uint64
	total := new(big.Int)
	failed := 0
	for _, f := range fs.Args() {
		st, err := os.Stat(f)
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("not a regular file")
		}
		var enc uint64
		if err == nil {
			enc, err = params.EncodedLength(uint64(st.Size()))
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "walrusfs estimate: %s: %v\n", f, err)
			failed++
			continue
		}
		cost := sui.Cost(enc, uint32(*epochs), state.Prices)
		fmt.Fprintf(out, "%s\t%d bytes\tencoded %d bytes\t%s\n", f, st.Size(), enc, sui.FormatWAL(cost))
		totalSize += uint64(st.Size())
		totalEnc += enc
		total.Add(total, cost)
	}
	fmt.Fprintf(out, "total\t%d bytes\tencoded %d bytes\t%s\n", totalSize, totalEnc, sui.FormatWAL(total))
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed", failed, fs.NArg())
	}
	return nil
}

// firstSet returns the first non-empty string.
func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
