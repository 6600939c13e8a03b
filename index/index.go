package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
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
	// NoSync skips every fdatasync (journal and bbolt). Only for tests: a
	// power cut can lose or corrupt the last transactions.
	NoSync bool
	// CheckpointInterval is the longest the journal goes without being
	// folded into the bbolt file while something changed. Zero means
	// DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// CheckpointQuiet: a checkpoint is made as soon as no operation came
	// for this long. Zero means DefaultCheckpointQuiet.
	CheckpointQuiet time.Duration
	// SyncInterval bounds how long an operation that returned stays
	// undurable without a Sync: the journal is fdatasynced that long
	// after the first undurable operation. Zero means DefaultSyncInterval.
	SyncInterval time.Duration
	// Manual turns the background checkpoints and syncs off: only Sync,
	// Checkpoint, Close and a journal past its size limit make operations
	// durable. For tests that count what is durable.
	Manual bool
}

// Index is the daemon's metadata store. All methods are safe for concurrent
// use; each one is atomic (on error nothing changed). See journal.go: every
// operation runs under mu inside one long-lived bbolt write transaction and
// is journaled; a checkpoint commits that transaction. Returned values are
// copies.
type Index struct {
	path      string
	log       *slog.Logger
	clock     func() time.Time
	chunkSize uint64
	noSync    bool
	interval  time.Duration // longest time between checkpoints while something changed
	quiet     time.Duration // checkpoint once no operation came for this long
	syncEvery time.Duration // fdatasync the journal this long after the first undurable operation
	manual    bool          // no background checkpoints or syncs

	mu      sync.Mutex // guards everything below and every use of tx
	db      *bolt.DB
	tx      *bolt.Tx // the open write transaction; nil once closed
	jr      *journal
	written uint64 // records appended since Open (all generations)
	recBuf  []byte // the last operation's journal payload buffer, for the next one
	broken  error  // set when the transaction could not be kept consistent
	closing bool   // Close has begun
	// lastOp is when the last journaled operation returned, lastCP when
	// the last checkpoint was made, undurableSince when the oldest
	// operation not yet durable returned (zero: none). Monotonic clock.
	lastOp, lastCP, undurableSince time.Time

	syncMu  sync.Mutex    // serialises journal fdatasyncs
	durable atomic.Uint64 // records known durable (journal synced or committed)

	kick chan struct{} // asks the checkpoint loop for an early checkpoint
	stop chan struct{}
	done chan struct{}
}

// Durability and checkpoint policy (see the Durability section of doc.go).
//
// A checkpoint (bbolt commit: the pages of every change, two fdatasyncs)
// holds the index lock, so every operation waits for it: after 2000 new
// small files it takes 30-60 ms here. It is therefore made when the index
// is quiet (no operation for DefaultCheckpointQuiet), at the latest every
// DefaultCheckpointInterval while something changed, and as soon as the
// journal passes checkpointBytes (which bounds the memory the open
// transaction holds and the replay at start). Durability does not wait
// for it: the journal, fdatasynced without the lock, makes every
// operation durable within DefaultSyncInterval.
const (
	DefaultCheckpointInterval = 30 * time.Second
	DefaultCheckpointQuiet    = 200 * time.Millisecond
	DefaultSyncInterval       = 500 * time.Millisecond
	checkpointBytes           = 32 << 20
	// loopTick is how often the background loop looks.
	loopTick = 50 * time.Millisecond
)

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
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout, NoSync: opt.NoSync, InitialMmapSize: initialMmapSize})
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
	if opt.CheckpointInterval <= 0 {
		opt.CheckpointInterval = DefaultCheckpointInterval
	}
	if opt.CheckpointQuiet <= 0 {
		opt.CheckpointQuiet = DefaultCheckpointQuiet
	}
	if opt.SyncInterval <= 0 {
		opt.SyncInterval = DefaultSyncInterval
	}
	x := &Index{db: db, path: path, log: opt.Logger, clock: opt.Clock, chunkSize: opt.ChunkSize,
		noSync: opt.NoSync, interval: opt.CheckpointInterval, quiet: opt.CheckpointQuiet,
		syncEvery: opt.SyncInterval, manual: opt.Manual, lastCP: time.Now(),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if err := x.initSchema(&opt); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	if err := x.openJournal(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	go x.checkpointLoop()
	return x, nil
}

// JournalPath is where the journal of the index at path lives.
func JournalPath(path string) string { return path + "-journal" }

// openJournal replays the journal records of the generation recorded in the
// file, commits them under the next generation, and opens the long-lived
// write transaction.
func (x *Index) openJournal() error {
	jr, err := openJournal(JournalPath(x.path), x.noSync)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	tx, err := x.db.Begin(true)
	if err != nil {
		_ = jr.close()
		return err
	}
	meta := tx.Bucket(bucketMeta)
	var gen uint64
	if v := meta.Get(metaJournal); v != nil {
		if gen, err = getU64(v); err != nil {
			_ = tx.Rollback()
			_ = jr.close()
			return fmt.Errorf("journal generation: %w", err)
		}
	}
	n, err := jr.replay(gen, func(p []byte) error { return applyRecord(tx, p) })
	if err == nil {
		err = meta.Put(metaJournal, u64(gen+1))
	}
	if err == nil {
		err = tx.Commit()
	} else {
		_ = tx.Rollback()
	}
	if err != nil {
		_ = jr.close()
		return fmt.Errorf("journal replay: %w", err)
	}
	if n > 0 {
		x.log.Info("index: replayed journal", "records", n, "generation", gen)
	}
	jr.reset(gen + 1)
	x.jr = jr
	x.tx, err = x.db.Begin(true)
	if err != nil {
		_ = jr.close()
	}
	return err
}

// Close checkpoints (everything done so far is committed to the bbolt file)
// and releases the files and the lock. Methods called afterwards fail.
func (x *Index) Close() error {
	x.mu.Lock()
	if x.closing {
		x.mu.Unlock()
		return nil
	}
	x.closing = true
	x.mu.Unlock()
	close(x.stop)
	<-x.done
	x.mu.Lock()
	defer x.mu.Unlock()
	var err error
	if x.tx != nil {
		err = x.checkpointLocked()
		if x.tx != nil {
			_ = x.tx.Rollback()
			x.tx = nil
		}
	}
	return errors.Join(err, x.jr.close(), x.db.Close())
}

// Path returns the file path given to Open.
func (x *Index) Path() string { return x.path }

// Sync makes every operation that has returned durable: one fdatasync of
// the journal, shared by concurrent callers; nothing when everything is
// durable already.
func (x *Index) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	target := x.written
	x.mu.Unlock()
	if x.durable.Load() >= target {
		return nil
	}
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	if x.durable.Load() >= target {
		return nil
	}
	x.mu.Lock()
	covered, jr := x.written, x.jr
	x.mu.Unlock()
	if err := jr.sync(); err != nil {
		return fmt.Errorf("index: syncing journal: %w", err)
	}
	x.markDurable(covered)
	x.mu.Lock()
	if x.written == covered {
		x.undurableSince = time.Time{}
	} else {
		// Operations that returned during the fdatasync: they returned
		// by now, so the next sync is due syncEvery from now at most.
		x.undurableSince = time.Now()
	}
	x.mu.Unlock()
	return nil
}

