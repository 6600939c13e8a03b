package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

// DaemonConfig is everything `walrusfs mount` configures. Zero fields mean
// defaults.
type DaemonConfig struct {
	DataDir     string // required; holds index.db, staging/, cache/, the nodes, walrusfs.sock
	Mountpoint  string // required
	CacheSize   int64  // disk cache cap in bytes (default cache.DefaultMaxBytes)
	ChunkSize   uint64 // chunk size of new files (default index.DefaultChunkSize)
	SyncUploads bool   // close(2) waits for the upload
	Durability  vfs.Durability
	Nodes       int // embedded network size, used when the data dir is created
	Shards      int
	GCGrace     time.Duration
	// Crypt says whether and how the mount encrypts (see crypt.go).
	Crypt CryptConfig
	// RepackThreshold is the dead share of a blob at which its live files
	// are copied to a new pack (vfs.Options.RepackThreshold; 0 = the
	// default, negative = no periodic repacking).
	RepackThreshold float64
	// Walrus, if set, stores the blobs on that Walrus deployment
	// (walrus.Store; Nodes and Shards are unused) instead of the embedded
	// network. The data directory remembers the choice (BackendFile); a
	// different back end later is an error.
	Walrus *walrus.Config
	// SuiURL is the Sui full node for Walrus.Network's epochs ("" = the
	// network's public node); ExpiryWarn is how many epochs before a blob
	// in use ends the log warns (default DefaultExpiryWarn); EpochInterval
	// is how often the epoch is read (default DefaultEpochInterval).
	SuiURL        string
	ExpiryWarn    int
	EpochInterval time.Duration
	Debug         bool          // trace every FUSE operation
	Logger        *slog.Logger  // nil discards
	StopGrace     time.Duration // how long uploads in flight may finish at exit (default 10 s)
	// CommitQuiet is how long the tree of an encrypted mount must stay
	// unchanged before a background commit (0 = DefaultCommitQuiet, or
	// DefaultCommitQuietWalrus with direct writes; negative = commits
	// only on walrusfs sync, walrusfs commit and unmount).
	CommitQuiet time.Duration
	// Retention decides which commits stay as snapshots (nil:
	// vfs.DefaultWalrusRetention with a wallet on Walrus, else
	// vfs.DefaultRetention).
	Retention *vfs.Retention
	// Ready, if set, is called once the mount is serving.
	Ready func()
}

// TreeStateFile (in the data directory) holds the state of the tree on the
// network between commits (vfs.TreeOptions.StatePath).
const TreeStateFile = "tree.json"

// ErrAlreadyRunning means another daemon holds the data directory.
var ErrAlreadyRunning = errors.New("another walrusfs daemon is already using this data directory")

// Packs of small files with direct writes to Walrus wait for a pause of
// DirectPackDelay without new files, or at most DirectPackMaxWait, before
// they are stored: each blob costs about 64 MB of metadata at 1000
// shards, so packs should fill up (they are stored at once when full, or
// on fsync and walrusfs sync).
const (
	DirectPackDelay   = 10 * time.Second
	DirectPackMaxWait = 2 * time.Minute
)

