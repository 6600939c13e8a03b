package cache

import (
	"container/list"
	"context"

	"github.com/walrusfs/walrusfs/blobid"
)

// key names one block: block idx covers bytes [idx*BlockSize,
// (idx+1)*BlockSize) of blob id.
type key struct {
	id  blobid.ID
	idx int64
}

type state uint8

const (
	stFetching state = iota // a Source read is in flight (f != nil, f.done open)
	stWriting               // fetched; bytes in f.data, being written to disk
	stPresent               // on disk, in the blob file of key.id
	stEvicting              // on disk, being freed (see reserveLocked); read from the Source meanwhile
)

// entry is the state of one block. All fields are GUARDED_BY(Cache.mu).
type entry struct {
	key   key
	size  int64 // exact byte length of the block
	state state
	// pins counts readers reading the block file (stPresent only).
	// INVARIANT: a pinned entry is never evicted nor its file removed.
	pins int
	// invalid marks an entry dropped by Invalidate or found corrupt. It
	// is never served from disk nor stored; it leaves the map (and its
	// file is removed) when it becomes idle. While it is in the map,
	// reads of its key go to the Source uncached.
	invalid bool
	elem    *list.Element // position in Cache.lru; nil unless stPresent && !invalid
	f       *fetch        // non-nil in stFetching and stWriting
	// hot holds the bytes of a block fetched by read-ahead and already
	// on disk, so that the reader the read-ahead was for (which comes
	// soon, in several reads) copies them from memory instead of opening
	// the block file each time. Bounded by Cache.hotMax; nil otherwise.
	hot     []byte
	hotElem *list.Element // position in Cache.hot
}

// fetch is one Source read shared by every waiter (singleflight).
// data and err are set under Cache.mu before done is closed and are
// read-only afterwards, so waiters may read them without the lock once
// done is closed.
type fetch struct {
	done    chan struct{}
	data    []byte
	err     error
	waiters int                // readers (and read-ahead) waiting; GUARDED_BY(Cache.mu)
	cancel  context.CancelFunc // cancels the Source read
}

// lookupLocked returns the entry of k or nil.
func (c *Cache) lookupLocked(k key) *entry {
	return c.blobs[k.id][k.idx]
}

func (c *Cache) linkLocked(e *entry) {
	m := c.blobs[e.key.id]
	if m == nil {
		m = make(map[int64]*entry)
		c.blobs[e.key.id] = m
	}
	m[e.key.idx] = e
}

// unlinkLocked removes e from the index (not from the LRU, not from
// disk).
func (c *Cache) unlinkLocked(e *entry) {
	m := c.blobs[e.key.id]
	if m[e.key.idx] != e {
		return
	}
	delete(m, e.key.idx)
	if len(m) == 0 {
		delete(c.blobs, e.key.id)
	}
}

// removeLocked deletes the bytes of an idle on-disk entry (its blob file
// too if it was the file's last block) and forgets it.
func (c *Cache) removeLocked(e *entry) {
	c.coolLocked(e)
	c.freeBlockLocked(e)
	c.dropClaimLocked(e.key.id)
	if e.elem != nil {
		c.lru.Remove(e.elem)
		e.elem = nil
	}
	c.unlinkLocked(e)
}

// dropLocked invalidates e: removed now if idle on disk, otherwise marked
// invalid and cleaned up by whoever makes it idle.
func (c *Cache) dropLocked(e *entry) {
	c.coolLocked(e)
	if e.state == stPresent && e.pins == 0 {
		c.removeLocked(e)
		return
	}
	e.invalid = true
	if e.elem != nil {
		c.lru.Remove(e.elem)
		e.elem = nil
	}
}

// reserveLocked reserves n more bytes (adds them to used) if they fit
// under the cap. Otherwise it picks unpinned victims from the cold end of
// the LRU whose bytes cover what is missing and returns them, marked
// stEvicting: the caller frees them outside the lock (freeBlocks, then
// evictedLocked) and asks again. Until then their bytes stay counted, as
// they are still on disk, and their entries stay in the index, so that
// nobody writes their slots meanwhile. It returns (false, nil) when n
// cannot fit because the rest is pinned, being written or being evicted
// (then, if c.evicting > 0, the caller may wait on c.evicted and ask
// again: the space others free may be left over once they reserved).
//
// Punching a block out takes about half a millisecond on ext4; under mu
// it stalled every reader and fetch of a cache that was full.
func (c *Cache) reserveLocked(n int64) (bool, []*entry) {
	if n > c.maxBytes {
		return false, nil
	}
	if c.used+n <= c.maxBytes {
		c.used += n
		return true, nil
	}
	var victims []*entry
	freeing := int64(0)
	perFile := map[blobid.ID]int{}
	for v := c.lru.Back(); v != nil && c.used-freeing+n > c.maxBytes; v = v.Prev() {
		if e := v.Value.(*entry); e.pins == 0 {
			victims = append(victims, e)
			freeing += acct(e.size)
			// A file's last claim going takes the file with it: its
			// header, extent-tree room and dead bytes are freed too.
			perFile[e.key.id]++
			if bf := c.files[e.key.id]; perFile[e.key.id] == bf.blocks {
				freeing += bf.overhead + bf.dead
			}
		}
	}
	if c.used-freeing+n > c.maxBytes {
		return false, nil // the rest is pinned: evict nothing
	}
	for _, e := range victims {
		c.coolLocked(e)
		c.lru.Remove(e.elem)
		e.elem = nil
		e.state = stEvicting
	}
	c.evicting += len(victims)
	return false, victims
}

// evictedLocked finishes the eviction of victims (from reserveLocked)
// whose bytes freeBlocks tried to free (freed[i]: see freedLocked).
func (c *Cache) evictedLocked(victims []*entry, freed []bool) {
	for i, e := range victims {
		c.freedLocked(e, freed[i])
		c.dropClaimLocked(e.key.id)
		c.unlinkLocked(e)
		c.st.Evictions++
	}
	c.evicting -= len(victims)
	c.evicted.Broadcast()
}

// heatLocked keeps data, the bytes of on-disk entry e, in memory, within
// hotMax (the oldest hot blocks go first).
func (c *Cache) heatLocked(e *entry, data []byte) {
	if c.hotMax <= 0 || int64(len(data)) > c.hotMax {
		return
	}
	e.hot = data
	e.hotElem = c.hot.PushFront(e)
	c.hotBytes += int64(len(data))
	for c.hotBytes > c.hotMax {
		c.coolLocked(c.hot.Back().Value.(*entry))
	}
}

// coolLocked forgets the in-memory copy of e, if any.
func (c *Cache) coolLocked(e *entry) {
	if e.hotElem == nil {
		return
	}
	c.hot.Remove(e.hotElem)
	c.hotBytes -= int64(len(e.hot))
	e.hot, e.hotElem = nil, nil
}

// release unpins a block after its file was read.
func (c *Cache) release(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.pins--
	if e.pins == 0 && e.invalid {
		c.removeLocked(e)
	}
}

// ref is a block acquired for reading: a pinned on-disk entry, or bytes
// in memory.
type ref struct {
	e    *entry
	data []byte
}
