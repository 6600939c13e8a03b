package committee

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// Client is a blobstore.Store over a committee of storage nodes. It is
// safe for concurrent use. Close stops the background repair loop.
type Client struct {
	cfg       Config
	enc       *rs2.Encoder
	p         rs2.Params
	shardNode []int // shard -> index in cfg.Committee; read-only
	http      *http.Client
	local     []http.Handler // per committee index: in-process handler or nil; read-only
	log       *slog.Logger
	queue     *queue
	metas     *metaCache // verified metadata of recently read blobs
	rows      *rowCache  // verified primary slivers being fetched or recently read

	stop context.CancelFunc
	wg   sync.WaitGroup // the repair loop
}

var _ blobstore.Store = (*Client)(nil)

// Open validates cfg, opens the repair queue and starts the background
// repair loop, which stops when ctx is done or Close is called.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	owner, err := shardMap(cfg.Committee)
	if err != nil {
		return nil, err
	}
	enc, err := rs2.NewEncoder(len(owner))
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("network: no data directory for the repair queue")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 2 * time.Minute
	}
	if cfg.RepairInterval <= 0 {
		cfg.RepairInterval = 30 * time.Second
	}
	if cfg.RowCacheBytes == 0 {
		cfg.RowCacheBytes = DefaultRowCacheBytes
	}
	if cfg.Location == "" {
		cfg.Location = fmt.Sprintf("%d nodes, %d shards", len(cfg.Committee), len(owner))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MetadataAttempts <= 0 {
		cfg.MetadataAttempts = 3
	}
	if cfg.NotRegisteredDelay <= 0 {
		cfg.NotRegisteredDelay = time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		tr.Proxy = nil
		hc = &http.Client{Transport: tr}
	}
	q, err := openQueue(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, enc: enc, p: enc.Params(), shardNode: owner, http: hc, log: cfg.Logger, queue: q, metas: newMetaCache(1024),
		rows: newRowCache(max(cfg.RowCacheBytes, 0)), local: make([]http.Handler, len(cfg.Committee))}
	for i, n := range cfg.Committee {
		c.local[i] = cfg.Local[n.URL]
	}
	lctx, stop := context.WithCancel(ctx)
	c.stop = stop
	c.wg.Go(func() { c.repairLoop(lctx) })
	return c, nil
}

// Close stops the repair loop and waits for it. Pending repairs stay in
// the queue for the next Open.
func (c *Client) Close() error {
	c.stop()
	c.wg.Wait()
	return nil
}

// Params returns the RS2 parameters of the committee.
func (c *Client) Params() rs2.Params { return c.p }

func (c *Client) info(id blobid.ID, size uint64) blobstore.Info {
	return blobstore.Info{ID: id, Size: size, Location: c.cfg.Location}
}

// forEach runs fn(i) for i in [0, n) with at most conc at once and
// returns when all are done.
func forEach(ctx context.Context, conc, n int, fn func(i int)) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// Put implements blobstore.Store.
func (c *Client) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	if err := ctx.Err(); err != nil {
		return blobstore.Info{}, err
	}
	if max := c.p.MaxBlobSize(); uint64(len(data)) > max {
		return blobstore.Info{}, fmt.Errorf("%w: %d bytes exceeds the maximum of %d for %d shards", blobstore.ErrInvalid, len(data), max, c.p.N)
	}
	// Metadata first (nodes accept slivers only after it), slivers on
	// demand: Prepare hashes once, Slivers redoes only the Reed-Solomon
	// work and keeps at most about a blob's worth of slivers in memory.
	// A throttled Put (background work) yields between encoding batches
	// and before each sliver it sends, and encodes with the workers it is
	// given; see blobstore.Throttle.
	var opts []rs2.PrepareOption
	th := blobstore.ThrottleFrom(ctx)
	if th != nil {
		opts = append(opts, rs2.WithYield(func() error { return th.Yield(ctx) }), rs2.WithJobWorkers(th.Workers()))
	}
	x, err := c.enc.Prepare(data, opts...)
	if err != nil {
		return blobstore.Info{}, err
	}
	meta, produce := x.Metadata(), x.Slivers
	if th != nil {
		produce = func(emit rs2.SliverFunc) error {
			return x.Slivers(func(s *rs2.Sliver) error {
				if err := th.Yield(ctx); err != nil {
					return err
				}
				return emit(s)
			})
		}
	}
	id := meta.BlobID()
	ent, err := c.queue.begin(ctx, id, meta.Length)
	if err != nil {
		return blobstore.Info{}, fmt.Errorf("network: repair queue: %w", err)
	}
	defer ent.release()
	res := c.upload(ctx, id, meta, produce, nil)
	if res.err != nil {
		return blobstore.Info{}, res.err
	}
	w := res.completeWeight(c)
	if 3*w < 2*c.p.N+1 {
		return blobstore.Info{}, fmt.Errorf("%w: blob %s reached nodes holding %d of %d shards, a write quorum needs %d; left in the repair queue",
			blobstore.ErrUnavailable, id, w, c.p.N, (2*c.p.N+1+2)/3)
	}
	if w == c.p.N {
		if err := ent.done(); err != nil {
			c.log.Warn("removing repair record", "blob", id, "err", err)
		}
	} else {
		c.log.Info("blob stored with a quorum, rest queued for repair", "blob", id, "shards", w, "of", c.p.N)
		if err := ent.markStored(); err != nil {
			c.log.Warn("updating repair record", "blob", id, "err", err)
		}
	}
	return c.info(id, meta.Length), nil
}

