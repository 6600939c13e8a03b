package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/directwrite"
)

// walrusFlags are the real-Walrus back-end flags of store, read and mount
// (walrusValues plus the Sui full node for epochs and expiry).
type walrusFlags struct {
	walrusValues
	suiURL string
}

func addWalrusFlags(fs *flag.FlagSet) *walrusFlags {
	w := &walrusFlags{}
	w.Register(fs)
	fs.StringVar(&w.suiURL, "sui-url", "", "Sui full node URL, gRPC or JSON-RPC (default $"+envSuiURL+", else the network's public node)")
	return w
}

// given reports whether the command line selects a real Walrus back end:
// --network, --publisher, --aggregator, --config or --context. Without
// them store and read use the embedded network (or --committee) exactly as
// before; environment variables and walrus.conf only fill in settings once
// Walrus is chosen.
func (w *walrusFlags) given() bool {
	return w.Network != "" || w.Publisher != "" || w.Aggregators != "" || w.ClientConfig != "" || w.Context != ""
}

// any reports whether any Walrus-only flag was set (to refuse mixing them
// with the embedded network's flags).
func (w *walrusFlags) any() bool {
	return w.given() || w.Token != "" || w.SendObjectTo != "" || w.Epochs != 0 || w.Permanent.Given ||
		w.TrustAggregator.Given || w.suiURL != ""
}

// resolve builds the walrus.Config: flags, then WALRUSFS_* variables, then
// dataDir/walrus.conf ("" = no file, no record on disk), then the preset.
// writeOnly (store) accepts a publisher without any aggregator: Put never
// reads, so the publisher's URL stands in for the aggregator walrus.New
// requires.
func (w *walrusFlags) resolve(dataDir string, log *slog.Logger, writeOnly bool) (walrus.Config, error) {
	cfg, err := resolveWalrus(w.walrusValues, dataDir, os.Getenv)
	if err != nil && writeOnly && cfg.Publisher != "" && len(cfg.Aggregators) == 0 {
		cfg.Aggregators = []string{cfg.Publisher}
		err = nil // walrus.New validates the rest again
	}
	if err != nil {
		return cfg, err
	}
	cfg.Logger = log
	return cfg, nil
}

// cliStore is the blob store of store and read: the embedded network (or a
// --committee), or a walrus.Store.
type cliStore struct {
	blobstore.Store
	maxBlob uint64
	close   func() error
	// walrus is the resolved Walrus configuration (nil on the embedded
	// network).
	walrus *walrus.Config
}

// openCLIStore opens the back end store and read were asked for. A Walrus
// store keeps its record of stored blobs under --data-dir only when that
// flag is given (so read needs no data directory and store does not
// contend with a running mount for the default one).
func openCLIStore(ctx context.Context, env *cliEnv, sf *storeFlags, wf *walrusFlags, writeOnly bool) (*cliStore, error) {
	if !wf.given() {
		if wf.any() {
			return nil, usageError{"Walrus flags (--epochs, --publisher-token, ...) need --network, --publisher or --aggregator"}
		}
		b, err := sf.open(ctx, env)
		if err != nil {
			return nil, err
		}
		return &cliStore{Store: b.Client, maxBlob: b.Params().MaxBlobSize(), close: b.close}, nil
	}
	if *sf.committee != "" || *sf.nodes != 0 || *sf.shards != 0 {
		return nil, usageError{"--committee, --nodes and --shards apply to the embedded network, not to Walrus (--network, --publisher, --aggregator)"}
	}
	var log *slog.Logger
	if *sf.verbose {
		log = slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg, err := wf.resolve(*sf.dataDir, log, writeOnly)
	if err != nil {
		return nil, err
	}
	closeDirect := func() error { return nil }
	if cfg.Client != nil && cfg.Publisher == "" {
		// With a wallet: write to (and read from) the storage nodes.
		d, closeD, err := openDirect(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		cfg.Direct, closeDirect = d, closeD
	}
	s, err := walrus.New(cfg)
	if err != nil {
		_ = closeDirect()
		return nil, err
	}
	return &cliStore{Store: s, maxBlob: uint64(s.MaxBlobSize()), walrus: &cfg, close: func() error {
		err := s.Close()
		if cerr := closeDirect(); err == nil {
			err = cerr
		}
		return err
	}}, nil
}

// openDirect opens the direct-write store of a Walrus configuration with
// a wallet (cfg.Client).
// Without a data directory the node client's state goes to a temporary
// directory that close removes.
func openDirect(ctx context.Context, cfg walrus.Config, log *slog.Logger) (*directwrite.Store, func() error, error) {
	epochs := cfg.Epochs
	if epochs == 0 {
		epochs = walrus.DefaultEpochs
	}
	dataDir, tmp := cfg.DataDir, ""
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "walrusfs-direct")
		if err != nil {
			return nil, nil, err
		}
		dataDir, tmp = dir, dir
	}
	d, err := directwrite.Open(ctx, cfg.Client, directwrite.Options{DataDir: dataDir, Epochs: uint32(epochs),
		Permanent: cfg.Permanent, Owner: cfg.SendObjectTo, MaxWALPerEpoch: cfg.MaxWALPerEpoch, Logger: log})
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, nil, err
	}
	return d, func() error {
		err := d.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return err
	}, nil
}

// oneLine flattens a multi-line error message for the CLI's one-line
// error contract.
func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
