package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/treebuild"
	"github.com/walrusfs/walrusfs/vfs"
)

// config is what a run measures.
type config struct {
	Files     int
	Work      string
	Latency   time.Duration
	Bandwidth float64 // bytes per second; 0: unlimited
	Seed      uint64
	// Shards is the network size whose blob IDs the store derives (and
	// readers verify); 0 means 1000, mainnet's.
	Shards int
	Log    io.Writer // progress; nil: none
}

// commitFigures describes one commit.
type commitFigures struct {
	Name   string
	Nodes  int
	Bytes  uint64 // the blob CommitTree stored: new nodes and the record
	Record uint64 // the sealed commit record
	Files  uint64 // files of the tree (for the first commit's per-file figure)
	Time   time.Duration
	CPU    time.Duration // CPU time of the process meanwhile
	// PeakHeap is the largest live heap seen during the commit.
	PeakHeap uint64
}

// pathNode is a directory node's sealed size.
type pathNode struct {
	Path    string
	Entries int
	Bytes   uint64
}

// readFigures describes one read of the tree.
type readFigures struct {
	Name           string
	Entries, Files int
	Fetches        int
	Fetched        uint64
	Time           time.Duration
	CPU            time.Duration // CPU time of the process meanwhile
	// Verify is the part of Time spent re-deriving the blob IDs of the
	// fetched blobs (config.Shards).
	Verify   time.Duration
	PeakHeap uint64
}

type report struct {
	Files, Videos, Dirs, Symlinks int
	DataBytes                     uint64
	DataBlobs                     int
	Setup                         time.Duration
	Commits                       []commitFigures
	// ReadAll reads and opens every node of the last commit; Recover is
	// the whole walrusfs recover (the same reads, and the index written
	// and closed); Share walks one year from its node.
	ReadAll, Recover, Share readFigures
	RecoverClose            time.Duration
	// PathNodes are the sealed sizes of the nodes from the root to the
	// album of the rewritten file, in the last commit.
	PathNodes []pathNode
	Restored  treebuild.RestoreStats
	Latency   time.Duration
	Bandwidth float64
}

