package cache

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/walrusfs/walrusfs/blobid"
	"golang.org/x/sys/unix"
)

// On-disk layout (see doc.go):
//
//	<dir>/v2-<BlockSize>/<hex[0:2]>/<hex of blob ID>   one file per blob
//
// A blob file holds the cached blocks of its blob at their places, after a
// header: block i lives at headerSize + i*BlockSize, and the header is the
// 16-byte fileMagic followed by one little-endian uint32 per block, its
// length, 0 when the block is absent. Absent blocks are holes (sparse
// file); an evicted block's bytes are punched out. One file per blob
// instead of one per block: creating a file on ext4 right after others
// were deleted (a cache at its cap evicts as it fills) scans past every
// recently deleted inode, which cost 0.3-0.5 ms per 1 MiB block, a quarter
// of a cold read's CPU.
const (
	layoutPrefix    = "v2-"
	oldLayoutPrefix = "v1-" // one file per block; deleted at start
	headerSize      = 64 << 10
	slotsOff        = 16
	slotSize        = 4
	// maxFileBlocks is how many blocks of one blob can be cached: 16 GiB
	// at 1 MiB blocks (a Walrus blob is at most about 13.6 GiB). Blocks
	// past it are served from memory, uncached.
	maxFileBlocks = (headerSize - slotsOff) / slotSize
)

var fileMagic = [slotsOff]byte{'w', 'a', 'l', 'r', 'u', 's', 'f', 's', ' ', 'c', 'a', 'c', 'h', 'e', ' ', '2'}

func (c *Cache) blobPath(id blobid.ID) string {
	h := hex.EncodeToString(id[:])
	return filepath.Join(c.root, h[:2], h)
}

// dataOff is where block idx starts in its blob file.
func (c *Cache) dataOff(idx int64) int64 { return headerSize + idx*c.bs }

// acct is what a block of size bytes counts against the cap: whole file
// system blocks, as the disk holds it.
func acct(size int64) int64 { return (size + fsBlock - 1) &^ (fsBlock - 1) }

// fsBlock is the allocation unit assumed for accounting (ext4, xfs, btrfs).
const fsBlock = 4096

// fileOverhead is what a blob file with blocks up to idx counts against
// the cap besides its blocks: the header pages holding their slots, and
// room for the file system's extent tree of a sparse file (one 4 KiB
// block maps 340 extents; a file with k blocks has at most k/2+2).
func fileOverhead(idx int64) int64 {
	headerPages := (slotsOff+slotSize*idx)/fsBlock + 1
	return fsBlock * (headerPages + idx/340 + 1)
}

// blobFile is the space state of one blob file. All fields are
// GUARDED_BY(Cache.mu).
type blobFile struct {
	blocks   int   // entries on disk or being written (a claim each)
	overhead int64 // fileOverhead accounted in Cache.used
	// dead counts bytes of evicted blocks that stay in the file because
	// the file system cannot punch holes; they are freed (and
	// accounted) with the whole file.
	dead int64
}

// claimFileLocked counts one more block in the file of id, which keeps
// the file until the claim is dropped (dropClaimLocked). The overhead the
// caller must reserve on top of the block is fileExtraLocked.
func (c *Cache) claimFileLocked(id blobid.ID) {
	bf := c.files[id]
	if bf == nil {
		bf = &blobFile{}
		c.files[id] = bf
	}
	bf.blocks++
}

// fileExtraLocked is the overhead of id's blob file not yet reserved that
// holding block idx needs (its header pages and extent-tree room grow
// with the highest block).
func (c *Cache) fileExtraLocked(id blobid.ID, idx int64) int64 {
	return max(0, fileOverhead(idx)-c.files[id].overhead)
}

// commitClaimLocked records that the overhead from fileExtraLocked was
// reserved.
func (c *Cache) commitClaimLocked(id blobid.ID, extra int64) {
	c.files[id].overhead += extra
}

