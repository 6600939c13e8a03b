package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
)

// runRead: walrusfs read [--data-dir D | --aggregator URL | --network N]
// [-o FILE] [--range START:LENGTH] BLOB_ID
// Writes the verified blob (or the slice) to stdout or FILE; FILE is
// written atomically (temp + rename), so a failed read leaves no file.
// With --aggregator/--network the blob comes from Walrus aggregators and
// is verified against its ID (a mismatch is an error) unless
// --trust-aggregator; no data directory is needed.
func runRead(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "read", "[--data-dir D | --aggregator URL | --network testnet|mainnet] [-o FILE] [--range START:LENGTH] BLOB_ID")
	sf := addStoreFlags(fs)
	wf := addWalrusFlags(fs)
	outPath := fs.String("o", "", "write to FILE instead of standard output")
	rng := fs.String("range", "", "read only LENGTH bytes from byte START (START:LENGTH)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"want exactly one blob ID"}
	}
	id, err := blobid.Parse(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %w", blobstore.ErrInvalid, err)
	}
	off, length := int64(0), int64(-1)
	if *rng != "" {
		a, b, ok := strings.Cut(*rng, ":")
		off, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			length, err = strconv.ParseInt(b, 10, 64)
		}
		if !ok || err != nil || off < 0 || length < 0 {
			return usageError{fmt.Sprintf("--range %q: want START:LENGTH with non-negative integers", *rng)}
		}
	}
	b, err := openCLIStore(ctx, env, sf, wf, false)
	if err != nil {
		return err
	}
	defer b.close()
	data, err := b.Read(ctx, id, off, length)
	if err != nil {
		return errorLine(id.String(), err)
	}
	if *outPath == "" {
		_, err := env.stdout.Write(data)
		return err
	}
	return atomicfile.WriteFile(*outPath, data, &atomicfile.Options{Perm: 0o644})
}
