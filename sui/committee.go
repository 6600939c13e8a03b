package sui

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
)

// Committee is the current Walrus storage committee.
type Committee struct {
	Epoch   uint32
	NShards int
	// Members in committee order: a member's index is its bit in a
	// certificate's signers bitmap (transaction notes §5.1).
	Members []Member
}

// Member is one storage node of the committee, as its staking pool
// describes it.
type Member struct {
	NodeID, Name, NetworkAddress string
	PublicKey                    []byte // BLS12-381 G1, as stored (Element<UncompressedG1>)
	NetworkPublicKey             []byte // the TLS key of the node's REST API
	Shards                       []uint16
}

// Committee reads the Staking object's inner state (its `committee`:
// node ID → shard indices, in committee order) and each member's
// StakingPool.node_info. A pool is an object whose ID is the node ID
// (the Rust client reads it so: read_client.rs get_staking_pool); when
// they are not all found so, they are looked up in the `pools`
// ObjectTable, whose entries are dynamic (object) fields keyed by the
// node ID.
func (c *Client) Committee(ctx context.Context) (Committee, error) {
	var cm Committee
	err := c.try(ctx, "reading the Walrus committee", func(cl suiv2.Client) error {
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
		st, err := parseStaking(ib, h.Version)
		if err != nil {
			return err
		}
		cm, err = members(ctx, cl, st)
		return err
	})
	return cm, err
}

// poolRef is where a pool lives: its own object (a dynamic object
// field's child) or inside a Field<ID, StakingPool> object.
type poolRef struct {
	id      string
	inField bool
}

// members reads the node_info of each committee member's pool.
func members(ctx context.Context, cl suiv2.Client, st stakingInner) (Committee, error) {
	cm := Committee{Epoch: st.Epoch, NShards: st.NShards}
	total := 0
	for _, e := range st.Committee {
		total += len(e.Shards)
	}
	if len(st.Committee) > 0 && total != st.NShards {
		return Committee{}, fmt.Errorf("committee of epoch %d holds %d shards, n_shards is %d", st.Epoch, total, st.NShards)
	}
	if len(st.Committee) == 0 {
		return cm, nil
	}
	ms, err := poolsByID(ctx, cl, st)
	if err != nil || ms != nil {
		cm.Members = ms
		return cm, err
	}
	pools := map[string]poolRef{}
	var cursor *string
	for {
		resp, err := cl.ListDynamicFields(ctx, suiv2.ListDynamicFieldsOptions{ParentId: st.PoolsID, Cursor: cursor})
		if err != nil {
			return Committee{}, err
		}
		for _, f := range resp.DynamicFields {
			if len(f.Name.BCS) != 32 {
				continue
			}
			key := "0x" + hex.EncodeToString(f.Name.BCS)
			if f.ChildId != nil {
				pools[key] = poolRef{id: *f.ChildId}
			} else {
				pools[key] = poolRef{id: f.FieldId, inField: true}
			}
		}
		if !resp.HasNextPage || resp.Cursor == nil {
			break
		}
		cursor = resp.Cursor
	}
	ids := make([]string, len(st.Committee))
	for i, e := range st.Committee {
		p, ok := pools[e.NodeID]
		if !ok {
			return Committee{}, fmt.Errorf("committee member %s has no staking pool in table %s", e.NodeID, st.PoolsID)
		}
		ids[i] = p.id
	}
	resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: ids, Include: suiv2.ObjectInclude{Content: true, ObjectBcs: true}})
	if err != nil {
		return Committee{}, err
	}
	if len(resp.Objects) != len(ids) {
		return Committee{}, fmt.Errorf("asked for %d staking pools, got %d", len(ids), len(resp.Objects))
	}
	for i, e := range st.Committee {
		o := resp.Objects[i]
		if o.Error != nil || o.Object == nil || len(o.Object.Content) == 0 {
			msg := "no contents"
			if o.Error != nil {
				msg = *o.Error
			}
			return Committee{}, fmt.Errorf("staking pool %s of node %s: %s", ids[i], e.NodeID, msg)
		}
		b := o.Object.Content
		if pools[e.NodeID].inField {
			if len(b) < 64 {
				return Committee{}, fmt.Errorf("staking pool field %s of node %s: %w", ids[i], e.NodeID, errShort)
			}
			b = b[64:] // Field { id: UID, name: ID, value: StakingPool }
		}
		m, err := parseStakingPool(b)
		if err != nil {
			return Committee{}, fmt.Errorf("object %s (node %s): %w", ids[i], e.NodeID, err)
		}
		if m.NodeID != e.NodeID {
			return Committee{}, fmt.Errorf("staking pool %s describes node %s, the committee says %s", ids[i], m.NodeID, e.NodeID)
		}
		m.Shards = e.Shards
		cm.Members = append(cm.Members, m)
	}
	return cm, nil
}

// poolsByID reads the committee's pools as objects named by the node IDs.
// It returns nil, nil when one of them is not such an object.
func poolsByID(ctx context.Context, cl suiv2.Client, st stakingInner) ([]Member, error) {
	ids := make([]string, len(st.Committee))
	for i, e := range st.Committee {
		ids[i] = e.NodeID
	}
	resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: ids, Include: suiv2.ObjectInclude{Content: true, ObjectBcs: true}})
	if err != nil {
		return nil, err
	}
	if len(resp.Objects) != len(ids) {
		return nil, fmt.Errorf("asked for %d staking pools, got %d", len(ids), len(resp.Objects))
	}
	var out []Member
	for i, e := range st.Committee {
		o := resp.Objects[i].Object
		if o == nil || !strings.HasSuffix(o.Type, "::staking_pool::StakingPool") {
			return nil, nil
		}
		m, err := parseStakingPool(o.Content)
		if err != nil {
			return nil, fmt.Errorf("staking pool %s: %w", e.NodeID, err)
		}
		if m.NodeID != e.NodeID {
			return nil, fmt.Errorf("staking pool %s describes node %s", e.NodeID, m.NodeID)
		}
		m.Shards = e.Shards
		out = append(out, m)
	}
	return out, nil
}
