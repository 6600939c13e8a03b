// Command walrusfs is the walrusfs binary: a FUSE filesystem over Walrus
// blobs, plus the tools around it (blob IDs, storage nodes, store/read).
//
// Usage: walrusfs <command> [flags] [args]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/walrusfs/walrusfs/blobid"
)

// command is one subcommand. run gets the arguments after the command name
// and returns an error to print as one line; a usageError exits with 2.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a command may touch: its streams. Tests pass buffers.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() []command {
	return []command{
		{"blob-id", "print the Walrus blob ID of files", runBlobID},
		{"store", "store files as blobs and print their blob IDs", runStore},
		{"read", "read a blob (or a byte range of it) by blob ID", runRead},
		{"node", "run one storage node", runNode},
		{"scrub", "check every stored blob on every node and repair it", runScrub},
		{"mount", "mount a folder whose files are stored as Walrus blobs (foreground)", runMount},
		{"umount", "unmount a walrusfs folder, finishing or persisting its uploads", runUmount},
		{"sync", "wait until every file of the mount is stored on the network", runSync},
		{"status", "show pending uploads, failures, cache use and blob counts", runStatus},
		{"import", "place an existing Walrus blob into the tree of a running mount", runImport},
		{"estimate", "print the encoded size and storage cost in WAL of files", runEstimate},
		{"renew", "extend now the blobs of a mount with a wallet that end soon", runRenew},
		{"commit", "write the mount's tree to the network now (after its uploads)", runCommit},
		{"share", "print a share string: read-only access to a folder or file of a mount, as of its latest commit (a secret)", runShare},
		{"snapshots", "list the kept commits of the mount's tree (snapshots) and the retention policy", runSnapshots},
		{"recovery-string", "print the recovery string of the mount's last commit (a secret)", runRecoveryString},
		{"recover", "rebuild a data directory on a new machine from the tree on Walrus", runRecover},
		{"repack", "copy the live files of mostly deleted pack blobs into new packs now", runRepack},
		{"key", "the volume key of an encrypted mount: status, change-passphrase, export-recovery", runKey},
		{"wallet", "list the addresses of a Sui keystore or add a key to it (address, new)", runWallet},
		{"devnet", "run a local Walrus devnet (Sui, storage nodes, aggregator) or change its epoch", runDevnet},
		{"version", "print the version of walrusfs", runVersion},
		{"mount-helper", "mount(8) helper for fstab (what " + mountHelperName + " runs): DATA-DIR MOUNTPOINT -o OPTIONS", runMountHelper},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == mountHelperName {
		// Run by mount(8) for an fstab entry of type walrusfs.
		args = append([]string{"mount-helper"}, args...)
	}
	code := run(ctx, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, args)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		fmt.Fprintf(env.stderr, "walrusfs %s: %s\n", c.name, oneLine(err.Error()))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(env.stderr, "walrusfs: unknown command %q\n", args[0])
	usage(env.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: walrusfs <command> [flags] [args]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "walrusfs <command> --help lists the flags of a command.")
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(env *cliEnv, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("walrusfs "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: walrusfs %s %s\n", name, args)
		printFlags(env.stderr, fs)
	}
	return fs
}

// printFlags lists the flags of fs GNU-style (--name VALUE), as users of
// rclone and restic expect; flag parsing takes both --name and -name.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n    \t%s%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"), def)
	})
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseInterspersed is parseFlags allowing flags after positional
// arguments ("read BLOB_ID -o FILE"); "--" ends flag parsing.
//
// A blob ID may begin with "-" (base64url): an argument that is not a
// flag of fs but is a well-formed blob ID is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	ids := map[string]string{}
	args = slices.Clone(args)
	for i, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && fs.Lookup(name) == nil {
			if _, err := blobid.Parse(a); err == nil {
				ph := fmt.Sprintf("\x00blob-id-%d", i)
				ids[ph], args[i] = a, ph
			}
		}
	}
	pos, err := parseArgs(fs, args)
	for i, p := range pos {
		if id, ok := ids[p]; ok {
			pos[i] = id
		}
	}
	return pos, err
}

func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
