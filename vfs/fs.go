package vfs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// Defaults used when an Options field is zero.
const (
	DefaultUploadWorkers = 2
	DefaultPackThreshold = 1 << 20          // files up to 1 MiB are packed
	DefaultPackMax       = 16 << 20         // a pack blob is flushed at 16 MiB
	DefaultUploadDelay   = time.Second      // a closed file waits this long for more writes
	DefaultPackDelay     = time.Second      // a pack waits for a pause this long
	DefaultPackMaxWait   = 10 * time.Second // ... but at most this long
	DefaultGCGrace       = 10 * time.Minute
	DefaultGCInterval    = time.Minute
	DefaultRetryBase     = time.Second
	DefaultRetryMax      = 5 * time.Minute
)

// Options configures New. A nil *Options means all defaults; StagingDir is
// the only field without a default.
type Options struct {
	// StagingDir holds one sparse staging file per inode with staged
	// chunks (<data-dir>/staging). Created if missing.
	StagingDir string
	// Cache serves reads of stored chunks (verified bytes, read-ahead).
	// Nil reads the store directly.
	Cache *cache.Cache
	// Logger receives warnings and errors; nil discards.
	Logger *slog.Logger
	// Clock is used for backoff and mtime overlays; nil means time.Now.
	Clock func() time.Time
	// UploadDelay is how long a closed file must stay unchanged before its
	// upload starts (sync, fsync and --sync-uploads do not wait). Zero
	// means DefaultUploadDelay; negative means no delay.
	UploadDelay time.Duration
	// UploadWorkers bounds concurrent uploads (and so upload memory: one
	// chunk per worker).
	UploadWorkers int
	// PackThreshold: a file whose whole content is at most this many
	// bytes (and fits one chunk) is packed with others into one blob.
	PackThreshold int64
	// PackMax is the size at which a pack blob is flushed at once;
	// otherwise it is flushed when no file joined it for PackDelay, or
	// PackMaxWait after its first file, whichever comes first.
	PackMax                int64
	PackDelay, PackMaxWait time.Duration
	// GCGrace is how long a blob stays unreferenced before it is deleted
	// from the store; GCInterval is how often the collector looks.
	GCGrace, GCInterval time.Duration
	// Tree, if set with Crypt, makes CommitTree write the tree to the
	// store (treecommit.go).
	Tree *TreeOptions
	// Crypt, if set, encrypts every chunk this mount stores (see Crypt);
	// nil stores plaintext. Chunks stored either way stay readable.
	Crypt Crypt
	// RepackThreshold is the dead share (bytes no file reads, over the
	// blob's size) at which a blob's live content is copied to a new pack
	// (see repack.go); zero means DefaultRepackThreshold, negative turns
	// periodic repacking off. RepackInterval is how often it looks.
	RepackThreshold float64
	RepackInterval  time.Duration
	// RetryBase and RetryMax bound the exponential backoff of failed
	// uploads. Permanent errors wait at least a quarter of RetryMax.
	RetryBase, RetryMax time.Duration
	// SyncUploads makes close(2) of a written file wait until its upload
	// is committed (or fails).
	SyncUploads bool
	// Durability says what close(2) promises; see Durability.
	Durability Durability
	// ReadOnly refuses every change with ErrReadOnly and runs no
	// uploader, collector or repacker (readonly.go).
	ReadOnly bool
}

// Durability is when a written file becomes durable on the local disk
// (survives a power cut), as opposed to safe from a crash of the daemon,
// which every operation is as soon as it returns (the index journal is
// written to the kernel before it returns, see index/doc.go).
type Durability int

const (
	// DurableOnFsync (the default) is what local filesystems promise:
	// fsync(2), walrusfs sync and SyncUploads make a file durable before
	// they return; close(2) makes it safe from a crash of the daemon at
	// once (its journal records are in the kernel) and the index's
	// background journal sync (index.Options.SyncInterval, 500 ms) makes
	// it durable within a second. Creating many small files does not wait for a
	// device flush per file.
	DurableOnFsync Durability = iota
	// DurableOnClose: close(2) of a written file, like fsync(2), returns
	// only after its data and index entries are on the disk: one device
	// flush (index journal fdatasync) per close.
	DurableOnClose
)

