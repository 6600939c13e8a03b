package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/sui"
)

// runRenew: walrusfs renew [--data-dir D] [--json]. Asks the mount for a
// renewal pass at once: its blobs in use that end soon are extended on
// Sui with its wallet. Prints one line per blob extended
// ("renewed <blob ID> <object> <old end> -> <new end>") and per blob
// found expired ("lost <blob ID>"), then a summary.
func runRenew(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "renew", "[--data-dir D] [--json]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"renew takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	res, err := control.NewClient(dd).Renew(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, b := range res.Renewed {
		fmt.Fprintf(env.stdout, "renewed %s %s %d -> %d\n", b.BlobID, b.ObjectID, b.OldEnd, b.NewEnd)
	}
	for _, id := range res.Lost {
		fmt.Fprintf(env.stdout, "lost %s\n", id)
	}
	wal, _ := new(big.Int).SetString(res.WALFROST, 10)
	if wal == nil {
		wal = new(big.Int)
	}
	fmt.Fprintf(env.stdout, "%d blobs renewed for %s and %s SUI of gas; %d lost; %d transactions\n", len(res.Renewed), sui.FormatWAL(wal), decimal9(res.GasMIST), len(res.Lost), res.Transactions)
	if len(res.Lost) > 0 {
		return fmt.Errorf("%d blobs in use have expired: their files cannot be read", len(res.Lost))
	}
	return nil
}
