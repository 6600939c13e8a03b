package committee

import (
	"container/list"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// metaCache keeps the verified metadata of recently read blobs. Metadata is
// immutable for a blob ID and is only added after Metadata.Check passed, so
// a cached entry can be trusted; it saves one round of metadata requests
// (and the root re-hash) per ranged read, which the mount's block cache
// issues for every block of a file.
type metaCache struct {
	mu    sync.Mutex
	max   int
	order *list.List                  // GUARDED_BY(mu); front = most recent
	items map[blobid.ID]*list.Element // GUARDED_BY(mu)
}

type metaEntry struct {
	id blobid.ID
	m  *rs2.Metadata
}

func newMetaCache(max int) *metaCache {
	return &metaCache{max: max, order: list.New(), items: map[blobid.ID]*list.Element{}}
}

func (c *metaCache) get(id blobid.ID) *rs2.Metadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*metaEntry).m
	}
	return nil
}

func (c *metaCache) put(id blobid.ID, m *rs2.Metadata) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.items[id] = c.order.PushFront(&metaEntry{id, m})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*metaEntry).id)
	}
}

// drop forgets id (after a delete).
func (c *metaCache) drop(id blobid.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.order.Remove(e)
		delete(c.items, id)
	}
}
