package cache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// Source is where verified bytes come from. blobstore.Store satisfies it.
//
// Contract: Read returns exactly the bytes [off, off+length) of blob id,
// verified against the blob ID, or an error. It never returns wrong bytes.
// The cache still checks the length and refuses to cache a short answer.
// Read must honour ctx; the cache cancels it when no reader waits any more.
type Source interface {
	Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error)
}

// Defaults used for zero Options fields.
const (
	DefaultMaxBytes     = 1 << 30 // 1 GiB
	DefaultBlockSize    = 1 << 20 // 1 MiB
	DefaultMaxReadAhead = 64 << 20
	// DefaultReadAheadFetches is the default Options.ReadAheadFetches.
	DefaultReadAheadFetches = 8
)

var (
	// ErrClosed is returned by reads on a closed Cache.
	ErrClosed = errors.New("cache: closed")
	// ErrShortRead means the Source returned fewer or more bytes than
	// asked for. Such an answer is never cached.
	ErrShortRead = errors.New("cache: source returned a wrong-sized block")
)

// Options configures a Cache. A nil *Options or a zero field means the
// default.
type Options struct {
	// MaxBytes is a hard cap on the bytes of block files under the cache
	// directory (default 1 GiB). It holds at every instant, including
	// temporary files being written, whatever the number of open files
	// and concurrent reads.
	MaxBytes int64
	// BlockSize is the cache block (default 1 MiB), a multiple of 4 KiB.
	// Blocks are aligned to BlockSize within each blob; the last block of
	// a blob is short.
	BlockSize int64
	// MaxReadAhead caps the read-ahead window of a Reader (default
	// 64 MiB). The window is also capped at MaxBytes/4 so that read-ahead
	// cannot thrash the cache. A negative value disables read-ahead.
	MaxReadAhead int64
	// ReadAheadFetches bounds the read-ahead Source reads running at
	// once (default DefaultReadAheadFetches; negative: no bound). Blocks
	// of the window beyond it wait their turn, in order, so the block a
	// reader needs next is not slowed by dozens of later ones.
	ReadAheadFetches int
	// Logger receives warnings (corrupt or unwritable blocks) and debug
	// lines (fetch timings). Default: discard.
	Logger *slog.Logger
	// Clock is used to time fetches. Default: time.Now.
	Clock func() time.Time
	// BootID returns an ID of the current boot of the machine, to tell
	// a crash of the process (blocks kept) from a crash of the machine
	// (blocks deleted; see the package documentation). Default: the
	// Linux kernel's /proc/sys/kernel/random/boot_id. Tests set it.
	BootID func() (string, error)
}

// Stats is a snapshot of the cache counters. Counters count block
// accesses: a ReadAt spanning three blocks counts three.
type Stats struct {
	Bytes        int64 // bytes of blocks on disk plus reservations for blocks being written; <= MaxBytes
	Blocks       int   // blocks on disk
	Hits         int64 // block accesses served from disk or from a just-fetched block in memory
	Misses       int64 // block accesses that started a Source read
	Joins        int64 // block accesses that waited for a Source read started by someone else
	Fetches      int64 // Source reads started (for readers and for read-ahead)
	FetchedBytes int64 // bytes received from successful Source reads
	ReadAheads   int64 // Source reads started by read-ahead
	Evictions    int64 // blocks removed to make room
	Uncached     int64 // fetched blocks served from memory but not stored (cap full of pinned or written blocks, invalidated key or a block being evicted, disk full)
	Errors       int64 // failed Source reads (errors and wrong sizes)
	InFlight     int   // Source reads in progress
}

// Cache is a disk cache of fixed-size blocks of immutable blobs. It is
// safe for concurrent use. See the package documentation for the design.
//
// LOCK ORDERING: Reader.mu before Cache.mu. Nothing else is ever held
// together with Cache.mu. Cache.mu is never held while calling the
// Source, waiting on a channel, or reading, writing or punching out block
// contents (evictions punch outside it: bytes being evicted stay counted
// in used until they are gone, so the bytes on disk never exceed MaxBytes,
// not even for an instant); it IS held while unlinking emptied blob files
// (os.Remove).
type Cache struct {
	// Immutable after New.
	root     string // <dir>/v2-<BlockSize>
	src      Source
	bs       int64 // block size
	maxBytes int64
	maxRA    int64 // effective read-ahead cap; 0 = disabled
	log      *slog.Logger
	now      func() time.Time
	bootID   func() (string, error)
	marker   string          // path of this run's open marker; set by load
	ctx      context.Context // parent of every fetch; cancelled by Close
	stop     context.CancelFunc
	wg       sync.WaitGroup // fetch and read-ahead goroutines; Add only under mu while !closed
	// direct says whether block files can be written with O_DIRECT
	// (directUnknown until the first whole block is written).
	direct      atomic.Int32
	directSlots chan struct{} // O_DIRECT writes in flight (see maxDirectWrites)
	punchLogged atomic.Bool   // the file system refused to punch a hole (logged once)
	// punchHole frees a block's bytes in its file (punchHole; tests
	// replace it to play a file system without hole punching).
	punchHole func(fd int, off, n int64) error

	mu sync.Mutex
	// blobs indexes every entry by blob then block index. GUARDED_BY(mu)
	// INVARIANT: at most one entry per key; an entry leaves the map only
	// when no goroutine reads its file or writes its path.
	blobs map[blobid.ID]map[int64]*entry
	// lru holds the valid on-disk entries, most recently used at the
	// front, except those being evicted. GUARDED_BY(mu)
	lru *list.List
	// evicting counts the entries being evicted outside the lock (state
	// stEvicting); evicted is signalled (on mu) whenever some finish.
	// GUARDED_BY(mu)
	evicting int
	evicted  *sync.Cond
	// used is the byte count of on-disk entries (valid or not) plus the
	// reservations of entries being written. GUARDED_BY(mu)
	// INVARIANT: used <= maxBytes, and bytes on disk <= used.
	used int64
	// files is the space state of every blob file on disk or being
	// written. GUARDED_BY(mu)
	files  map[blobid.ID]*blobFile
	closed bool  // GUARDED_BY(mu)
	st     Stats // counters; GUARDED_BY(mu)
	// parked holds closed Readers' streams for NewReader to take over;
	// parkOrder is their keys, oldest first. GUARDED_BY(mu)
	parked    map[parkKey]*parked
	parkOrder []parkKey
	// parkGrace is how long a closed Reader's stream waits to be taken
	// over before its read-ahead is cancelled; 0 cancels at Close.
	// Immutable after New (tests set it before any Reader exists).
	parkGrace time.Duration
	// raSlots bounds the read-ahead fetches running at once (nil: no
	// bound). Immutable after New.
	raSlots chan struct{}
	// hot lists the entries whose bytes are kept in memory (entry.hot),
	// most recent at the front; hotBytes is their total, <= hotMax.
	// GUARDED_BY(mu); hotMax immutable after New.
	hot      *list.List
	hotBytes int64
	hotMax   int64
}