// dropClaimLocked gives back one block's claim on the file of id; the
// last one deletes the file and frees its overhead.
func (c *Cache) dropClaimLocked(id blobid.ID) {
	bf := c.files[id]
	bf.blocks--
	if bf.blocks > 0 {
		return
	}
	if err := os.Remove(c.blobPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.log.Warn("cache: cannot remove blob file", "blob", id, "err", err)
	}
	c.used -= bf.overhead + bf.dead
	delete(c.files, id)
}

// freeBlockLocked marks block e absent in its file and punches its bytes
// out, then accounts for it. Caller holds mu (so the space is free before
// anyone else can reserve it) and then calls dropClaimLocked.
func (c *Cache) freeBlockLocked(e *entry) {
	c.freedLocked(e, c.freeBlock(e))
}

// freedLocked accounts for block e after freeBlock: its bytes leave used
// if they left the disk, or else stay counted as dead bytes of its file
// until the file goes.
func (c *Cache) freedLocked(e *entry, freed bool) {
	if freed {
		c.used -= acct(e.size)
	} else {
		c.files[e.key.id].dead += acct(e.size)
	}
}

// freeBlocks frees the blocks of victims (see reserveLocked) without
// holding mu, and reports for each whether its bytes left the disk.
func (c *Cache) freeBlocks(victims []*entry) []bool {
	freed := make([]bool, len(victims))
	for i, e := range victims {
		freed[i] = c.freeBlock(e)
	}
	return freed
}

// freeBlock marks block e absent in its file and punches its bytes out.
// It reports whether they left the disk; if not, they stay allocated
// until the whole file goes. It only reads e's key and size, which never
// change, and nobody else writes e's slot meanwhile (e is idle: evicted
// or being removed under mu), so it may run without mu.
func (c *Cache) freeBlock(e *entry) bool {
	a := acct(e.size)
	f, err := os.OpenFile(c.blobPath(e.key.id), os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true // deleted behind our back: nothing left on disk
	}
	if err != nil {
		c.log.Warn("cache: cannot open blob file to evict a block", "blob", e.key.id, "block", e.key.idx, "err", err)
		return false
	}
	defer f.Close()
	var zero [slotSize]byte
	if _, err := f.WriteAt(zero[:], slotsOff+slotSize*e.key.idx); err != nil {
		// The slot still names the block: keep its bytes accounted; the
		// file goes as a whole.
		c.log.Warn("cache: cannot clear block slot", "blob", e.key.id, "block", e.key.idx, "err", err)
		return false
	}
	if err := c.punchHole(int(f.Fd()), c.dataOff(e.key.idx), a); err != nil {
		if c.punchLogged.CompareAndSwap(false, true) {
			c.log.Info("cache: the file system cannot punch holes; evicted blocks are freed with their whole blob file", "dir", c.root, "err", err)
		}
		return false
	}
	return true
}

// punchHole frees bytes [off, off+n) of the file fd without changing its
// size.
func punchHole(fd int, off, n int64) error {
	return unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
}

// writeBlock stores block k in its blob file: the slot is cleared, the
// bytes written at their place, then the slot set to their length, so
// that a process that dies mid-write never leaves a slot naming bytes
// that are not all there. There is no fsync: a machine that goes down can
// leave blocks full of zeros, and the boot-ID marker (marker.go) then
// makes the next New delete every block.
//
// With direct (a block of a sequential stream), a whole, aligned block
// is written with O_DIRECT where the file system allows it (see
// writeData).
func (c *Cache) writeBlock(k key, data []byte, direct bool) error {
	path := c.blobPath(k.id)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var head [slotsOff]byte
	if n, err := f.ReadAt(head[:], 0); n != len(head) || head != fileMagic {
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		// A new file (or one whose magic was lost): concurrent writers
		// of other blocks write the same bytes.
		if _, err := f.WriteAt(fileMagic[:], 0); err != nil {
			return err
		}
	}
	slot := slotsOff + slotSize*k.idx
	var sl [slotSize]byte
	if _, err := f.WriteAt(sl[:], slot); err != nil {
		return err
	}
	if err := c.writeData(f, path, data, c.dataOff(k.idx), direct); err != nil {
		// A full disk, typically: give back whatever part reached the
		// file (the slot is still 0, so nothing names it).
		if perr := c.punchHole(int(f.Fd()), c.dataOff(k.idx), acct(int64(len(data)))); perr == nil {
			return &writeError{err: err, clean: true}
		}
		return err
	}
	binary.LittleEndian.PutUint32(sl[:], uint32(len(data)))
	_, err = f.WriteAt(sl[:], slot)
	return err
}

