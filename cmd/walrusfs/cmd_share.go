package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/localnet"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

// runShare: walrusfs share [--data-dir D] [--json] PATH. Asks the running
// mount for a share string of PATH (a folder or a file) as of its latest
// commit (the mount commits first if anything changed): a read-only
// capability for everything below PATH, and nothing else. PATH is an
// absolute path under a mountpoint (the mount is found from it), a path
// relative to a working directory inside a mount, or a path relative to
// the mount's root with --data-dir (or the default data directory). Prints the string alone; --json prints
// {"share","path","commit","file"}.
func runShare(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "share", "[--data-dir D] [--json] PATH")
	dataDir := fs.String("data-dir", "", "data directory of the mount, for a PATH relative to its root (default: the mount holding an absolute PATH, else $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	asJSON := fs.Bool("json", false, `print {"share", "path", "commit", "file"} as JSON`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"share takes one PATH: a folder or a file of a mount"}
	}
	p := pos[0]
	dd := *dataDir
	if dd == "" && filepath.IsAbs(p) {
		if dd, err = mountOf(p); err != nil {
			return err
		}
	} else if dd == "" {
		// A relative PATH from a working directory inside a mount is
		// taken from there; otherwise from the default mount's root.
		if abs, err := filepath.Abs(p); err == nil {
			if src, err := mountOf(abs); err == nil {
				dd, p = src, abs
			}
		}
	}
	if dd, err = resolveDataDir(dd); err != nil {
		return err
	}
	c := control.NewClient(dd)
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	rel, err := shareRelative(st.Mountpoint, p)
	if err != nil {
		return err
	}
	res, err := c.Share(ctx, rel)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.stdout).Encode(res)
	}
	fmt.Fprintln(env.stdout, res.Share)
	return nil
}

// shareRelative is mountRelative that also takes the mountpoint itself
// (the whole mount: "").
func shareRelative(mnt, p string) (string, error) {
	if filepath.IsAbs(p) && filepath.Clean(p) == filepath.Clean(mnt) {
		return "", nil
	}
	rel, err := mountRelative(mnt, p)
	if err != nil {
		return "", err
	}
	if rel == "." {
		return "", nil
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", usageError{fmt.Sprintf("%s is outside the mount", p)}
	}
	return rel, nil
}

// mountOf returns the data directory of the walrusfs mount holding the
// absolute path p: the nearest ancestor (or p) that is a walrusfs
// mountpoint.
func mountOf(p string) (string, error) {
	for dir := filepath.Clean(p); ; dir = filepath.Dir(dir) {
		if src, err := daemon.MountSource(dir); err == nil {
			return src, nil
		}
		if dir == "/" {
			return "", fmt.Errorf("%s is not inside a walrusfs mount (give --data-dir and a path relative to the mount's root)", p)
		}
	}
}

