package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
	"golang.org/x/sys/unix"
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
	p, err := rs2.NewParams(*shards)
	if err != nil {
		return err
	}
	// The collector is off: a blob's computation keeps its memory until its
	// end anyway, and collecting would also drop the Reed-Solomon library's
	// pooled work buffers, which then are allocated (and page-faulted)
	// again. Between files it runs once. (A stream of unknown length keeps
	// the copies its buffer outgrew until then: up to twice its size.)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// Setting up the codes of n = 1000 shards takes about 0.1 s (the
	// Reed-Solomon library fills 74 MiB of GF(2^16) multiplication tables
	// once per process). Meanwhile the first file is mapped and its source
	// symbols, which need no code, are hashed.
	codes := &pendingEncoder{done: make(chan struct{})}
	go func() {
		defer close(codes.done)
		codes.enc, codes.err = rs2.NewEncoder(p.N)
	}()
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	failed := 0
	for i, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i > 0 {
			runtime.GC()
		}
		in, err := openBlobInput(env, name, p.MaxBlobSize(), p.N)
		var id blobid.ID
		if err == nil {
			var ok bool
			id, ok, err = blobIDOf(in, p.N, codes)
			in.close()
			if !ok {
				return err
			}
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

// pendingEncoder is an Encoder being set up in the background.
type pendingEncoder struct {
	done chan struct{} // closed when enc or err is set
	enc  *rs2.Encoder
	err  error
}

func (c *pendingEncoder) ready() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// blobIDOf computes the blob ID of in: it hashes the source symbols, which
// needs no code (on one core while the codes are still being set up on the
// other), then waits for the codes and computes the rest. It checks that a
// mapped file did not change meanwhile. ok is false if the codes could not
// be set up (err says why): no input can be hashed then.
func blobIDOf(in *blobInput, n int, codes *pendingEncoder) (id blobid.ID, ok bool, err error) {
	workers := 0
	if !codes.ready() {
		workers = 1
	}
	src, err := rs2.HashSource(n, in.data, workers)
	<-codes.done
	if codes.err != nil {
		return blobid.ID{}, false, codes.err
	}
	if err != nil {
		return blobid.ID{}, true, err
	}
	m, err := codes.enc.ComputeMetadataFrom(src)
	if err != nil {
		return blobid.ID{}, true, err
	}
	if err := in.unchanged(); err != nil {
		return blobid.ID{}, true, err
	}
	return m.BlobID(), true, nil
}

// blobInput is the content of one input: a read-only mapping of a regular
// file, or the bytes read from a stream (or from a file that cannot be
// mapped).
type blobInput struct {
	name string
	data []byte
	f    *os.File    // a mapped file, kept open to check it did not change
	st   unix.Stat_t // the mapped file's state when mapped
}

// close releases the mapping and the file, if any; in may be nil.
func (in *blobInput) close() {
	if in == nil || in.f == nil {
		return
	}
	if in.data != nil {
		_ = unix.Munmap(in.data)
	}
	in.f.Close()
	in.data, in.f = nil, nil
}

// unchanged checks that a mapped file still has the size, modification
// time and change time it had when mapped: a blob ID computed while it was
// written to describes no version of it. (Reading a file truncated
// meanwhile faults: rs2 returns rs2.ErrDataFault.)
func (in *blobInput) unchanged() error {
	if in.f == nil {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(in.f.Fd()), &st); err != nil {
		return fmt.Errorf("checking %s: %w", in.name, err)
	}
	if st.Size != in.st.Size || st.Mtim != in.st.Mtim || st.Ctim != in.st.Ctim {
		return fmt.Errorf("%s changed while read", in.name)
	}
	return nil
}

// openBlobInput returns the content of a file (or standard input for "-"),
// refusing more than limit bytes. A regular file is mapped, not read: no
// copy and no fresh memory for its bytes (reading 64 MiB into a new buffer
// costs about 40 ms of CPU, most of it the kernel providing the buffer's
// pages; mapping it, under a millisecond). If it cannot be mapped it is
// read once into a buffer of exactly its size.
func openBlobInput(env *cliEnv, name string, limit uint64, n int) (*blobInput, error) {
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
		in := &blobInput{name: name, f: f}
		if err := unix.Fstat(int(f.Fd()), &in.st); err != nil {
			in.close()
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if in.st.Mode&unix.S_IFMT == unix.S_IFREG {
			size := in.st.Size
			if uint64(size) > limit {
				in.close()
				return nil, tooLarge(uint64(size))
			}
			// An empty file is read, not mapped: files of /proc say
			// they are empty and are not.
			if size > 0 && int64(int(size)) == size {
				data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
				if err == nil {
					in.data = data
					return in, nil
				}
			}
			defer in.close()
			data, err := readRegular(f, name, size)
			if err != nil {
				return nil, err
			}
			return &blobInput{name: name, data: data}, nil
		}
		defer in.close()
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
	return &blobInput{name: name, data: data}, nil
}

// readRegular reads a regular file of the given size once into a buffer of
// exactly that size: no growing copies.
func readRegular(f *os.File, name string, size int64) ([]byte, error) {
	data := make([]byte, size)
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
