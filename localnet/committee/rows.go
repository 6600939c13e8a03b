package committee

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// DefaultRowCacheBytes is the default bound of the verified-row cache.
const DefaultRowCacheBytes = 32 << 20

// rowCache shares primary slivers between ranged reads: the ones being
// fetched (singleflight) and a few recently verified ones (LRU, bounded
// in bytes).
//
// The mount reads blobs in 1 MiB blocks, and a sliver row (S symbols,
// about blob size / P) rarely lines up with a block: without this cache
// the row holding a block boundary is fetched and verified once for each
// of the two blocks, about half of all the rows of a sequential read.
// With it, concurrent reads of one row wait for the same fetch, and a
// later read finds the row verified.
//
// Only slivers that passed VerifySliver against metadata checked against
// the blob ID are ever stored, and a blob ID names immutable content, so a
// cached row is as good as a freshly fetched one. Failed fetches are not
// remembered.
type rowCache struct {
	max int64

	mu     sync.Mutex
	bytes  int64                                // GUARDED_BY(mu): bytes of cached rows; <= max
	order  *list.List                           // GUARDED_BY(mu): *rowEntry, front = most recent
	items  map[rowKey]*list.Element             // GUARDED_BY(mu)
	flight map[rowKey]*rowFlight                // GUARDED_BY(mu)
	stats  struct{ hits, joins, fetches int64 } // GUARDED_BY(mu)
}

type rowKey struct {
	id  blobid.ID
	row int // pair index of a primary sliver
}

type rowEntry struct {
	k rowKey
	s *rs2.Sliver
}

// rowFlight is one fetch of a row shared by every reader that needs it.
// s and err are set before done is closed and read-only afterwards.
type rowFlight struct {
	done chan struct{}
	s    *rs2.Sliver
	err  error
}

func newRowCache(max int64) *rowCache {
	return &rowCache{max: max, order: list.New(), items: map[rowKey]*list.Element{}, flight: map[rowKey]*rowFlight{}}
}

// get returns the verified primary sliver k: from the cache, from a fetch
// of it already in flight, or from fetch(ctx), which must return a sliver
// verified against the blob's metadata. fetch runs in the caller's
// goroutine under the caller's ctx; a caller that joined a fetch whose
// own caller was cancelled fetches the row itself.
func (c *rowCache) get(ctx context.Context, k rowKey, fetch func(context.Context) (*rs2.Sliver, error)) (*rs2.Sliver, error) {
	for {
		c.mu.Lock()
		if e, ok := c.items[k]; ok {
			c.order.MoveToFront(e)
			c.stats.hits++
			c.mu.Unlock()
			return e.Value.(*rowEntry).s, nil
		}
		if f, ok := c.flight[k]; ok {
			c.stats.joins++
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.err != nil && notAboutRow(f.err) && ctx.Err() == nil {
				continue // its reader gave up on it; try ourselves
			}
			return f.s, f.err
		}
		f := &rowFlight{done: make(chan struct{})}
		c.flight[k] = f
		c.stats.fetches++
		c.mu.Unlock()

		f.s, f.err = fetch(ctx)

		c.mu.Lock()
		delete(c.flight, k)
		if f.err == nil {
			c.putLocked(k, f.s)
		}
		c.mu.Unlock()
		close(f.done)
		return f.s, f.err
	}
}

// notAboutRow reports whether a fetch failed for a reason of the reader
// that ran it (its context ended, or it had given up on the node) rather
// than because of the node's answer.
func notAboutRow(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errSkipped)
}

func (c *rowCache) putLocked(k rowKey, s *rs2.Sliver) {
	n := int64(len(s.Data))
	if n > c.max {
		return
	}
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.order.PushFront(&rowEntry{k, s})
	c.bytes += n
	for c.bytes > c.max {
		c.removeLocked(c.order.Back())
	}
}

func (c *rowCache) removeLocked(e *list.Element) {
	re := e.Value.(*rowEntry)
	c.order.Remove(e)
	delete(c.items, re.k)
	c.bytes -= int64(len(re.s.Data))
}

// drop forgets the cached rows of id (after a delete). Fetches in flight
// finish and may store their row; it is still the blob's content.
func (c *rowCache) drop(id blobid.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; {
		next := e.Next()
		if e.Value.(*rowEntry).k.id == id {
			c.removeLocked(e)
		}
		e = next
	}
}