// ParseDurability parses "fsync" (or "", the default) or "close".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "fsync", "":
		return DurableOnFsync, nil
	case "close":
		return DurableOnClose, nil
	}
	return 0, fmt.Errorf("durability %q: want fsync or close", s)
}

func (d Durability) String() string {
	if d == DurableOnFsync {
		return "fsync"
	}
	return "close"
}

// FS is the filesystem core: every operation of the mount, callable
// without a kernel (the go-fuse adapter, package fs, is a thin layer
// over it). It owns the staging files, the per-inode state of open files,
// the uploader and the blob collector. The index is the single source of
// truth; FS keeps in memory only what open files need (see state.go).
type FS struct {
	idx     *index.Index
	store   blobstore.Store
	cache   *cache.Cache
	log     *slog.Logger
	clock   func() time.Time
	opt     Options
	staging string

	mu     sync.Mutex             // protects states; leaf lock (see LOCK ORDERING)
	states map[uint64]*inodeState // GUARDED_BY(mu)
	// dropping holds orphans being deleted (DropOrphan in progress), so
	// an Open racing with the last unlink fails instead of reviving them.
	dropping map[uint64]bool // GUARDED_BY(mu)

	// gcMu serialises blob deletion (Lock) with "Put blob + CommitUpload"
	// (RLock), as index/refs.go requires.
	gcMu sync.RWMutex
	// repackMu makes repacking passes run one at a time; treeMu tree
	// commits.
	repackMu sync.Mutex
	treeMu   sync.Mutex
	// treeHeld is the set of blobs the kept commits of the tree name
	// (treecommit.go): the collector leaves them.
	treeHeld atomic.Pointer[map[blobid.ID]bool]
	// commitWanted counts the CommitTree calls in progress: a pack
	// stored meanwhile may carry the commit (rideCommit).
	commitWanted atomic.Int32

	// forget and epochs are the store's optional interfaces (found with
	// blobstore.As), nil if it has none: the collector forgets instead of
	// deleting, and files get user.walrus.end_epoch.
	forget blobstore.Forgetter
	epochs blobstore.EpochReporter

	sizes blobSizes // memo of blob sizes for the cache
	// sealedBufs recycles the ciphertext buffers of sealed reads.
	sealedBufs sync.Pool
	// pieceBufs recycles the plaintext buffers of pieces opened ahead
	// (crypt_ahead.go).
	pieceBufs sync.Pool
	up        *uploader
}

// New builds an FS over idx and store. It prepares the staging directory,
// drops orphans left by a crash (no handle can be open yet) and reconciles
// staging files with the index. Call Start to run the uploader and the
// collector, and Close when done (the caller closes idx and store).
func New(ctx context.Context, idx *index.Index, store blobstore.Store, o *Options) (*FS, error) {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.StagingDir == "" {
		return nil, errors.New("fs: Options.StagingDir is required")
	}
	setDefaults(&opt)
	if err := os.MkdirAll(opt.StagingDir, 0o700); err != nil {
		return nil, fmt.Errorf("fs: staging directory: %w", err)
	}
	f := &FS{idx: idx, store: store, cache: opt.Cache, log: opt.Logger, clock: opt.Clock, opt: opt,
		staging: opt.StagingDir, states: make(map[uint64]*inodeState), dropping: make(map[uint64]bool)}
	f.sizes.m = make(map[blobid.ID]int64)
	f.forget, _ = blobstore.As[blobstore.Forgetter](store)
	f.epochs, _ = blobstore.As[blobstore.EpochReporter](store)
	if err := f.dropCrashOrphans(ctx); err != nil {
		return nil, err
	}
	if err := f.reconcileStaging(ctx); err != nil {
		return nil, err
	}
	if err := f.initTreeHeld(); err != nil {
		return nil, err
	}
	f.up = newUploader(f)
	return f, nil
}

