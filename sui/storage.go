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
	err := c.listOwned(ctx, owner, c.net.TypeOrigin+"::storage_resource::Storage", "Storage", func() { out = out[:0] }, func(o suiv2.Object) error {
		s, err := parseStorage(o.Content)
		if err != nil {
			return err
		}
		v, err := strconv.ParseUint(o.Version, 10, 64)
		if err != nil {
			return fmt.Errorf("version %q: %w", o.Version, err)
		}
		s.Ref = ObjectRef{ID: o.ObjectId, Version: v, Digest: o.Digest}
		out = append(out, s)
		return nil
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
