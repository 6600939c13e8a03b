package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/walrusfs/walrusfs/localnet/node"
)

// runNode: walrusfs node --dir DIR --listen 127.0.0.1:PORT --shards LIST [--n-shards N]
// Serves one storage node until interrupted.
func runNode(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "node", "--dir DIR --listen ADDR --shards LIST [--n-shards N]")
	dir := fs.String("dir", "", "directory the node stores everything in (required)")
	listen := fs.String("listen", "127.0.0.1:0", "address to serve the storage-node API on")
	shards := fs.String("shards", "", "shards this node holds, e.g. 0-13,20,21 (required)")
	nShards := fs.Int("n-shards", 100, "number of shards of the whole network")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *shards == "" {
		return usageError{"--dir and --shards are required"}
	}
	if fs.NArg() != 0 {
		return usageError{"unexpected arguments"}
	}
	list, err := node.ParseShardList(*shards, *nShards)
	if err != nil {
		return usageError{err.Error()}
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	nd, err := node.Open(*dir, node.Options{NShards: *nShards, Shards: list, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "walrusfs node: serving shards %s of %d on http://%s\n", node.FormatShardList(list), *nShards, ln.Addr())
	return nd.Serve(ctx, ln)
}
