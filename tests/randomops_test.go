package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRandomOps applies a seeded random sequence of operations to a file
// on the mount and to a model file on the local disk, and compares them
// after every operation: the size by fstat and by stat of the path, the
// bytes of the range the operation touched, and every few operations
// (and after each reopen) the whole content. The operations are those of
// fsx: pwrite, pread, mapped read, mapped write (mmap of the mount file
// in this process, which is fine because a separate daemon process
// serves the mount; the write is msynced or left to the kernel's
// writeback), truncate up and down, fallocate (extending, KEEP_SIZE,
// PUNCH_HOLE), copy_file_range within the file, and also close and
// reopen, fsync and, in the background, `walrusfs sync`, so uploads and
// their commits interleave with the operations.
//
// A short run is the default; WALRUSFS_RANDOMOPS_SEEDS=200 runs seeds
// 1..200, WALRUSFS_RANDOMOPS_OPS sets the operations per seed and
// WALRUSFS_RANDOMOPS_SEED=N runs seed N alone (the sequence depends only
// on the seed, so that replays a failure).
func TestRandomOps(t *testing.T) {
	needFUSE(t)
	var seeds []uint64
	if s := os.Getenv("WALRUSFS_RANDOMOPS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("WALRUSFS_RANDOMOPS_SEED=%q: %v", s, err)
		}
		seeds = []uint64{n}
	} else {
		for s := range envInt(t, "WALRUSFS_RANDOMOPS_SEEDS", 3) {
			seeds = append(seeds, uint64(s+1))
		}
	}
	ops := envInt(t, "WALRUSFS_RANDOMOPS_OPS", 400)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	// 1 MiB chunks: the larger files span several chunks (and blobs).
	d := mount(t, data, filepath.Join(root, "mnt"), "--chunk-size", "1M")
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := newRandomOps(t, data, filepath.Join(d.mnt, fmt.Sprintf("ops%d", seed)), seed)
			defer r.close()
			for i := range ops {
				r.step(i)
			}
			r.checkAll("at the end")
		})
	}
}

const pageSize = 4096

// randomOps is one seeded run: the file on the mount, its model and the
// log of operations so far.
type randomOps struct {
	t       *testing.T
	seed    uint64
	rng     *rand.Rand
	data    string // the daemon's data directory, for walrusfs sync
	path    string // the file on the mount
	mf      *os.File
	model   *os.File
	size    int64 // the model's size
	maxSize int64
	maxOp   int64
	log     []string
	syncing chan error // result of the running background walrusfs sync, or nil
}

func newRandomOps(t *testing.T, data, path string, seed uint64) *randomOps {
	t.Helper()
	r := &randomOps{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)), data: data, path: path}
	// Small files (kept in memory by the daemon until closed), files of
	// two chunks and files of four.
	r.maxSize = []int64{128 << 10, 3 << 19, 4 << 20}[seed%3]
	r.maxOp = min(r.maxSize/4, 256<<10)
	var err error
	if r.mf, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
		t.Fatal(err)
	}
	if r.model, err = os.Create(filepath.Join(t.TempDir(), "model")); err != nil {
		t.Fatal(err)
	}
	return r
}

// close waits for a background sync with the file still open, then
// closes both files.
func (r *randomOps) close() {
	r.waitSync()
	_ = r.model.Close()
	if r.mf != nil {
		_ = r.mf.Close()
	}
	if !r.t.Failed() {
		if err := os.Remove(r.path); err != nil {
			r.t.Error(err)
		}
	}
}

// fail reports a difference with the seed and the operations that led
// to it.
func (r *randomOps) fail(format string, args ...any) {
	r.t.Helper()
	logs := r.log
	const keep = 400
	head := ""
	if len(logs) > keep {
		head = fmt.Sprintf("(first %d operations left out)\n", len(logs)-keep)
		logs = logs[len(logs)-keep:]
	}
	r.t.Fatalf("seed %d, operation %d: %s\nreplay: WALRUSFS_RANDOMOPS_SEED=%d go test -count=1 -run RandomOps ./tests/\noperations (max size %d):\n%s%s",
		r.seed, len(r.log)-1, fmt.Sprintf(format, args...), r.seed, r.maxSize, head, strings.Join(logs, "\n"))
}

func (r *randomOps) must(what string, err error) {
	r.t.Helper()
	if err != nil {
		r.fail("%s: %v", what, err)
	}
}

func (r *randomOps) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf("%d: ", len(r.log))+fmt.Sprintf(format, args...))
}

// span picks a range [off, off+n) that starts before limit and ends at
// most at r.maxSize; n >= 1.
func (r *randomOps) span(limit int64) (int64, int64) {
	off := r.rng.Int64N(max(limit, 1))
	n := 1 + r.rng.Int64N(r.maxOp)
	return off, min(n, r.maxSize-off)
}

func (r *randomOps) bytes(n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.rng.Uint32())
	}
	return b
}

