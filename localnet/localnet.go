package localnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/localnet/committee"
	"github.com/walrusfs/walrusfs/localnet/node"
	"github.com/walrusfs/walrusfs/rs2"
)

// Defaults for a new data directory.
const (
	DefaultNodes  = 7
	DefaultShards = 100
)

// Options configure Open; nil means defaults.
type Options struct {
	// Nodes and Shards are used when the data directory is created (zero:
	// DefaultNodes, DefaultShards). On an existing directory a non-zero
	// value that differs from the stored one is refused.
	Nodes, Shards int
	// Logger for nodes and client; nil discards.
	Logger *slog.Logger
	// NoSync disables fsync in the nodes (benchmarks of CPU paths only).
	NoSync bool
	// Client fine-tunes the network client; Committee, DataDir, Local
	// and Logger are filled in by Open.
	Client committee.Config
	// NoLocal makes the client talk to its own nodes over their HTTP
	// listeners, like any other client, instead of calling them
	// in-process (tests and benchmarks of the HTTP path).
	NoLocal bool
}

// stoppable serves h until ctx (the nodes' server context) is done, then
// aborts every request as a stopped server's dropped connection would.
func stoppable(ctx context.Context, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ctx.Err() != nil {
			panic(http.ErrAbortHandler)
		}
		h.ServeHTTP(w, r)
	})
}

// Layout is the content of network.json.
type Layout struct {
	Shards int          `json:"shards"`
	Nodes  []NodeLayout `json:"nodes"`
}

// NodeLayout is one node of the embedded network.
type NodeLayout struct {
	Name   string `json:"name"`
	Shards []int  `json:"shards"`
}

// DefaultDataDir is $XDG_DATA_HOME/walrusfs, or ~/.local/share/walrusfs.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "walrusfs"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: set --data-dir or $XDG_DATA_HOME (%w)", err)
	}
	return filepath.Join(home, ".local", "share", "walrusfs"), nil
}

// LoadLayout reads dataDir/network.json, creating it (with o's sizes)
// if it does not exist.
func LoadLayout(dataDir string, nodes, shards int) (*Layout, error) {
	path := filepath.Join(dataDir, "network.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createLayout(dataDir, nodes, shards)
	}
	if err != nil {
		return nil, err
	}
	var l Layout
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if shards != 0 && shards != l.Shards {
		return nil, fmt.Errorf("data directory %s was created with %d shards; refusing --shards %d (the shard count cannot change; use a new data directory)", dataDir, l.Shards, shards)
	}
	if nodes != 0 && nodes != len(l.Nodes) {
		return nil, fmt.Errorf("data directory %s was created with %d nodes; refusing --nodes %d (the node count cannot change; use a new data directory)", dataDir, len(l.Nodes), nodes)
	}
	return &l, nil
}

func createLayout(dataDir string, nodes, shards int) (*Layout, error) {
	if nodes == 0 {
		nodes = DefaultNodes
	}
	if shards == 0 {
		shards = DefaultShards
	}
	if _, err := rs2.NewParams(shards); err != nil {
		return nil, err
	}
	if nodes < 1 || nodes > shards {
		return nil, fmt.Errorf("%d nodes cannot share %d shards (need 1 to %d nodes)", nodes, shards, shards)
	}
	l := &Layout{Shards: shards}
	for i, sh := range SpreadShards(nodes, shards) {
		l.Nodes = append(l.Nodes, NodeLayout{Name: fmt.Sprintf("node-%d", i), Shards: sh})
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dataDir, "network.json"), append(b, '\n'), &atomicfile.Options{Perm: 0o644}); err != nil {
		return nil, err
	}
	return l, nil
}

// SpreadShards deals shards 0..shards-1 out to nodes in runs, as evenly
// as possible (the first shards%nodes nodes get one more).
func SpreadShards(nodes, shards int) [][]int {
	out := make([][]int, nodes)
	next := 0
	for i := range nodes {
		cnt := shards / nodes
		if i < shards%nodes {
			cnt++
		}
		for range cnt {
			out[i] = append(out[i], next)
			next++
		}
	}
	return out
}

// Network is a running embedded network.
type Network struct {
	*committee.Client
	Layout *Layout
	Dir    string

	stop context.CancelFunc
	wg   sync.WaitGroup // node servers
}

// MaxBlobSize is the largest blob the embedded network of dataDir stores,
// without starting it: what RS2 can encode with its shard count (from
// network.json; for a network not created yet, shards, or DefaultShards
// if 0). 0 if the layout cannot be read.
func MaxBlobSize(dataDir string, shards int) uint64 {
	if _, err := os.Stat(filepath.Join(dataDir, "network.json")); err == nil {
		l, err := LoadLayout(dataDir, 0, 0)
		if err != nil {
			return 0
		}
		shards = l.Shards
	}
	if shards == 0 {
		shards = DefaultShards
	}
	p, err := rs2.NewParams(shards)
	if err != nil {
		return 0
	}
	return p.MaxBlobSize()
}

// Open starts the embedded network of dataDir and returns it; Close stops
// it. The returned *Network is a blobstore.Store (via its Client).
func Open(ctx context.Context, dataDir string, o *Options) (*Network, error) {
	if o == nil {
		o = &Options{}
	}
	l, err := LoadLayout(dataDir, o.Nodes, o.Shards)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sctx, stop := context.WithCancel(context.Background())
	nw := &Network{Layout: l, Dir: dataDir, stop: stop}
	var members []committee.NodeInfo
	local := map[string]http.Handler{}
	for _, nl := range l.Nodes {
		nd, err := node.Open(filepath.Join(dataDir, "nodes", nl.Name), node.Options{
			NShards: l.Shards, Shards: nl.Shards, Logger: log.With("node", nl.Name), NoSync: o.NoSync})
		if err == nil {
			var ln net.Listener
			ln, err = net.Listen("tcp", "127.0.0.1:0")
			if err == nil {
				nw.wg.Go(func() {
					if err := nd.Serve(sctx, ln); err != nil {
						log.Error("node server stopped", "node", nl.Name, "err", err)
					}
				})
				url := "http://" + ln.Addr().String()
				members = append(members, committee.NodeInfo{Name: nl.Name, URL: url, Shards: nl.Shards})
				local[url] = stoppable(sctx, nd.Handler())
			}
		}
		if err != nil {
			nw.Close()
			return nil, fmt.Errorf("starting %s: %w", nl.Name, err)
		}
	}
	cfg := o.Client
	cfg.Committee = members
	if !o.NoLocal {
		cfg.Local = local
	}
	cfg.DataDir = filepath.Join(dataDir, "client")
	cfg.Logger = log
	if cfg.Location == "" {
		cfg.Location = fmt.Sprintf("embedded network in %s (%d nodes, %d shards)", dataDir, len(l.Nodes), l.Shards)
	}
	c, err := committee.Open(ctx, cfg)
	if err != nil {
		nw.Close()
		return nil, err
	}
	nw.Client = c
	return nw, nil
}

// Close stops the client's repair loop and the nodes.
func (nw *Network) Close() error {
	if nw.Client != nil {
		nw.Client.Close()
	}
	nw.stop()
	done := make(chan struct{})
	go func() { nw.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return errors.New("embedded: node servers did not stop")
	}
	return nil
}
