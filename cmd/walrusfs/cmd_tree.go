package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/treebuild"
	"github.com/walrusfs/walrusfs/vfs"
	"github.com/walrusfs/walrusfs/volkey"
)

// runCommit: walrusfs commit [--data-dir D] [--json]. Asks the mount to
// write its tree to the network once every upload is done: the
// directories changed since the last commit and a commit record, in one
// blob. Prints "commit <seq> <blob ID> <files> files <bytes> bytes".
func runCommit(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "commit", "[--data-dir D] [--json]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"commit takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	res, err := control.NewClient(dd).Commit(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.stdout).Encode(res)
	}
	fmt.Fprintf(env.stdout, "commit %d %s %d files %d bytes (%d directory nodes written)\n", res.Seq, res.BlobID, res.Files, res.Bytes, res.Nodes)
	return nil
}

// runRecoveryString: walrusfs recovery-string [--data-dir D]. Prints the
// recovery string of the mount's last commit: with it alone, walrusfs
// recover rebuilds the data directory on another machine. It holds the
// volume key: keep it as secret as a password.
func runRecoveryString(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "recovery-string", "[--data-dir D]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"recovery-string takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	s, err := control.NewClient(dd).Recovery(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, s)
	return nil
}

// treeFetcher reads verified blob ranges for package tree.
type treeFetcher struct{ s *cliStore }

func (t treeFetcher) ReadAt(ctx context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	return t.s.Read(ctx, id, off, n)
}

// runRecover: walrusfs recover (--recovery STRING | --recovery-file F)
// --data-dir D (--config F [--context C] | --network N | --aggregator URL).
// Rebuilds a data directory on a new machine from a commit of the tree on
// Walrus: the volume key (unlocked on this machine by the wallet of
// --config, a --passphrase-file, or a key file), the whole index (every
// path, type, mode, owner, time, xattr and hard link; file contents stay
// on Walrus and are read on demand). Then walrusfs mount --data-dir D
// shows the same tree.
func runRecover(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "recover", "(--recovery STRING | --recovery-file F) --data-dir D (--config F [--context C] | --network N | --aggregator URL) [--passphrase-file F]")
	sf := addStoreFlags(fs)
	wf := addWalrusFlags(fs)
	recStr := fs.String("recovery", "", "the recovery string (wfsr1-...) printed by walrusfs recovery-string")
	recFile := fs.String("recovery-file", "", "a file holding the recovery string")
	passFile := fs.String("passphrase-file", "", "also unlock the recovered volume on this machine with this passphrase")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"recover takes no arguments"}
	}
	if *sf.dataDir == "" {
		return usageError{"recover needs --data-dir: the new data directory"}
	}
	if !wf.given() {
		return usageError{"recover reads the tree from Walrus: give --config/--context (your wallet), --network or --aggregator"}
	}
	s := strings.TrimSpace(*recStr)
	if *recFile != "" {
		b, err := os.ReadFile(*recFile)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(string(b))
	}
	if s == "" {
		return usageError{"recover needs --recovery or --recovery-file"}
	}
	r, err := tree.ParseRecovery(s)
	if err != nil {
		return err
	}
	dd := *sf.dataDir
	if _, err := os.Stat(filepath.Join(dd, "index.db")); err == nil {
		return fmt.Errorf("%s already holds a walrusfs index: recover makes a new data directory (remove it, or choose another)", dd)
	}
	st, err := openCLIStore(ctx, env, sf, wf, false)
	if err != nil {
		return err
	}
	defer st.close()
	keys := tree.DeriveKeys(r.Master)
	rd := tree.NewReader(treeFetcher{st}, nil)
	c, err := rd.Commit(ctx, r.Commit, keys.Commit)
	if err != nil {
		return fmt.Errorf("reading the commit named by the recovery string: %w", err)
	}
	if !bytes.Equal(c.Volume[:], r.Volume[:]) {
		return errors.New("the commit belongs to another volume than the recovery string says")
	}
	// Keys first: the volume key on this machine.
	var o volkey.Options
	if k, err := daemon.WalletKey(st.walrus); err != nil {
		return err
	} else if k != nil {
		o.Wallet = k
	}
	if *passFile != "" {
		if o.Passphrase, err = volkey.ReadPassphraseFile(*passFile); err != nil {
			return err
		}
	}
	if o.Wallet == nil && o.Passphrase == nil {
		o.KeyFile = true
	}
	if err := os.MkdirAll(dd, 0o700); err != nil {
		return err
	}
	code, err := volkey.Restore(dd, volkey.Key(r.Master), r.Volume, o)
	if err != nil {
		return err
	}
	x, err := index.Open(filepath.Join(dd, "index.db"), nil)
	if err != nil {
		return err
	}
	start := time.Now()
	rs, err := treebuild.Restore(ctx, x, rd, keys, c, vfs.NewCrypt(seal.Key(r.Master)))
	if cerr := x.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("rebuilding the index: %w", err)
	}
	last := vfs.TreeCommit{Seq: c.Seq, Loc: r.Commit, Time: time.Unix(0, c.Time).UTC(), Files: c.Files, Bytes: c.Bytes}
	if err := vfs.InitTreeState(filepath.Join(dd, daemon.TreeStateFile), r.Volume, last); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "recovered commit %d of %s: %d files (%d bytes), %d directories, %d symlinks, %d hard links, %d special files in %v\n",
		c.Seq, time.Unix(0, c.Time).UTC().Format(time.RFC3339), rs.Files, rs.Bytes, rs.Dirs, rs.Symlinks, rs.Links, rs.Special, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(env.stderr, "The volume's new recovery code (shown once): %s\n", code)
	return nil
}
