package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
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
	// Setting up the codes of n = 1000 shards takes about 0.1 s (the
	// Reed-Solomon library fills 64 MiB of GF(2^16) multiplication tables
	// once per process), as long as reading a large file from the page
	// cache: do both at once.
	type encoderResult struct {
		enc *rs2.Encoder
		err error
	}
	encCh := make(chan encoderResult, 1)
	go func() {
		enc, err := rs2.NewEncoder(*shards)
		encCh <- encoderResult{enc, err}
	}()
	var first []byte
	p, firstErr := rs2.NewParams(*shards)
	if firstErr == nil {
		first, firstErr = readBlobInput(env, fs.Arg(0), p.MaxBlobSize(), p.N)
	}
	er := <-encCh
	if er.err != nil {
		return er.err
	}
	enc := er.enc
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	failed := 0
	for i, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := first, firstErr
		if i > 0 {
			data, err = readBlobInput(env, name, enc.Params().MaxBlobSize(), enc.Params().N)
		}
		first = nil
		var id blobid.ID
		if err == nil {
			id, err = blobIDOfData(enc, data)
		}
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

// blobIDOfData computes the blob ID of data.
func blobIDOfData(enc *rs2.Encoder, data []byte) (blobid.ID, error) {
	m, err := enc.ComputeMetadata(data)
	if err != nil {
		return blobid.ID{}, err
	}
	return m.BlobID(), nil
}

// readBlobInput returns the bytes of a file (or standard input for "-"),
// refusing more than limit bytes. A regular file is read once into a buffer
// of exactly its size: no growing copies, so a 64 MiB file costs 64 MiB
// of memory on top of the encoder's own, not the up to 2x that
// io.ReadAll's doubling reallocations take.
func readBlobInput(env *cliEnv, name string, limit uint64, n int) ([]byte, error) {
	tooLarge := func(size uint64) error {
		return fmt.Errorf("%w: %d bytes exceeds the maximum of %d bytes for %d shards",
			rs2.ErrDataTooLarge, size, limit, n)
	}
	var r io.Reader = env.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if st.Mode().IsRegular() {
			if uint64(st.Size()) > limit {
				return nil, tooLarge(uint64(st.Size()))
			}
			data := make([]byte, st.Size())
			if _, err := io.ReadFull(f, data); err != nil {
				return nil, fmt.Errorf("reading %s: %w (did it shrink while read?)", name, err)
			}
			// A file that grew while read: refuse rather than hash a prefix.
			var one [1]byte
			if k, _ := f.Read(one[:]); k > 0 {
				return nil, fmt.Errorf("reading %s: it grew while read", name)
			}
			return data, nil
		}
		r = f
	}
	// A stream: read at most limit+1 bytes so an oversized one fails cleanly.
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > limit {
		return nil, tooLarge(uint64(len(data)))
	}
	return data, nil
}