// writeError is a failed writeBlock whose bytes were all given back to
// the file system (clean), so they need not stay counted.
type writeError struct {
	err   error
	clean bool
}

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// Direct I/O states of Cache.direct.
const (
	directUnknown int32 = iota
	directWorks
	directUnsupported
)

// maxDirectWrites bounds the O_DIRECT writes in flight. Each holds its
// block in memory until the disk has it; past the bound, blocks go
// through the page cache, whose dirty-page throttling bounds them as
// before. Without it, a disk slower than the stream would grow the
// daemon's memory by the difference.
const maxDirectWrites = 16

// directAlign is the alignment O_DIRECT needs of the buffer address and
// length (the logical block size of common disks is 512 or 4096).
const directAlign = 4096

// writeData writes data at off in f (the blob file at path). With
// direct, data that is a multiple of directAlign in a buffer aligned to
// it at an aligned offset (whole blocks are: the Go heap puts large
// objects on page boundaries) is written with O_DIRECT, through a second
// descriptor: the bytes go from our buffer to the disk without a copy
// into the page cache, which was a quarter of a cold read's CPU. It is
// meant for streams: the reader the read-ahead was for gets the block
// from memory (Cache.hot), and a later reader from disk, then from the
// page cache. Blocks fetched on demand (random access, likely to be read
// again soon) go through the page cache. A file system that refuses
// O_DIRECT is remembered and written through the page cache from then
// on, and so are blocks beyond maxDirectWrites.
func (c *Cache) writeData(f *os.File, path string, data []byte, off int64, direct bool) error {
	if direct && c.direct.Load() != directUnsupported && len(data) > 0 && len(data)%directAlign == 0 && off%directAlign == 0 &&
		uintptr(unsafe.Pointer(&data[0]))%directAlign == 0 && c.takeDirectSlot() {
		err := writeDirect(path, data, off)
		<-c.directSlots
		if err == nil {
			c.direct.Store(directWorks)
			return nil
		}
		if !errors.Is(err, syscall.EINVAL) {
			return err
		}
		if c.direct.CompareAndSwap(directUnknown, directUnsupported) {
			c.log.Info("cache: the file system refuses O_DIRECT; writing blocks through the page cache", "dir", c.root, "err", err)
		}
	}
	_, err := f.WriteAt(data, off)
	return err
}