// step runs operation i on both files and checks the result.
func (r *randomOps) step(i int) {
	if i > 0 && i%25 == 0 {
		defer r.checkAll(fmt.Sprintf("after operation %d", i))
	}
	lo, hi := int64(0), int64(0) // the range to compare afterwards
	switch op := r.rng.IntN(100); {
	case op < 18: // pwrite
		off, n := r.span(r.maxSize)
		r.logf("write %#x +%#x (size %#x)", off, n, r.size)
		r.pwrite(off, r.bytes(n))
		lo, hi = off, off+n
	case op < 28: // pread
		off, n := r.span(r.size + pageSize)
		r.logf("read %#x +%#x (size %#x)", off, n, r.size)
		lo, hi = off, off+n
	case op < 36: // mapped read
		if r.size == 0 {
			r.logf("mapread skipped (empty)")
			break
		}
		off, n := r.span(r.size)
		n = min(n, r.size-off)
		r.logf("mapread %#x +%#x (size %#x)", off, n, r.size)
		r.mapRead(off, n)
	case op < 48: // mapped write, extending first like fsx
		off, n := r.span(r.maxSize)
		sync := r.rng.IntN(2) == 0
		r.logf("mapwrite %#x +%#x msync=%v (size %#x)", off, n, sync, r.size)
		if off+n > r.size {
			r.truncate(off + n)
		}
		r.mapWrite(off, r.bytes(n), sync)
		lo, hi = off, off+n
	case op < 56: // truncate
		old, size := r.size, r.rng.Int64N(r.maxSize+1)
		r.logf("truncate %#x -> %#x", old, size)
		r.truncate(size)
		lo, hi = max(min(old, size)-pageSize, 0), max(old, size)+pageSize
	case op < 61: // fallocate, may extend
		off, n := r.span(r.maxSize)
		r.logf("falloc %#x +%#x (size %#x)", off, n, r.size)
		r.fallocate(0, off, n)
		lo, hi = off, off+n
	case op < 65: // fallocate KEEP_SIZE, also past the end
		off, n := r.span(r.maxSize)
		r.logf("falloc keep_size %#x +%#x (size %#x)", off, n, r.size)
		r.fallocate(unix.FALLOC_FL_KEEP_SIZE, off, n)
		lo, hi = off, off+n
	case op < 72: // punch hole
		if r.size == 0 {
			r.logf("punch skipped (empty)")
			break
		}
		off, n := r.span(r.size)
		r.logf("punch %#x +%#x (size %#x)", off, n, r.size)
		r.fallocate(unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
		lo, hi = max(off-pageSize, 0), off+n+pageSize
	case op < 82: // copy_file_range within the file
		if r.size == 0 {
			r.logf("copy skipped (empty)")
			break
		}
		src, n := r.span(r.size)
		n = min(n, r.size-src)
		dst := r.rng.Int64N(r.maxSize - n + 1)
		if dst < src+n && src < dst+n { // overlapping ranges: EINVAL; move past
			dst = src + n
			if dst+n > r.maxSize {
				r.logf("copy skipped (no room)")
				break
			}
		}
		r.logf("copy %#x +%#x -> %#x (size %#x)", src, n, dst, r.size)
		r.copyRange(src, dst, n)
		lo, hi = dst, dst+n
	case op < 88:
		r.logf("close and reopen (size %#x)", r.size)
		r.must("close", r.mf.Close())
		r.mf = nil
		var err error
		r.mf, err = os.OpenFile(r.path, os.O_RDWR, 0)
		r.must("reopen", err)
		defer r.checkAll("after reopen")
	case op < 95:
		r.logf("fsync (size %#x)", r.size)
		r.must("fsync", r.mf.Sync())
	default:
		r.logf("walrusfs sync in the background (size %#x)", r.size)
		r.startSync()
	}
	r.checkSize()
	r.checkRange(lo, hi)
}

func (r *randomOps) pwrite(off int64, b []byte) {
	_, err := r.mf.WriteAt(b, off)
	r.must("pwrite on the mount", err)
	_, err = r.model.WriteAt(b, off)
	r.must("pwrite on the model", err)
	r.size = max(r.size, off+int64(len(b)))
}

func (r *randomOps) truncate(size int64) {
	r.must("ftruncate on the mount", r.mf.Truncate(size))
	r.must("ftruncate on the model", r.model.Truncate(size))
	r.size = size
}

func (r *randomOps) fallocate(mode uint32, off, n int64) {
	r.must(fmt.Sprintf("fallocate mode %#x on the mount", mode), unix.Fallocate(int(r.mf.Fd()), mode, off, n))
	r.must(fmt.Sprintf("fallocate mode %#x on the model", mode), unix.Fallocate(int(r.model.Fd()), mode, off, n))
	if mode&unix.FALLOC_FL_KEEP_SIZE == 0 {
		r.size = max(r.size, off+n)
	}
}

// copyRange runs copy_file_range until n bytes are copied (it may copy
// fewer per call).
func (r *randomOps) copyRange(src, dst, n int64) {
	for _, f := range []*os.File{r.mf, r.model} {
		roff, woff := src, dst
		for left := n; left > 0; {
			c, err := unix.CopyFileRange(int(f.Fd()), &roff, int(f.Fd()), &woff, int(left), 0)
			if err == nil && c == 0 {
				err = io.ErrUnexpectedEOF
			}
			r.must(fmt.Sprintf("copy_file_range on %s", f.Name()), err)
			left -= int64(c)
		}
	}
	r.size = max(r.size, dst+n)
}

// mapping maps [off, off+n) of the mount file (from its page) and returns
// the mapping and the slice of it holding the range.
func (r *randomOps) mapping(off, n int64, prot int) ([]byte, []byte) {
	pg := off &^ (pageSize - 1)
	m, err := unix.Mmap(int(r.mf.Fd()), pg, int(off+n-pg), prot, unix.MAP_SHARED)
	r.must("mmap", err)
	return m, m[off-pg:]
}

func (r *randomOps) mapRead(off, n int64) {
	m, got := r.mapping(off, n, unix.PROT_READ)
	got = bytes.Clone(got)
	r.must("munmap", unix.Munmap(m))
	want := make([]byte, n)
	_, err := r.model.ReadAt(want, off)
	r.must("pread on the model", err)
	if i := firstDiff(got, want); i >= 0 {
		r.fail("mapped read: byte %#x is %#x, want %#x", off+int64(i), got[i], want[i])
	}
}

func (r *randomOps) mapWrite(off int64, b []byte, sync bool) {
	m, dst := r.mapping(off, int64(len(b)), unix.PROT_READ|unix.PROT_WRITE)
	copy(dst, b)
	if sync {
		r.must("msync", unix.Msync(m, unix.MS_SYNC))
	}
	r.must("munmap", unix.Munmap(m))
	_, err := r.model.WriteAt(b, off)
	r.must("pwrite on the model", err)
}

func (r *randomOps) startSync() {
	if r.syncing != nil {
		select {
		case err := <-r.syncing:
			r.syncing = nil
			r.must("walrusfs sync", err)
		default:
			return // the last one is still running
		}
	}
	ch := make(chan error, 1)
	// The sync must end even while the file stays open for writing (it
	// does until the end of the seed): a deadline makes a hang a failure.
	const limit = 2 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	cmd := exec.CommandContext(ctx, binary, "sync", "--data-dir", r.data)
	go func() {
		defer cancel()
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			err = fmt.Errorf("did not finish within %v with the file open: %w", limit, err)
		}
		if err != nil {
			err = fmt.Errorf("%w: %s", err, out)
		}
		ch <- err
	}()
	r.syncing = ch
}

