package main

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/control"
)

// runSync: walrusfs sync [--data-dir D]
// Waits until every file written to the mount is stored on the network.
func runSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "sync", "[--data-dir D]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"sync takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	if err := control.NewClient(dd).Sync(ctx); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "all files are stored")
	return nil
}
