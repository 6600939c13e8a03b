// Package cache is the streaming read cache between the mount and the
// blob store: a disk cache of fixed-size blocks of immutable Walrus blobs,
// with a hard size cap, per-block singleflight and per-handle read-ahead.
//
// # Why blocks
//
// Every read from the network is verified and costly (tens of ms for the
// first byte locally, seconds on the real network), and the Source can
// fetch any byte range, bringing only the rows it needs. So the unit of
// caching is a block of Options.BlockSize (1 MiB by default) aligned
// within its blob: a 4 KiB random read in a 4 GiB file fetches one block,
// never the whole blob, and a video editor scrubbing waits for one block.
// The last block of a blob is short and is accounted at its exact size.
//
// # Only verified bytes, never wrong bytes
//
// Bytes enter the cache only from a successful Source.Read of exactly the
// block's length. A failed or wrong-sized answer is returned to the
// readers (wrapped with %w, so errors.Is(err, blobstore.ErrUnavailable)
// works) and is never stored nor remembered: the next read asks the
// Source again. There are no retries here; the store has its own.
//
// Blocks live in one sparse file per blob, each at its place after a
// header of per-block lengths (see disk.go): the bytes are written, then
// the block's length in the header, so a process that dies mid-write
// never leaves a length naming bytes that are not all there. Eviction
// clears the length, then punches the bytes out (fallocate); the file goes
// with its last block. One file per blob rather than per block: on ext4,
// creating a file soon after others were deleted scans past every
// recently deleted inode, and a cache at its cap deletes as it fills; one
// create per 1 MiB block cost a quarter of a cold read's CPU. Blocks of a
// sequential stream (read-ahead, or a Reader's sequential reads) are
// written with O_DIRECT when whole and aligned and the file system allows
// it: the reader gets them from memory anyway, and copying a streamed file
// into the page cache as well cost a quarter of a cold read's CPU. Blocks
// fetched by random access go through the page cache, where a re-read
// finds them. On start, New deletes files without the header's magic,
// clears lengths that cannot be right (longer than a block, past the end
// of the file), indexes the rest (least recently written files first in
// line for eviction), and drops a block whose size does not match the
// blob size a reader gives. Blobs are immutable, so a cached block never
// goes stale; Invalidate exists for blobs that were deleted.
//
// # Crashes
//
// Blocks are not fsynced one by one (that cost a tenth of a cold read's
// CPU). Without it, a machine that goes down can leave a block whose
// length is recorded but whose bytes are zeros, which must never be
// served. So New
// creates an empty marker file, <dir>/open-<boot ID> (the Linux kernel's
// /proc/sys/kernel/random/boot_id; empty, so it never counts against the
// cap), durably before any block is written, and Close syncs the file
// system (syncfs) and then removes it. At New:
//
//   - no marker: the last run closed cleanly; every block is durable.
//   - a marker of this boot: only the process died; the kernel still has
//     every byte it wrote (a recorded length means complete bytes), so
//     blocks are kept.
//   - a marker of another boot: the machine went down with the cache
//     open; every block is deleted (and logged), then the old marker.
//     It is only a cache. Without a boot ID (not Linux) every unclean end
//     counts as this case.
//
// Layout: <dir>/v2-<BlockSize>/<hex[0:2]>/<hex of blob ID>. The block
// size is part of the path; layouts of another block size, and the
// one-file-per-block layout of earlier versions (v1-), are deleted at
// start.
//
// # The cap
//
// Options.MaxBytes bounds the bytes the disk holds for files under dir at
// every instant, not only between sweeps (the rclone and mountpoint-s3
// complaint). A block counts in whole 4 KiB file system blocks; a blob
// file also counts its header pages and room for its extent tree
// (fileOverhead: 8 KiB for a file of up to 340 blocks). On a file system
// that cannot punch holes, evicted bytes stay counted until their whole
// file goes.
//
// Admission is checked when a fetched block is about to be written: the
// writer reserves its size, evicting least recently used blocks first,
// and only then writes. Blocks being read are pinned (a
// reference count) and never evicted; if everything else is pinned or
// being written, the block is served from memory and not stored. The
// writer punches its victims' bytes out itself, outside the cache lock
// (about half a millisecond per block on ext4: under the lock, a cold read
// with a full cache ran at about 520 MB/s instead of 720). The
// victims leave the LRU at once but stay in the index, marked evicting
// (a read of one goes to the Source uncached, and nobody writes its slot),
// and their bytes stay counted until they are gone; only then does the
// writer reserve, so no other writer can use the space before it is
// really free. A writer that finds no room while others are evicting
// waits for them and looks again. Emptied files are unlinked under the
// lock.
//
// # Concurrency and cancellation
//
// Concurrent reads of one block share one Source read (singleflight). The
// read runs in its own goroutine under a context detached from every
// reader: a reader whose ctx ends returns ctx.Err() at once and the fetch
// goes on for the others; when the last waiter leaves, the fetch is
// cancelled and forgotten, so a later reader starts afresh. Close cancels
// every fetch. Waiters get the bytes from memory as soon as they arrive;
// the disk write happens afterwards and nobody waits for it.
//
// # Read-ahead
//
// A Reader is the stream state of one open file handle. Its window starts
// at 0, becomes one block on the second sequential read and doubles on
// each further one, up to min(MaxReadAhead, MaxBytes/4) so that read-ahead
// cannot evict the blocks the reader is about to use. Read-ahead fetches
// are registered synchronously (a read arriving next joins them) and run
// under the Reader's read-ahead context: a seek resets the window to 0 and
// cancels them. At most Options.ReadAheadFetches of them run at once, in
// the order they were asked for, so a wide window does not slow down the
// block the reader needs next. Read-ahead shares the cache with
// everyone, so reopening a file (as players do) finds its blocks.
//
// Reader.Close of a Reader in a sequential stream parks the stream for a
// grace period (DefaultParkGrace) instead of cancelling it: a NewReader
// of the same blob takes it over, window and fetches in flight. The mount
// has one Reader per blob per handle, and a file is many blobs (chunks):
// Reader.Spill says when the window reaches past the end of the blob, and
// the mount then Seeds a Reader of the next chunk's blob and closes it,
// so that read-ahead flows on across chunks. Unclaimed streams are
// cancelled when the grace period ends.
//
// # Performance
//
// A cached read costs a map lookup under the lock, then open, pread and
// close of the blob file outside it: about 15 µs p50 for 4 KiB
// (BenchmarkCachedRandomRead4K). Multi-block reads fetch their blocks in
// parallel.
//
// # Not done here
//
// There is no checksum of blocks at rest: bytes on the local disk are
// trusted once written (see Crashes). The cache does not know about files,
// only blobs; mapping file extents to blob ranges is the caller's job.
package cache
