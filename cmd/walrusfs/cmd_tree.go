package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/directwrite"
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

// runSnapshots: walrusfs snapshots [--data-dir D] [--json]. Lists the
// kept commits of the mount's tree, oldest first, one a line:
// "<seq> <time RFC 3339> <files> files <bytes> bytes", after a first line
// "# retention <policy>". Each can be mounted read-only (mount
// --snapshot SEQ).
func runSnapshots(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "snapshots", "[--data-dir D] [--json]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"snapshots takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	res, err := control.NewClient(dd).Snapshots(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.stdout).Encode(res)
	}
	fmt.Fprintf(env.stdout, "# retention %s\n", res.Retention)
	for _, s := range res.Snapshots {
		fmt.Fprintf(env.stdout, "%d %s %d files %d bytes\n", s.Seq, s.Time.UTC().Format(time.RFC3339), s.Files, s.Bytes)
	}
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

// runRecover: walrusfs recover [--recovery STRING | --recovery-file F]
// --data-dir D (--config F [--context C] | --network N | --aggregator URL)
// [--volume ID] [--force]. Rebuilds a data directory on a new machine
// from a commit of the tree on Walrus: the volume key (unlocked on this
// machine by the wallet of --config, a --passphrase-file, or a key file),
// the whole index (every path, type, mode, owner, time, xattr and hard
// link; file contents stay on Walrus and are read on demand). Then
// walrusfs mount --data-dir D shows the same tree.
//
// With a wallet and no recovery string, the latest commit and the
// wallet's wrapping of the volume key are found among the wallet's Blob
// objects (daemon.ChainCommits). A volume whose mount elsewhere holds a
// fresh lease is refused unless --force.
func runRecover(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "recover", "[--recovery STRING | --recovery-file F] --data-dir D (--config F [--context C] | --network N | --aggregator URL) [--volume ID] [--force] [--passphrase-file F]")
	sf := addStoreFlags(fs)
	wf := addWalrusFlags(fs)
	recStr := fs.String("recovery", "", "the recovery string (wfsr1-...) printed by walrusfs recovery-string (without it: the wallet of --config finds the latest commit on the chain)")
	recFile := fs.String("recovery-file", "", "a file holding the recovery string")
	passFile := fs.String("passphrase-file", "", "also unlock the recovered volume on this machine with this passphrase")
	volFlag := fs.String("volume", "", "the volume to recover when the wallet holds several (32 hex digits; recover lists them)")
	force := fs.Bool("force", false, "recover even though a mount of the volume on another machine holds a fresh lease: two writers would fork the tree, so use it only when that machine is gone")
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
	var r tree.Recovery
	if s != "" {
		var err error
		if r, err = tree.ParseRecovery(s); err != nil {
			return err
		}
	}
	var wantVol *[16]byte
	if *volFlag != "" {
		v, err := hex.DecodeString(*volFlag)
		if err != nil || len(v) != 16 {
			return usageError{fmt.Sprintf("--volume %q: want a volume ID of 32 hex digits", *volFlag)}
		}
		wantVol = (*[16]byte)(v)
	}
	dd := *sf.dataDir
	if _, err := os.Stat(filepath.Join(dd, "index.db")); err == nil {
		return fmt.Errorf("%s already holds a walrusfs index: recover makes a new data directory (remove it, or choose another)", dd)
	}
	var st *cliStore
	if s != "" && wf.Aggregators != "" && wf.ClientConfig == "" && wf.Context == "" && wf.Network == "" && wf.Publisher == "" {
		// The recovery string and an aggregator alone: no wallet, and the
		// deployment's shard count found from the commit's blob.
		src, err := openWalrusReader(ctx, wf, "", r.Commit.Blob, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		st = &cliStore{Store: src.store, close: src.close}
	} else {
		var err error
		if st, err = openCLIStore(ctx, env, sf, wf, false); err != nil {
			return err
		}
	}
	defer st.close()
	var direct *directwrite.Store
	if st.walrus != nil {
		direct, _ = st.walrus.Direct.(*directwrite.Store)
	}
	if s == "" && direct == nil {
		return usageError{"recover needs --recovery or --recovery-file, or a wallet (--config F [--context C]) to find the latest commit on the chain"}
	}
	if direct != nil {
		if s != "" {
			wantVol = &r.Volume
		}
		latest, found, err := chainLatest(ctx, direct, wantVol)
		if err != nil {
			return err
		}
		switch {
		case !found && s == "":
			return fmt.Errorf("the wallet %s owns no commit of a walrusfs tree%s: recover with the recovery string (--recovery-file)", direct.Key.Address(), volSuffix(wantVol))
		case found:
			if latest.LeaseHeld(time.Now()) && !*force {
				return fmt.Errorf("volume %x is in use: a mount on another machine (data directory %s) renewed its lease at %s; unmount it there first, or pass --force if that machine is gone for good (two writers would fork the tree)",
					latest.Volume, latest.Writer, latest.Active.Format(time.RFC3339))
			}
			if s == "" {
				if latest.WalletKey == nil {
					return fmt.Errorf("commit %d of volume %x carries no wrapping of the volume key for this wallet: recover with the recovery string", latest.Seq, latest.Volume)
				}
				m, err := volkey.UnwrapWallet(latest.WalletKey, direct.Key)
				if err != nil {
					return fmt.Errorf("opening the volume key with the wallet: %w", err)
				}
				r = tree.Recovery{Volume: latest.Volume, Commit: latest.Loc, Master: seal.Key(m)}
			} else if latest.Loc != r.Commit {
				fmt.Fprintf(env.stderr, "The chain has commit %d of this volume: recovering it rather than the recovery string's.\n", latest.Seq)
				r.Commit = latest.Loc
			}
		}
	}
	keys := tree.DeriveKeys(r.Master)
	rd := tree.NewReader(treeFetcher{st}, nil)
	c, err := rd.Commit(ctx, r.Commit, keys.Commit)
	if err != nil {
		return fmt.Errorf("reading the commit: %w", err)
	}
	if !bytes.Equal(c.Volume[:], r.Volume[:]) {
		return errors.New("the commit belongs to another volume than the recovery string says")
	}
	// Keys first: the volume key on this machine.
	var o volkey.Options
	if direct != nil {
		o.Wallet = direct.Key
	} else if k, err := daemon.WalletKey(st.walrus); err != nil {
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
	if st.walrus != nil {
		if err := daemon.RememberBackend(dd, st.walrus); err != nil {
			return err
		}
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

// chainLatest returns the latest commit on the chain of the wallet's
// volume (of volume want if set); several volumes without want is an
// error listing them.
func chainLatest(ctx context.Context, d *directwrite.Store, want *[16]byte) (daemon.ChainCommit, bool, error) {
	cs, err := daemon.ChainCommits(ctx, d.Sui, d.Key.Address())
	if err != nil {
		return daemon.ChainCommit{}, false, err
	}
	var found []daemon.ChainCommit
	for _, c := range daemon.LatestCommits(cs) {
		if want == nil || c.Volume == *want {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return daemon.ChainCommit{}, false, nil
	case 1:
		return found[0], true, nil
	}
	var b strings.Builder
	for _, c := range found {
		fmt.Fprintf(&b, "\n  %x  commit %d", c.Volume, c.Seq)
	}
	return daemon.ChainCommit{}, false, usageError{"the wallet holds several volumes: choose one with --volume" + b.String()}
}

func volSuffix(v *[16]byte) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf(" of volume %x", *v)
}