func (r *randomOps) waitSync() {
	if r.syncing != nil {
		err := <-r.syncing
		r.syncing = nil
		if err != nil && !r.t.Failed() {
			r.t.Errorf("seed %d: walrusfs sync: %v", r.seed, err)
		}
	}
}

// checkSize compares the size by fstat, by stat of the path and of the
// model.
func (r *randomOps) checkSize() {
	fi, err := r.mf.Stat()
	r.must("fstat", err)
	if fi.Size() != r.size {
		r.fail("fstat size %#x, want %#x", fi.Size(), r.size)
	}
	fi, err = os.Stat(r.path)
	r.must("stat", err)
	if fi.Size() != r.size {
		r.fail("stat size %#x, want %#x", fi.Size(), r.size)
	}
	fi, err = r.model.Stat()
	r.must("fstat of the model", err)
	if fi.Size() != r.size {
		r.fail("the model's size %#x, want %#x (test bug)", fi.Size(), r.size)
	}
}

// checkRange compares pread of [lo, hi) (clipped to the end of file, and
// reading up to hi shows where each file ends) on both files.
func (r *randomOps) checkRange(lo, hi int64) {
	if hi <= lo {
		return
	}
	got, err := pread(r.mf, lo, hi-lo)
	r.must("pread on the mount", err)
	want, err := pread(r.model, lo, hi-lo)
	r.must("pread on the model", err)
	if len(got) != len(want) {
		r.fail("pread %#x +%#x: %#x bytes, want %#x", lo, hi-lo, len(got), len(want))
	}
	if i := firstDiff(got, want); i >= 0 {
		r.fail("pread: byte %#x is %#x, want %#x", lo+int64(i), got[i], want[i])
	}
}

func (r *randomOps) checkAll(when string) {
	r.t.Helper()
	got, err := pread(r.mf, 0, r.maxSize+pageSize)
	r.must("reading the mount file", err)
	want, err := pread(r.model, 0, r.maxSize+pageSize)
	r.must("reading the model", err)
	if len(got) != len(want) {
		r.fail("%s: %#x bytes, want %#x", when, len(got), len(want))
	}
	if i := firstDiff(got, want); i >= 0 {
		r.fail("%s: byte %#x is %#x, want %#x", when, i, got[i], want[i])
	}
}

// pread reads up to n bytes at off; fewer only at the end of file.
func pread(f *os.File, off, n int64) ([]byte, error) {
	b := make([]byte, n)
	k, err := f.ReadAt(b, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return b[:k], err
}

// firstDiff is the index of the first differing byte of equally long a
// and b, or -1.
func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
