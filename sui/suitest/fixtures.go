package suitest

import (
	"encoding/binary"
	"time"
)

// Objects are the Walrus object IDs a fake network lives at.
type Objects struct {
	System, Staking string
	TypeOrigin      string // package ID used in type strings
}

// State is what the fake System and Staking objects say.
type State struct {
	Version                  uint64 // System/Staking version = inner state key (default 2)
	PackageID                string
	Epoch                    uint32
	NShards                  uint16
	StoragePrice, WritePrice uint64 // FROST per MiB unit
	EpochDuration            time.Duration
	FirstEpochStart          time.Time
	CommitteeMembers         int // BlsCommittee members (default 2)
}

// AddNetwork adds the System and Staking objects and their inner states
// as dynamic fields keyed by the u64 version, with the layouts of
// system.move/staking.move headers, SystemStateInnerV1 and StakingInnerV1
// (protocol notes §5; layouts cited in package sui's bcs.go), plus an
// extra Staking dynamic field for another version so lookups must match
// the key.
func (n *Node) AddNetwork(ids Objects, s State) {
	if s.Version == 0 {
		s.Version = 2
	}
	if s.CommitteeMembers == 0 {
		s.CommitteeMembers = 2
	}
	if s.PackageID == "" {
		s.PackageID = OID(0x99)
	}
	header := func(id string) []byte { return (&BCS{}).ID(id).U64(s.Version).ID(s.PackageID).ULEB(0).B }
	key := binary.LittleEndian.AppendUint64(nil, s.Version)
	sysField, stkField := OID(0x7001), OID(0x7002)

	n.AddObject(ids.System, ids.TypeOrigin+"::system::System", "", header(ids.System))
	sys := (&BCS{}).ID(sysField).U64(s.Version).ULEB(s.CommitteeMembers)
	for i := range s.CommitteeMembers {
		sys.Bytes(make([]byte, 96)) // Element<UncompressedG1>
		sys.U16(s.NShards / uint16(s.CommitteeMembers)).ID(OID(0x8000 + i))
	}
	sys.U16(s.NShards).U32(s.Epoch).Bytes(make([]byte, 48)).U64(1 << 40).U64(1 << 30).U64(s.StoragePrice).U64(s.WritePrice)
	sys.U64(0xdead) // the first bytes of future_accounting: parsers must not care
	n.AddObject(sysField, "0x2::dynamic_field::Field<u64, "+ids.TypeOrigin+"::system_state_inner::SystemStateInnerV1>", "", sys.B)
	n.AddField(ids.System, key, sysField)

	n.AddObject(ids.Staking, ids.TypeOrigin+"::staking::Staking", "", header(ids.Staking))
	members := make([]Member, s.CommitteeMembers)
	for i := range members {
		members[i].NodeID = OID(0x8000 + i)
		per := int(s.NShards) / s.CommitteeMembers
		for k := range per {
			members[i].Shards = append(members[i].Shards, uint16(i*per+k))
		}
		if i == len(members)-1 {
			for k := len(members) * per; k < int(s.NShards); k++ {
				members[i].Shards = append(members[i].Shards, uint16(k))
			}
		}
	}
	stk := StakingInnerBCS(stkField, s.Version, s, OID(0x7004), members[:1], members)
	n.AddObject(stkField, "0x2::dynamic_field::Field<u64, "+ids.TypeOrigin+"::staking_inner::StakingInnerV1>", "", stk)
	n.AddField(ids.Staking, binary.LittleEndian.AppendUint64(nil, s.Version-1), OID(0x7005)) // no such object
	n.AddField(ids.Staking, key, stkField)
}

// Blob is a blob::Blob fixture.
type Blob struct {
	ObjectID, Owner string
	BlobIDDecimal   string // blob_id as Sui shows it (u256 decimal)
	Size            uint64
	Registered      uint32
	Certified       *uint32
	Start, End      uint32
	StorageSize     uint64
	Deletable       bool
	SharedID        string // if set, wrap in a SharedBlob with this ID
	TypeOrigin      string
}

