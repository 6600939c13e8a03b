package sui

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/rs2"
)

// errShort is returned when BCS bytes end early.
var errShort = errors.New("BCS value ends early")

// reader decodes the BCS of Move structs (integers little-endian, vectors
// and strings prefixed by a ULEB128 length, Option = vector of 0 or 1).
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errShort
		}
		return make([]byte, max(n, 0))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }

// id reads a 32-byte object ID or address as 0x + 64 hex digits.
func (r *reader) id() string { return "0x" + hex.EncodeToString(r.take(32)) }

func (r *reader) boolean() bool {
	v := r.u8()
	if v > 1 && r.err == nil {
		r.err = fmt.Errorf("invalid BCS bool %d", v)
	}
	return v == 1
}

// uleb reads a ULEB128 length (at most 32 bits, as BCS requires).
func (r *reader) uleb() int {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.u8()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if v > 1<<31 && r.err == nil {
				r.err = fmt.Errorf("BCS length %d too large", v)
			}
			return int(v)
		}
	}
	if r.err == nil {
		r.err = errors.New("BCS length longer than 5 bytes")
	}
	return 0
}

// optU32 reads an Option<u32>.
func (r *reader) optU32() (uint32, bool) {
	switch n := r.uleb(); n {
	case 0:
		return 0, false
	case 1:
		return r.u32(), true
	default:
		if r.err == nil {
			r.err = fmt.Errorf("invalid BCS Option length %d", n)
		}
		return 0, false
	}
}

// header is what the System and Staking objects share (§5):
// { id: UID, version: u64, package_id: ID, new_package_id: Option<ID> }.
type header struct {
	ID, PackageID string
	Version       uint64
}

func parseHeader(b []byte) (header, error) {
	r := &reader{b: b}
	h := header{ID: r.id(), Version: r.u64(), PackageID: r.id()}
	return h, r.err
}

// parseSystemInner decodes the dynamic field Field<u64, SystemStateInnerV1>
// (mainnet-contracts/walrus/sources/system/system_state_inner.move and
// bls_aggregate.move): id UID, name u64, then committee BlsCommittee {
// members: vector<BlsCommitteeMember { public_key:
// Element<UncompressedG1> (vector<u8>), weight: u16, node_id: ID }>,
// n_shards: u16, epoch: u32, total_aggregated_key: Element<G1>
// (vector<u8>) }, total_capacity_size, used_capacity_size,
// storage_price_per_unit_size, write_price_per_unit_size (u64 each), and
// fields not needed here.
func parseSystemInner(b []byte, version uint64) (State, error) {
	r := &reader{b: b}
	r.take(32)
	if v := r.u64(); v != version && r.err == nil {
		return State{}, fmt.Errorf("system inner state is for version %d, want %d", v, version)
	}
	for range r.uleb() {
		r.take(r.uleb()) // public key
		r.u16()          // weight
		r.take(32)       // node ID
		if r.err != nil {
			break
		}
	}
	s := State{NShards: int(r.u16()), Epoch: r.u32()}
	r.take(r.uleb()) // total_aggregated_key
	r.u64()
	r.u64()
	s.Prices = Prices{StoragePerUnit: r.u64(), WritePerUnit: r.u64()}
	if r.err != nil {
		return State{}, fmt.Errorf("system inner state: %w", r.err)
	}
	return s, nil
}

// stakingInner is what walrusfs reads of StakingInnerV1.
type stakingInner struct {
	NShards         int
	EpochDuration   time.Duration
	FirstEpochStart time.Time
	PoolsID         string // ObjectTable<ID, StakingPool>
	Epoch           uint32
	Committee       []committeeEntry // in committee order
}

// committeeEntry is one entry of committee::Committee.
type committeeEntry struct {
	NodeID string
	Shards []uint16
}

// parseStaking decodes Field<u64, StakingInnerV1>: id UID, name u64,
// then StakingInnerV1 (mainnet-contracts/walrus/sources/staking/
// staking_inner.move; the struct has no UID of its own) { n_shards: u16,
// epoch_duration: u64 (ms), first_epoch_start: u64 (ms), pools:
// ObjectTable<ID, StakingPool> { id: UID, size: u64 }, epoch: u32,
// active_set: ExtendedField<ActiveSet> { id: UID }, next_committee:
// Option<Committee>, committee: Committee, ... }, where Committee
// (committee.move) is Committee(VecMap<ID, vector<u16>>): node ID to
// shard indices, sorted by node ID, and a VecMap is a vector of
// { key, value } entries.
func parseStaking(b []byte, version uint64) (stakingInner, error) {
	r := &reader{b: b}
	r.take(32)
	if v := r.u64(); v != version && r.err == nil {
		return stakingInner{}, fmt.Errorf("staking inner state is for version %d, want %d", v, version)
	}
	s := stakingInner{NShards: int(r.u16())}
	s.EpochDuration = time.Duration(r.u64()) * time.Millisecond
	s.FirstEpochStart = time.UnixMilli(int64(r.u64())).UTC()
	s.PoolsID = r.id()
	r.u64()
	s.Epoch = r.u32()
	r.take(32)
	switch n := r.uleb(); n {
	case 0:
	case 1:
		r.committee()
	default:
		if r.err == nil {
			r.err = fmt.Errorf("invalid BCS Option length %d", n)
		}
	}
	s.Committee = r.committee()
	if r.err != nil {
		return stakingInner{}, fmt.Errorf("staking inner state: %w", r.err)
	}
	return s, nil
}

