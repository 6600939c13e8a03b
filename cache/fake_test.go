package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// fakeSource is an in-memory Source with counters and injectable faults.
type fakeSource struct {
	mu    sync.Mutex
	blobs map[blobid.ID][]byte // GUARDED_BY(mu)

	reads     atomic.Int64 // Read calls
	bytes     atomic.Int64 // bytes returned
	active    atomic.Int64 // Read calls in progress
	cancelled atomic.Int64 // Read calls that ended on ctx

	delay atomic.Int64 // nanoseconds each Read sleeps (honouring ctx)
	// fault, if set, may replace the answer: return (data, err, true).
	fault atomic.Pointer[func(id blobid.ID, off, length int64) ([]byte, error, bool)]
	// stallAt, if > 0, makes Reads at offsets >= stallAt block until ctx is done.
	stallAt atomic.Int64
	// gate, if set, blocks every Read until it is closed or ctx is done.
	gate atomic.Pointer[chan struct{}]
}

func newFakeSource() *fakeSource {
	return &fakeSource{blobs: make(map[blobid.ID][]byte)}
}

// add stores a blob of n pseudo-random bytes and returns its ID.
func (s *fakeSource) add(n int64, seed uint64) (blobid.ID, []byte) {
	data := make([]byte, n)
	var s32 [32]byte
	s32[0], s32[1] = byte(seed), byte(seed>>8)
	_, _ = rand.NewChaCha8(s32).Read(data)
	id := blobid.ID(sha256.Sum256(data))
	s.mu.Lock()
	s.blobs[id] = data
	s.mu.Unlock()
	return id, data
}

func (s *fakeSource) Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	s.reads.Add(1)
	s.active.Add(1)
	defer s.active.Add(-1)
	if g := s.gate.Load(); g != nil {
		select {
		case <-*g:
		case <-ctx.Done():
			s.cancelled.Add(1)
			return nil, ctx.Err()
		}
	}
	if at := s.stallAt.Load(); at > 0 && off >= at {
		<-ctx.Done()
		s.cancelled.Add(1)
		return nil, ctx.Err()
	}
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			s.cancelled.Add(1)
			return nil, ctx.Err()
		}
	}
	if f := s.fault.Load(); f != nil {
		if data, err, ok := (*f)(id, off, length); ok {
			return data, err
		}
	}
	s.mu.Lock()
	b, ok := s.blobs[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("fake: %w", blobstore.ErrNotFound)
	}
	if off < 0 || length < 0 || off+length > int64(len(b)) {
		return nil, fmt.Errorf("fake: %w: range [%d,+%d) of %d", blobstore.ErrInvalid, off, length, len(b))
	}
	out := append([]byte(nil), b[off:off+length]...)
	s.bytes.Add(length)
	return out, nil
}

func (s *fakeSource) setFault(f func(id blobid.ID, off, length int64) ([]byte, error, bool)) {
	if f == nil {
		s.fault.Store(nil)
		return
	}
	s.fault.Store(&f)
}

// hold makes every Read block until the returned function is called.
func (s *fakeSource) hold() (release func()) {
	ch := make(chan struct{})
	s.gate.Store(&ch)
	return func() { s.gate.Store(nil); close(ch) }
}

// newTestCache opens a cache in a fresh temp dir with small blocks.
func newTestCache(t testing.TB, src Source, o *Options) (*Cache, string) {
	t.Helper()
	dir := t.TempDir()
	c := mustOpen(t, dir, src, o)
	return c, dir
}

func mustOpen(t testing.TB, dir string, src Source, o *Options) *Cache {
	t.Helper()
	c, err := New(dir, src, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tmpSuffix names the temporary files earlier layouts wrote blocks to;
// none must ever be left under the cache.
const tmpSuffix = ".tmp"

// diskUsage sums the bytes the disk holds for regular files under dir
// (allocated blocks: blob files are sparse), except the open marker.
func diskUsage(t testing.TB, dir string) (bytes int64, files int, tmps int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a temp file renamed or a file removed during the walk
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), markerPrefix) {
			info, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			bytes += info.Sys().(*syscall.Stat_t).Blocks * 512
			files++
			if filepath.Ext(path) == tmpSuffix {
				tmps++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bytes, files, tmps
}

// checkDisk walks dir while holding the cache lock (reservations happen
// only under it, and bytes being evicted stay counted until they are
// gone) and checks bytes on disk against the cap and the internal count.
func checkDisk(t testing.TB, c *Cache, dir string) int64 {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	n, _, _ := diskUsage(t, dir)
	if n > c.maxBytes {
		t.Errorf("disk usage %d > MaxBytes %d", n, c.maxBytes)
	}
	if n > c.used {
		t.Errorf("disk usage %d > accounted %d", n, c.used)
	}
	return n
}

// monitorDisk runs checkDisk every 100 us until the returned function is
// called (which waits for the last check).
func monitorDisk(t testing.TB, c *Cache, dir string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			checkDisk(t, c, dir)
			time.Sleep(100 * time.Microsecond)
		}
	})
	return func() { close(done); wg.Wait() }
}

// waitIdle waits until no fetch is in flight and no goroutine of c runs
// a write (InFlight counts fetches; writes follow them quickly).
func waitIdle(t testing.TB, c *Cache) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		busy := c.st.InFlight > 0
		for _, m := range c.blobs {
			for _, e := range m {
				busy = busy || e.state != stPresent
			}
		}
		c.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("cache did not become idle")
		}
		time.Sleep(time.Millisecond)
	}
}
