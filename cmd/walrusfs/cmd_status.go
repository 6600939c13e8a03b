package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/control"
)

// runStatus: walrusfs status [--data-dir D] [--json] [--config F]
// [--context C]. With --config/--context it also reports the wallet of
// that Walrus configuration, and still does when no mount is running.
func runStatus(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "status", "[--data-dir D] [--json] [--check] [--expiring [--within N]] [--config FILE] [--context NAME]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	expiring := fs.Bool("expiring", false, "list the files whose blobs end within --within epochs (\"<end epoch> <path>\" per line), earliest first")
	within := fs.Uint("within", 2, "epochs ahead for --expiring")
	check := fs.Bool("check", false, "exit with status 1 when files on Walrus are at risk: renewal failed or is overdue, or the wallet cannot pay for the next renewals")
	conf := fs.String("config", "", "Walrus CLI client_config.yaml: also report its wallet (env "+envClientConf+")")
	ctxName := fs.String("context", "", "context of the Walrus CLI configuration (env "+envContext+")")
	recovery := fs.Bool("recovery-string", false, "print only the recovery string of the last commit (volume, commit location, volume key: a secret), as walrusfs recovery-string does")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"status takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	if *recovery {
		str, err := control.NewClient(dd).Recovery(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, str)
		return nil
	}
	if *expiring {
		files, err := control.NewClient(dd).Expiring(ctx, uint32(*within))
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(env.stdout).Encode(files)
		}
		for _, f := range files {
			fmt.Fprintf(env.stdout, "%d %s\n", f.EndEpoch, f.Path)
		}
		return nil
	}
	wallet, werr := walletReport(ctx, *conf, *ctxName, false)
	s, err := control.NewClient(dd).Status(ctx)
	if err != nil && wallet == nil {
		return errors.Join(err, werr)
	}
	if werr != nil {
		return werr
	}
	if err != nil {
		// No mount: the wallet alone.
		fmt.Fprintf(env.stderr, "walrusfs status: %s\n", oneLine(err.Error()))
		s = control.Status{Failures: []control.StatusFailure{}}
		if !*asJSON {
			printWallet(env.stdout, wallet)
			return nil
		}
	}
	s.Wallet = wallet
	problem := atRisk(s.Walrus)
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
		if *check && problem != "" {
			return errors.New(problem)
		}
		return nil
	}
	w := env.stdout
	fmt.Fprintf(w, "mounted:    %s (pid %d)\n", s.Mountpoint, s.PID)
	fmt.Fprintf(w, "data dir:   %s\n", s.DataDir)
	fmt.Fprintf(w, "store:      %s\n", s.Store)
	fmt.Fprintf(w, "encryption: %s\n", s.Encryption)
	if s.EncryptionWarning != "" {
		fmt.Fprintf(w, "            warning: %s\n", s.EncryptionWarning)
	}
	if t := s.Tree; t != nil {
		if t.LastSeq == 0 {
			fmt.Fprintf(w, "tree:       no commit yet\n")
		} else {
			fmt.Fprintf(w, "tree:       commit %d at %s, %d snapshots kept (%s)\n", t.LastSeq, t.LastTime.UTC().Format(time.RFC3339), t.Snapshots, t.Retention)
		}
		if t.Uncommitted {
			fmt.Fprintf(w, "            changes since the last commit (walrusfs sync commits them)\n")
		}
		if t.Warning != "" {
			fmt.Fprintf(w, "            warning: %s\n", t.Warning)
		}
	}
	fmt.Fprintf(w, "files:      %d inodes, %s\n", s.Files, human(s.Bytes))
	fmt.Fprintf(w, "pending:    %d files, %s to upload (%d uploading)\n", s.PendingFiles, human(s.PendingBytes), s.Uploading)
	fmt.Fprintf(w, "blobs:      %d referenced, %d waiting for deletion; %s encoded\n", s.Blobs, s.DeadBlobs, human(s.EncodedBytes))
	fmt.Fprintf(w, "cache:      %s of %s\n", human(uint64(s.CacheBytes)), human(uint64(s.CacheMax)))
	if e := s.Expiry; e != nil {
		printExpiry(w, e)
	}
	if s.Wallet != nil {
		fmt.Fprintf(w, "wallet:     %s: %s SUI, %s WAL\n", s.Wallet.Address, decimal9(s.Wallet.SUI), decimal9(s.Wallet.WAL))
	}
	if v := s.Walrus; v != nil {
		fmt.Fprintf(w, "renewal:    wallet %s: %s SUI, %s WAL; keeping everything %d epochs ahead needs %s WAL more\n",
			v.Address, decimal9(v.SUIBalance), decimal9(v.WALBalance), v.RenewAhead, decimal9(v.WALNeeded))
		if v.RenewError != "" {
			fmt.Fprintf(w, "            last renewal failed: %s\n", v.RenewError)
		}
		fmt.Fprintf(w, "at risk:    %d files\n", len(v.FilesAtRisk))
		for _, f := range v.FilesAtRisk {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	fmt.Fprintf(w, "failures:   %d\n", len(s.Failures))
	for _, f := range s.Failures {
		name := fmt.Sprintf("inode %d", f.Ino)
		if f.Path != "" {
			name = fmt.Sprintf("%s (inode %d)", f.Path, f.Ino)
		}
		fmt.Fprintf(w, "  %s at %s: %s\n", name, f.Time.Format(time.RFC3339), f.Error)
	}
	if *check && problem != "" {
		return errors.New(problem)
	}
	return nil
}

// atRisk says what puts files on Walrus at risk ("" for nothing): files
// whose blobs end within the renewal margin, a failed renewal, or a
// wallet that cannot pay for the next renewals.
func atRisk(v *control.StatusWalrus) string {
	var why []string
	if v == nil {
		return ""
	}
	if n := len(v.FilesAtRisk); n > 0 {
		why = append(why, fmt.Sprintf("%d files have blobs ending within %d epochs", n, v.RenewMargin))
	}
	if v.RenewError != "" {
		why = append(why, "the last renewal failed: "+v.RenewError)
	}
	if v.WALNeeded > v.WALBalance {
		why = append(why, fmt.Sprintf("the wallet holds %s WAL, keeping everything alive needs %s WAL", decimal9(v.WALBalance), decimal9(v.WALNeeded)))
	}
	return strings.Join(why, "; ")
}

// human formats a byte count with a binary unit.
func human(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printExpiry prints the epoch and expiry lines of a Walrus mount:
//
//	epoch:      42 (read 2026-01-02T03:04:05Z)        or "unknown (...)"
//	expiry:     3 blobs in use, earliest end epoch 45 (about 2026-01-05T00:00:00Z); 1 within 2 epochs
func printExpiry(w io.Writer, e *control.StatusExpiry) {
	switch {
	case e.Epoch != 0 && e.EpochError != "":
		fmt.Fprintf(w, "epoch:      %d (read %s; last read failed: %s)\n", e.Epoch, e.EpochReadAt.UTC().Format(time.RFC3339), e.EpochError)
	case e.Epoch != 0:
		fmt.Fprintf(w, "epoch:      %d (read %s)\n", e.Epoch, e.EpochReadAt.UTC().Format(time.RFC3339))
	case e.EpochError != "":
		fmt.Fprintf(w, "epoch:      unknown (reading Sui failed: %s)\n", e.EpochError)
	default:
		fmt.Fprintf(w, "epoch:      unknown (not read from Sui)\n")
	}
	if e.Blobs == 0 {
		fmt.Fprintf(w, "expiry:     no recorded blobs in use\n")
		return
	}
	when := ""
	if !e.EarliestTime.IsZero() {
		when = " (about " + e.EarliestTime.UTC().Format(time.RFC3339) + ")"
	}
	fmt.Fprintf(w, "expiry:     %d blobs in use, earliest end epoch %d%s", e.Blobs, e.Earliest, when)
	if e.Epoch != 0 {
		fmt.Fprintf(w, "; %d within %d epochs", e.Expiring, e.WarnEpochs)
	}
	fmt.Fprintln(w)
}