// committee reads a committee::Committee.
func (r *reader) committee() []committeeEntry {
	var out []committeeEntry
	for range r.uleb() {
		e := committeeEntry{NodeID: r.id()}
		for range r.uleb() {
			e.Shards = append(e.Shards, r.u16())
			if r.err != nil {
				break
			}
		}
		if r.err != nil {
			return nil
		}
		out = append(out, e)
	}
	return out
}

// parseStakingInner is parseStaking for ReadState.
func parseStakingInner(b []byte, version uint64) (nShards int, epochDur time.Duration, first time.Time, epoch uint32, err error) {
	s, err := parseStaking(b, version)
	return s.NShards, s.EpochDuration, s.FirstEpochStart, s.Epoch, err
}

// bytes reads a vector<u8> (or a Move String).
func (r *reader) bytes() []byte { return append([]byte(nil), r.take(r.uleb())...) }

// parseStakingPool decodes the start of staking_pool::StakingPool
// (mainnet-contracts/walrus/sources/staking/staking_pool.move): { id: UID,
// state: PoolState (enum: Active, Withdrawing(u32), Withdrawn),
// voting_params: VotingParams { storage_price, write_price,
// node_capacity: u64 }, node_info: StorageNodeInfo, ... } with
// StorageNodeInfo (storage_node.move) { name: String, node_id: ID,
// network_address: String, public_key: Element<UncompressedG1>
// (vector<u8>), next_epoch_public_key: Option<Element<UncompressedG1>>,
// network_public_key: vector<u8>, metadata: ExtendedField }.
func parseStakingPool(b []byte) (Member, error) {
	r := &reader{b: b}
	r.take(32)
	switch v := r.uleb(); v {
	case 0, 2:
	case 1:
		r.u32()
	default:
		if r.err == nil {
			r.err = fmt.Errorf("unknown PoolState variant %d", v)
		}
	}
	r.u64()
	r.u64()
	r.u64()
	m := Member{Name: string(r.bytes()), NodeID: r.id(), NetworkAddress: string(r.bytes()), PublicKey: r.bytes()}
	switch n := r.uleb(); n {
	case 0:
	case 1:
		r.bytes()
	default:
		if r.err == nil {
			r.err = fmt.Errorf("invalid BCS Option length %d", n)
		}
	}
	m.NetworkPublicKey = r.bytes()
	r.take(32)
	if r.err != nil {
		return Member{}, fmt.Errorf("staking pool: %w", r.err)
	}
	return m, nil
}

// parseBlob decodes blob::Blob (§5): { id: UID, registered_epoch: u32,
// blob_id: u256, size: u64, encoding_type: u8, certified_epoch:
// Option<u32>, storage: Storage { id: UID, start_epoch: u32, end_epoch:
// u32, storage_size: u64 }, deletable: bool }. A SharedBlob { id, blob,
// funds } is accepted too (shared is true).
func parseBlob(b []byte, shared bool) (Blob, error) {
	r := &reader{b: b}
	var bl Blob
	if shared {
		bl.SharedObjectID = r.id()
	}
	bl.ObjectID = r.id()
	bl.RegisteredEpoch = r.u32()
	copy(bl.BlobID[:], r.take(32)) // u256 little-endian = the blob ID bytes (§2.4)
	bl.Size = r.u64()
	bl.EncodingType = r.u8()
	bl.CertifiedEpoch, bl.Certified = r.optU32()
	r.take(32)
	bl.StartEpoch, bl.EndEpoch, bl.StorageSize = r.u32(), r.u32(), r.u64()
	bl.Deletable = r.boolean()
	if r.err != nil {
		return Blob{}, fmt.Errorf("blob object: %w", r.err)
	}
	if bl.EncodingType != rs2.EncodingTypeRS2 {
		return Blob{}, fmt.Errorf("blob object %s: unsupported encoding type %d", bl.ObjectID, bl.EncodingType)
	}
	return bl, nil
}