// Undurable is the number of operations that have returned but are not
// durable yet (written to the journal, not synced nor checkpointed).
func (x *Index) Undurable() uint64 {
	x.mu.Lock()
	w := x.written
	x.mu.Unlock()
	return w - min(w, x.durable.Load())
}

// Written is the number of operations that changed the index since it
// was opened: equal values mean nothing changed in between.
func (x *Index) Written() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.written
}

// initialMmapSize is the address space bbolt maps at open (not memory:
// pages are only read in when used). Without it bbolt remaps as the file
// grows, and every remap inside the long-lived write transaction first
// copies every key and value the transaction touched out of the old map
// (node.dereference): in a burst of thousands of new files that was a
// fifth of the index's CPU time.
const initialMmapSize = 1 << 30

func (x *Index) markDurable(n uint64) {
	for {
		d := x.durable.Load()
		if d >= n || x.durable.CompareAndSwap(d, n) {
			return
		}
	}
}

// Checkpoint commits everything journaled so far into the bbolt file and
// starts the journal over. The daemon does this by itself; tests and
// Close call it directly.
func (x *Index) Checkpoint(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.checkpointLocked()
}

func (x *Index) checkpointLocked() error {
	if x.tx == nil {
		return fmt.Errorf("index: closed: %w", ErrInvalid)
	}
	if x.broken != nil {
		return x.broken
	}
	if x.jr.seq == 0 {
		return nil
	}
	gen := x.jr.gen
	if err := x.tx.Bucket(bucketMeta).Put(metaJournal, u64(gen+1)); err != nil {
		return err
	}
	if err := x.tx.Commit(); err != nil {
		// The commit rolled the transaction back; the journal still holds
		// every record, so rebuild the transaction from it.
		x.log.Error("index: checkpoint commit failed; retrying later", "err", err)
		return errors.Join(fmt.Errorf("index: checkpoint: %w", err), x.rebuild(gen))
	}
	x.jr.reset(gen + 1)
	x.markDurable(x.written)
	x.lastCP, x.undurableSince = time.Now(), time.Time{}
	tx, err := x.db.Begin(true)
	if err != nil {
		x.tx = nil
		x.broken = fmt.Errorf("index: cannot begin a transaction after checkpoint: %v: %w", err, ErrCorrupt)
		return x.broken
	}
	x.tx = tx
	return nil
}

