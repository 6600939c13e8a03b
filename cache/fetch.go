package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// acquire returns block k (size bytes) for reading. On success the
// caller must call c.release(r.e) if r.e != nil. A Source error is
// returned wrapped; ctx cancellation returns ctx.Err() without cancelling
// a fetch other readers still wait for.
func (c *Cache) acquire(ctx context.Context, k key, size int64, stream bool) (ref, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ref{}, ErrClosed
	}
	e := c.lookupLocked(k)
	if e != nil && !e.invalid && e.size != size {
		// Blobs are immutable, so a block of another size is a leftover
		// of a crash or a caller passing a wrong blob size. Either way
		// the copy on disk cannot be trusted for this read.
		c.log.Warn("cache: block has unexpected size; dropping it",
			"blob", k.id, "block", k.idx, "cached", e.size, "want", size)
		c.dropLocked(e)
		e = c.lookupLocked(k)
	}
	switch {
	case e == nil:
		c.st.Misses++
		e = c.startFetchLocked(k, size, false, stream)
	case e.invalid || e.state == stEvicting:
		c.st.Misses++
		c.st.Fetches++
		c.st.Uncached++
		c.mu.Unlock()
		data, err := c.readSource(ctx, k, size)
		return ref{data: data}, err
	case e.state == stPresent && e.hot != nil:
		c.st.Hits++
		c.lru.MoveToFront(e.elem)
		data := e.hot
		c.mu.Unlock()
		return ref{data: data}, nil
	case e.state == stPresent:
		c.st.Hits++
		e.pins++
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		return ref{e: e}, nil
	case e.state == stWriting:
		c.st.Hits++
		data := e.f.data
		c.mu.Unlock()
		return ref{data: data}, nil
	default: // stFetching
		c.st.Joins++
		e.f.waiters++
	}
	f := e.f
	c.mu.Unlock()
	data, err := c.wait(ctx, e, f)
	return ref{data: data}, err
}

// prefetchLocked makes sure block k is being fetched, for read-ahead.
// It returns the fetch the caller must wait for, as one more waiter, or
// nil if the block is cached, being written or invalid. Registering under
// the lock (not in the waiting goroutine) guarantees that a reader
// arriving right after finds the fetch and joins it.
func (c *Cache) prefetchLocked(k key, size int64) (*entry, *fetch) {
	e := c.lookupLocked(k)
	switch {
	case e == nil:
		c.st.ReadAheads++
		e = c.startFetchLocked(k, size, true, true)
	case e.state == stFetching && !e.invalid && e.size == size:
		e.f.waiters++
	default:
		return nil, nil
	}
	return e, e.f
}

// startFetchLocked creates the entry for k with one waiter (the caller)
// and starts the Source read in its own goroutine, under a context that is
// cancelled when the last waiter gives up or the cache closes. A
// read-ahead fetch first waits for one of the raSlots, in the order they
// were asked for.
func (c *Cache) startFetchLocked(k key, size int64, ahead, stream bool) *entry {
	fctx, cancel := context.WithCancel(c.ctx)
	f := &fetch{done: make(chan struct{}), waiters: 1, cancel: cancel}
	e := &entry{key: k, size: size, state: stFetching, f: f}
	c.linkLocked(e)
	c.st.Fetches++
	c.st.InFlight++
	c.wg.Add(1)
	go c.runFetch(fctx, e, f, ahead, stream)
	return e
}

// wait waits for fetch f of entry e, or for ctx. A waiter that gives up
// leaves the fetch running for the others; the last one to give up
// cancels it and unlinks the entry, so that a later reader starts afresh
// instead of joining a cancelled fetch.
func (c *Cache) wait(ctx context.Context, e *entry, f *fetch) ([]byte, error) {
	select {
	case <-f.done:
		return f.data, f.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-f.done: // finished meanwhile (done is closed under mu)
		return f.data, f.err
	default:
	}
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		c.unlinkLocked(e)
	}
	return nil, ctx.Err()
}

