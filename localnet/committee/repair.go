package committee

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// BlobReport is what checking (and repairing) one blob found.
type BlobReport struct {
	ID          blobid.ID
	Size        uint64
	MissingMeta int // nodes without the metadata
	BadMeta     int // nodes whose metadata does not check
	Missing     int // slivers absent on reachable nodes
	Bad         int // slivers that do not verify
	Unreachable int // nodes that could not be asked
	Repaired    int // metadata copies and slivers rewritten
	// Unrecoverable: every node answered and fewer than p good primary
	// slivers (or no valid metadata) exist anywhere.
	Unrecoverable bool
	Err           error
}

// Healthy reports whether nothing was wrong.
func (r *BlobReport) Healthy() bool {
	return r.Err == nil && !r.Unrecoverable && r.MissingMeta+r.BadMeta+r.Missing+r.Bad+r.Unreachable == 0
}

// Fixed reports whether every problem found was repaired.
func (r *BlobReport) Fixed() bool {
	return r.Err == nil && !r.Unrecoverable && r.Unreachable == 0 &&
		r.Repaired == r.MissingMeta+r.BadMeta+r.Missing+r.Bad
}

type sliverKey struct {
	pair int
	t    rs2.SliverType
}

// checkBlob fetches the metadata from every node and every sliver from
// the node holding it, verifying all; with repair set it rewrites what is
// missing or bad (decoding the blob and re-encoding it if slivers are
// involved).
func (c *Client) checkBlob(ctx context.Context, id blobid.ID, repair bool) *BlobReport {
	rep := &BlobReport{ID: id}
	nn := len(c.cfg.Committee)
	metas := make([]*rs2.Metadata, nn)
	merrs := make([]error, nn)
	forEach(ctx, c.cfg.Concurrency, nn, func(i int) { metas[i], merrs[i] = c.getMetadata(ctx, i, id) })
	if err := ctx.Err(); err != nil {
		rep.Err = err
		return rep
	}
	var meta *rs2.Metadata
	down := make([]bool, nn)
	for i, err := range merrs {
		switch {
		case err == nil:
			meta = metas[i]
		case errors.Is(err, errNodeNotFound):
			rep.MissingMeta++
		case errors.Is(err, rs2.ErrInvalidMetadata):
			rep.BadMeta++
			c.log.Warn("node serves bad metadata", "blob", id, "err", err)
		default:
			rep.Unreachable++
			down[i] = true
			c.log.Warn("node unreachable", "blob", id, "err", err)
		}
	}
	if meta == nil {
		rep.Unrecoverable = rep.Unreachable == 0
		rep.Err = fmt.Errorf("%w: no node serves valid metadata for blob %s", blobstore.ErrUnavailable, id)
		return rep
	}
	rep.Size = meta.Length
	var (
		mu    sync.Mutex
		prims []*rs2.Sliver          // GUARDED_BY(mu): good primary slivers
		needs = map[sliverKey]bool{} // GUARDED_BY(mu): slivers to rewrite
	)
	keys := make([]sliverKey, 0, 2*c.p.N)
	for pair := range c.p.N {
		if !down[c.shardNode[rs2.PairShard(id, pair, c.p.N)]] {
			keys = append(keys, sliverKey{pair, rs2.Primary}, sliverKey{pair, rs2.Secondary})
		}
	}
	forEach(ctx, c.cfg.Concurrency, len(keys), func(i int) {
		k := keys[i]
		s, err := c.getSliver(ctx, id, meta, k.pair, k.t)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			if k.t == rs2.Primary {
				prims = append(prims, s)
			}
		case errors.Is(err, errNodeNotFound):
			rep.Missing++
			needs[k] = true
		case errors.Is(err, rs2.ErrInvalidSliver):
			rep.Bad++
			needs[k] = true
			c.log.Warn("node serves a bad sliver", "blob", id, "pair", k.pair, "type", k.t, "err", err)
		default:
			rep.Unreachable++ // counted per sliver: the node failed mid-check
			c.log.Warn("sliver request failed", "blob", id, "pair", k.pair, "type", k.t, "err", err)
		}
	})
	if err := ctx.Err(); err != nil {
		rep.Err = err
		return rep
	}
	if !repair || rep.MissingMeta+rep.BadMeta+len(needs) == 0 {
		return rep
	}
	var produce func(rs2.SliverFunc) error
	if len(needs) > 0 {
		if len(prims) < c.p.P {
			rep.Unrecoverable = rep.Unreachable == 0
			rep.Err = &blobstore.UnavailableError{ID: rep.ID, Found: len(prims), Needed: c.p.P, Detail: "cannot repair"}
			return rep
		}
		data, err := c.enc.Decode(meta.Length, prims)
		if err != nil {
			rep.Err = fmt.Errorf("decoding blob %s for repair: %w", id, err)
			return rep
		}
		produce = func(emit rs2.SliverFunc) error {
			_, err := c.enc.Encode(data, emit)
			return err
		}
	} else {
		produce = func(rs2.SliverFunc) error { return nil }
	}
	res := c.upload(ctx, id, meta, produce, func(pair int, t rs2.SliverType) bool { return needs[sliverKey{pair, t}] })
	for i, err := range merrs {
		if err != nil && !down[i] && res.metaOK[i] {
			rep.Repaired++
		}
	}
	rep.Repaired += int(res.sent)
	if res.err != nil {
		rep.Err = res.err
	} else if int(res.sent) < len(needs) {
		rep.Err = fmt.Errorf("repaired %d of %d slivers of blob %s", res.sent, len(needs), id)
	}
	return rep
}

