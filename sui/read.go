package sui

import (
	"context"
	"fmt"
	"strings"

	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
)

// ReadState reads the System object and its inner state (epoch, n_shards,
// prices), then the Staking object's inner state (epoch duration and the
// first epoch's start), each with gRPC first.
func (c *Client) ReadState(ctx context.Context) (State, error) {
	var s State
	err := c.try(ctx, "reading the Walrus system object", func(cl suiv2.Client) error {
		b, _, _, err := object(ctx, cl, c.net.SystemObject)
		if err != nil {
			return err
		}
		h, err := parseHeader(b)
		if err != nil {
			return fmt.Errorf("system object: %w", err)
		}
		ib, err := inner(ctx, cl, c.net.SystemObject, h.Version)
		if err != nil {
			return err
		}
		st, err := parseSystemInner(ib, h.Version)
		if err != nil {
			return err
		}
		st.PackageID, st.Version = h.PackageID, h.Version
		s = st
		return nil
	})
	if err != nil {
		return State{}, err
	}
	err = c.try(ctx, "reading the Walrus staking object", func(cl suiv2.Client) error {
		b, _, _, err := object(ctx, cl, c.net.StakingObject)
		if err != nil {
			return err
		}
		h, err := parseHeader(b)
		if err != nil {
			return fmt.Errorf("staking object: %w", err)
		}
		ib, err := inner(ctx, cl, c.net.StakingObject, h.Version)
		if err != nil {
			return err
		}
		n, dur, first, epoch, err := parseStakingInner(ib, h.Version)
		if err != nil {
			return err
		}
		if n != s.NShards || epoch != s.Epoch {
			// The two objects are updated in one epoch-change transaction;
			// a mismatch means a layout this code does not know.
			return fmt.Errorf("staking object says n_shards %d epoch %d, system object says %d, %d", n, epoch, s.NShards, s.Epoch)
		}
		s.EpochDuration, s.FirstEpochStart = dur, first
		return nil
	})
	if err != nil {
		return State{}, err
	}
	return s, nil
}

// Blob reads the Blob (or SharedBlob) object objectID.
func (c *Client) Blob(ctx context.Context, objectID string) (Blob, error) {
	var bl Blob
	err := c.try(ctx, "reading Blob object "+objectID, func(cl suiv2.Client) error {
		b, typ, owner, err := object(ctx, cl, objectID)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(typ, "::blob::Blob"):
			bl, err = parseBlob(b, false)
		case strings.HasSuffix(typ, "::shared_blob::SharedBlob"):
			bl, err = parseBlob(b, true)
		default:
			return fmt.Errorf("object %s is a %s, not a Walrus Blob", objectID, typ)
		}
		bl.Owner = owner
		return err
	})
	return bl, err
}

// OwnedBlobs lists the Blob objects owned by address owner (type strings
// use the package's original ID, §5), following pages.
func (c *Client) OwnedBlobs(ctx context.Context, owner string) ([]Blob, error) {
	var out []Blob
	err := c.listOwned(ctx, owner, c.net.TypeOrigin+"::blob::Blob", "Blob", func() { out = out[:0] }, func(o suiv2.Object) error {
		bl, err := parseBlob(o.Content, false)
		if err != nil {
			return err
		}
		bl.Owner = o.Owner.AddressOwner
		out = append(out, bl)
		return nil
	})
	return out, err
}

// listOwned calls each for every object of type typ owned by owner,
// following pages, over each transport in turn (reset starts a
// transport's attempt afresh).
func (c *Client) listOwned(ctx context.Context, owner, typ, what string, reset func(), each func(suiv2.Object) error) error {
	return c.try(ctx, "listing "+what+" objects of "+owner, func(cl suiv2.Client) error {
		reset()
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
				if err := each(o); err != nil {
					return fmt.Errorf("object %s: %w", o.ObjectId, err)
				}
			}
			if !resp.HasNextPage || resp.Cursor == nil {
				return nil
			}
			cursor = resp.Cursor
		}
	})
}