// writeDirect writes data at off in the file at path with O_DIRECT.
func writeDirect(path string, data []byte, off int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// takeDirectSlot takes one of the maxDirectWrites slots if one is free.
func (c *Cache) takeDirectSlot() bool {
	select {
	case c.directSlots <- struct{}{}:
		return true
	default:
		return false
	}
}

// found is a block indexed at start.
type found struct {
	k     key
	size  int64
	mtime time.Time
}

// load creates the layout directory, removes what a previous run may
// have left that cannot be used (stray names, files without the magic,
// slots naming impossible blocks, layouts of another block size or of the
// old one-file-per-block format) and indexes the remaining blocks, least
// recently written blob files at the cold end of the LRU. It then evicts
// down to MaxBytes in case the cap was lowered.
func (c *Cache) load(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	name := layoutPrefix + strconv.FormatInt(c.bs, 10)
	c.root = filepath.Join(dir, name)
	tops, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, t := range tops {
		n := t.Name()
		if (strings.HasPrefix(n, layoutPrefix) && n != name) || strings.HasPrefix(n, oldLayoutPrefix) {
			c.log.Info("cache: removing blocks of another block size or layout", "dir", n)
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("cache: %w", err)
			}
		}
	}
	if err := c.checkMarker(dir, c.root); err != nil {
		return err
	}
	if err := os.MkdirAll(c.root, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}

	var blocks []found
	var removed int
	junk := func(path string) {
		removed++
		if err := os.RemoveAll(path); err != nil {
			c.log.Warn("cache: cannot remove stale file", "path", path, "err", err)
		}
	}
	prefixes, err := os.ReadDir(c.root)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, p := range prefixes {
		ppath := filepath.Join(c.root, p.Name())
		if !p.IsDir() || len(p.Name()) != 2 {
			junk(ppath)
			continue
		}
		files, err := os.ReadDir(ppath)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		for _, b := range files {
			bpath := filepath.Join(ppath, b.Name())
			raw, herr := hex.DecodeString(b.Name())
			if !b.Type().IsRegular() || herr != nil || len(raw) != len(blobid.ID{}) || b.Name()[:2] != p.Name() {
				junk(bpath)
				continue
			}
			got, err := c.loadFile(blobid.ID(raw), bpath)
			if err != nil {
				return err
			}
			if len(got) == 0 {
				junk(bpath)
				continue
			}
			blocks = append(blocks, got...)
		}
	}

	slices.SortStableFunc(blocks, func(a, b found) int { return a.mtime.Compare(b.mtime) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range blocks {
		e := &entry{key: b.k, size: b.size, state: stPresent}
		c.linkLocked(e)
		e.elem = c.lru.PushFront(e)
		c.used += acct(b.size)
	}
	for _, bf := range c.files {
		c.used += bf.overhead + bf.dead
	}
	for c.used > c.maxBytes && c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back().Value.(*entry))
		c.st.Evictions++
	}
	c.log.Info("cache: opened", "dir", c.root, "blocks", c.lru.Len(), "bytes", c.used,
		"max_bytes", c.maxBytes, "removed_stale", removed)
	return nil
}

// loadFile indexes the blocks of the blob file of id at path and records
// its space in c.files (not yet in c.used). Slots naming impossible blocks
// (longer than a block, or past the end of the file) are cleared and
// their bytes punched out. No blocks: the caller deletes the file.
func (c *Cache) loadFile(id blobid.ID, path string) ([]found, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	head := make([]byte, min(headerSize, st.Size))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if len(head) < slotsOff || [slotsOff]byte(head[:slotsOff]) != fileMagic {
		return nil, nil
	}
	mtime := time.Unix(st.Mtim.Unix())
	var out []found
	var sum, maxIdx int64
	for idx := int64(0); slotsOff+slotSize*(idx+1) <= int64(len(head)); idx++ {
		l := int64(binary.LittleEndian.Uint32(head[slotsOff+slotSize*idx:]))
		if l == 0 {
			continue
		}
		if l > c.bs || c.dataOff(idx)+l > st.Size {
			var zero [slotSize]byte
			_, _ = f.WriteAt(zero[:], slotsOff+slotSize*idx)
			_ = c.punchHole(int(f.Fd()), c.dataOff(idx), acct(min(l, c.bs)))
			continue
		}
		out = append(out, found{key{id, idx}, l, mtime})
		sum += acct(l)
		maxIdx = idx
	}
	if len(out) == 0 {
		return nil, nil
	}
	bf := &blobFile{blocks: len(out), overhead: fileOverhead(maxIdx)}
	// Bytes the file holds beyond its blocks and overhead (blocks evicted
	// where holes cannot be punched) count until the file goes.
	if allocated := st.Blocks * 512; allocated > sum+bf.overhead {
		bf.dead = allocated - sum - bf.overhead
	}
	c.files[id] = bf
	return out, nil
}
