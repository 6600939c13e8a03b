package sui

import (
	"context"
	"fmt"
	"strconv"

	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
)

// Storage is a storage_resource::Storage object: encoded bytes reserved
// for epochs [StartEpoch, EndEpoch).
type Storage struct {
	Ref                  ObjectRef
	StartEpoch, EndEpoch uint32
	Size                 uint64
}

// OwnedStorage lists the Storage objects owned by owner (left over from
// deleted blobs, or bought ahead), following pages.
func (c *Client) OwnedStorage(ctx context.Context, owner string) ([]Storage, error) {
	var out []Storage
	typ := c.net.TypeOrigin + "::storage_resource::Storage"
	err := c.try(ctx, "listing Storage objects of "+owner, func(cl suiv2.Client) error {
		out = out[:0]
		var cursor *string
		for {
			resp, err := cl.ListOwnedObjects(ctx, suiv2.ListOwnedObjectsOptions{
				Owner: owner, Type: &typ, Cursor: cursor,
				Include: suiv2.ObjectInclude{Content: true, ObjectBcs: true},
			})
			if err != nil {
				return err
			}
			for _, o := range resp.Objects {
				s, err := parseStorage(o.Content)
				if err != nil {
					return fmt.Errorf("object %s: %w", o.ObjectId, err)
				}
				v, err := strconv.ParseUint(o.Version, 10, 64)
				if err != nil {
					return fmt.Errorf("object %s: version %q: %w", o.ObjectId, o.Version, err)
				}
				s.Ref = ObjectRef{ID: o.ObjectId, Version: v, Digest: o.Digest}
				out = append(out, s)
			}
			if !resp.HasNextPage || resp.Cursor == nil {
				return nil
			}
			cursor = resp.Cursor
		}
	})
	return out, err
}

// parseStorage decodes storage_resource::Storage { id: UID, start_epoch:
// u32, end_epoch: u32, storage_size: u64 }.
func parseStorage(b []byte) (Storage, error) {
	r := &reader{b: b}
	r.take(32)
	s := Storage{StartEpoch: r.u32(), EndEpoch: r.u32(), Size: r.u64()}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes after the Storage fields", len(r.b))
	}
	if r.err != nil {
		return Storage{}, fmt.Errorf("storage object: %w", r.err)
	}
	return s, nil
}