// uploadResult says which nodes got everything they were sent.
type uploadResult struct {
	metaOK  []bool // node stored the metadata
	failed  []bool // some sliver PUT to the node failed
	sent    int64  // sliver PUTs that succeeded
	skipped int64  // slivers not sent because the node lacks metadata
	err     error  // encoding failed or ctx ended: nothing can be concluded
}

// completeWeight is the number of shards on nodes that have everything.
func (r *uploadResult) completeWeight(c *Client) int {
	w := 0
	for i, n := range c.cfg.Committee {
		if r.metaOK[i] && !r.failed[i] {
			w += len(n.Shards)
		}
	}
	return w
}

type upJob struct {
	node int
	pair int
	t    rs2.SliverType
	body []byte
}

// upload PUTs the metadata to every node, then every sliver produce emits
// for which want (nil: all) is true to the node holding its pair's shard.
func (c *Client) upload(ctx context.Context, id blobid.ID, meta *rs2.Metadata,
	produce func(rs2.SliverFunc) error, want func(pair int, t rs2.SliverType) bool) *uploadResult {
	nn := len(c.cfg.Committee)
	res := &uploadResult{metaOK: make([]bool, nn), failed: make([]bool, nn)}
	body := meta.MarshalBCS()
	forEach(ctx, c.cfg.Concurrency, nn, func(i int) {
		if err := c.putMetadata(ctx, i, id, body); err != nil {
			c.log.Warn("storing metadata failed", "blob", id, "node", c.cfg.Committee[i].Name, "err", err)
			return
		}
		res.metaOK[i] = true
	})
	var mu sync.Mutex // guards res.failed during the upload
	jobs := make(chan upJob, c.cfg.Concurrency)
	var wg sync.WaitGroup
	// A throttled upload also yields before each sliver PUT, so the
	// slivers already queued do not keep the nodes' disks busy while the
	// encoder pauses.
	th := blobstore.ThrottleFrom(ctx)
	for range c.cfg.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				if th != nil {
					// Its error is ctx's, which the PUT reports.
					_ = th.Yield(ctx)
				}
				if err := c.put(ctx, j.node, sliverPath(id, j.pair, j.t)+c.putQuery(), j.body); err != nil {
					c.log.Warn("storing sliver failed", "blob", id, "node", c.cfg.Committee[j.node].Name, "pair", j.pair, "type", j.t, "err", err)
					mu.Lock()
					res.failed[j.node] = true
					mu.Unlock()
					continue
				}
				atomic.AddInt64(&res.sent, 1)
			}
		})
	}
	err := produce(func(s *rs2.Sliver) error {
		pair := s.PairIndex(c.p.N)
		if want != nil && !want(pair, s.Type) {
			return nil
		}
		nd := c.shardNode[rs2.PairShard(id, pair, c.p.N)]
		if !res.metaOK[nd] {
			atomic.AddInt64(&res.skipped, 1)
			return nil
		}
		select {
		case jobs <- upJob{nd, pair, s.Type, s.MarshalBCS()}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	res.err = err
	return res
}
