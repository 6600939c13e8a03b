package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/localnet"
	"github.com/walrusfs/walrusfs/vfs"
	"golang.org/x/term"
)

// runMount: walrusfs mount [flags] MOUNTPOINT
// Runs the daemon in the foreground until SIGINT/SIGTERM or an unmount.
// With --network, --publisher or --aggregator (or a data directory that
// was mounted on Walrus before) the blobs live on Walrus; otherwise on
// the embedded network.
func runMount(ctx context.Context, env *cliEnv, args []string) error {
	fs, m := newMountFlags(env)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *m.share != "" || *m.snapshot != 0 {
		return runReadOnlyMount(ctx, env, fs, m) // cmd_share.go
	}
	if fs.NArg() != 1 {
		return usageError{"exactly one MOUNTPOINT is needed (flags go before it)"}
	}
	cs, err := parseSize(*m.cacheSize)
	if err != nil {
		return usageError{"--cache-size: " + err.Error()}
	}
	var chunk int64 // 0: the daemon picks (16 MiB, or sized for cost with a wallet)
	if *m.chunkSize != "" {
		if chunk, err = parseSize(*m.chunkSize); err != nil || chunk < 4096 {
			return usageError{fmt.Sprintf("--chunk-size %q: want at least 4K", *m.chunkSize)}
		}
	}
	dur, err := vfs.ParseDurability(*m.durability)
	if err != nil {
		return usageError{"--durability: " + err.Error()}
	}
	dd, err := resolveDataDir(*m.dataDir)
	if err != nil {
		return err
	}
	wcfg, err := mountWalrusConfig(dd, m.wf, *m.nodes != 0 || *m.shards != 0)
	if err != nil {
		return err
	}
	if err := checkRenewal(dd, wcfg, *m.noRenew); err != nil {
		return err
	}
	if *m.expiryWarn < 0 {
		return usageError{"--expiry-warn: want a non-negative number of epochs"}
	}
	repack := *m.repackThreshold
	switch {
	case repack < 0 || repack > 1:
		return usageError{fmt.Sprintf("--repack-threshold %v: want a share between 0 (off) and 1", repack)}
	case repack == 0:
		repack = -1 // off
	}
	commitQuiet := time.Duration(0) // the daemon's default
	if *m.commitAfter != "" {
		d, err := time.ParseDuration(*m.commitAfter)
		if err != nil || d < 0 {
			return usageError{fmt.Sprintf("--commit-after %q: want a duration such as 30s or 10m (0 turns background commits off)", *m.commitAfter)}
		}
		commitQuiet = cmp.Or(d, -1)
	}
	var keep *vfs.Retention
	if *m.keep != "" {
		r, err := vfs.ParseRetention(*m.keep)
		if err != nil {
			return usageError{"--keep: " + err.Error()}
		}
		keep = &r
	}
	level := slog.LevelInfo
	if *m.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	if *m.cpuProfile != "" {
		stop, err := startCPUProfile(*m.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return daemon.RunDaemon(ctx, daemon.DaemonConfig{
		DataDir: dd, Mountpoint: fs.Arg(0), CacheSize: cs, ChunkSize: uint64(chunk),
		SyncUploads: *m.syncUploads, Durability: dur, Nodes: *m.nodes, Shards: *m.shards, GCGrace: *m.gcGrace,
		RepackThreshold: repack, Crypt: m.cryptConfig(env), Debug: *m.debug, Logger: log, Walrus: wcfg, SuiURL: firstSet(m.wf.suiURL, os.Getenv(envSuiURL)), ExpiryWarn: *m.expiryWarn,
		CommitQuiet: commitQuiet, Retention: keep,
	})
}

// envPassphraseFile names the passphrase file when --passphrase-file is
// not given (systemd units).
const envPassphraseFile = "WALRUSFS_PASSPHRASE_FILE"

// cryptConfig is the encryption part of the daemon's configuration. The
// recovery code made at creation is shown on a terminal only; the
// passphrase is asked for on a terminal only.
func (m *mountFlags) cryptConfig(env *cliEnv) daemon.CryptConfig {
	c := daemon.CryptConfig{PassphraseFile: firstSet(*m.passphraseFile, os.Getenv(envPassphraseFile)),
		RecoveryCodeFile: *m.recoveryCodeFile, Prompt: isTerminal(os.Stdin)}
	if m.encrypt.Given {
		v := m.encrypt.Value
		c.Encrypt = &v
	}
	if f, ok := env.stderr.(*os.File); ok && isTerminal(f) {
		c.Out = f
	}
	return c
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// mountFlags are the values of walrusfs mount's flags.
type mountFlags struct {
	wf                                                    *walrusFlags
	expiryWarn, nodes, shards                             *int
	dataDir, cacheSize, chunkSize, durability, cpuProfile *string
	syncUploads, noRenew, debug                           *bool
	gcGrace                                               *time.Duration
	repackThreshold                                       *float64
	encrypt                                               optBool
	passphraseFile, recoveryCodeFile                      *string
	share                                                 *string // read-only mounts: cmd_share.go
	snapshot                                              *int
	commitAfter, keep                                     *string
}

// newMountFlags defines the flags of walrusfs mount (also the options
// mount.walrusfs accepts).
func newMountFlags(env *cliEnv) (*flag.FlagSet, *mountFlags) {
	fs := newFlags(env, "mount", "[--data-dir D] [--cache-size 1G] [--chunk-size 16M] [--sync-uploads] [--durability fsync|close] [--nodes N --shards N | --network testnet|mainnet | --publisher URL --aggregator URL] [--debug] [--cpuprofile F] MOUNTPOINT\n       walrusfs mount --share STRING [--aggregator URL | --network N | --config F [--context C]] MOUNTPOINT\n       walrusfs mount --snapshot SEQ [--data-dir D] MOUNTPOINT")
	m := &mountFlags{wf: addWalrusFlags(fs)}
	m.expiryWarn = fs.Int("expiry-warn", daemon.DefaultExpiryWarn, "Walrus: warn in the log this many epochs before a blob in use expires")
	m.dataDir = fs.String("data-dir", "", "data directory (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	m.cacheSize = fs.String("cache-size", "1G", "hard cap of the read cache on disk (bytes, or with K, M, G, T)")
	m.chunkSize = fs.String("chunk-size", "", "chunk size of new files: each chunk of a large file becomes one blob\n(default 16M; with a wallet on Walrus, sized for cost: 256M at 1000 shards)")
	m.noRenew = fs.Bool("no-renew", false, "writing through a publisher (no wallet): accept that blobs are not renewed, so files are lost after --epochs epochs (remembered)")
	m.syncUploads = fs.Bool("sync-uploads", false, "make close(2) wait until the file is stored on the network")
	m.nodes = fs.Int("nodes", 0, "storage nodes of the embedded network (only when the data directory is created)")
	m.shards = fs.Int("shards", 0, "shards of the embedded network (only when the data directory is created)")
	m.gcGrace = fs.Duration("gc-grace", 10*time.Minute, "how long an unreferenced blob is kept before it is deleted")
	m.repackThreshold = fs.Float64("repack-threshold", vfs.DefaultRepackThreshold, "copy the live files of a pack blob into a new pack once this share of it is deleted (checked hourly; 0 turns it off)")
	fs.Var(&m.encrypt, "encrypt", "encrypt everything the mount stores (the default for a new data directory; --encrypt=false at creation stores plaintext that anyone with a blob ID can read; --encrypt on a plaintext data directory encrypts what it stores from then on)")
	m.passphraseFile = fs.String("passphrase-file", "", "file holding the volume's passphrase (env "+envPassphraseFile+"); at creation it adds a passphrase to the volume")
	m.recoveryCodeFile = fs.String("recovery-code-file", "", "file holding the volume's recovery code (AGE-SECRET-KEY-1...), to unlock it when its other keys are lost")
	m.durability = fs.String("durability", "fsync", "when a written file is durable on the local disk: fsync (the default, like a local filesystem: fsync(2), walrusfs sync and --sync-uploads flush the disk; close(2) is safe from a daemon crash at once and durable within a second) or close (close(2) also flushes the disk)")
	m.commitAfter = fs.String("commit-after", "", "encrypted mounts: write the tree to the network once it has stayed unchanged this long\n(default 30s on the embedded network, 10m with a wallet on Walrus; 0 turns background commits off:\nwalrusfs sync, walrusfs commit and unmount still commit)")
	m.keep = fs.String("keep", "", "encrypted mounts: which commits of the tree stay as snapshots, with the blobs they name\n(default "+vfs.DefaultRetention.String()+": every commit for 2 days, then the newest of each day for 14 days,\nof each week for 8 weeks, of each month for 12 months; with a wallet on Walrus, where each kept commit is\na paid blob, "+vfs.DefaultWalrusRetention.String()+"; \"latest\" keeps only the latest; keys all, hourly, daily, weekly, monthly)")
	m.debug = fs.Bool("debug", false, "debug logs, including a trace of every FUSE operation")
	m.cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the daemon to this file (go tool pprof), until it exits")
	m.share = fs.String("share", "", "mount the folder or file of this share string (wfs1-..., from walrusfs share; - reads it from standard input) read-only: no wallet or data directory needed; give --aggregator, --network or --config for where it is stored")
	m.snapshot = fs.Int("snapshot", 0, "mount commit N of the data directory's tree read-only (1 is the first commit)")
	return fs, m
}

// startCPUProfile profiles the process's CPU into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// mountWalrusConfig decides the mount's back end: Walrus if back-end flags
// are given, or if the data directory remembers Walrus (then its network
// and URLs are reused as if given as flags; token, epochs etc. come from
// flags, environment and walrus.conf as usual); nil means the embedded
// network. A mismatch with the remembered back end is reported by the
// daemon (fs.BackendFile).
func mountWalrusConfig(dataDir string, wf *walrusFlags, embeddedFlags bool) (*walrus.Config, error) {
	rec, err := daemon.ReadBackend(dataDir)
	if err != nil {
		return nil, err
	}
	remembered := rec != nil && rec.Kind == daemon.BackendWalrus
	if !wf.given() && !remembered {
		if wf.any() {
			return nil, usageError{"Walrus flags (--epochs, --sui-url, ...) need --network, --publisher or --aggregator"}
		}
		return nil, nil
	}
	if embeddedFlags {
		return nil, usageError{"--nodes and --shards apply to the embedded network, not to Walrus"}
	}
	if !wf.given() {
		wf.Network, wf.Publisher, wf.Aggregators = rec.Network, rec.Publisher, strings.Join(rec.Aggregators, ",")
		wf.ClientConfig, wf.Context = rec.ClientConfig, rec.Context
	}
	cfg, err := wf.resolve(dataDir, nil, false)
	if err != nil {
		return nil, err
	}
	return &cfg, nil
}

// resolveDataDir returns dir, or the default data directory.
func resolveDataDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return localnet.DefaultDataDir()
}

// parseSize parses "123", "64K", "512M", "1G", "2T" (powers of 1024; an
// optional trailing "B" or "iB" is accepted).
func parseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("bad size %q (want e.g. 1G, 512M, 1048576)", s)
	}
	return int64(v * float64(mult)), nil
}

// checkRenewal refuses a mount that writes to Walrus through a publisher
// unless the user accepts, with --epochs and --no-renew (remembered by the
// data directory), that its blobs are never renewed: files are then lost
// after that many epochs. A wallet renews; a mount without a publisher
// only reads.
func checkRenewal(dataDir string, c *walrus.Config, noRenew bool) error {
	if c == nil || c.Client != nil || c.Publisher == "" {
		return nil
	}
	if rec, err := daemon.ReadBackend(dataDir); err == nil && rec != nil && rec.NoRenew {
		noRenew = true
		if c.Epochs == 0 {
			c.Epochs = rec.Epochs
		}
	}
	if !noRenew || c.Epochs == 0 {
		return usageError{"writing through a publisher, nothing renews the blobs: each file is lost when its blobs end. " +
			"Use your wallet (--context or --config: blobs are renewed while files exist), or accept it with --epochs N --no-renew"}
	}
	c.NoRenew = true
	return nil
}
