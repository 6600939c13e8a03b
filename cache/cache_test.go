package cache

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

const testBS = 64 << 10

func TestHitMissAccounting(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(100*testBS+123, 1) // a "big" blob: 100 blocks and a short one
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 4 << 20})
	ctx := context.Background()

	p := make([]byte, 4096)
	off := int64(37*testBS + 1000)
	if n, err := c.ReadAt(ctx, id, int64(len(data)), p, off); err != nil || n != len(p) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if !bytes.Equal(p, data[off:off+4096]) {
		t.Fatal("wrong bytes")
	}
	s := c.Stats()
	if s.Misses != 1 || s.Hits != 0 || s.Fetches != 1 || s.FetchedBytes != testBS {
		t.Fatalf("after cold read: %+v (want 1 miss, 1 fetch of one block)", s)
	}
	waitIdle(t, c)
	if _, err := c.ReadAt(ctx, id, int64(len(data)), p, off+8192); err != nil {
		t.Fatal(err)
	}
	s = c.Stats()
	if s.Misses != 1 || s.Hits != 1 || s.Fetches != 1 || s.Blocks != 1 || s.Bytes != testBS+fileOverhead(37) {
		t.Fatalf("after warm read: %+v", s)
	}
	// The short last block is accounted in whole file system blocks,
	// and the blob file's overhead grows with the highest block.
	last := int64(len(data)) - 10
	if _, err := c.ReadAt(ctx, id, int64(len(data)), p[:10], last); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	if s = c.Stats(); s.Bytes != testBS+fsBlock+fileOverhead(100) || s.Blocks != 2 {
		t.Fatalf("after last-block read: %+v", s)
	}
}

func TestRandomRangesExact(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(5*testBS+testBS/2, 2)
	size := int64(len(data))
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 3 * testBS})
	r := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	for i := range 200 {
		off := r.Int64N(size + 10)
		p := make([]byte, r.IntN(3*testBS))
		n, err := c.ReadAt(ctx, id, size, p, off)
		want := max(0, min(int64(len(p)), size-off))
		if int64(n) != want {
			t.Fatalf("read %d: ReadAt(len %d, off %d) n = %d, want %d", i, len(p), off, n, want)
		}
		switch {
		case off+int64(len(p)) > size && err != io.EOF:
			t.Fatalf("read past end: err = %v, want io.EOF", err)
		case off+int64(len(p)) <= size && err != nil:
			t.Fatalf("read inside: err = %v", err)
		}
		if n > 0 && !bytes.Equal(p[:n], data[off:off+int64(n)]) {
			t.Fatalf("read %d: wrong bytes at %d+%d", i, off, n)
		}
		if i%20 == 0 {
			checkDisk(t, c, dir)
		}
	}
	if _, err := c.ReadAt(ctx, id, size, make([]byte, 1), -1); err == nil {
		t.Fatal("negative offset accepted")
	}
}

func TestSourceErrorNotCached(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(3*testBS, 5)
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS})
	src.setFault(func(blobid.ID, int64, int64) ([]byte, error, bool) {
		return nil, &blobstore.UnavailableError{ID: id, Found: 2, Needed: 5}, true
	})
	p := make([]byte, 100)
	_, err := c.ReadAt(context.Background(), id, int64(len(data)), p, 10)
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("err = %v, want errors.Is ErrUnavailable", err)
	}
	waitIdle(t, c)
	if n, files, _ := diskUsage(t, dir); n != 0 || files != 0 {
		t.Fatalf("failed read left %d bytes in %d files", n, files)
	}
	if s := c.Stats(); s.Errors != 1 || s.Bytes != 0 {
		t.Fatalf("stats %+v", s)
	}
	// The error is not remembered: the next read goes to the Source.
	src.setFault(nil)
	if _, err := c.ReadAt(context.Background(), id, int64(len(data)), p, 10); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p, data[10:110]) || src.reads.Load() != 2 {
		t.Fatalf("bytes ok=%v reads=%d", bytes.Equal(p, data[10:110]), src.reads.Load())
	}
	// A missing blob keeps its sentinel too.
	_, err = c.ReadAt(context.Background(), blobid.ID{9}, 100, p, 0)
	if !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestShortOrLongSourceAnswerNeverCached(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(2*testBS, 6)
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS})
	for _, delta := range []int64{-1, +1, -testBS} {
		src.setFault(func(_ blobid.ID, off, length int64) ([]byte, error, bool) {
			return make([]byte, length+delta), nil, true
		})
		_, err := c.ReadAt(context.Background(), id, int64(len(data)), make([]byte, 10), 0)
		if !errors.Is(err, ErrShortRead) {
			t.Fatalf("delta %d: err = %v, want ErrShortRead", delta, err)
		}
		waitIdle(t, c)
		if n, files, _ := diskUsage(t, dir); n != 0 || files != 0 {
			t.Fatalf("wrong-sized answer cached: %d bytes in %d files", n, files)
		}
	}
	src.setFault(nil)
	p := make([]byte, 10)
	if _, err := c.ReadAt(context.Background(), id, int64(len(data)), p, 0); err != nil || !bytes.Equal(p, data[:10]) {
		t.Fatalf("after fault: %v", err)
	}
}