// Summary totals a scrub.
type Summary struct {
	Blobs, Healthy, Repaired, Unrecoverable, Failed int
	MissingSlivers, BadSlivers, FixedSlivers        int
}

// Scrub checks every blob any node knows and repairs what it can, calling
// fn with each blob's report.
func (c *Client) Scrub(ctx context.Context, fn func(*BlobReport)) (Summary, error) {
	var sum Summary
	ids, err := c.listIDs(ctx)
	if err != nil {
		return sum, err
	}
	for _, id := range ids {
		rep := c.checkBlob(ctx, id, true)
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		sum.Blobs++
		sum.MissingSlivers += rep.Missing
		sum.BadSlivers += rep.Bad
		sum.FixedSlivers += rep.Repaired
		switch {
		case rep.Healthy():
			sum.Healthy++
		case rep.Fixed():
			sum.Repaired++
		case rep.Unrecoverable:
			sum.Unrecoverable++
		default:
			sum.Failed++
		}
		if fn != nil {
			fn(rep)
		}
	}
	return sum, nil
}

// RepairStats counts one pass over the repair queue.
type RepairStats struct {
	Done, Removed, Retry, Busy int
}

// RepairNow works off the repair queue once: each blob not being uploaded
// right now is checked and repaired; a complete blob leaves the queue; an
// abandoned upload that cannot be completed (every node answered, too few
// good slivers) is deleted from the nodes and leaves the queue; anything
// else is retried later with backoff.
func (c *Client) RepairNow(ctx context.Context) (RepairStats, error) {
	var st RepairStats
	ids, err := c.queue.pending()
	if err != nil {
		return st, err
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		e, err := c.queue.lock(ctx, id, false, false)
		if err != nil {
			return st, err
		}
		if e == nil {
			st.Busy++
			continue
		}
		if time.Now().Before(e.rec.Next) {
			e.release()
			st.Retry++
			continue
		}
		rep := c.checkBlob(ctx, id, true)
		switch {
		case rep.Healthy() || rep.Fixed():
			c.log.Info("repair: blob complete", "blob", id, "repaired", rep.Repaired)
			err = e.done()
			st.Done++
		case rep.Unrecoverable:
			c.log.Warn("repair: abandoned upload cannot be completed; removing its remnants", "blob", id, "stored", e.rec.Stored, "err", rep.Err)
			if derr := c.deleteRemnants(ctx, id); derr != nil {
				err = e.retryLater()
				st.Retry++
			} else {
				err = e.done()
				st.Removed++
			}
		default:
			c.log.Info("repair: will retry", "blob", id, "report", fmt.Sprintf("%+v", *rep))
			err = e.retryLater()
			st.Retry++
		}
		e.release()
		if err != nil {
			c.log.Warn("repair queue", "blob", id, "err", err)
		}
	}
	return st, nil
}

func (c *Client) deleteRemnants(ctx context.Context, id blobid.ID) error {
	nn := len(c.cfg.Committee)
	errs := make([]error, nn)
	forEach(ctx, c.cfg.Concurrency, nn, func(i int) {
		_, err := c.call(ctx, i, "DELETE", "/v1/blobs/"+id.String(), nil, 1<<16)
		if errors.Is(err, errNodeNotFound) {
			err = nil
		}
		errs[i] = err
	})
	return errors.Join(append(errs, ctx.Err())...)
}

func (e *entry) retryLater() error {
	e.rec.Attempts++
	back := time.Second << min(e.rec.Attempts, 8)
	e.rec.Next = time.Now().Add(back)
	return e.write()
}

// repairLoop runs RepairNow at start and every RepairInterval until ctx
// is done.
func (c *Client) repairLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.RepairInterval)
	defer t.Stop()
	for {
		if st, err := c.RepairNow(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("repair pass failed", "err", err)
		} else if st != (RepairStats{}) {
			c.log.Debug("repair pass", "stats", st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
