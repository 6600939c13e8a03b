package committee

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// Uploaded says which committee members store everything of a blob.
type Uploaded struct {
	// Complete[i] is true when member i stored the metadata and every
	// sliver of its shards.
	Complete []bool
	// Weight is the number of shards on complete members.
	Weight int
}

// Upload sends a blob that is already registered on chain to the storage
// nodes: its metadata to every member, then each sliver produce emits to
// the member holding its pair's shard. Unlike Put it keeps no repair
// record: on a Walrus network the nodes recover missing slivers among
// themselves once the blob is certified. It fails with ErrUnavailable
// when the complete members do not hold a write quorum of shards
// (3·weight ≥ 2·n + 1).
func (c *Client) Upload(ctx context.Context, id blobid.ID, meta *rs2.Metadata, produce func(rs2.SliverFunc) error) (Uploaded, error) {
	res := c.upload(ctx, id, meta, produce, nil)
	if res.err != nil {
		return Uploaded{}, res.err
	}
	up := Uploaded{Complete: make([]bool, len(c.cfg.Committee))}
	for i, n := range c.cfg.Committee {
		if res.metaOK[i] && !res.failed[i] {
			up.Complete[i] = true
			up.Weight += len(n.Shards)
		}
	}
	if 3*up.Weight < 2*c.p.N+1 {
		return up, fmt.Errorf("%w: blob %s reached nodes holding %d of %d shards, a write quorum needs %d",
			blobstore.ErrUnavailable, id, up.Weight, c.p.N, (2*c.p.N+1+2)/3)
	}
	return up, nil
}

// Members returns the committee, in committee order.
func (c *Client) Members() []NodeInfo { return append([]NodeInfo(nil), c.cfg.Committee...) }
