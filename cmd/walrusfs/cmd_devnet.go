package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/walrusfs/walrusfs/devnet"
)

// runDevnet: walrusfs devnet start|epoch ...
func runDevnet(ctx context.Context, env *cliEnv, args []string) error {
	sub := map[string]func(context.Context, *cliEnv, []string) error{"start": runDevnetStart, "epoch": runDevnetEpoch}
	if len(args) == 0 || sub[args[0]] == nil {
		return usageError{"usage: walrusfs devnet start --dir DIR [--nodes N] [--shards N] [--epoch-duration D] | walrusfs devnet epoch --dir DIR [--advance N]"}
	}
	return sub[args[0]](ctx, env, args[1:])
}

// runDevnetStart runs a local Walrus devnet in the foreground until
// interrupted, printing "devnet ready" on standard output once it serves.
func runDevnetStart(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "devnet start", "--dir DIR [flags]")
	dir := fs.String("dir", "", "directory of the devnet (created if new; its state survives restarts)")
	nodes := fs.Int("nodes", 0, fmt.Sprintf("storage nodes of a new devnet (default %d)", devnet.DefaultNodes))
	shards := fs.Int("shards", 0, fmt.Sprintf("shards of a new devnet (default %d)", devnet.DefaultShards))
	epoch := fs.Duration("epoch-duration", 0, fmt.Sprintf("length of a Walrus epoch of a new devnet (default %v)", devnet.DefaultEpochDuration))
	verbose := fs.Bool("v", false, "log every service's activity to standard error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 {
		return usageError{"devnet start needs --dir DIR and no arguments"}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	d, err := devnet.Start(ctx, devnet.Options{Dir: *dir, Nodes: *nodes, Shards: *shards, EpochDuration: *epoch, Logger: log})
	if err != nil {
		return err
	}
	l := d.Layout
	fmt.Fprintf(env.stderr, "devnet in %s: %d nodes, %d shards, epoch %d (every %v)\n", *dir, len(l.Nodes), l.Shards, d.Chain.WalrusEpoch(), l.EpochDuration)
	fmt.Fprintf(env.stderr, "  Sui gRPC:      http://%s\n  aggregator:    http://%s\n  wallet:        %s\n  client config: %s\n",
		l.Sui, l.Aggregator, l.Address, devnet.ClientConfig(*dir))
	fmt.Fprintf(env.stderr, "  mount with:    walrusfs mount --config %s MOUNTPOINT\n", devnet.ClientConfig(*dir))
	fmt.Fprintln(env.stdout, "devnet ready")
	<-ctx.Done()
	return d.Close()
}

// runDevnetEpoch advances the epoch of a devnet (running or not) and
// prints the new epoch number.
func runDevnetEpoch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "devnet epoch", "--dir DIR [--advance N]")
	dir := fs.String("dir", "", "directory of the devnet")
	n := fs.Int("advance", 1, "epochs to advance (0 prints the current epoch)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 || *n < 0 {
		return usageError{"devnet epoch needs --dir DIR, --advance N >= 0 and no arguments"}
	}
	e, err := devnet.AdvanceEpoch(ctx, *dir, *n)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, e)
	return nil
}
