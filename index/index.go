package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors. Methods wrap them with context (operation, inode, name);
// test with errors.Is. The fs layer maps them to errno in one place.
var (
	ErrNotFound    = errors.New("not found")                        // no such inode, entry, xattr or blob
	ErrExist       = errors.New("already exists")                   // name, xattr (create flag) or NOREPLACE target exists
	ErrNotEmpty    = errors.New("directory not empty")              // rmdir or rename over a non-empty directory
	ErrNotDir      = errors.New("not a directory")                  // a directory was required
	ErrIsDir       = errors.New("is a directory")                   // a non-directory was required
	ErrLocked      = errors.New("index locked by another process")  // bbolt file lock not obtained within Options.Timeout
	ErrStale       = errors.New("stale generation")                 // CommitUpload: file changed since BeginUpload
	ErrCorrupt     = errors.New("index corrupt")                    // undecodable record or broken invariant
	ErrNameTooLong = errors.New("name too long")                    // name or xattr name > 255 bytes, target > 4095
	ErrInvalid     = errors.New("invalid argument")                 // bad name, flags, sizes, or a move into own subtree
	ErrVersion     = errors.New("unsupported index schema version") // the file was written by a newer walrusfs
)

// Defaults used when an Options field is zero.
const (
	DefaultTimeout   = 500 * time.Millisecond
	DefaultChunkSize = 16 << 20
)

// Options configures Open. A nil *Options means all defaults.
type Options struct {
	// Timeout bounds the wait for bbolt's exclusive file lock. A second
	// daemon on the same file fails after it with an error wrapping
	// ErrLocked. Zero means DefaultTimeout (never "wait forever").
	Timeout time.Duration
	// Logger receives rare debug/info lines (schema init, crash leftovers).
	// Nil discards.
	Logger *slog.Logger
	// Clock returns the current time for timestamps and the blob deletion
	// list. Nil means time.Now. It must be safe for concurrent use.
	Clock func() time.Time
	// ChunkSize is the chunk size given to regular files created from now
	// on; each file keeps its own. Zero means DefaultChunkSize.
	ChunkSize uint64
	// RootUID and RootGID own the root directory of a newly initialised
	// index. Nil means the process's uid/gid. Ignored for existing files.
	RootUID, RootGID *uint32
	// NoSync skips fdatasync on commit (bbolt NoSync). Only for tests and
	// for daemons that call Sync themselves: a power cut can lose or
	// corrupt the last transactions.
	NoSync bool
}

// Index is the daemon's metadata store. All methods are safe for concurrent
// use; each one is a single bbolt transaction (so writers are serialised by
// bbolt and readers see a consistent snapshot). Returned values are copies.
type Index struct {
	db        *bolt.DB
	path      string
	log       *slog.Logger
	clock     func() time.Time
	chunkSize uint64
}

// Open opens or creates the index at path. A new file is initialised with
// the current schema and the root directory (inode 1, mode 0755). An index
// written by a newer schema fails with ErrVersion; a file whose lock is held
// by another process fails with ErrLocked after o.Timeout.
func Open(path string, o *Options) (*Index, error) {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.ChunkSize == 0 {
		opt.ChunkSize = DefaultChunkSize
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout, NoSync: opt.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("index: open %s: file lock still held after %v (is another walrusfs daemon using this data directory?): %w",
			path, opt.Timeout, ErrLocked)
	}
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrVersionMismatch) || errors.Is(err, bolterrors.ErrChecksum) {
		return nil, fmt.Errorf("index: open %s: not a readable bbolt file (%v): %w", path, err, ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	x := &Index{db: db, path: path, log: opt.Logger, clock: opt.Clock, chunkSize: opt.ChunkSize}
	if err := x.initSchema(&opt); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	return x, nil
}

// Close releases the file and its lock. Methods called afterwards fail.
func (x *Index) Close() error { return x.db.Close() }

// Path returns the file path given to Open.
func (x *Index) Path() string { return x.path }

// Sync forces the file to disk; only needed with Options.NoSync.
func (x *Index) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return x.db.Sync()
}

// initSchema creates the buckets and root of an empty file, or validates the
// version of an existing one.
func (x *Index) initSchema(o *Options) error {
	return x.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if n := countBuckets(tx); n != 0 {
				return fmt.Errorf("%d buckets but no meta bucket: %w", n, ErrCorrupt)
			}
			return x.create(tx, o)
		}
		v, err := getU64(meta.Get(metaVersion))
		if err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		if v > schemaVersion {
			return fmt.Errorf("schema version %d, this walrusfs supports up to %d; upgrade walrusfs: %w",
				v, schemaVersion, ErrVersion)
		}
		if v < schemaVersion {
			return fmt.Errorf("schema version %d has no migration to %d: %w", v, schemaVersion, ErrVersion)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %q missing: %w", b, ErrCorrupt)
			}
		}
		if n := tx.Bucket(bucketOrphans).Stats().KeyN; n > 0 {
			x.log.Info("index: orphaned inodes left from a previous run", "count", n)
		}
		return nil
	})
}

func countBuckets(tx *bolt.Tx) int {
	n := 0
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error { n++; return nil })
	return n
}

// create initialises a new file: every bucket, the version, the counters and
// the root directory.
func (x *Index) create(tx *bolt.Tx, o *Options) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if o.RootUID != nil {
		uid = *o.RootUID
	}
	if o.RootGID != nil {
		gid = *o.RootGID
	}
	now := x.clock()
	root := Attr{Ino: RootIno, Type: TypeDir, Mode: 0o755, Uid: uid, Gid: gid, Nlink: 2,
		Atime: now, Mtime: now, Ctime: now, Generation: 1, Parent: RootIno}
	t := &txn{tx: tx, now: now}
	if err := tx.Bucket(bucketInodes).SetSequence(RootIno); err != nil {
		return err
	}
	if err := t.putInode(&root); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	for k, v := range map[string]uint64{string(metaVersion): schemaVersion, string(metaInodes): 1, string(metaBytes): 0} {
		if err := meta.Put([]byte(k), u64(v)); err != nil {
			return err
		}
	}
	x.log.Debug("index: initialised new index", "path", x.path, "schema", schemaVersion)
	return nil
}

// txn carries one bbolt transaction and the time captured when it started,
// so every timestamp written by one operation is identical.
type txn struct {
	tx  *bolt.Tx
	now time.Time
}

func (t *txn) bucket(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

// view runs fn in a read-only transaction after checking ctx. fn must not do
// I/O and must copy anything it returns (bbolt memory is only valid inside).
func (x *Index) view(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return x.db.View(func(tx *bolt.Tx) error { return fn(&txn{tx: tx, now: x.clock()}) })
}

// update runs fn in a read-write transaction after checking ctx; an error
// from fn rolls everything back. Update (not Batch) is used on purpose: Batch
// adds up to 10 ms of latency to every lone metadata operation.
func (x *Index) update(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return x.db.Update(func(tx *bolt.Tx) error { return fn(&txn{tx: tx, now: x.clock()}) })
}

// addCounter adds delta (may be negative) to a meta counter.
func (t *txn) addCounter(key []byte, delta int64) error {
	if delta == 0 {
		return nil
	}
	meta := t.bucket(bucketMeta)
	v, err := getU64(meta.Get(key))
	if err != nil {
		return err
	}
	return meta.Put(key, u64(uint64(int64(v)+delta)))
}
