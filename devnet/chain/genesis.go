package chain

import (
	"encoding/binary"
	"fmt"

	"github.com/cloudflare/circl/ecc/bls12381"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// version is System.version and Staking.version, the key of their inner
// state (mainnet-contracts/walrus/sources/system.move and staking.move:
// VERSION = 3).
const version = 3

// genesis builds the initial state: packages, System and Staking (shared,
// version 1) with their inner states at Walrus epoch 1, and the pools.
func genesis(o Options) (*state, error) {
	if o.NShards <= 0 || o.NShards > 0xffff {
		return nil, fmt.Errorf("NShards %d: want 1..65535", o.NShards)
	}
	if len(o.Members) == 0 {
		return nil, fmt.Errorf("no committee members")
	}
	if o.MaxEpochsAhead > 1000 {
		// system_state_inner.move: MAX_MAX_EPOCHS_AHEAD.
		return nil, fmt.Errorf("MaxEpochsAhead %d above 1000", o.MaxEpochsAhead)
	}
	seen := make([]bool, o.NShards)
	for _, m := range o.Members {
		if len(m.Shards) == 0 {
			return nil, fmt.Errorf("member %q holds no shards", m.Name)
		}
		if _, err := uncompressedG1(m.PublicKey); err != nil {
			return nil, fmt.Errorf("member %q: public key: %w", m.Name, err)
		}
		for _, s := range m.Shards {
			if int(s) >= o.NShards || seen[s] {
				return nil, fmt.Errorf("member %q: shard %d out of range or held twice", m.Name, s)
			}
			seen[s] = true
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("shard %d is held by no member", i)
		}
	}
	now := o.Clock()
	g := genesisInfo{
		WalrusPkg: genesisID("package walrus"), WALPkg: genesisID("package wal"),
		System: genesisID("System"), Staking: genesisID("Staking"),
		PoolsTable: genesisID("pools"), NShards: uint16(o.NShards), Members: o.Members,
		MaxEpochsAhead: o.MaxEpochsAhead, EpochDurationMs: uint64(o.EpochDuration.Milliseconds()),
		FirstEpochStartMs: uint64(now.UnixMilli()), ReferenceGasPrice: o.ReferenceGasPrice,
		CheckpointDelay: o.CheckpointDelay,
	}
	for i := range o.Members {
		g.NodeIDs = append(g.NodeIDs, genesisID(fmt.Sprintf("node %d", i)))
	}
	st := &state{G: g, SuiEpoch: 1, Objects: map[string]*object{}, Locks: map[string]string{},
		Txs: map[string]*txRecord{}, Blobs: map[string]*BlobInfo{}}
	// storage_accounting::ring_new(max_epochs_ahead), then one epoch
	// change from 0 to 1 (ring_pop_expand).
	st.Sys = sysInner{TotalCapacity: o.TotalCapacity, StoragePrice: o.StoragePricePerUnit,
		WritePrice: o.WritePricePerUnit, EpochChangeDoneMs: uint64(now.UnixMilli())}
	for i := range o.MaxEpochsAhead {
		st.Sys.Ring = append(st.Sys.Ring, accounting{Epoch: i})
	}
	st.Sys.advance()

	header := func(id string) []byte { return (&enc{}).addr(id).u64(version).addr(g.WalrusPkg).uleb(0).b }
	shared := ledger.Owner{Shared: true, InitialSharedVersion: 1}
	st.Objects[g.System] = &object{ID: g.System, Version: 1, Type: g.WalrusPkg + "::system::System", Owner: shared, Contents: header(g.System)}
	st.Objects[g.Staking] = &object{ID: g.Staking, Version: 1, Type: g.WalrusPkg + "::staking::Staking", Owner: shared, Contents: header(g.Staking)}
	key := binary.LittleEndian.AppendUint64(nil, version)
	denyList := st.extendedField("deny_list_sizes", "0x2::vec_map::VecMap<0x2::object::ID, u64>", (&enc{}).uleb(0).b)
	st.G.SystemField = st.addField(g.System, "u64", key, g.WalrusPkg+"::system_state_inner::SystemStateInnerV1", st.systemInner(&st.Sys, denyList))
	activeSet := (&enc{}).u16(uint16(len(o.Members))).u64(0).uleb(len(o.Members))
	for _, id := range g.NodeIDs {
		activeSet.addr(id).u64(0)
	}
	activeSet.u64(0)
	st.G.StakingField = st.addField(g.Staking, "u64", key, g.WalrusPkg+"::staking_inner::StakingInnerV1",
		st.stakingInner(&st.Sys, st.extendedField("active_set", g.WalrusPkg+"::active_set::ActiveSet", activeSet.b),
			st.extendedField("next_epoch_public_keys", "0x2::vec_map::VecMap<0x2::object::ID, 0x2::group_ops::Element<0x2::bls12381::UncompressedG1>>", (&enc{}).uleb(0).b)))
	for i := range o.Members {
		if err := st.addPool(i); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// advance is storage_accounting::ring_pop_expand plus the epoch bump of
// system_state_inner::advance_epoch (rewards stay in the ring's leftover).
func (s *sysInner) advance() {
	n := uint32(len(s.Ring))
	cur := s.Ring[s.RingIndex]
	s.Ring = append(s.Ring, accounting{Epoch: cur.Epoch + n})
	last := len(s.Ring) - 1
	s.Ring[s.RingIndex] = s.Ring[last]
	s.Ring = s.Ring[:last]
	s.RingIndex = (s.RingIndex + 1) % n
	s.Epoch++
	s.Used = s.Ring[s.RingIndex].Used
	s.TotalCapacity = max(s.TotalCapacity, s.Used)
	s.Ring[s.RingIndex].Rewards += cur.Rewards // leftover of a committee that stores nothing
}

// lookup is ring_lookup_mut(i); ok false is storage_accounting's
// ETooFarInFuture.
func (s *sysInner) lookup(i uint32) (*accounting, bool) {
	n := uint32(len(s.Ring))
	if i >= n {
		return nil, false
	}
	return &s.Ring[(i+s.RingIndex)%n], true
}

func uncompressedG1(pk []byte) ([]byte, error) {
	var p bls12381.G1
	if err := p.SetBytes(pk); err != nil {
		return nil, err
	}
	if len(pk) != 48 {
		return nil, fmt.Errorf("%d bytes, want 48 (compressed)", len(pk))
	}
	return p.Bytes(), nil
}

// systemInner is the BCS of SystemStateInnerV1
// (system/system_state_inner.move): committee BlsCommittee { members:
// vector<BlsCommitteeMember { public_key: Element<UncompressedG1>, weight:
// u16, node_id: ID }>, n_shards: u16, epoch: u32, total_aggregated_key:
// Element<G1> } (system/bls_aggregate.move), total_capacity_size,
// used_capacity_size, storage_price_per_unit_size,
// write_price_per_unit_size, future_accounting:
// FutureAccountingRingBuffer { current_index: u32, length: u32,
// ring_buffer: vector<FutureAccounting> } (system/storage_accounting.move),
// event_blob_certification_state { latest_certified_blob: Option<EventBlob>,
// aggregate_weight_per_blob: VecMap } (system/event_blob.move),
// deny_list_sizes: ExtendedField.
func (s *state) systemInner(sys *sysInner, denyList []byte) []byte {
	e := &enc{}
	e.uleb(len(s.G.Members))
	var total bls12381.G1
	total.SetIdentity()
	for i, m := range s.G.Members {
		var p bls12381.G1
		_ = p.SetBytes(m.PublicKey) // checked at genesis
		total.Add(&total, &p)
		e.bytes(p.Bytes()).u16(uint16(len(m.Shards))).addr(s.G.NodeIDs[i])
	}
	e.u16(s.G.NShards).u32(sys.Epoch).bytes(total.BytesCompressed())
	e.u64(sys.TotalCapacity).u64(sys.Used).u64(sys.StoragePrice).u64(sys.WritePrice)
	e.u32(sys.RingIndex).u32(uint32(len(sys.Ring))).uleb(len(sys.Ring))
	for _, a := range sys.Ring {
		e.u32(a.Epoch).u64(a.Used).u64(a.Rewards)
	}
	e.uleb(0).uleb(0)
	return e.raw(denyList).b
}

// stakingInner is the BCS of StakingInnerV1 (staking/staking_inner.move):
// n_shards: u16, epoch_duration: u64, first_epoch_start: u64, pools:
// ObjectTable<ID, StakingPool> { id, size: u64 }, epoch: u32, active_set:
// ExtendedField, next_committee: Option<Committee>, committee: Committee
// (VecMap<ID, vector<u16>>, staking/committee.move), previous_committee,
// next_epoch_params: Option<EpochParams>, epoch_state: EpochState
// (EpochChangeDone(u64) = variant 1), next_epoch_public_keys: ExtendedField.
// The struct has no UID of its own.
func (s *state) stakingInner(sys *sysInner, activeSet, nextKeys []byte) []byte {
	e := (&enc{}).u16(s.G.NShards).u64(s.G.EpochDurationMs).u64(s.G.FirstEpochStartMs)
	e.addr(s.G.PoolsTable).u64(uint64(len(s.G.Members))).u32(sys.Epoch).raw(activeSet).uleb(0)
	committee := func() {
		e.uleb(len(s.G.Members))
		for i, m := range s.G.Members {
			e.addr(s.G.NodeIDs[i]).uleb(len(m.Shards))
			for _, sh := range m.Shards {
				e.u16(sh)
			}
		}
	}
	committee()
	committee() // previous committee: the same nodes
	e.uleb(0).uleb(1).u64(sys.EpochChangeDoneMs)
	return e.raw(nextKeys).b
}

// addPool adds StakingPool i as an ObjectTable entry: a dynamic object
// field Field<Wrapper<ID>, ID> of the table whose value names the pool,
// and the pool object owned by that field (staking/staking_pool.move,
// staking/storage_node.move).
func (s *state) addPool(i int) error {
	m, id := s.G.Members[i], s.G.NodeIDs[i]
	pk, err := uncompressedG1(m.PublicKey)
	if err != nil {
		return err
	}
	meta := s.extendedField("metadata "+id, s.G.WalrusPkg+"::node_metadata::NodeMetadata", (&enc{}).str("").str("").str("").uleb(0).b)
	e := (&enc{}).addr(id).uleb(0) // state: PoolState::Active
	e.u64(s.Sys.StoragePrice).u64(s.Sys.WritePrice).u64(s.Sys.TotalCapacity)
	// node_info: StorageNodeInfo
	e.str(m.Name).addr(id).str(m.NetworkAddress).bytes(pk).uleb(0).bytes(m.NetworkPublicKey).raw(meta)
	e.u32(0).u32(s.Sys.Epoch).u64(0).u64(0) // activation_epoch, latest_epoch, wal_balance, num_shares
	e.uleb(0).uleb(0).uleb(0).u16(0)        // pending values ×3, commission_rate
	e.addr(genesisID("exchange_rates " + id)).u64(0)
	e.uleb(0).u64(0).u64(0) // pending_stake, rewards_pool, commission
	e.uleb(0).addr(id).uleb(0).addr(id)
	e.addr(genesisID("extra_fields " + id)).u64(0)
	wrapperType := "0x2::dynamic_object_field::Wrapper<0x2::object::ID>"
	field := s.addField(s.G.PoolsTable, wrapperType, addrBytes(id), "0x2::object::ID", addrBytes(id))
	s.Objects[id] = &object{ID: id, Version: 1, Type: s.G.WalrusPkg + "::staking_pool::StakingPool",
		Owner: ledger.Owner{Address: field}, ObjectOwner: true, Contents: e.b}
	return nil
}

// innerFields re-encodes the System and Staking inner-state fields
// after the Walrus epoch or the system accounting changed.
func (s *state) innerFields(in *sysInner) (sys, stk []byte) {
	key := binary.LittleEndian.AppendUint64(nil, version)
	sysVal := s.systemInner(in, addrBytes(genesisID("deny_list_sizes")))
	stkVal := s.stakingInner(in, addrBytes(genesisID("active_set")), addrBytes(genesisID("next_epoch_public_keys")))
	sys = (&enc{}).addr(s.G.SystemField).raw(key).raw(sysVal).b
	stk = (&enc{}).addr(s.G.StakingField).raw(key).raw(stkVal).b
	return sys, stk
}
