package walrus

import (
	"container/list"
	"context"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
)

// blobCache is a byte-bounded LRU of verified whole blobs. Only bytes
// whose blob ID was re-derived locally are ever added, so serving ranges
// from it keeps the "no aggregator is trusted" guarantee.
type blobCache struct {
	mu    sync.Mutex
	max   int64                       // bytes; < 0 disables
	used  int64                       // GUARDED_BY(mu)
	ll    *list.List                  // GUARDED_BY(mu); front = most recent; values *cacheEntry
	items map[blobid.ID]*list.Element // GUARDED_BY(mu)
	sizes map[blobid.ID]uint64        // GUARDED_BY(mu); unverified sizes (TrustAggregator)
}

type cacheEntry struct {
	id   blobid.ID
	data []byte // never modified after insertion
}

// entryOverhead is charged per entry so empty blobs still count.
const entryOverhead = 128

// maxSizes bounds the map of sizes learnt from Content-Range headers.
const maxSizes = 4096

func newBlobCache(max int64) *blobCache {
	return &blobCache{max: max, ll: list.New(), items: map[blobid.ID]*list.Element{}, sizes: map[blobid.ID]uint64{}}
}

func (c *blobCache) get(id blobid.ID) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).data, true
}

// add inserts verified data; a blob larger than the whole cache is not kept.
func (c *blobCache) add(id blobid.ID, data []byte) {
	cost := int64(len(data)) + entryOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max < 0 || cost > c.max {
		return
	}
	if e, ok := c.items[id]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.items[id] = c.ll.PushFront(&cacheEntry{id: id, data: data})
	c.used += cost
	for c.used > c.max {
		last := c.ll.Back()
		ent := last.Value.(*cacheEntry)
		c.ll.Remove(last)
		delete(c.items, ent.id)
		c.used -= int64(len(ent.data)) + entryOverhead
	}
}

func (c *blobCache) remove(id blobid.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sizes, id)
	if e, ok := c.items[id]; ok {
		c.ll.Remove(e)
		delete(c.items, id)
		c.used -= int64(len(e.Value.(*cacheEntry).data)) + entryOverhead
	}
}

// size returns a blob's size from a cached blob or an unverified size.
func (c *blobCache) size(id blobid.ID) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		return uint64(len(e.Value.(*cacheEntry).data)), true
	}
	s, ok := c.sizes[id]
	return s, ok
}

func (c *blobCache) setSize(id blobid.ID, size uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sizes) >= maxSizes {
		for k := range c.sizes { // drop an arbitrary one
			delete(c.sizes, k)
			break
		}
	}
	c.sizes[id] = size
}

// flight deduplicates concurrent fetches of one blob.
type flight struct {
	mu    sync.Mutex
	calls map[blobid.ID]*call // GUARDED_BY(mu)
}

type call struct {
	done chan struct{}
	data []byte
	err  error
}

// do runs fn once for id among concurrent callers. A caller whose own ctx
// is live but who got another caller's cancellation runs fn again.
func (f *flight) do(ctx context.Context, id blobid.ID, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = map[blobid.ID]*call{}
		}
		c, ok := f.calls[id]
		if !ok {
			c = &call{done: make(chan struct{})}
			f.calls[id] = c
			f.mu.Unlock()
			c.data, c.err = fn(ctx)
			f.mu.Lock()
			delete(f.calls, id)
			f.mu.Unlock()
			close(c.done)
			return c.data, c.err
		}
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
		}
		if c.err != nil && ctx.Err() == nil && (errorsIsCtx(c.err)) {
			continue
		}
		return c.data, c.err
	}
}