// RunDaemon opens the index (failing at once if another daemon holds it),
// the embedded store and the cache, starts the uploader, mounts, serves
// the control socket and blocks until ctx is cancelled (SIGINT/SIGTERM),
// an unmount is requested through the socket, or the mount is unmounted
// from outside. It then stops accepting requests, lets uploads in flight
// finish (the rest stays queued in the index), unmounts and closes
// everything.
func RunDaemon(ctx context.Context, cfg DaemonConfig) (err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = 10 * time.Second
	}
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return err
	}
	if cfg.Mountpoint, err = filepath.Abs(cfg.Mountpoint); err != nil {
		return err
	}
	// A daemon that was killed leaves its mount behind, dead: every
	// access fails with "transport endpoint is not connected". Mounting
	// again on it is what the user wants.
	if src, err := RemoveDeadMount(ctx, cfg.Mountpoint); err != nil {
		return fmt.Errorf("mountpoint %s holds the dead mount of a walrusfs daemon that did not exit cleanly, and it cannot be removed: %w", cfg.Mountpoint, err)
	} else if src != "" {
		log.Warn("removed the dead mount of a walrusfs daemon that did not exit cleanly", "mountpoint", cfg.Mountpoint, "data_dir", src)
	}
	if fi, err := os.Stat(cfg.Mountpoint); err != nil || !fi.IsDir() {
		return fmt.Errorf("mountpoint %s is not a directory (%v)", cfg.Mountpoint, err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	// Chunks and packs must fit in one blob of this network. A pack is
	// flushed once it reaches PackMax, so it can exceed it by one packed
	// file (at most PackThreshold bytes).
	packMax := int64(vfs.DefaultPackMax)
	var packDelay, packMaxWait time.Duration // zero: vfs defaults
	if w := cfg.Walrus; w != nil && w.Client != nil && w.Publisher == "" {
		// Direct writes pay a fixed metadata cost per blob: chunks and
		// packs large enough to make it a small share, and packs that
		// wait longer for more files (walrusfs sync and fsync still
		// store them at once).
		size := walrus.DirectBlobSize(w.Client.Walrus.NShards)
		if cfg.ChunkSize == 0 {
			cfg.ChunkSize = size
		}
		packMax = int64(size)
		packDelay, packMaxWait = DirectPackDelay, DirectPackMaxWait
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = index.DefaultChunkSize
	}
	// The volume key is unlocked before anything is opened: a wrong
	// passphrase changes nothing.
	_, statErr := os.Stat(filepath.Join(cfg.DataDir, "index.db"))
	vk, cryptDesc, err := openCrypt(cfg, errors.Is(statErr, iofs.ErrNotExist), log)
	if err != nil {
		return err
	}
	if maxBlob := daemonMaxBlob(cfg); maxBlob > 0 {
		if vk != nil {
			// A sealed chunk is 16 bytes per 64 KiB segment longer.
			maxBlob = uint64(seal.MaxPlain(int64(maxBlob))) &^ 4095
		}
		if cfg.ChunkSize > maxBlob {
			log.Info("chunk size larger than the biggest blob of this back end; using the biggest blob", "chunk_size", cfg.ChunkSize, "max_blob", maxBlob)
			cfg.ChunkSize = maxBlob
		}
		packMax = max(min(packMax, int64(maxBlob)-seal.SealedSize(vfs.DefaultPackThreshold)), 4096)
	}
	// The index lock comes first: a second daemon fails before it touches
	// anything else.
	idx, err := index.Open(filepath.Join(cfg.DataDir, "index.db"), &index.Options{Logger: log, ChunkSize: cfg.ChunkSize})
	if errors.Is(err, index.ErrLocked) {
		return fmt.Errorf("%w: %s (%v)", ErrAlreadyRunning, cfg.DataDir, err)
	}
	if err != nil {
		return err
	}
	defer closeLog(log, "index", idx.Close)
	ds, err := openDaemonStore(ctx, cfg, idx, log)
	if err != nil {
		return err
	}
	defer closeLog(log, "store", ds.close)
	c, err := cache.New(filepath.Join(cfg.DataDir, "cache"), ds.store, &cache.Options{MaxBytes: cfg.CacheSize, Logger: log.With("component", "cache")})
	if err != nil {
		return err
	}
	defer closeLog(log, "cache", c.Close)
	opts := &vfs.Options{StagingDir: filepath.Join(cfg.DataDir, "staging"), Cache: c,
		Logger: log, SyncUploads: cfg.SyncUploads, Durability: cfg.Durability, GCGrace: cfg.GCGrace, PackMax: packMax,
		PackDelay: packDelay, PackMaxWait: packMaxWait, RepackThreshold: cfg.RepackThreshold}
	if vk != nil {
		opts.Crypt = vk.crypt
		opts.Tree = &vfs.TreeOptions{Keys: tree.DeriveKeys(vk.master), Volume: vk.id, StatePath: filepath.Join(cfg.DataDir, TreeStateFile), Retention: cfg.Retention}
		if cfg.Retention == nil && ds.renew != nil {
			r := vfs.DefaultWalrusRetention // every kept commit blob is paid for
			opts.Tree.Retention = &r
		}
	}
	if g := cfg.GCGrace; g > 0 && g < vfs.DefaultGCInterval {
		opts.GCInterval = max(g, time.Second) // a short grace: look as often
	}
	var f *vfs.FS
	var chain *chainTree
	if opts.Tree != nil && ds.renew != nil {
		// With a wallet: commits are found on the chain, and guarded
		// against a second writer (treechain.go).
		lastSeq := func() (uint64, error) {
			c, _, err := f.LastTreeCommit()
			return c.Seq, err
		}
		if chain, err = newChainTree(cfg.DataDir, ds.renew.direct, vk.id, lastSeq, log.With("component", "tree")); err != nil {
			return err
		}
		opts.Tree.Label, opts.Tree.Check = chain.label, chain.check
	}
	if opts.Tree != nil {
		opts.Tree.Background = commitQuiet(cfg) > 0
	}
	f, err = vfs.New(ctx, idx, ds.store, opts)
	if err != nil {
		return err
	}
	if ds.renew != nil && opts.Tree != nil {
		ds.renew.treeBlobs = f.TreeBlobs // the way back stays alive too
	}
	if err := f.Start(ctx); err != nil {
		return err
	}
	defer func() { closeLog(log, "uploader", func() error { return f.Close(cfg.StopGrace) }) }()
	if chain != nil {
		lctx, stopLease := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); chain.run(lctx) }()
		defer func() {
			stopLease()
			<-done
			// After the unmount commit (deferred below, so run first).
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmountCommitTimeout)
			defer cancel()
			chain.release(rctx)
		}()
	}
	var commits *committer
	if opts.Tree != nil {
		quiet := commitQuiet(cfg)
		commits = newCommitter(f, idx, quiet, log.With("component", "tree"))
		cctx, stopCommits := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if quiet > 0 {
				commits.run(cctx)
			}
		}()
		defer func() {
			stopCommits()
			<-done
			// What the mount showed last is committed, if its uploads
			// finish in time (otherwise they stay queued, and so does
			// the commit).
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmountCommitTimeout)
			defer cancel()
			if commits.pending() {
				if _, err := commits.commit(uctx, "unmount"); err != nil {
					log.Warn("tree not committed at unmount; the next mount commits it", "err", err)
				}
			}
		}()
	}
	if ds.epochs != nil {
		wctx, stopWatch := context.WithCancel(ctx)
		done := make(chan struct{})
		interval := cmp.Or(cfg.EpochInterval, DefaultEpochInterval)
		if ds.renew != nil && cfg.EpochInterval == 0 {
			interval = time.Minute // renewals follow epoch changes closely
		}
		go func() { defer close(done); ds.epochs.run(wctx, interval) }()
		defer func() { stopWatch(); <-done }()
	}

	unmounted, stopMount, err := serveMount(log, cfg.Mountpoint, f, &fs.MountOptions{Debug: cfg.Debug, FsName: cfg.DataDir})
	if err != nil {
		return err
	}
	defer stopMount()

	sock := filepath.Join(cfg.DataDir, control.SocketName)
	_ = os.Remove(sock) // stale: we hold the index lock, so no daemon owns it
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	_ = os.Chmod(sock, 0o600)
	stop := make(stopRequests, 1)
	srv := control.Serve(ctx, ln, &controlled{FS: f, cfg: cfg, cache: c, ds: ds, encryption: cryptDesc, volume: vk, commits: commits, unmount: stop.request})
	defer func() {
		_ = srv.Close()
		_ = os.Remove(sock)
	}()
	log.Info("mounted", "mountpoint", cfg.Mountpoint, "data_dir", cfg.DataDir, "socket", sock)
	if cfg.Ready != nil {
		cfg.Ready()
	}
	stop.wait(ctx, unmounted, log)
	return nil
}