func TestInvalidate(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(4*testBS, 7)
	other, odata := src.add(testBS, 8)
	size := int64(len(data))
	c, dir := newTestCache(t, src, &Options{BlockSize: testBS})
	ctx := context.Background()
	buf := make([]byte, size)
	if _, err := c.ReadAt(ctx, id, size, buf, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAt(ctx, other, int64(len(odata)), make([]byte, 10), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)

	// Pin block 1 as a reader in the middle of a read would.
	r, err := c.acquire(ctx, key{id, 1}, testBS, false)
	if err != nil || r.e == nil {
		t.Fatalf("acquire: %v %v", r, err)
	}
	c.Invalidate(id)
	if s := c.Stats(); s.Blocks != 1 || s.Bytes != 2*testBS+2*fileOverhead(0) {
		t.Fatalf("after Invalidate with a pin: %+v", s)
	}
	got := make([]byte, 100)
	if err := c.readFile(r.e, got, 0); err != nil || !bytes.Equal(got, data[testBS:testBS+100]) {
		t.Fatalf("pinned block unreadable after Invalidate: %v", err)
	}
	// While the pinned copy lingers, reads of that block bypass the cache.
	fetches := c.Stats().Fetches
	if _, err := c.ReadAt(ctx, id, size, got, testBS); err != nil || !bytes.Equal(got, data[testBS:testBS+100]) {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Fetches != fetches+1 || s.Uncached == 0 {
		t.Fatalf("read of invalidated pinned block: %+v", s)
	}
	c.release(r.e)
	if s := c.Stats(); s.Blocks != 1 || s.Bytes != testBS+fileOverhead(0) {
		t.Fatalf("after release: %+v", s)
	}
	if n := checkDisk(t, c, dir); n < testBS || n > testBS+fileOverhead(0) {
		t.Fatalf("disk %d, want only the other blob's block", n)
	}
	if _, err := os.Stat(c.blobPath(id)); !os.IsNotExist(err) {
		t.Fatalf("blob file still there: %v", err)
	}
	// The blob reads again from the Source and is cached again.
	if _, err := c.ReadAt(ctx, id, size, buf, 0); err != nil || !bytes.Equal(buf, data) {
		t.Fatal(err)
	}
	waitIdle(t, c)
	if s := c.Stats(); s.Blocks != 5 {
		t.Fatalf("after re-read: %+v", s)
	}
}

func TestRestartReusesBlocks(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(4*testBS+500, 9)
	size := int64(len(data))
	dir := t.TempDir()
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS})
	if _, err := c.ReadAt(context.Background(), id, size, make([]byte, size), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	c.Close()

	// What a crash or a stranger can leave: a slot naming more than a
	// block, a slot past the end of the file, a truncated last block,
	// stray names, a file without the magic, an old layout.
	path := c.blobPath(id)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	setSlot := func(idx int64, l uint32) {
		var b [slotSize]byte
		binary.LittleEndian.PutUint32(b[:], l)
		if _, err := f.WriteAt(b[:], slotsOff+slotSize*idx); err != nil {
			t.Fatal(err)
		}
	}
	setSlot(7, testBS)   // past the end of the file
	setSlot(8, testBS+1) // longer than a block
	f.Close()
	// Block 4 (the last, 500 bytes) loses 490 of them.
	if err := os.Truncate(path, c.dataOff(4)+10); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(filepath.Dir(path), "junk"), 10)
	mustWrite(t, filepath.Join(c.root, "ab", strings.Repeat("ab", 32)), 100) // no magic
	mustWrite(t, filepath.Join(dir, "v1-65536", "aa", "x"), 10)              // the old layout
	mustWrite(t, filepath.Join(dir, "v2-4096", "aa", "x"), 10)               // another block size

	fetches := src.reads.Load()
	c = mustOpen(t, dir, src, &Options{BlockSize: testBS})
	if s := c.Stats(); s.Blocks != 4 || s.Bytes != 4*testBS+fileOverhead(3) {
		t.Fatalf("reopened: %+v", s)
	}
	for _, p := range []string{filepath.Join(filepath.Dir(path), "junk"), filepath.Join(c.root, "ab", strings.Repeat("ab", 32)),
		filepath.Join(dir, "v1-65536"), filepath.Join(dir, "v2-4096")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s not removed", p)
		}
	}
	buf := make([]byte, size)
	n, err := c.ReadAt(context.Background(), id, size, buf, 0)
	if err != nil || n != len(buf) || !bytes.Equal(buf, data) {
		t.Fatalf("ReadAt after restart: %d %v equal=%v", n, err, bytes.Equal(buf, data))
	}
	// Only the truncated block 4 was fetched again.
	if got := src.reads.Load() - fetches; got != 1 {
		t.Fatalf("%d Source reads after restart, want 1", got)
	}
	waitIdle(t, c)
	if n := checkDisk(t, c, dir); n < size || n > 4*testBS+fsBlock+fileOverhead(4) {
		t.Fatalf("disk %d, want %d and the file's overhead", n, size)
	}

	// A lower cap on restart evicts down to it.
	c.Close()
	c = mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: 2 * testBS})
	if s := c.Stats(); s.Bytes > 2*testBS || s.Blocks != 2 {
		t.Fatalf("reopened with smaller cap: %+v", s)
	}
	checkDisk(t, c, dir)
}