func setDefaults(o *Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.UploadWorkers <= 0 {
		o.UploadWorkers = DefaultUploadWorkers
	}
	def(&o.PackThreshold, DefaultPackThreshold)
	def(&o.PackMax, DefaultPackMax)
	defD(&o.PackDelay, DefaultPackDelay)
	if o.UploadDelay == 0 {
		o.UploadDelay = DefaultUploadDelay
	}
	defD(&o.PackMaxWait, max(DefaultPackMaxWait, o.PackDelay))
	defD(&o.GCGrace, DefaultGCGrace)
	defD(&o.GCInterval, DefaultGCInterval)
	if o.RepackThreshold == 0 {
		o.RepackThreshold = DefaultRepackThreshold
	}
	defD(&o.RepackInterval, DefaultRepackInterval)
	defD(&o.RetryBase, DefaultRetryBase)
	defD(&o.RetryMax, DefaultRetryMax)
}

// Index returns the index the FS works on.
func (f *FS) Index() *index.Index { return f.idx }

// Start runs the upload workers (first queueing everything the index says
// is staged, e.g. after a crash) and the blob collector. They stop on Close.
func (f *FS) Start(ctx context.Context) error {
	if f.opt.ReadOnly {
		return nil
	}
	q, err := f.idx.UploadQueue(ctx)
	if err != nil {
		return fmt.Errorf("fs: reading the upload queue: %w", err)
	}
	for _, ino := range q {
		f.up.enqueue(ino, true)
	}
	if len(q) > 0 {
		f.log.Info("resuming uploads", "files", len(q))
	}
	f.up.start()
	return nil
}

// Close stops the uploader and the collector. Uploads in flight get up to
// grace to finish; what is left stays queued in the index and resumes on
// the next Start. Dirty metadata of files still open is flushed.
func (f *FS) Close(grace time.Duration) error {
	f.up.stop(grace)
	f.mu.Lock()
	states := make([]*inodeState, 0, len(f.states))
	for _, st := range f.states {
		states = append(states, st)
	}
	f.mu.Unlock()
	var first error
	for _, st := range states {
		st.mu.Lock()
		if err := f.flushDirty(context.Background(), st); err != nil && first == nil {
			first = err
		}
		st.mu.Unlock()
	}
	return first
}

// dropCrashOrphans deletes files unlinked while open, and special files
// unlinked while the kernel held them, before the last stop or crash.
func (f *FS) dropCrashOrphans(ctx context.Context) error {
	orphans, err := f.idx.Orphans(ctx)
	if err != nil {
		return fmt.Errorf("fs: listing orphans: %w", err)
	}
	for _, ino := range orphans {
		if _, err := f.idx.DropOrphan(ctx, ino); err != nil && !errors.Is(err, index.ErrNotFound) {
			return fmt.Errorf("fs: dropping orphan %d: %w", ino, err)
		}
		_ = os.Remove(f.stagingPath(ino))
	}
	if len(orphans) > 0 {
		f.log.Info("dropped inodes unlinked while open before the last stop", "count", len(orphans))
	}
	return nil
}

func (f *FS) stagingPath(ino uint64) string {
	return filepath.Join(f.staging, fmt.Sprintf("%016x", ino))
}

// blobSizes memoises blob sizes (the cache needs the size of the whole
// blob; extents only give a range). Sizes never change for an ID.
type blobSizes struct {
	mu sync.Mutex
	m  map[blobid.ID]int64 // GUARDED_BY(mu)
}

func (b *blobSizes) put(id blobid.ID, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.m) > 1<<16 {
		clear(b.m)
	}
	b.m[id] = n
}

func (b *blobSizes) get(id blobid.ID) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, ok := b.m[id]
	return n, ok
}

// Logger returns the logger of the FS (Options.Logger), for the layers
// around it to log in the same place.
func (f *FS) Logger() *slog.Logger { return f.log }