// runFetch reads block e from the Source, hands the result to the waiters,
// then stores the block on disk if it fits under the cap.
func (c *Cache) runFetch(ctx context.Context, e *entry, f *fetch, ahead, stream bool) {
	defer c.wg.Done()
	defer f.cancel()
	start := c.now()
	var (
		data []byte
		err  error
	)
	if ahead && c.raSlots != nil {
		select {
		case c.raSlots <- struct{}{}:
			data, err = c.readSource(ctx, e.key, e.size)
			<-c.raSlots
		case <-ctx.Done():
			err = ctx.Err()
		}
	} else {
		data, err = c.readSource(ctx, e.key, e.size)
	}
	c.log.Debug("cache: fetched block", "blob", e.key.id, "block", e.key.idx,
		"bytes", e.size, "took", c.now().Sub(start), "err", err)

	c.mu.Lock()
	c.st.InFlight--
	f.data, f.err = data, err
	close(f.done)
	mine := c.lookupLocked(e.key) == e
	if err != nil || !mine || e.invalid {
		// Failed, abandoned by every waiter, or invalidated: never cached.
		if mine {
			c.unlinkLocked(e)
		}
		c.mu.Unlock()
		return
	}
	e.state = stWriting
	if e.key.idx >= maxFileBlocks {
		c.st.Uncached++ // past what a blob file can hold: served from memory only
		c.unlinkLocked(e)
		c.mu.Unlock()
		return
	}
	// The claim keeps the blob file (and its accounted overhead) while
	// the reservation may evict other blocks of the same blob.
	c.claimFileLocked(e.key.id)
	for {
		extra := c.fileExtraLocked(e.key.id, e.key.idx)
		ok, victims := c.reserveLocked(acct(e.size) + extra)
		if ok {
			c.commitClaimLocked(e.key.id, extra)
			break
		}
		if victims == nil && c.evicting > 0 {
			// Others are freeing the rest: see what is left after
			// them (a punch takes about half a millisecond).
			c.evicted.Wait()
			continue
		}
		if victims == nil {
			// Everything else is pinned or being written: the waiters
			// got the bytes from memory; do not exceed the cap.
			c.st.Uncached++
			c.dropClaimLocked(e.key.id)
			c.unlinkLocked(e)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		freed := c.freeBlocks(victims)
		c.mu.Lock()
		c.evictedLocked(victims, freed)
	}
	c.mu.Unlock()

	werr := c.writeBlock(e.key, data, stream)

	c.mu.Lock()
	defer c.mu.Unlock()
	e.f = nil // waiters keep their own pointer; the entry no longer holds the bytes
	if werr != nil {
		c.log.Warn("cache: cannot store block; serving it uncached", "blob", e.key.id, "block", e.key.idx, "err", werr)
		c.st.Uncached++
		// Whatever part of it may have reached the file stays accounted
		// until the file goes, unless it was punched out again.
		if we := (*writeError)(nil); errors.As(werr, &we) && we.clean {
			c.used -= acct(e.size)
		} else {
			c.files[e.key.id].dead += acct(e.size)
		}
		c.dropClaimLocked(e.key.id)
		c.unlinkLocked(e)
		return
	}
	e.state = stPresent
	if e.invalid {
		c.removeLocked(e)
		return
	}
	e.elem = c.lru.PushFront(e)
	if ahead {
		c.heatLocked(e, data)
	}
}

// readSource reads block k from the Source and checks its length. Errors
// wrap the Source's error (%w) so errors.Is works on its sentinels.
func (c *Cache) readSource(ctx context.Context, k key, size int64) ([]byte, error) {
	data, err := c.src.Read(ctx, k.id, k.idx*c.bs, size)
	if err == nil && int64(len(data)) != size {
		err = fmt.Errorf("%w: got %d bytes, want %d", ErrShortRead, len(data), size)
	}
	c.mu.Lock()
	if err != nil && ctx.Err() == nil {
		c.st.Errors++ // cancellations are not the Source's fault
	} else if err == nil {
		c.st.FetchedBytes += size
	}
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("cache: read block %d (offset %d, %d bytes) of blob %s: %w",
			k.idx, k.idx*c.bs, size, k.id, err)
	}
	return data, nil
}

// readFile copies bytes [off, off+len(dst)) of a pinned on-disk block.
func (c *Cache) readFile(e *entry, dst []byte, off int64) error {
	f, err := os.Open(c.blobPath(e.key.id))
	if err != nil {
		return err
	}
	_, err = f.ReadAt(dst, c.dataOff(e.key.idx)+off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