func mustWrite(t *testing.T, path string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, n), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestClosed(t *testing.T) {
	src := newFakeSource()
	id, _ := src.add(10, 10)
	c, _ := newTestCache(t, src, nil)
	if c.BlockSize() != DefaultBlockSize || c.maxBytes != DefaultMaxBytes {
		t.Fatalf("defaults: bs %d max %d", c.BlockSize(), c.maxBytes)
	}
	c.Close()
	if _, err := c.ReadAt(context.Background(), id, 10, make([]byte, 1), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadVec: ReadVec returns the same bytes as ReadAt, as views of
// blocks in memory where it can (no copy into p) and as p itself where
// the block comes from disk; Gather turns either into p.
func TestReadVec(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(4*testBS+100, 9)
	size := int64(len(data))
	c, _ := newTestCache(t, src, &Options{BlockSize: testBS, MaxBytes: 8 * testBS})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 9))
	views := 0
	for i := range 300 {
		off := r.Int64N(size)
		p := make([]byte, 1+r.IntN(2*testBS))
		segs, n, err := c.ReadVec(ctx, id, size, p, off)
		if err != nil && err != io.EOF {
			t.Fatalf("read %d: %v", i, err)
		}
		if want := min(int64(len(p)), size-off); int64(n) != want {
			t.Fatalf("read %d: n = %d, want %d", i, n, want)
		}
		total := 0
		for _, s := range segs {
			if len(s) > 0 && &s[0] != &p[total] {
				views++
			}
			total += len(s)
		}
		if total != n {
			t.Fatalf("read %d: segments hold %d bytes, n = %d", i, total, n)
		}
		if got := bytes.Join(segs, nil); !bytes.Equal(got, data[off:off+int64(n)]) {
			t.Fatalf("read %d: wrong bytes at %d+%d", i, off, n)
		}
		Gather(p, segs)
		if !bytes.Equal(p[:n], data[off:off+int64(n)]) {
			t.Fatalf("read %d: Gather: wrong bytes at %d+%d", i, off, n)
		}
	}
	// Blocks just fetched are served from memory: some reads must have
	// been answered with views, or ReadVec is only ReadAt.
	if views == 0 {
		t.Fatal("no read was answered from a block in memory")
	}
}