// BlobBCS is the BCS of a blob::Blob (protocol notes §5).
func BlobBCS(b Blob) []byte {
	w := (&BCS{}).ID(b.ObjectID).U32(b.Registered).U256(b.BlobIDDecimal).U64(b.Size).U8(1)
	if b.Certified != nil {
		w.ULEB(1).U32(*b.Certified)
	} else {
		w.ULEB(0)
	}
	w.ID(OID(0x6000)).U32(b.Start).U32(b.End).U64(b.StorageSize)
	if b.Deletable {
		return w.U8(1).B
	}
	return w.U8(0).B
}

// AddBlob adds a Blob (or SharedBlob, with a zero Balance<WAL>) object,
// owned by b.Owner if set.
func (n *Node) AddBlob(b Blob) {
	if b.SharedID != "" {
		content := append((&BCS{}).ID(b.SharedID).B, BlobBCS(b)...)
		n.AddObject(b.SharedID, b.TypeOrigin+"::shared_blob::SharedBlob", "", (&BCS{B: content}).U64(0).B)
		return
	}
	n.AddObject(b.ObjectID, b.TypeOrigin+"::blob::Blob", b.Owner, BlobBCS(b))
}

// AddObject adds any object; owner "" makes it shared.
func (n *Node) AddObject(id, typ, owner string, content []byte) {
	n.objects[id] = object{typ: typ, owner: owner, content: content}
	if owner != "" {
		n.owned[owner] = append(n.owned[owner], id)
	}
}

// AddField adds a dynamic field of parent with BCS name, stored in object fieldID.
func (n *Node) AddField(parent string, name []byte, fieldID string) {
	n.fields[parent] = append(n.fields[parent], field{name: name, fieldID: fieldID})
}

// Member is a storage node of a fixture committee and its staking pool.
type Member struct {
	NodeID, Name, NetworkAddress string
	PublicKey, NetworkPublicKey  []byte
	Shards                       []uint16
}

// committee appends a committee::Committee (VecMap<ID, vector<u16>>).
func (w *BCS) committee(ms []Member) *BCS {
	w.ULEB(len(ms))
	for _, m := range ms {
		w.ID(m.NodeID).ULEB(len(m.Shards))
		for _, sh := range m.Shards {
			w.U16(sh)
		}
	}
	return w
}

// Bytes appends a vector<u8> (or a Move String).
func (w *BCS) Bytes(b []byte) *BCS {
	w.ULEB(len(b))
	w.B = append(w.B, b...)
	return w
}

// StakingInnerBCS is Field<u64, StakingInnerV1> (layout cited at package
// sui's parseStaking): field ID, version, n_shards, epoch duration, first
// epoch start, pools table (poolsID, size), epoch, active_set, then
// next_committee (None if next is nil) and committee, and bytes standing
// for the fields after them.
func StakingInnerBCS(fieldID string, version uint64, s State, poolsID string, next, cur []Member) []byte {
	w := (&BCS{}).ID(fieldID).U64(version).U16(s.NShards).
		U64(uint64(s.EpochDuration / time.Millisecond)).U64(uint64(s.FirstEpochStart.UnixMilli())).
		ID(poolsID).U64(uint64(len(cur))).U32(s.Epoch).ID(OID(0x7006))
	if next == nil {
		w.ULEB(0)
	} else {
		w.ULEB(1).committee(next)
	}
	return w.committee(cur).committee(next).U8(0).U64(0xbeef).B
}

// StakingPoolBCS is the contents of a StakingPool object (layout cited at
// package sui's parseStakingPool), in pool state Withdrawing(9) if
// withdrawing, else Active, with a pending next-epoch key.
func StakingPoolBCS(m Member, withdrawing bool) []byte {
	w := (&BCS{}).ID(m.NodeID)
	if withdrawing {
		w.ULEB(1).U32(9)
	} else {
		w.ULEB(0)
	}
	w.U64(1).U64(2).U64(3).Bytes([]byte(m.Name)).ID(m.NodeID).Bytes([]byte(m.NetworkAddress)).Bytes(m.PublicKey)
	w.ULEB(1).Bytes(make([]byte, 96)).Bytes(m.NetworkPublicKey).ID(OID(0x7007))
	return w.U32(1).U32(2).U64(1000).B // activation_epoch, latest_epoch, wal_balance, ...
}
