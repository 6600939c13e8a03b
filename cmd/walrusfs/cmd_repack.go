package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/walrusfs/walrusfs/control"
)

// runRepack: walrusfs repack [--data-dir D] [--threshold F] [--json]. Asks
// the mount for a repacking pass at once: the live files of blobs at
// least F dead (default: the mount's --repack-threshold) are copied into
// new packs, and the old blobs are deleted after the grace period. Prints
// one line per blob copied out ("repacked <blob ID>") and per blob written
// ("new <blob ID>"), then a summary.
func runRepack(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "repack", "[--data-dir D] [--threshold F] [--json]")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	threshold := fs.Float64("threshold", 0, "dead share (0 to 1) that makes a blob worth repacking (default: the mount's --repack-threshold, or 0.5)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"repack takes no arguments"}
	}
	if *threshold < 0 || *threshold > 1 {
		return usageError{fmt.Sprintf("--threshold %v: want a dead share between 0 and 1", *threshold)}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	res, err := control.NewClient(dd).Repack(ctx, *threshold)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, id := range res.Repacked {
		fmt.Fprintf(env.stdout, "repacked %s\n", id)
	}
	for _, id := range res.New {
		fmt.Fprintf(env.stdout, "new %s\n", id)
	}
	fmt.Fprintf(env.stdout, "%d blobs repacked into %d: %d chunks moved, %s copied, %s freed after the grace period\n",
		len(res.Repacked), len(res.New), res.Moved, human(uint64(res.CopiedBytes)), human(uint64(res.FreedBytes)))
	return nil
}