func (c config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

func run(ctx context.Context, c config) (*report, error) {
	if c.Files < 1 {
		return nil, fmt.Errorf("-files %d: want at least 1", c.Files)
	}
	r := &report{Files: c.Files, Latency: c.Latency, Bandwidth: c.Bandwidth}
	var master seal.Key
	if _, err := rand.Read(master[:]); err != nil {
		return nil, err
	}
	crypt := vfs.NewCrypt(master)
	keys := tree.DeriveKeys(master)
	if c.Shards == 0 {
		c.Shards = 1000
	}
	store, err := mem.New(c.Shards)
	if err != nil {
		return nil, err
	}

	// The library, in the index of a mount.
	start := time.Now()
	clock := newFakeClock(time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC))
	if err := os.MkdirAll(filepath.Join(c.Work, "src"), 0o700); err != nil {
		return nil, err
	}
	src, err := index.Open(filepath.Join(c.Work, "src", "index.db"), &index.Options{NoSync: true, Clock: clock.Now, ChunkSize: chunkSize})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	lib := newLibrary(src, crypt, c.Seed)
	if err := lib.build(ctx, c.Files); err != nil {
		return nil, err
	}
	r.Setup = time.Since(start)
	r.Dirs = 1 + len(lib.years) + len(lib.albums)
	r.Symlinks = 1 + len(lib.years)
	r.DataBlobs = len(lib.blobs)
	if err := src.View(ctx, func(v index.View) error {
		for _, a := range lib.albums {
			es, err := v.Entries(a)
			if err != nil {
				return err
			}
			for _, e := range es {
				at, err := v.Attr(e.Ino)
				if err != nil {
					return err
				}
				r.DataBytes += at.Size
				if path.Ext(e.Name) == ".mp4" {
					r.Videos++
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	c.logf("library of %d files set up in %v", c.Files, r.Setup.Round(time.Millisecond))

	// The mount, committing its tree to the store.
	stateFile := filepath.Join(c.Work, "tree.json")
	fs, err := vfs.New(ctx, src, store, &vfs.Options{StagingDir: filepath.Join(c.Work, "staging"), Crypt: crypt,
		Tree:            &vfs.TreeOptions{Keys: keys, Volume: [16]byte{0xbe, 0x4c}, StatePath: stateFile},
		Logger:          slog.New(slog.DiscardHandler),
		UploadDelay:     -1,
		PackDelay:       10 * time.Millisecond,
		RepackThreshold: -1,
		GCInterval:      24 * time.Hour})
	if err != nil {
		return nil, err
	}
	if err := fs.Start(ctx); err != nil {
		return nil, err
	}
	defer fs.Close(time.Second)
	var last vfs.TreeCommit
	commit := func(name string) (commitFigures, error) {
		// The uploads first (CommitTree waits for them too): the time is
		// the tree's.
		if err := fs.Sync(ctx); err != nil {
			return commitFigures{}, err
		}
		runtime.GC()
		p := watchHeap()
		start := time.Now()
		tc, err := fs.CommitTree(ctx)
		d := time.Since(start)
		peak, cpu := p.stop()
		if err != nil {
			return commitFigures{}, fmt.Errorf("commit %q: %w", name, err)
		}
		if tc.Seq != last.Seq+1 {
			return commitFigures{}, fmt.Errorf("commit %q: sequence %d after %d: nothing was written", name, tc.Seq, last.Seq)
		}
		last = tc
		f := commitFigures{Name: name, Nodes: tc.Nodes, Bytes: tc.Loc.Off + tc.Loc.Len, Record: tc.Loc.Len, Files: tc.Files, Time: d, CPU: cpu, PeakHeap: peak}
		c.logf("commit %q: %d nodes, %d bytes in %v", name, f.Nodes, f.Bytes, d.Round(time.Millisecond))
		return f, nil
	}
	first, err := commit("first (whole tree)")
	if err != nil {
		return nil, err
	}
	r.Commits = append(r.Commits, first)

	// One photo rewritten (an editor saving it) deep in the tree.
	mid := len(lib.albums) / 2
	ino, err := pick(ctx, fs, lib.albums[mid], 0.5)
	if err != nil {
		return nil, err
	}
	if err := rewrite(ctx, fs, ino, 400_000); err != nil {
		return nil, err
	}
	one, err := commit("one file rewritten")
	if err != nil {
		return nil, err
	}
	one.Files = 0
	r.Commits = append(r.Commits, one)

	// One photo's mode changed.
	if ino, err = pick(ctx, fs, lib.albums[len(lib.albums)/4], 0.3); err != nil {
		return nil, err
	}
	mode := uint32(0o600)
	if _, err := fs.SetAttr(ctx, ino, index.AttrUpdate{Mode: &mode}); err != nil {
		return nil, err
	}
	chmod, err := commit("one file's mode changed")
	if err != nil {
		return nil, err
	}
	chmod.Files = 0
	r.Commits = append(r.Commits, chmod)

	// 1,000 photos added to one album (stored, as after their uploads).
	album := lib.albums[len(lib.albums)*3/4]
	for i := range 1000 {
		if _, err := lib.file(ctx, album, time.Date(2026, 11, 30, 10, 0, i, 0, time.UTC)); err != nil {
			return nil, err
		}
	}
	added, err := commit("1,000 files added to one album")
	if err != nil {
		return nil, err
	}
	added.Files = 0
	r.Commits = append(r.Commits, added)
	if err := fs.Close(time.Second); err != nil {
		return nil, err
	}
	if err := src.Close(); err != nil {
		return nil, err
	}

	// Recovery on a new machine: the last commit's place and the volume
	// key. First the reads alone, then the whole recovery.
	if r.ReadAll, err = readAll(ctx, c, store, keys, last.Loc); err != nil {
		return nil, err
	}
	if r.Recover, r.Restored, r.RecoverClose, err = recoverAll(ctx, c, store, keys, crypt, last.Loc); err != nil {
		return nil, err
	}
	if want := c.Files + 1000; r.Restored.Files != want || r.Restored.Dirs != r.Dirs || r.Restored.Symlinks != r.Symlinks {
		return nil, fmt.Errorf("restored %d files, %d directories, %d symlinks; want %d, %d, %d", r.Restored.Files, r.Restored.Dirs, r.Restored.Symlinks, want, r.Dirs, r.Symlinks)
	}
	c.logf("recovered %d files in %v", r.Restored.Files, r.Recover.Time.Round(time.Millisecond))

	// The nodes a deep change rewrites.
	rd := tree.NewReader(newFetcher(store, 0, 0), nil)
	cm, err := rd.Commit(ctx, last.Loc, keys.Commit)
	if err != nil {
		return nil, err
	}
	loc, kd, p := cm.Root, keys.Root, ""
	for _, name := range append([]string{""}, strings.Split(lib.albumPaths[mid], "/")...) {
		if name != "" {
			e, err := rd.Lookup(ctx, loc, kd, name)
			if err != nil {
				return nil, err
			}
			loc, kd, p = e.Child, e.ChildKey, path.Join(p, name)
		}
		n, err := rd.Node(ctx, loc, kd)
		if err != nil {
			return nil, err
		}
		r.PathNodes = append(r.PathNodes, pathNode{Path: "/" + p, Entries: len(n.Entries), Bytes: loc.Len})
	}

	// A share of the first year: its node's place and key (as a share
	// string carries them), walked by a new reader.
	share, err := rd.Lookup(ctx, cm.Root, keys.Root, fmt.Sprintf("Photos/%d", firstYear))
	if err != nil {
		return nil, err
	}
	if r.Share, err = walk(ctx, c, store, share.Child, share.ChildKey, fmt.Sprintf("share of Photos/%d (walk)", firstYear)); err != nil {
		return nil, err
	}
	c.logf("walked a share of %d files in %v", r.Share.Files, r.Share.Time.Round(time.Millisecond))
	return r, nil
}

// pick returns the file at fraction at of directory dir's entries.
func pick(ctx context.Context, fs *vfs.FS, dir uint64, at float64) (uint64, error) {
	es, err := fs.ReadDir(ctx, dir, "", 100_000)
	if err != nil {
		return 0, err
	}
	if len(es) == 0 {
		return 0, fmt.Errorf("directory %d is empty", dir)
	}
	return es[int(float64(len(es)-1)*at)].Ino, nil
}

// rewrite replaces the content of file ino with n new bytes, as an editor
// saving a photo does (truncate, write, close).
func rewrite(ctx context.Context, fs *vfs.FS, ino uint64, n int) error {
	zero := uint64(0)
	if _, err := fs.SetAttr(ctx, ino, index.AttrUpdate{Size: &zero}); err != nil {
		return err
	}
	h, err := fs.Open(ctx, ino, 1 /* O_WRONLY */)
	if err != nil {
		return err
	}
	defer h.Release(ctx)
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	if _, err := h.WriteAt(ctx, b, 0); err != nil {
		return err
	}
	return h.Flush(ctx)
}

// measureRead runs read with a fresh fetcher after a collection, and
// fills x's time, peak heap, CPU and fetch figures.
func measureRead(c config, store *mem.Store, x *readFigures, read func(f *fetcher) error) error {
	runtime.GC()
	p := watchHeap()
	start := time.Now()
	f := newFetcher(store, c.Latency, c.Bandwidth)
	err := read(f)
	x.Time = time.Since(start)
	x.PeakHeap, x.CPU = p.stop()
	x.Fetches, x.Fetched, x.Verify = f.stats()
	return err
}

// countEntry counts a walked entry in x.
func (x *readFigures) countEntry(_ string, e tree.Entry) error {
	x.Entries++
	if e.Type == index.TypeFile {
		x.Files++
	}
	return nil
}

// readAll reads the commit at loc and every node of its tree with a new
// reader.
func readAll(ctx context.Context, c config, store *mem.Store, keys tree.Keys, loc tree.Loc) (readFigures, error) {
	x := readFigures{Name: "whole tree (commit and every node)"}
	err := measureRead(c, store, &x, func(f *fetcher) error {
		rd := tree.NewReader(f, nil)
		cm, err := rd.Commit(ctx, loc, keys.Commit)
		if err != nil {
			return err
		}
		return rd.Walk(ctx, cm.Root, keys.Root, x.countEntry)
	})
	return x, err
}

// recoverAll is walrusfs recover: the commit read, the index of a new
// data directory rebuilt from it and closed.
func recoverAll(ctx context.Context, c config, store *mem.Store, keys tree.Keys, crypt vfs.Crypt, loc tree.Loc) (readFigures, treebuild.RestoreStats, time.Duration, error) {
	dir := filepath.Join(c.Work, "recovered")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return readFigures{}, treebuild.RestoreStats{}, 0, err
	}
	fig := readFigures{Name: "recover (read, index rebuilt and closed)"}
	var st treebuild.RestoreStats
	var closing time.Duration
	err := measureRead(c, store, &fig, func(f *fetcher) error {
		rd := tree.NewReader(f, nil)
		cm, err := rd.Commit(ctx, loc, keys.Commit)
		if err != nil {
			return err
		}
		x, err := index.Open(filepath.Join(dir, "index.db"), nil)
		if err != nil {
			return err
		}
		st, err = treebuild.Restore(ctx, x, rd, keys, cm, crypt)
		closeStart := time.Now()
		if cerr := x.Close(); err == nil {
			err = cerr
		}
		closing = time.Since(closeStart)
		return err
	})
	fig.Entries, fig.Files = st.Files+st.Dirs+st.Links+st.Symlinks+st.Special, st.Files
	return fig, st, closing, err
}

// walk walks the directory node at loc with a new reader.
func walk(ctx context.Context, c config, store *mem.Store, loc tree.Loc, kd seal.Key, name string) (readFigures, error) {
	x := readFigures{Name: name}
	err := measureRead(c, store, &x, func(f *fetcher) error {
		return tree.NewReader(f, nil).Walk(ctx, loc, kd, x.countEntry)
	})
	return x, err
}

// fetcher reads tree blobs as the Walrus store does: the whole blob once,
// verified against its ID (blobstore/mem re-derives it), then ranges from
// memory. A simulated network delays each whole-blob fetch.
type fetcher struct {
	store     *mem.Store
	latency   time.Duration
	bandwidth float64

	mu      sync.Mutex
	blobs   map[blobid.ID][]byte // GUARDED_BY(mu)
	fetches int                  // GUARDED_BY(mu)
	fetched uint64               // GUARDED_BY(mu)
	verify  time.Duration        // GUARDED_BY(mu)
}

func newFetcher(s *mem.Store, latency time.Duration, bandwidth float64) *fetcher {
	return &fetcher{store: s, latency: latency, bandwidth: bandwidth, blobs: map[blobid.ID][]byte{}}
}

func (f *fetcher) ReadAt(ctx context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[id]
	if !ok {
		size, err := f.size(ctx, id)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if b, err = f.store.Read(ctx, id, 0, size); err != nil {
			return nil, err
		}
		f.verify += time.Since(start)
		d := f.latency
		if f.bandwidth > 0 {
			d += time.Duration(float64(len(b)) / f.bandwidth * float64(time.Second))
		}
		time.Sleep(d)
		f.blobs[id] = b
		f.fetches++
		f.fetched += uint64(len(b))
	}
	if off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil, fmt.Errorf("blob %s: %d bytes at %d beyond its %d bytes", id, n, off, len(b))
	}
	return b[off : off+n], nil
}

// size returns the size of blob id (the Walrus store learns it from the
// blob's metadata; here from the list, which does not verify).
func (f *fetcher) size(ctx context.Context, id blobid.ID) (int64, error) {
	size := int64(-1)
	err := f.store.List(ctx, func(in blobstore.Info) error {
		if in.ID == id {
			size = int64(in.Size)
		}
		return nil
	})
	if err == nil && size < 0 {
		err = fmt.Errorf("blob %s: %w", id, blobstore.ErrNotFound)
	}
	return size, err
}

func (f *fetcher) stats() (int, uint64, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches, f.fetched, f.verify
}

// heapWatch samples the heap (live objects and garbage not yet
// collected) until stopped, and the CPU time of the phase.
type heapWatch struct {
	base uint64
	cpu  time.Duration // CPU time of the process at the start
	peak atomic.Uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func watchHeap() *heapWatch {
	w := &heapWatch{done: make(chan struct{})}
	w.sample()
	w.base = w.peak.Load()
	w.cpu = cpuTime()
	w.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				w.sample()
			}
		}
	})
	return w
}

var heapMetric = "/memory/classes/heap/objects:bytes"

func (w *heapWatch) sample() {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if v := s[0].Value.Uint64(); v > w.peak.Load() {
		w.peak.Store(v)
	}
}

// stop returns the heap's peak growth and the CPU time the process used
// (all goroutines, the collector's included) since watchHeap.
func (w *heapWatch) stop() (uint64, time.Duration) {
	close(w.done)
	w.wg.Wait()
	w.sample()
	return w.peak.Load() - w.base, cpuTime() - w.cpu
}

// cpuTime is the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