// runReadOnlyMount is walrusfs mount --share STRING or --snapshot SEQ:
// a read-only mount of a shared folder or file, or of an old commit of
// the data directory's volume (see daemon.RunReadOnly).
func runReadOnlyMount(ctx context.Context, env *cliEnv, fs interface {
	NArg() int
	Arg(int) string
}, m *mountFlags) error {
	if fs.NArg() != 1 {
		return usageError{"exactly one MOUNTPOINT is needed (flags go before it)"}
	}
	if *m.share != "" && *m.snapshot != 0 {
		return usageError{"--share and --snapshot exclude each other"}
	}
	if *m.nodes != 0 || *m.shards != 0 || *m.syncUploads || *m.chunkSize != "" {
		return usageError{"--nodes, --shards, --chunk-size and --sync-uploads do not apply to a read-only mount"}
	}
	cs, err := parseSize(*m.cacheSize)
	if err != nil {
		return usageError{"--cache-size: " + err.Error()}
	}
	level := slog.LevelInfo
	if *m.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	var ro *readOnlySource
	if *m.share != "" {
		ro, err = shareSource(ctx, env, m, log)
	} else {
		ro, err = snapshotSource(ctx, env, m, log)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err := ro.close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	return daemon.RunReadOnly(ctx, daemon.ReadOnlyConfig{Mountpoint: fs.Arg(0), Tree: ro.tree, Store: ro.store,
		Describe: ro.describe, NShards: ro.nShards, CacheSize: cs, Debug: *m.debug, Logger: log})
}

// readOnlySource is what a read-only mount reads: the tree and the store.
type readOnlySource struct {
	tree     daemon.ReadOnlyTree
	store    blobstore.Store
	describe string
	nShards  int
	close    func() error
}

// readShareFlag returns the share string of --share ("-": the first line
// of standard input, which keeps it out of the process list).
func readShareFlag(env *cliEnv, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the share string from standard input: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// shareSource parses --share and opens the store it lives on: the Walrus
// flags (--aggregator, --config/--context, --network), the public
// network the share names, or for a share of the embedded network the
// owner's --data-dir.
func shareSource(ctx context.Context, env *cliEnv, m *mountFlags, log *slog.Logger) (*readOnlySource, error) {
	str, err := readShareFlag(env, *m.share)
	if err != nil {
		return nil, err
	}
	s, err := tree.ParseShare(str)
	if err != nil {
		return nil, err // before anything is opened or mounted
	}
	kind := "folder"
	if s.File {
		kind = "file"
	}
	t := daemon.ReadOnlyTree{Node: s.Node, Key: s.Key, File: s.File,
		What: fmt.Sprintf("share of a %s on %s (node %s)", kind, s.Network, s.Node)}
	var src *readOnlySource
	switch {
	case m.wf.given():
		src, err = openWalrusReader(ctx, m.wf, "", s.Node.Blob, log)
	case s.Network == "embedded":
		if *m.dataDir == "" {
			return nil, usageError{"this share is on an embedded network: give --data-dir of the data directory that holds it, or --aggregator of a Walrus deployment"}
		}
		src, err = openEmbeddedReader(ctx, *m.dataDir, log)
	default:
		if _, ok := walrus.Networks[s.Network]; !ok {
			return nil, usageError{fmt.Sprintf("this share is on the Walrus deployment %q: give its --aggregator URL (or --config/--context)", s.Network)}
		}
		m.wf.Network = s.Network
		src, err = openWalrusReader(ctx, m.wf, "", s.Node.Blob, log)
	}
	if err != nil {
		return nil, err
	}
	src.tree = t
	return src, nil
}

// snapshotSource finds commit --snapshot of the data directory's volume:
// the volume key unlocked as a mount does, the commit chain walked back
// from the last commit of its tree state.
func snapshotSource(ctx context.Context, env *cliEnv, m *mountFlags, log *slog.Logger) (*readOnlySource, error) {
	seq := *m.snapshot
	if seq < 0 {
		return nil, usageError{"--snapshot: want a commit number (1 for the first)"}
	}
	dd, err := resolveDataDir(*m.dataDir)
	if err != nil {
		return nil, err
	}
	commits, err := treeCommits(dd)
	if err != nil {
		return nil, err
	}
	last := commits[len(commits)-1]
	if uint64(seq) > last.Seq {
		return nil, fmt.Errorf("no commit %d in %s: its last commit is %d", seq, dd, last.Seq)
	}
	rec, err := daemon.ReadBackend(dd)
	if err != nil {
		return nil, err
	}
	wcfg, err := mountWalrusConfig(dd, m.wf, false)
	if err != nil {
		return nil, err
	}
	k, how, err := daemon.UnlockVolume(daemon.DaemonConfig{DataDir: dd, Walrus: wcfg, Crypt: m.cryptConfig(env)})
	if err != nil {
		return nil, err
	}
	keys := tree.DeriveKeys(seal.Key(k))
	var src *readOnlySource
	if rec == nil || rec.Kind == daemon.BackendEmbedded {
		src, err = openEmbeddedReader(ctx, dd, log)
	} else {
		src, err = openWalrusReader(ctx, m.wf, dd, last.Loc.Blob, log)
	}
	if err != nil {
		return nil, err
	}
	found, err := findCommit(ctx, tree.NewReader(storeFetcher{src.store}, &tree.ReaderOptions{CacheEntries: -1}), commits, uint64(seq), keys.Commit)
	if err != nil {
		_ = src.close()
		return nil, fmt.Errorf("finding commit %d: %w", seq, err)
	}
	src.tree = daemon.ReadOnlyTree{Node: found.Root, Key: keys.Root, RootAttr: &found.RootAttr,
		What: fmt.Sprintf("snapshot %d (%s, %d files) of %s, unlocked by %s", seq,
			time.Unix(0, found.Time).UTC().Format(time.RFC3339), found.Files, dd, how)}
	return src, nil
}

// findCommit reads commit seq: straight from its record if the tree state
// keeps it (a snapshot kept by the retention policy), else by walking the
// chain back from the last commit (the records of commits the policy
// dropped are deleted, so the walk may not get past them).
func findCommit(ctx context.Context, r *tree.Reader, commits []vfs.TreeCommit, seq uint64, k seal.Key) (*tree.Commit, error) {
	for _, tc := range commits {
		if tc.Seq != seq {
			continue
		}
		c, err := r.Commit(ctx, tc.Loc, k)
		if err != nil {
			return nil, err
		}
		if c.Seq != seq {
			return nil, fmt.Errorf("the record kept as commit %d is commit %d: %w", seq, c.Seq, tree.ErrCorrupt)
		}
		return &c, nil
	}
	var found *tree.Commit
	err := r.History(ctx, commits[len(commits)-1].Loc, k, func(_ tree.Loc, c tree.Commit) error {
		if c.Seq == seq {
			found = &c
			return iofs.SkipAll
		}
		return nil
	})
	if err == nil && found == nil {
		err = errors.New("not in the chain of commits")
	}
	if err != nil {
		return nil, fmt.Errorf("commit %d is not a kept snapshot (walrusfs snapshots lists them), and walking back to it failed: %w", seq, err)
	}
	return found, nil
}

// treeCommits reads the commits of the data directory's tree state (the
// kept ones, oldest first; the last is the latest).
func treeCommits(dd string) ([]vfs.TreeCommit, error) {
	p := filepath.Join(dd, daemon.TreeStateFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s has no commit of its tree yet (walrusfs commit makes one)", dd)
	}
	if err != nil {
		return nil, err
	}
	var st struct {
		Commits []vfs.TreeCommit `json:"commits"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(st.Commits) == 0 {
		return nil, fmt.Errorf("%s has no commit of its tree yet (walrusfs commit makes one)", dd)
	}
	return st.Commits, nil
}

// storeFetcher reads verified blob ranges for package tree.
type storeFetcher struct{ s blobstore.Store }

func (f storeFetcher) ReadAt(ctx context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	return f.s.Read(ctx, id, off, n)
}

// openEmbeddedReader opens the embedded network of data directory dd for
// reading, holding dd's index lock so that its daemon cannot start
// meanwhile. The network's node stores cannot be opened twice (opening
// one removes the temporary files of writes in progress), so a running
// mount of dd is refused.
func openEmbeddedReader(ctx context.Context, dd string, log *slog.Logger) (*readOnlySource, error) {
	if _, err := os.Stat(filepath.Join(dd, "network.json")); err != nil {
		return nil, fmt.Errorf("%s holds no embedded network (%v)", dd, err)
	}
	x, err := index.Open(filepath.Join(dd, "index.db"), &index.Options{Logger: log})
	if errors.Is(err, index.ErrLocked) {
		return nil, fmt.Errorf("%s is mounted: its embedded network cannot be opened a second time while its daemon runs; unmount it first (walrusfs umount), then mount the snapshot or share", dd)
	}
	if err != nil {
		return nil, err
	}
	nw, err := localnet.Open(ctx, dd, &localnet.Options{Logger: log.With("component", "store")})
	if err != nil {
		_ = x.Close()
		return nil, fmt.Errorf("starting the embedded storage network of %s: %w", dd, err)
	}
	return &readOnlySource{store: nw, nShards: nw.Layout.Shards,
		describe: fmt.Sprintf("embedded network of %s (%d nodes, %d shards), read-only", dd, len(nw.Layout.Nodes), nw.Layout.Shards),
		close: func() error {
			err := nw.Close()
			if xerr := x.Close(); err == nil {
				err = xerr
			}
			return err
		}}, nil
}

// openWalrusReader opens a Walrus store that only reads: configured by
// the flags (and, for a snapshot, the data directory dd's remembered back
// end and walrus.conf), keeping no record anywhere. With a wallet and no
// publisher it reads from the storage nodes; otherwise from the
// aggregators, verifying every blob against its ID. Given aggregators
// alone, the deployment's shard count (which blob IDs depend on) is found
// from blob probe.
func openWalrusReader(ctx context.Context, wf *walrusFlags, dd string, probe blobid.ID, log *slog.Logger) (*readOnlySource, error) {
	var cfg walrus.Config
	if dd != "" {
		c, err := mountWalrusConfig(dd, wf, false)
		if err != nil {
			return nil, err
		}
		cfg = *c
		if rec, err := daemon.ReadBackend(dd); err == nil && rec != nil && cfg.NShards == 0 {
			cfg.NShards = rec.NShards
		}
	} else {
		c, err := wf.resolve("", nil, false)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	cfg.DataDir = ""
	cfg.Logger = log.With("component", "walrus")
	closeDirect := func() error { return nil }
	if cfg.Client != nil && cfg.Publisher == "" {
		d, closeD, err := openDirect(ctx, cfg, cfg.Logger)
		if err != nil {
			return nil, err
		}
		cfg.Direct, closeDirect = d, closeD
	} else if cfg.NShards == 0 && cfg.Network == "" && cfg.Client == nil {
		n, err := probeShards(ctx, cfg.Aggregators, probe)
		if err != nil {
			return nil, err
		}
		log.Info("shard count of the Walrus deployment found from a blob of the tree", "n_shards", n)
		cfg.NShards = n
	}
	s, err := walrus.New(cfg)
	if err != nil {
		_ = closeDirect()
		return nil, err
	}
	c := s.Config()
	desc := fmt.Sprintf("walrus %s (aggregators %s, %d shards), read-only", c.Network, strings.Join(c.Aggregators, ", "), c.NShards)
	if cfg.Direct != nil {
		desc = fmt.Sprintf("walrus %s storage nodes (%d shards), read-only", c.Network, c.NShards)
	}
	return &readOnlySource{store: s, describe: desc, nShards: c.NShards, close: func() error {
		err := s.Close()
		if cerr := closeDirect(); err == nil {
			err = cerr
		}
		return err
	}}, nil
}

// maxProbeBlob bounds the blob probeShards fetches.
const maxProbeBlob = 64 << 20

// envNShards gives the shard count of a Walrus deployment reached through
// --aggregator alone (blob IDs depend on it), instead of probing for it.
const envNShards = "WALRUSFS_N_SHARDS"

// probeCandidates are the shard counts probeShards tries, in order: the
// public networks', the devnet's and embedded network's defaults, and
// small test deployments.
var probeCandidates = []int{walrus.DefaultNShards, 100, 10, 7, 4, 13, 16, 20, 25, 50, 200, 250, 300, 500}

// probeShards finds the shard count of the Walrus deployment behind the
// aggregators: blob IDs depend on it, so the count (among
// probeCandidates, or $WALRUSFS_N_SHARDS alone) under which blob id's
// bytes (fetched once, unverified) give back id is the deployment's.
func probeShards(ctx context.Context, aggs []string, id blobid.ID) (int, error) {
	if len(aggs) == 0 {
		return 0, usageError{"give --aggregator URL (or --network, or --config/--context)"}
	}
	cands := probeCandidates
	if v := os.Getenv(envNShards); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, usageError{fmt.Sprintf("%s=%q: want a positive number of shards", envNShards, v)}
		}
		cands = []int{n}
	}
	var data []byte
	var errs []error
	for _, a := range aggs {
		b, err := fetchBlob(ctx, strings.TrimRight(a, "/"), id)
		if err == nil {
			data = b
			break
		}
		errs = append(errs, err)
	}
	if data == nil {
		return 0, fmt.Errorf("reading blob %s: %w", id, errors.Join(errs...))
	}
	for _, n := range cands {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		e, err := rs2.NewEncoder(n)
		if err != nil || uint64(len(data)) > e.Params().MaxBlobSize() {
			continue
		}
		if m, err := e.ComputeMetadata(data); err == nil && m.BlobID() == id {
			return n, nil
		}
	}
	return 0, fmt.Errorf("the aggregator's bytes of blob %s match its ID under none of the shard counts %v: a wrong aggregator, or a deployment of another shard count (set %s): %w",
		id, cands, envNShards, walrus.ErrMismatch)
}

// fetchBlob reads a whole blob from an aggregator (GET /v1/blobs/{id}),
// unverified.
func fetchBlob(ctx context.Context, agg string, id blobid.ID) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, agg+"/v1/blobs/"+id.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("aggregator %s: blob %s: %w", agg, id, blobstore.ErrNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("aggregator %s: blob %s: HTTP %s", agg, id, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBlob+1))
	if err != nil {
		return nil, fmt.Errorf("aggregator %s: blob %s: %w", agg, id, err)
	}
	if len(b) > maxProbeBlob {
		return nil, fmt.Errorf("aggregator %s: blob %s is larger than %d bytes", agg, id, maxProbeBlob)
	}
	return b, nil
}