// TestNoHolePunching: on a file system that cannot punch holes, evicted
// blocks stay counted until their whole blob file goes, so the bytes on
// disk never exceed the cap, and reads stay right.
func TestNoHolePunching(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(8*testBS, 21)
	other, odata := src.add(8*testBS, 22)
	const max = 6 * testBS
	dir := t.TempDir()
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: max, MaxReadAhead: -1})
	c.punchHole = func(int, int64, int64) error { return syscall.EOPNOTSUPP }
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 22))
	for i := range 200 {
		bid, bdata := id, data
		if i%2 == 1 {
			bid, bdata = other, odata
		}
		off := r.Int64N(int64(len(bdata)))
		p := make([]byte, 1+r.IntN(testBS))
		n, err := c.ReadAt(ctx, bid, int64(len(bdata)), p, off)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if !bytes.Equal(p[:n], bdata[off:off+int64(n)]) {
			t.Fatalf("read %d: wrong bytes", i)
		}
		waitIdle(t, c)
		checkDisk(t, c, dir)
	}
	if s := c.Stats(); s.Evictions == 0 {
		t.Fatalf("no evictions: %+v", s)
	}
	// Invalidating both blobs deletes their files and frees everything.
	c.Invalidate(id)
	c.Invalidate(other)
	if s := c.Stats(); s.Bytes != 0 || s.Blocks != 0 {
		t.Fatalf("after Invalidate: %+v", s)
	}
	if n := checkDisk(t, c, dir); n != 0 {
		t.Fatalf("%d bytes left on disk", n)
	}
}

// TestEvictionDoesNotStallReads: evicting a block (punching it out of
// its file, about half a millisecond on ext4) happens outside the cache
// lock. While a punch hangs, hits on other blocks are served, the block
// being evicted reads right (from the Source), and the cap holds.
func TestEvictionDoesNotStallReads(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(8*testBS, 31)
	const max = 4*testBS + 3*fsBlock // 4 blocks and their file's overhead
	dir := t.TempDir()
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: max, MaxReadAhead: -1})
	ctx := context.Background()
	read := func(blk int64) error {
		p := make([]byte, testBS)
		if _, err := c.ReadAt(ctx, id, int64(len(data)), p, blk*testBS); err != nil {
			return err
		}
		if !bytes.Equal(p, data[blk*testBS:(blk+1)*testBS]) {
			return fmt.Errorf("block %d: wrong bytes", blk)
		}
		return nil
	}
	for blk := range int64(4) {
		if err := read(blk); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, c)
	}
	if s := c.Stats(); s.Blocks != 4 || s.Evictions != 0 {
		t.Fatalf("cache not full without evictions: %+v", s)
	}

	punching := make(chan struct{}, 1)
	gate := make(chan struct{})
	c.punchHole = func(fd int, off, n int64) error {
		select {
		case punching <- struct{}{}:
		default:
		}
		<-gate
		return punchHole(fd, off, n)
	}
	// Block 4 does not fit: storing it evicts block 0 (the coldest), and
	// that punch hangs.
	if err := read(4); err != nil {
		t.Fatal(err)
	}
	select {
	case <-punching:
	case <-time.After(10 * time.Second):
		t.Fatal("no eviction started")
	}
	done := make(chan error, 1)
	go func() {
		for _, blk := range []int64{3, 2, 0} { // hits, then the block being evicted
			if err := read(blk); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(gate)
		t.Fatal("reads waited for an eviction in progress")
	}
	checkDisk(t, c, dir)
	close(gate)
	waitIdle(t, c)
	s := c.Stats()
	if s.Evictions != 1 || s.Bytes > max {
		t.Fatalf("after the eviction: %+v", s)
	}
	checkDisk(t, c, dir)
	if err := read(0); err != nil {
		t.Fatal(err)
	}
}

