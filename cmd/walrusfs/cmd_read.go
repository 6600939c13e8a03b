package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/volkey"
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
	raw := fs.Bool("raw", false, "print the blob's bytes as stored (ciphertext for an encrypted mount's blob)")
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
	// One of an encrypted mount's own blobs: its running daemon has the
	// keys. The data directory is the one given, or the default one on
	// the embedded network.
	if !*raw && (*sf.dataDir != "" || !wf.given()) && *sf.committee == "" {
		dd, err := resolveDataDir(*sf.dataDir)
		if err != nil {
			return err
		}
		plain, err := control.NewClient(dd).BlobPlaintext(ctx, id)
		switch {
		case err == nil:
			if off > int64(len(plain)) {
				return fmt.Errorf("%v: --range starts at %d, past the %d bytes of its content: %w", id, off, len(plain), blobstore.ErrInvalid)
			}
			plain = plain[off:]
			if length >= 0 {
				plain = plain[:min(int64(len(plain)), length)]
			}
			return writeOut(env, *outPath, plain)
		case errors.Is(err, control.ErrNoDaemon):
			if _, kerr := volkey.Methods(dd); kerr == nil {
				fmt.Fprintf(env.stderr, "walrusfs read: %s is encrypted and its mount is not running: printing the blob as stored (ciphertext if it is one of its blobs)\n", dd)
			}
		case !errors.Is(err, control.ErrNotMountBlob):
			return err
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
	return writeOut(env, *outPath, data)
}

// writeOut writes data to standard output, or atomically to path.
func writeOut(env *cliEnv, path string, data []byte) error {
	if path == "" {
		_, err := env.stdout.Write(data)
		return err
	}
	return atomicfile.WriteFile(path, data, &atomicfile.Options{Perm: 0o644})
}
