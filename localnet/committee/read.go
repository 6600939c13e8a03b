package committee

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// fetchMetadata asks the nodes for the metadata of id in parallel and
// returns the first copy that checks against the ID. Copies that do not
// check are logged as liars. With no valid copy the blob is ErrNotFound if
// nodes holding at least n-f shards said 404, else ErrUnavailable.
func (c *Client) fetchMetadata(ctx context.Context, id blobid.ID) (*rs2.Metadata, error) {
	if m := c.metas.get(id); m != nil {
		return m, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		nd  int
		m   *rs2.Metadata
		err error
	}
	nn := len(c.cfg.Committee)
	ch := make(chan answer, nn)
	go forEach(ctx, c.cfg.Concurrency, nn, func(i int) {
		m, err := c.getMetadata(ctx, i, id)
		ch <- answer{i, m, err}
	})
	notFoundShards, failures := 0, 0
	for range nn {
		var a answer
		select {
		case a = <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		switch {
		case a.err == nil:
			c.metas.put(id, a.m)
			return a.m, nil
		case errors.Is(a.err, errNodeNotFound):
			notFoundShards += len(c.cfg.Committee[a.nd].Shards)
		case errors.Is(a.err, rs2.ErrInvalidMetadata):
			failures++
			c.log.Warn("node served invalid metadata; ignoring it", "blob", id, "err", a.err)
		default:
			failures++
			c.log.Info("metadata request failed", "blob", id, "err", a.err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if notFoundShards >= c.p.N-c.p.F {
		return nil, fmt.Errorf("%w: blob %s", blobstore.ErrNotFound, id)
	}
	return nil, fmt.Errorf("%w: blob %s: no node served valid metadata (%d failed, nodes holding %d shards said not found)",
		blobstore.ErrUnavailable, id, failures, notFoundShards)
}

// Stat implements blobstore.Store.
func (c *Client) Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ReadTimeout)
	defer cancel()
	m, err := c.fetchMetadata(ctx, id)
	if err != nil {
		return blobstore.Info{}, err
	}
	return c.info(id, m.Length), nil
}

// Read implements blobstore.Store.
func (c *Client) Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ReadTimeout)
	defer cancel()
	m, err := c.fetchMetadata(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := blobstore.CheckRange(m.Length, off, length)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []byte{}, nil
	}
	ss, err := c.p.SymbolSize(m.Length)
	if err != nil {
		return nil, err
	}
	first, last := c.p.RowsForRange(ss, uint64(off), n)
	slivers, err := c.fetchPrimaries(ctx, id, m, first, last)
	if err != nil {
		return nil, err
	}
	out, err := c.enc.DecodeRange(m.Length, slivers, uint64(off), n)
	if errors.Is(err, rs2.ErrNotEnoughSlivers) {
		return nil, &blobstore.UnavailableError{ID: id, Found: len(slivers), Needed: c.p.P, Detail: err.Error()}
	}
	return out, err
}

// errSkipped is a row not asked for because its node already failed at
// the transport level during this read.
var errSkipped = errors.New("node failed earlier in this read")