// TestEvictionCountsWholeFiles: evicting the last block of a blob file
// frees the file's overhead too, so a one-block cache alternating between
// two blobs stores every block (found by review: the pre-check counted
// only the blocks' bytes and gave up). Without hole punching, a file
// holding dead bytes goes with its last live block, so a block that
// needs that room is stored rather than refused forever.
func TestEvictionCountsWholeFiles(t *testing.T) {
	ctx := context.Background()
	read := func(t *testing.T, c *Cache, dir string, id blobid.ID, data []byte, blk int64) {
		t.Helper()
		p := make([]byte, testBS)
		if _, err := c.ReadAt(ctx, id, int64(len(data)), p, blk*testBS); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, data[blk*testBS:(blk+1)*testBS]) {
			t.Fatalf("block %d: wrong bytes", blk)
		}
		waitIdle(t, c)
		checkDisk(t, c, dir)
	}
	t.Run("punch", func(t *testing.T) {
		src := newFakeSource()
		a, ad := src.add(testBS, 41)
		b, bd := src.add(testBS, 42)
		dir := t.TempDir()
		c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: testBS + 3*fsBlock, MaxReadAhead: -1})
		for i := range 6 {
			if i%2 == 0 {
				read(t, c, dir, a, ad, 0)
			} else {
				read(t, c, dir, b, bd, 0)
			}
		}
		if s := c.Stats(); s.Uncached != 0 || s.Evictions != 5 {
			t.Fatalf("alternating two blobs in a one-block cache: %+v", s)
		}
	})
	t.Run("nopunch", func(t *testing.T) {
		src := newFakeSource()
		a, ad := src.add(4*testBS, 43)
		b, bd := src.add(testBS, 44)
		big, bigd := src.add(342*testBS, 45)
		dir := t.TempDir()
		c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: 4*testBS + 16<<10, MaxReadAhead: -1})
		c.punchHole = func(int, int64, int64) error { return syscall.EOPNOTSUPP }
		for blk := range int64(3) {
			read(t, c, dir, a, ad, blk)
		}
		read(t, c, dir, b, bd, 0)
		read(t, c, dir, a, ad, 3) // a's file now holds dead bytes and one live block
		for range 3 {
			read(t, c, dir, big, bigd, 340) // needs a bigger header than any file so far
		}
		if s := c.Stats(); s.Uncached >= 3 {
			t.Fatalf("block 340 never stored: %+v", s)
		}
	})
}

// TestBadOptions: sizes New cannot work with are refused.
func TestBadOptions(t *testing.T) {
	src := newFakeSource()
	for _, o := range []Options{{MaxBytes: -1}, {BlockSize: -4096}, {BlockSize: 4096 + 512}, {BlockSize: 1000}} {
		if c, err := New(t.TempDir(), src, &o); err == nil {
			c.Close()
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestFullDisk puts the cache on a 256 KiB tmpfs under a cap four times
// larger: blocks that do not fit fail to store (ENOSPC) and are served
// from memory, every read is right, and the cache's count of bytes stays
// an upper bound of what the disk holds.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	src := newFakeSource()
	id, data := src.add(16*testBS, 31)
	size := int64(len(data))
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: 1 << 20, MaxReadAhead: -1})
	ctx := context.Background()
	for round := range 2 {
		for off := int64(0); off < size; off += testBS / 2 {
			p := make([]byte, testBS/2)
			if _, err := c.ReadAt(ctx, id, size, p, off); err != nil || !bytes.Equal(p, data[off:off+int64(len(p))]) {
				t.Fatalf("round %d, read at %d: %v or wrong bytes", round, off, err)
			}
		}
		waitIdle(t, c)
		checkDisk(t, c, dir)
	}
	if s := c.Stats(); s.Uncached == 0 || s.Blocks == 0 {
		t.Fatalf("want some blocks stored and some refused by the full disk: %+v", s)
	}
	// Failed writes gave their bytes back: the count is not inflated
	// beyond the blob file's overhead allowance.
	c.mu.Lock()
	n, _, _ := diskUsage(t, dir)
	used, overhead := c.used, int64(0)
	for _, bf := range c.files {
		overhead += bf.overhead
	}
	c.mu.Unlock()
	if used-n > overhead {
		t.Fatalf("accounted %d for %d bytes on disk (file overhead %d)", used, n, overhead)
	}
}
