package sui

import (
	"context"
	"fmt"
	"strconv"

	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
)

// SharedObject reads object id and returns it as transactions take a
// shared object, with its Move type (e.g. "<pkg>::system::System", whose
// package is the type's original package ID). An object that is not
// shared is an error.
func (c *Client) SharedObject(ctx context.Context, id string) (SharedObject, string, error) {
	var out SharedObject
	var typ string
	norm, err := NormalizeAddress(id)
	if err != nil {
		return out, "", err
	}
	id = norm
	err = c.try(ctx, "reading shared object "+id, func(cl suiv2.Client) error {
		resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: []string{id}})
		if err != nil {
			return err
		}
		if len(resp.Objects) != 1 || resp.Objects[0].Object == nil {
			return fmt.Errorf("object %s not found", id)
		}
		o := resp.Objects[0].Object
		if o.Owner.Shared == nil {
			return fmt.Errorf("object %s is not shared (owner kind %q)", id, o.Owner.Kind)
		}
		v, err := strconv.ParseUint(o.Owner.Shared.InitialSharedVersion, 10, 64)
		if err != nil {
			return fmt.Errorf("object %s: initial shared version %q: %w", id, o.Owner.Shared.InitialSharedVersion, err)
		}
		out, typ = SharedObject{ID: id, InitialVersion: v}, o.Type
		return nil
	})
	return out, typ, err
}

// CoinTypes lists the coin types owner holds (as coins or as address
// balance), following pages.
func (c *Client) CoinTypes(ctx context.Context, owner string) ([]string, error) {
	var out []string
	err := c.try(ctx, "listing the balances of "+owner, func(cl suiv2.Client) error {
		out = out[:0]
		var cursor *string
		for {
			resp, err := cl.ListBalances(ctx, suiv2.ListBalancesOptions{Owner: owner, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, b := range resp.Balances {
				out = append(out, b.CoinType)
			}
			if !resp.HasNextPage || resp.Cursor == nil {
				return nil
			}
			cursor = resp.Cursor
		}
	})
	return out, err
}

// ObjectRef returns the current reference (version, digest) of object id.
func (c *Client) ObjectRef(ctx context.Context, id string) (ObjectRef, error) {
	norm, err := NormalizeAddress(id)
	if err != nil {
		return ObjectRef{}, err
	}
	var out ObjectRef
	err = c.try(ctx, "reading object "+norm, func(cl suiv2.Client) error {
		resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: []string{norm}})
		if err != nil {
			return err
		}
		if len(resp.Objects) != 1 || resp.Objects[0].Object == nil {
			return fmt.Errorf("object %s not found", norm)
		}
		o := resp.Objects[0].Object
		v, err := strconv.ParseUint(o.Version, 10, 64)
		if err != nil {
			return fmt.Errorf("object %s: version %q: %w", norm, o.Version, err)
		}
		out = ObjectRef{ID: norm, Version: v, Digest: o.Digest}
		return nil
	})
	return out, err
}
