package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/treebuild"
	"github.com/walrusfs/walrusfs/vfs"
)

// Read-only mounts of a tree on the network: a share string's directory
// or file, or a snapshot (an old commit) of a volume.
//
// The daemon makes an ephemeral data directory (mode 0700, removed at
// exit) with a fresh index, restores the shared tree into it (chunk keys
// wrapped under an ephemeral random key that never leaves the process)
// and serves it with vfs.Options.ReadOnly: every change is EROFS; no
// upload, collection, repacking, commit or renewal runs. Reads go to the
// given store, which verifies every byte against its blob ID; the AEAD of
// each node and chunk verifies the plaintext. Nothing is mounted when the
// tree cannot be read (a wrong key is tree.ErrAuth).

// ReadOnlyTree is what a read-only mount shows.
type ReadOnlyTree struct {
	// Node is a directory node (File false) or a file node (File true),
	// with its key.
	Node tree.Loc
	Key  seal.Key
	File bool
	// RootAttr is the root directory's attributes (a snapshot: the
	// commit's); nil gives the root treebuild.ShareRootMode.
	RootAttr *tree.DirAttr
	// What says what is mounted, for the log and walrusfs status
	// ("share of a directory", "snapshot 3 of ..."). It must not hold a
	// secret.
	What string
}

// ReadOnlyConfig configures RunReadOnly.
type ReadOnlyConfig struct {
	Mountpoint string
	Tree       ReadOnlyTree
	// Store is where the tree's blobs are read (never written); Describe
	// names it, NShards is its shard count (0 if unknown).
	Store    blobstore.Store
	Describe string
	NShards  int
	// CacheSize caps the read cache in the ephemeral data directory
	// (default cache.DefaultMaxBytes).
	CacheSize int64
	Debug     bool
	Logger    *slog.Logger
	// Ready, if set, is called once the mount is serving.
	Ready func()
}

// storeFetcher reads verified blob ranges for package tree.
type storeFetcher struct{ s blobstore.Store }

func (f storeFetcher) ReadAt(ctx context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	return f.s.Read(ctx, id, off, n)
}

// RestoreReadOnly restores t into x, an empty index, with chunk keys
// wrapped by w, reading through r.
func RestoreReadOnly(ctx context.Context, x *index.Index, r *tree.Reader, t ReadOnlyTree, w treebuild.KeyWrapper) (treebuild.RestoreStats, error) {
	if t.File {
		e, err := r.FileNode(ctx, t.Node, t.Key)
		if err != nil {
			return treebuild.RestoreStats{}, fmt.Errorf("reading the shared file: %w", err)
		}
		return treebuild.RestoreFile(ctx, x, e, w)
	}
	st, err := treebuild.RestoreDir(ctx, x, r, t.Node, t.Key, t.RootAttr, w)
	if err != nil {
		return st, fmt.Errorf("reading the shared tree: %w", err)
	}
	return st, nil
}

// RunReadOnly mounts cfg.Tree read-only at cfg.Mountpoint and serves it
// until ctx is cancelled, an unmount is requested (walrusfs umount) or
// the mount is unmounted from outside. The tree is read (and every node
// authenticated) before anything is mounted.
func RunReadOnly(ctx context.Context, cfg ReadOnlyConfig) (err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Store == nil {
		return errors.New("read-only mount: no blob store")
	}
	if cfg.Mountpoint, err = filepath.Abs(cfg.Mountpoint); err != nil {
		return err
	}
	if src, err := RemoveDeadMount(ctx, cfg.Mountpoint); err != nil {
		return fmt.Errorf("mountpoint %s holds the dead mount of a walrusfs daemon that did not exit cleanly, and it cannot be removed: %w", cfg.Mountpoint, err)
	} else if src != "" {
		log.Warn("removed the dead mount of a walrusfs daemon that did not exit cleanly", "mountpoint", cfg.Mountpoint, "data_dir", src)
	}
	if fi, err := os.Stat(cfg.Mountpoint); err != nil || !fi.IsDir() {
		return fmt.Errorf("mountpoint %s is not a directory (%v)", cfg.Mountpoint, err)
	}
	dir, err := os.MkdirTemp("", "walrusfs-ro-")
	if err != nil {
		return fmt.Errorf("ephemeral data directory: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil {
			log.Error("removing the ephemeral data directory", "dir", dir, "err", rerr)
		}
	}()
	k, err := seal.NewKey()
	if err != nil {
		return err
	}
	crypt := vfs.NewCrypt(k)
	idx, err := index.Open(filepath.Join(dir, "index.db"), &index.Options{Logger: log})
	if err != nil {
		return err
	}
	defer closeLog(log, "index", idx.Close)
	start := time.Now()
	st, err := RestoreReadOnly(ctx, idx, tree.NewReader(storeFetcher{cfg.Store}, nil), cfg.Tree, crypt)
	if err != nil {
		return err
	}
	log.Info("read the tree", "what", cfg.Tree.What, "files", st.Files, "bytes", st.Bytes, "directories", st.Dirs,
		"symlinks", st.Symlinks, "hard_links", st.Links, "special", st.Special, "took", time.Since(start).Round(time.Millisecond))
	c, err := cache.New(filepath.Join(dir, "cache"), cfg.Store, &cache.Options{MaxBytes: cfg.CacheSize, Logger: log.With("component", "cache")})
	if err != nil {
		return err
	}
	defer closeLog(log, "cache", c.Close)
	f, err := vfs.New(ctx, idx, cfg.Store, &vfs.Options{StagingDir: filepath.Join(dir, "staging"), Cache: c, Logger: log,
		Crypt: crypt, ReadOnly: true})
	if err != nil {
		return err
	}
	if err := f.Start(ctx); err != nil {
		return err
	}
	defer func() { closeLog(log, "file system", func() error { return f.Close(time.Second) }) }()

	unmounted, stopMount, err := serveMount(log, cfg.Mountpoint, f, &fs.MountOptions{Debug: cfg.Debug, FsName: dir})
	if err != nil {
		return err
	}
	defer stopMount()

	// The control socket in the ephemeral directory (the mount's source
	// in the mount table) lets walrusfs umount and status find it.
	sock := filepath.Join(dir, control.SocketName)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	_ = os.Chmod(sock, 0o600)
	stop := make(stopRequests, 1)
	ds := &daemonStore{store: cfg.Store, describe: cfg.Describe, nShards: cfg.NShards, close: func() error { return nil }}
	srv := control.Serve(ctx, ln, &controlled{FS: f, cfg: DaemonConfig{DataDir: dir, Mountpoint: cfg.Mountpoint, CacheSize: cfg.CacheSize},
		cache: c, ds: ds, encryption: "read-only: " + cfg.Tree.What, unmount: stop.request})
	defer func() { _ = srv.Close() }()
	log.Info("mounted", "mountpoint", cfg.Mountpoint, "read_only", cfg.Tree.What, "store", cfg.Describe)
	if cfg.Ready != nil {
		cfg.Ready()
	}
	stop.wait(ctx, unmounted, log)
	return nil
}
