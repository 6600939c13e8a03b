package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/localnet"
	"github.com/walrusfs/walrusfs/localnet/committee"
)

// storeFlags are the back-end flags shared by store, read and scrub.
type storeFlags struct {
	dataDir, committee *string
	nodes, shards      *int
	verbose            *bool
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	return &storeFlags{
		dataDir:   fs.String("data-dir", "", "data directory (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)"),
		committee: fs.String("committee", "", "JSON committee file ([{name,url,shards}]) of separate node processes instead of the embedded network"),
		nodes:     fs.Int("nodes", 0, fmt.Sprintf("nodes of a new embedded network (default %d; fixed at creation)", localnet.DefaultNodes)),
		shards:    fs.Int("shards", 0, fmt.Sprintf("shards of a new embedded network (default %d; fixed at creation)", localnet.DefaultShards)),
		verbose:   fs.Bool("v", false, "log warnings (lying or failing nodes, repairs) to stderr"),
	}
}

// backend is an opened blob store plus what scrub needs.
type backend struct {
	*committee.Client
	close func() error
}

// open opens the committee given by --committee, or else the embedded
// network of the data directory.
func (f *storeFlags) open(ctx context.Context, env *cliEnv) (*backend, error) {
	var log *slog.Logger
	if *f.verbose {
		log = slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	dir := *f.dataDir
	if dir == "" {
		d, err := localnet.DefaultDataDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if *f.committee != "" {
		if *f.nodes != 0 || *f.shards != 0 {
			return nil, usageError{"--nodes and --shards apply to the embedded network, not to --committee"}
		}
		nodes, err := committee.LoadCommittee(*f.committee)
		if err != nil {
			return nil, err
		}
		c, err := committee.Open(ctx, committee.Config{Committee: nodes, DataDir: filepath.Join(dir, "client"), Logger: log})
		if err != nil {
			return nil, err
		}
		return &backend{Client: c, close: c.Close}, nil
	}
	nw, err := localnet.Open(ctx, dir, &localnet.Options{Nodes: *f.nodes, Shards: *f.shards, Logger: log})
	if err != nil {
		return nil, err
	}
	return &backend{Client: nw.Client, close: nw.Close}, nil
}

// progressThreshold: files at least this large get progress lines.
const progressThreshold = 16 << 20

// runStore: walrusfs store [--data-dir D] [--committee FILE | --network N
// | --publisher URL [--epochs N] ...] FILE...
// Prints "<blob-id> <file>" per stored file; "-" reads standard input.
// With Walrus flags the files go to that publisher (walrus.Store);
// otherwise to the embedded network or the committee.
func runStore(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "store", "[--data-dir D] [--committee FILE | --network testnet|mainnet | --publisher URL [--epochs N]] FILE...")
	sf := addStoreFlags(fs)
	wf := addWalrusFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no files given (use - for standard input)"}
	}
	b, err := openCLIStore(ctx, env, sf, wf, true)
	if err != nil {
		return err
	}
	defer b.close()
	limit := b.maxBlob
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	failed := 0
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := readInput(env, name, limit)
		if err == nil {
			var info blobstore.Info
			start := time.Now()
			if len(data) >= progressThreshold {
				fmt.Fprintf(env.stderr, "storing %s (%.1f MiB)...\n", name, float64(len(data))/(1<<20))
			}
			info, err = b.Put(ctx, data)
			if err == nil {
				if len(data) >= progressThreshold {
					el := time.Since(start)
					fmt.Fprintf(env.stderr, "stored %s in %v (%.1f MiB/s)\n", name, el.Round(time.Millisecond), float64(len(data))/(1<<20)/el.Seconds())
				}
				fmt.Fprintf(out, "%s %s\n", info.ID, name)
				out.Flush()
				continue
			}
		}
		fmt.Fprintf(env.stderr, "walrusfs store: %s: %s\n", name, oneLine(err.Error()))
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed", failed, fs.NArg())
	}
	return nil
}

// readInput reads a file (or stdin for "-") of at most limit bytes.
func readInput(env *cliEnv, name string, limit uint64) ([]byte, error) {
	var r io.Reader = env.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > limit {
		return nil, fmt.Errorf("%w: larger than the maximum blob size of %d bytes", blobstore.ErrInvalid, limit)
	}
	return data, nil
}

// errorLine turns a store error into the one line the CLI prints.
func errorLine(id string, err error) error {
	switch {
	case errors.Is(err, blobstore.ErrNotFound):
		return fmt.Errorf("unknown blob %s", id)
	default:
		return err
	}
}
