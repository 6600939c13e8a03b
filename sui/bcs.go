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
		r.err = errShort
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
// (contracts/walrus/sources/system/system_state_inner.move): id UID, name
// u64, then committee BlsCommittee { members: vector<BlsCommitteeMember
// { public_key: Element<G1> (vector<u8>), weight: u16, node_id: ID }>,
// n_shards: u16, epoch: u32 }, total_capacity_size, used_capacity_size,
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
	r.u64()
	r.u64()
	s.Prices = Prices{StoragePerUnit: r.u64(), WritePerUnit: r.u64()}
	if r.err != nil {
		return State{}, fmt.Errorf("system inner state: %w", r.err)
	}
	return s, nil
}

// parseStakingInner decodes Field<u64, StakingInnerV1>
// (contracts/walrus/sources/staking/staking_inner.move): id UID, name u64,
// then { id: UID, n_shards: u16, epoch_duration: u64 (ms),
// first_epoch_start: u64 (ms), pools: ObjectTable { id: UID, size: u64 },
// epoch: u32, ... }.
func parseStakingInner(b []byte, version uint64) (nShards int, epochDur time.Duration, first time.Time, epoch uint32, err error) {
	r := &reader{b: b}
	r.take(32)
	if v := r.u64(); v != version && r.err == nil {
		return 0, 0, time.Time{}, 0, fmt.Errorf("staking inner state is for version %d, want %d", v, version)
	}
	r.take(32)
	nShards = int(r.u16())
	epochDur = time.Duration(r.u64()) * time.Millisecond
	first = time.UnixMilli(int64(r.u64())).UTC()
	r.take(32)
	r.u64()
	epoch = r.u32()
	if r.err != nil {
		return 0, 0, time.Time{}, 0, fmt.Errorf("staking inner state: %w", r.err)
	}
	return nShards, epochDur, first, epoch, nil
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
