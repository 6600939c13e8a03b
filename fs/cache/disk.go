package cache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/walrusfs/walrusfs/blobstore"
)

// On-disk layout (see doc.go):
//
//	<dir>/v1-<BlockSize>/<hex[0:2]>/<hex of blob ID>/<block index>
//	<dir>/v1-<BlockSize>/<hex[0:2]>/<hex of blob ID>/<block index>.<random>.tmp   (being written)
const (
	layoutPrefix = "v1-"
	tmpSuffix    = ".tmp"
)

func (c *Cache) blobDir(id blobstore.ID) string {
	h := hex.EncodeToString(id[:])
	return filepath.Join(c.root, h[:2], h)
}

func (c *Cache) blockPath(k key) string {
	return filepath.Join(c.blobDir(k.id), strconv.FormatInt(k.idx, 10))
}

// writeBlock stores a block under a temporary name, then renames it into
// place, so that a process that dies mid-write never leaves a partial
// block under a block name. There is no fsync: a machine that goes down
// can leave a block of the right size full of zeros, and the boot-ID
// marker (marker.go) then makes the next New delete every block.
//
// With direct (a block of a sequential stream), a whole, aligned
// block is written with O_DIRECT where the file system allows it (see
// writeFile).
func (c *Cache) writeBlock(k key, data []byte, direct bool) error {
	dir := c.blobDir(k.id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, strconv.FormatInt(k.idx, 10)+"."+strconv.FormatUint(rand.Uint64(), 36)+tmpSuffix)
	if err := c.writeFile(tmp, data, direct); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, c.blockPath(k))
}

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

// writeFile creates path (which must not exist) holding data. With
// direct, data that is a multiple of directAlign in a buffer aligned to
// it (whole blocks are: the Go heap puts large objects on page
// boundaries) is written with O_DIRECT: the bytes go from our buffer to
// the disk without a copy into the page cache, which was a quarter of a
// cold read's CPU. It is meant for streams: the reader the read-ahead
// was for gets the block from memory (Cache.hot), and a later reader
// from disk, then from the page cache. Blocks fetched on demand (random
// access, likely to be read again soon) go through the page cache. A
// file system that refuses O_DIRECT is remembered and written through the
// page cache from then on, and so are blocks beyond maxDirectWrites.
func (c *Cache) writeFile(path string, data []byte, direct bool) error {
	if direct && c.direct.Load() != directUnsupported && len(data) > 0 && len(data)%directAlign == 0 &&
		uintptr(unsafe.Pointer(&data[0]))%directAlign == 0 && c.takeDirectSlot() {
		err := writeOnce(path, data, syscall.O_DIRECT)
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
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return writeOnce(path, data, 0)
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

// writeOnce creates path with the extra open flags and writes data.
func writeOnce(path string, data []byte, flags int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|flags, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// found is a block file indexed at start.
type found struct {
	k     key
	size  int64
	mtime time.Time
}

// load creates the layout directory, removes what a previous run may
// have left that cannot be used (temporary files, stray names, blocks of
// an impossible size, layouts of another block size) and indexes the
// remaining blocks, oldest written at the cold end of the LRU. It then
// evicts down to MaxBytes in case the cap was lowered.
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
		if strings.HasPrefix(t.Name(), layoutPrefix) && t.Name() != name {
			c.log.Info("cache: removing blocks of another block size", "dir", t.Name())
			if err := os.RemoveAll(filepath.Join(dir, t.Name())); err != nil {
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
		bdirs, err := os.ReadDir(ppath)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		for _, b := range bdirs {
			bpath := filepath.Join(ppath, b.Name())
			raw, herr := hex.DecodeString(b.Name())
			if !b.IsDir() || herr != nil || len(raw) != len(blobstore.ID{}) || b.Name()[:2] != p.Name() {
				junk(bpath)
				continue
			}
			id := blobstore.ID(raw)
			files, err := os.ReadDir(bpath)
			if err != nil {
				return fmt.Errorf("cache: %w", err)
			}
			kept := 0
			for _, f := range files {
				fpath := filepath.Join(bpath, f.Name())
				idx, perr := strconv.ParseInt(f.Name(), 10, 64)
				info, ierr := f.Info()
				if perr != nil || idx < 0 || ierr != nil || !info.Mode().IsRegular() ||
					info.Size() <= 0 || info.Size() > c.bs {
					junk(fpath) // temp files from a crash land here too
					continue
				}
				kept++
				blocks = append(blocks, found{key{id, idx}, info.Size(), info.ModTime()})
			}
			if kept == 0 {
				_ = os.Remove(bpath)
			}
		}
	}

	slices.SortFunc(blocks, func(a, b found) int { return a.mtime.Compare(b.mtime) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range blocks {
		e := &entry{key: b.k, size: b.size, state: stPresent}
		c.linkLocked(e)
		e.elem = c.lru.PushFront(e)
		c.used += b.size
	}
	for c.used > c.maxBytes {
		c.removeLocked(c.lru.Back().Value.(*entry))
		c.st.Evictions++
	}
	c.log.Info("cache: opened", "dir", c.root, "blocks", c.lru.Len(), "bytes", c.used,
		"max_bytes", c.maxBytes, "removed_stale", removed)
	return nil
}