// stopRequests carries an unmount asked for through the control socket to
// the daemon waiting for its end (capacity 1).
type stopRequests chan struct{}

// request asks for an unmount; a request already pending is enough.
func (s stopRequests) request() {
	select {
	case s <- struct{}{}:
	default:
	}
}

// wait returns when ctx ends (a signal), an unmount is requested or the
// mount goes from outside (unmounted closed), and logs which.
func (s stopRequests) wait(ctx context.Context, unmounted <-chan struct{}, log *slog.Logger) {
	select {
	case <-ctx.Done():
		log.Info("signal received: unmounting")
	case <-s:
		log.Info("unmount requested")
	case <-unmounted:
		log.Info("unmounted from outside")
	}
}

// serveMount mounts f at mountpoint and serves it. unmounted is closed
// when the mount goes (from outside, or by stop); stop unmounts it unless
// it is gone already, retrying, then lazily.
func serveMount(log *slog.Logger, mountpoint string, f *vfs.FS, o *fs.MountOptions) (unmounted <-chan struct{}, stop func(), err error) {
	server, err := fs.Mount(mountpoint, f, o)
	if err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { server.Wait(); close(done) }()
	return done, func() {
		select {
		case <-done:
			return
		default:
		}
		unmount(log, mountpoint, server.Unmount)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			log.Warn("mount still in use after a lazy unmount; stopping anyway")
		}
	}, nil
}

// unmount unmounts, retrying while the mount is busy, then detaches it
// lazily (the kernel finishes when the last user leaves).
func unmount(log *slog.Logger, dir string, um func() error) {
	var err error
	for range 10 {
		if err = um(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	log.Warn("mount busy; detaching it lazily", "mountpoint", dir, "err", err)
	if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
		log.Error("lazy unmount", "mountpoint", dir, "err", err)
	}
}

func closeLog(log *slog.Logger, what string, fn func() error) {
	if err := fn(); err != nil {
		log.Error("closing "+what, "err", err)
	}
}

// commitQuiet is the quiet period before a background commit (negative:
// none).
func commitQuiet(cfg DaemonConfig) time.Duration {
	if cfg.CommitQuiet != 0 {
		return cfg.CommitQuiet
	}
	if w := cfg.Walrus; w != nil && w.Client != nil && w.Publisher == "" {
		return DefaultCommitQuietWalrus
	}
	return DefaultCommitQuiet
}
