package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/walrusfs/walrusfs/encoding"
)

// runBlobID: walrusfs blob-id [--shards N] FILE...
// Prints "<blob-id> <file>" per file; "-" reads standard input.
func runBlobID(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "blob-id", "[--shards N] FILE...")
	shards := fs.Int("shards", 1000, "number of shards (1000 on Walrus mainnet and testnet)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no files given (use - for standard input)"}
	}
	enc, err := encoding.NewEncoder(*shards)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	failed := 0
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		id, err := blobIDOf(enc, env, name)
		if err != nil {
			fmt.Fprintf(env.stderr, "walrusfs blob-id: %s: %v\n", name, err)
			failed++
			continue
		}
		fmt.Fprintf(out, "%s %s\n", id, name)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed", failed, fs.NArg())
	}
	return nil
}

func blobIDOf(enc *encoding.Encoder, env *cliEnv, name string) (encoding.BlobID, error) {
	limit := enc.Params().MaxBlobSize()
	var r io.Reader
	if name == "-" {
		r = env.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return encoding.BlobID{}, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && uint64(st.Size()) > limit {
			return encoding.BlobID{}, fmt.Errorf("%w: %d bytes exceeds the maximum of %d bytes for %d shards",
				encoding.ErrDataTooLarge, st.Size(), limit, enc.Params().N)
		}
		r = f
	}
	// Read at most limit+1 bytes so an oversized stream fails cleanly.
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return encoding.BlobID{}, err
	}
	m, err := enc.ComputeMetadata(data)
	if err != nil {
		return encoding.BlobID{}, err
	}
	return m.BlobID(), nil
}