// fetchPrimaries returns verified primary slivers: rows first..last, or,
// if any of them cannot be had, at least P verified primary slivers
// (systematic rows first, then recovery rows in index order).
func (c *Client) fetchPrimaries(ctx context.Context, id blobid.ID, m *rs2.Metadata, first, last int) ([]*rs2.Sliver, error) {
	var (
		mu      sync.Mutex
		good    = map[int]*rs2.Sliver{} // GUARDED_BY(mu)
		badNode = map[int]bool{}        // GUARDED_BY(mu): nodes that failed at the transport level
		tried   = make([]bool, c.p.N)   // only touched by this goroutine
		reasons []string                // GUARDED_BY(mu)
	)
	fetch := func(rows []int) {
		forEach(ctx, c.cfg.Concurrency, len(rows), func(i int) {
			row := rows[i]
			nd := c.shardNode[rs2.PairShard(id, row, c.p.N)]
			s, err := c.rows.get(ctx, rowKey{id, row}, func(ctx context.Context) (*rs2.Sliver, error) {
				mu.Lock()
				skip := badNode[nd]
				mu.Unlock()
				if skip {
					return nil, errSkipped
				}
				return c.getSliver(ctx, id, m, row, rs2.Primary)
			})
			if errors.Is(err, errSkipped) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				good[row] = s
			case errors.Is(err, rs2.ErrInvalidSliver):
				c.log.Warn("node served an invalid sliver; skipping it", "blob", id, "pair", row, "err", err)
				reasons = append(reasons, "invalid")
			case errors.Is(err, errNodeNotFound):
				c.log.Info("sliver not on node", "blob", id, "pair", row, "err", err)
				reasons = append(reasons, "missing")
			case ctx.Err() != nil || errors.Is(err, context.Canceled):
				// The reader gave up (e.g. read-ahead cancelled by a seek
				// or an unmount): nobody's fault.
				c.log.Debug("sliver request cancelled", "blob", id, "pair", row, "err", err)
				reasons = append(reasons, "cancelled")
			default:
				if isTransport(err) {
					badNode[nd] = true
				}
				c.log.Warn("sliver request failed", "blob", id, "pair", row, "err", err)
				reasons = append(reasons, "failed")
			}
		})
	}
	need := make([]int, 0, last-first+1)
	for r := first; r <= last; r++ {
		need = append(need, r)
		tried[r] = true
	}
	fetch(need)
	complete := true
	for _, r := range need {
		if good[r] == nil {
			complete = false
		}
	}
	for !complete && len(good) < c.p.P && ctx.Err() == nil {
		var batch []int
		for r := 0; r < c.p.N && len(batch) < c.p.P-len(good); r++ {
			if !tried[r] {
				tried[r] = true
				batch = append(batch, r)
			}
		}
		if len(batch) == 0 {
			break
		}
		fetch(batch)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: blob %s: %d of %d primary slivers in time: %w", blobstore.ErrUnavailable, id, len(good), c.p.P, err)
	}
	if !complete && len(good) < c.p.P {
		return nil, &blobstore.UnavailableError{ID: id, Found: len(good), Needed: c.p.P,
			Detail: summarize(reasons)}
	}
	out := make([]*rs2.Sliver, 0, len(good))
	for _, s := range good {
		out = append(out, s)
	}
	return out, nil
}

func summarize(reasons []string) string {
	counts := map[string]int{}
	for _, r := range reasons {
		counts[r]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := ""
	for _, k := range keys {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", counts[k], k)
	}
	return s
}

// Delete implements blobstore.Store: it asks every node to drop the blob
// and forgets any pending repair of it.
func (c *Client) Delete(ctx context.Context, id blobid.ID) error {
	c.metas.drop(id)
	c.rows.drop(id)
	nn := len(c.cfg.Committee)
	errs := make([]error, nn)
	forEach(ctx, c.cfg.Concurrency, nn, func(i int) {
		_, errs[i] = c.call(ctx, i, "DELETE", "/v1/blobs/"+id.String(), nil, 1<<16)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.queue.forget(id); err != nil {
		c.log.Warn("removing repair record", "blob", id, "err", err)
	}
	found, failed := 0, 0
	var firstErr error
	for _, err := range errs {
		switch {
		case err == nil:
			found++
		case errors.Is(err, errNodeNotFound):
		default:
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: blob %s: %d of %d nodes could not be asked to delete it: %v", blobstore.ErrUnavailable, id, failed, nn, firstErr)
	}
	if found == 0 {
		return fmt.Errorf("%w: blob %s", blobstore.ErrNotFound, id)
	}
	return nil
}

// listIDs returns the union of the blob IDs the reachable nodes report.
func (c *Client) listIDs(ctx context.Context) ([]blobid.ID, error) {
	nn := len(c.cfg.Committee)
	lists := make([][]nodeListEntry, nn)
	errs := make([]error, nn)
	forEach(ctx, c.cfg.Concurrency, nn, func(i int) {
		lists[i], errs[i] = c.listNode(ctx, i)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seen := map[blobid.ID]bool{}
	var ids []blobid.ID
	ok := 0
	for i := range lists {
		if errs[i] != nil {
			c.log.Warn("listing a node failed", "node", c.cfg.Committee[i].Name, "err", errs[i])
			continue
		}
		ok++
		for _, e := range lists[i] {
			if !seen[e.BlobID] {
				seen[e.BlobID] = true
				ids = append(ids, e.BlobID)
			}
		}
	}
	if ok == 0 {
		return nil, fmt.Errorf("%w: no node could be listed: %v", blobstore.ErrUnavailable, errors.Join(errs...))
	}
	return ids, nil
}

// List implements blobstore.Store. It reports the blobs any reachable
// node knows whose metadata some node serves verified; remnants of failed
// uploads whose metadata reached a node are listed too (their reads fail
// with ErrUnavailable until the repair queue removes or completes them).
func (c *Client) List(ctx context.Context, fn func(blobstore.Info) error) error {
	ids, err := c.listIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		info, err := c.Stat(ctx, id)
		if errors.Is(err, blobstore.ErrNotFound) || errors.Is(err, blobstore.ErrUnavailable) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
