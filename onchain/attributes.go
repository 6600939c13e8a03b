package onchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
)

// attributes turns a map into the pairs a transaction sets, by key (a
// map has no order; the chain keeps the order of insertion).
func attributes(m map[string]string) []suitx.Attribute {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]suitx.Attribute, len(keys))
	for i, k := range keys {
		out[i] = suitx.Attribute{Key: k, Value: m[k]}
	}
	return out
}

// SetAttributes sets the attributes set and removes the keys remove
// (absent ones are ignored) on one Blob object of the wallet, in one
// transaction (blob::insert_or_update_metadata_pair,
// blob::remove_metadata_pair_if_exists). blob.Version 0 means the
// Blob's current version is read first; a stale reference is refused by
// the chain. Attributes are public on chain. The chain refuses a Blob the
// wallet does not own. It costs gas only.
func (c *Client) SetAttributes(ctx context.Context, blob sui.ObjectRef, set map[string]string, remove ...string) (Spent, error) {
	if len(set) == 0 && len(remove) == 0 {
		return Spent{}, errors.New("onchain: set attributes: nothing to set or remove")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if blob.Version == 0 {
		ref, err := c.cfg.Sui.ObjectRef(ctx, blob.ID)
		if err != nil {
			return Spent{}, fmt.Errorf("onchain: %w", err)
		}
		blob = ref
	}
	pairs := attributes(set)
	eff, err := c.send(ctx, "set attributes", func(g suitx.Gas) ([]byte, error) {
		return c.walrus.SetAttributes(c.Address(), g, blob, pairs, remove)
	})
	if err != nil {
		return Spent{}, err
	}
	c.log.Info("set Blob attributes", "blob", blob.ID, "set", len(pairs), "removed", len(remove), "tx", eff.Digest)
	return Spent{WAL: new(big.Int), Gas: gasSpent(eff.Gas), Transactions: 1}, nil
}
