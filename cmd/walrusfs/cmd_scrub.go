package main

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/localnet/committee"
)

// runScrub: walrusfs scrub [--data-dir D]
// Checks every blob on every node, repairs what it can and reports.
func runScrub(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "scrub", "[--data-dir D] [--committee FILE]")
	sf := addStoreFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"unexpected arguments"}
	}
	b, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer b.close()
	sum, err := b.Scrub(ctx, func(r *committee.BlobReport) {
		state := "ok"
		switch {
		case r.Healthy():
		case r.Fixed():
			state = "repaired"
		case r.Unrecoverable:
			state = "UNRECOVERABLE"
		default:
			state = "NOT FIXED"
		}
		fmt.Fprintf(env.stdout, "%s %s size=%d missing-metadata=%d bad-metadata=%d missing-slivers=%d bad-slivers=%d unreachable=%d repaired=%d",
			r.ID, state, r.Size, r.MissingMeta, r.BadMeta, r.Missing, r.Bad, r.Unreachable, r.Repaired)
		if r.Err != nil {
			fmt.Fprintf(env.stdout, " error=%q", r.Err.Error())
		}
		fmt.Fprintln(env.stdout)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "scrub: %d blobs: %d healthy, %d repaired, %d unrecoverable, %d not fixed; slivers: %d missing, %d bad, %d rewritten\n",
		sum.Blobs, sum.Healthy, sum.Repaired, sum.Unrecoverable, sum.Failed, sum.MissingSlivers, sum.BadSlivers, sum.FixedSlivers)
	if sum.Unrecoverable+sum.Failed > 0 {
		return fmt.Errorf("%d blobs could not be repaired", sum.Unrecoverable+sum.Failed)
	}
	return nil
}