// rebuild opens a new transaction and re-applies the current generation's
// journal to it, after the old transaction was lost.
func (x *Index) rebuild(gen uint64) error {
	tx, err := x.db.Begin(true)
	if err == nil {
		var n int
		n, err = x.jr.replay(gen, func(p []byte) error { return applyRecord(tx, p) })
		if err == nil && uint64(n) != x.jr.seq {
			err = fmt.Errorf("journal replay found %d of %d records", n, x.jr.seq)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		x.tx = nil
		x.broken = fmt.Errorf("index: cannot rebuild the transaction from the journal: %v: %w", err, ErrCorrupt)
		return x.broken
	}
	x.tx = tx
	return nil
}

// due says what the background loop must do at now: a checkpoint
// (something is journaled, and the journal asked for one, or the index
// has been quiet, or the last checkpoint is too old) or else a journal
// sync (an operation has been undurable for syncEvery). Caller holds mu.
func (x *Index) due(now time.Time, kicked bool) (checkpoint, sync bool) {
	pending := x.tx != nil && x.broken == nil && x.jr.seq > 0
	if pending && (kicked || !x.manual && (now.Sub(x.lastOp) >= x.quiet || now.Sub(x.lastCP) >= x.interval)) {
		return true, false
	}
	return false, !x.manual && !x.undurableSince.IsZero() && now.Sub(x.undurableSince) >= x.syncEvery
}

func (x *Index) checkpointLoop() {
	defer close(x.done)
	t := time.NewTicker(loopTick)
	defer t.Stop()
	for {
		kicked := false
		select {
		case <-x.stop:
			return
		case <-t.C:
		case <-x.kick:
			kicked = true
		}
		x.mu.Lock()
		checkpoint, sync := x.due(time.Now(), kicked)
		if checkpoint {
			if err := x.checkpointLocked(); err != nil {
				x.log.Error("index: checkpoint", "err", err)
			}
		}
		x.mu.Unlock()
		if sync {
			// Outside the lock: operations go on while the disk flushes.
			if err := x.Sync(context.Background()); err != nil {
				x.log.Error("index: syncing the journal", "err", err)
			}
		}
	}
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
		if v == 1 {
			// Version 2 added the journal (meta "journal.gen", absent =
			// generation 0) and the stagedcopy bucket.
			if _, err := tx.CreateBucket(bucketCopies); err != nil {
				return fmt.Errorf("migrating schema 1 to 2: %w", err)
			}
			if err := meta.Put(metaVersion, u64(2)); err != nil {
				return err
			}
			x.log.Info("index: migrated schema", "from", 1, "to", 2)
			v = 2
		}
		if v == 2 {
			// Version 3 added the special inode types and the inode
			// record version 2 (with the device number). Version 1
			// records stay readable and are rewritten as their inodes
			// change, so nothing is rewritten here; the version only
			// makes an older walrusfs refuse an index that may hold
			// records it cannot read.
			if err := meta.Put(metaVersion, u64(3)); err != nil {
				return err
			}
			x.log.Info("index: migrated schema", "from", 2, "to", 3)
			v = 3
		}
		if v == 3 {
			// Version 4 added sealed extents (a wrapped key after the
			// extent of a stored chunk). Nothing is rewritten; the
			// version makes an older walrusfs refuse the index.
			if err := meta.Put(metaVersion, u64(4)); err != nil {
				return err
			}
			x.log.Info("index: migrated schema", "from", 3, "to", 4)
			v = 4
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
	t := &txn{tx: tx, now: now, ch: &changes{}}
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

// view runs fn as a read-only operation after checking ctx. fn must not do
// I/O and must copy anything it returns (bbolt memory is only valid inside).
func (x *Index) view(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return err
	}
	return fn(&txn{tx: x.tx, now: x.clock()})
}

// update runs fn as a writing operation after checking ctx. On success its
// changes are journaled (written, not synced: see Sync); an error from fn
// or from the journal undoes them.
func (x *Index) update(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return err
	}
	t := &txn{tx: x.tx, now: x.clock(), ch: &changes{rec: recordBuilder{b: x.recBuf[:0]}}}
	defer func() {
		// The payload is in the file (or the operation failed): its
		// buffer can take the next one.
		if cap(t.ch.rec.b) <= maxKeptBuf {
			x.recBuf = t.ch.rec.b[:0]
		}
	}()
	err := fn(t)
	if err == nil && len(t.ch.rec.b) > 0 {
		if err = x.jr.append(t.ch.rec.b); err != nil {
			err = fmt.Errorf("index: writing journal: %w", err)
		} else {
			x.written++
			x.lastOp = time.Now()
			if x.undurableSince.IsZero() {
				x.undurableSince = x.lastOp
			}
			if x.jr.off > checkpointBytes {
				select {
				case x.kick <- struct{}{}:
				default:
				}
			}
		}
	}
	if err != nil {
		if uerr := t.ch.rollback(); uerr != nil {
			x.log.Error("index: undoing a failed operation failed; rebuilding from the journal", "err", uerr)
			_ = x.tx.Rollback()
			_ = x.rebuild(x.jr.gen)
		}
	}
	return err
}

// usable reports why the index cannot run operations, if it cannot.
func (x *Index) usable() error {
	if x.broken != nil {
		return x.broken
	}
	if x.tx == nil {
		return fmt.Errorf("index: closed: %w", ErrInvalid)
	}
	return nil
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