// maxHotBytes bounds the read-ahead blocks kept in memory after they
// are written (see entry.hot).
const maxHotBytes = 32 << 20

// DefaultParkGrace is how long the stream of a closed Reader waits for a
// NewReader of the same blob to take it over.
const DefaultParkGrace = 2 * time.Second

// New opens (creating if needed) the cache in dir, normally
// <data-dir>/cache. Blocks left by a previous run are indexed and reused
// (least recently written evicted first); files of the wrong size,
// temporary files left by a crash and layouts of another block size are
// deleted.
func New(dir string, src Source, o *Options) (*Cache, error) {
	var opt Options
	if o != nil {
		opt = *o
	}
	if src == nil {
		return nil, errors.New("cache: nil Source")
	}
	if opt.MaxBytes < 0 || opt.BlockSize < 0 {
		return nil, fmt.Errorf("cache: negative MaxBytes (%d) or BlockSize (%d)", opt.MaxBytes, opt.BlockSize)
	}
	if opt.MaxBytes == 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.BlockSize == 0 {
		opt.BlockSize = DefaultBlockSize
	}
	if opt.BlockSize%fsBlock != 0 {
		// Blocks sit side by side in their blob file, and an evicted one
		// is punched out in whole file system blocks.
		return nil, fmt.Errorf("cache: BlockSize %d is not a multiple of %d", opt.BlockSize, fsBlock)
	}
	if opt.MaxReadAhead == 0 {
		opt.MaxReadAhead = DefaultMaxReadAhead
	}
	if opt.ReadAheadFetches == 0 {
		opt.ReadAheadFetches = DefaultReadAheadFetches
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.BootID == nil {
		opt.BootID = readBootID
	}
	// Read-ahead never takes more than a quarter of the cache, in whole
	// blocks, so that it cannot evict what the reader is about to use.
	ra := min(opt.MaxReadAhead, opt.MaxBytes/4)
	ra -= ra % opt.BlockSize
	ctx, stop := context.WithCancel(context.Background())
	c := &Cache{
		src:       src,
		bs:        opt.BlockSize,
		maxBytes:  opt.MaxBytes,
		maxRA:     max(ra, 0),
		log:       opt.Logger,
		now:       opt.Clock,
		bootID:    opt.BootID,
		ctx:       ctx,
		stop:      stop,
		blobs:     make(map[blobid.ID]map[int64]*entry),
		files:     make(map[blobid.ID]*blobFile),
		punchHole: punchHole,
		lru:       list.New(),
		parked:    make(map[parkKey]*parked),
		parkGrace: DefaultParkGrace,
		hot:       list.New(),
		hotMax:    min(maxHotBytes, ra),

		directSlots: make(chan struct{}, maxDirectWrites),
	}
	c.evicted = sync.NewCond(&c.mu)
	if n := opt.ReadAheadFetches; n > 0 {
		c.raSlots = make(chan struct{}, n)
	}
	if err := c.load(dir); err != nil {
		stop()
		return nil, err
	}
	return c, nil
}

// Close cancels every fetch and read-ahead and waits for their goroutines,
// then makes the blocks durable (syncfs) and marks the cache closed
// cleanly. Blocks on disk stay for the next run. Reads after Close fail
// with ErrClosed. Close is idempotent; only the first call can fail.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	for len(c.parkOrder) > 0 {
		k := c.parkOrder[0]
		p := c.parked[k]
		c.unparkLocked(k)
		p.raCancel()
	}
	c.mu.Unlock()
	c.stop()
	c.wg.Wait()
	return c.closeMarker()
}

// Stats returns a snapshot of the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.st
	s.Bytes = c.used
	s.Blocks = c.lru.Len()
	return s
}

// Invalidate drops every block of blob id, e.g. after the blob was
// deleted. Idle blocks are deleted at once; blocks being read or written
// are deleted as soon as that finishes, and until then reads of them go
// to the Source without caching.
func (c *Cache) Invalidate(id blobid.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.blobs[id] {
		c.dropLocked(e)
	}
}

// BlockSize returns the block size in use.
func (c *Cache) BlockSize() int64 { return c.bs }

// blockLen returns the length of block idx of a blob of blobSize bytes.
func (c *Cache) blockLen(blobSize, idx int64) int64 {
	return min(c.bs, blobSize-idx*c.bs)
}
