package sui

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc/suirpctest"
	"github.com/walrusfs/walrusfs/sui/suitest"
)

// stakingChain puts a Staking object (version 2) with its inner state
// and a pools table into a fake ledger: pools as dynamic object fields
// (the pool is its own object named by the node ID, as ObjectTable
// stores it), except, if plain, those of members after the first, as
// plain Field<ID, StakingPool>.
func stakingChain(t *testing.T, members, withPools []suitest.Member, plain bool, nShards uint16, extra int, edit func(*suirpctest.Ledger)) (*Client, *suirpctest.Ledger) {
	l := suirpctest.New(ledger.Epoch{Epoch: 1, ReferenceGasPrice: 1000})
	put := func(id, typ string, owner ledger.Owner, contents []byte) {
		l.Put(ledger.Object{ID: id, Version: 7, Digest: suirpctest.Digest(1), Type: typ, Owner: owner, Contents: contents})
	}
	shared := ledger.Owner{Shared: true, InitialSharedVersion: 1}
	put(testNet.StakingObject, testNet.TypeOrigin+"::staking::Staking", shared, (&suitest.BCS{}).ID(testNet.StakingObject).U64(2).ID(suitest.OID(0x99)).ULEB(0).B)
	field, pools := suitest.OID(0x7002), suitest.OID(0x7004)
	st := suitest.State{NShards: nShards, Epoch: 9, EpochDuration: time.Hour, FirstEpochStart: first}
	put(field, "0x2::dynamic_field::Field<u64, "+testNet.TypeOrigin+"::staking_inner::StakingInnerV1>", ledger.Owner{Address: testNet.StakingObject},
		suitest.StakingInnerBCS(field, 2, st, pools, members[:1], members))
	l.AddField(testNet.StakingObject, ledger.Field{NameType: "u64", NameBCS: binary.LittleEndian.AppendUint64(nil, 2), FieldID: field, ValueType: "StakingInnerV1"})
	all := append([]suitest.Member(nil), withPools...)
	for i := range extra {
		all = append(all, suitest.Member{NodeID: suitest.OID(0x9000 + i), Name: fmt.Sprintf("spare-%d", i), PublicKey: make([]byte, 96), NetworkPublicKey: make([]byte, 33)})
	}
	for i, m := range all {
		fid := suitest.OID(0xa000 + i)
		key := (&suitest.BCS{}).ID(m.NodeID).B
		if plain && i > 0 && i < len(members) {
			put(fid, "0x2::dynamic_field::Field<0x2::object::ID, StakingPool>", ledger.Owner{Address: pools},
				append((&suitest.BCS{}).ID(fid).ID(m.NodeID).B, suitest.StakingPoolBCS(m, false)...))
			l.AddField(pools, ledger.Field{NameType: "0x2::object::ID", NameBCS: key, FieldID: fid, ValueType: "StakingPool"})
			continue
		}
		put(fid, "0x2::dynamic_field::Field<0x2::dynamic_object_field::Wrapper<0x2::object::ID>, 0x2::object::ID>", ledger.Owner{Address: pools},
			(&suitest.BCS{}).ID(fid).ID(m.NodeID).ID(m.NodeID).B)
		put(m.NodeID, testNet.TypeOrigin+"::staking_pool::StakingPool", ledger.Owner{Address: fid}, suitest.StakingPoolBCS(m, i%2 == 1))
		l.AddField(pools, ledger.Field{NameType: "0x2::dynamic_object_field::Wrapper<0x2::object::ID>", NameBCS: key, FieldID: fid, ValueType: "0x2::object::ID"})
	}
	if edit != nil {
		edit(l)
	}
	c, err := Dial(testNet, suirpctest.Serve(t, l))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, l
}

func testMembers() []suitest.Member {
	var ms []suitest.Member
	for i, shards := range [][]uint16{{0, 3}, {1}, {2, 4, 5}} {
		ms = append(ms, suitest.Member{NodeID: suitest.OID(0x8000 + 0x10*(3-i)), Name: fmt.Sprintf("node-%d", i),
			NetworkAddress: fmt.Sprintf("node%d.example:9185", i), PublicKey: bytes.Repeat([]byte{byte(i + 1)}, 96),
			NetworkPublicKey: bytes.Repeat([]byte{byte(0x40 + i)}, 33), Shards: shards})
	}
	return ms
}

// TestCommittee: pools read by node ID (one ListDynamicFields call, for
// the inner state) and, when some are plain fields, from the pools table
// (63 entries: two pages).
func TestCommittee(t *testing.T) {
	ms := testMembers()
	for _, c := range []struct {
		plain bool
		lists int
	}{{false, 1}, {true, 3}} {
		cl, l := stakingChain(t, ms, ms, c.plain, 6, 60, nil)
		cm, err := cl.Committee(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cm.Epoch != 9 || cm.NShards != 6 || len(cm.Members) != 3 {
			t.Fatalf("committee %+v", cm)
		}
		for i, m := range cm.Members {
			w := ms[i]
			if m.NodeID != w.NodeID || m.Name != w.Name || m.NetworkAddress != w.NetworkAddress || !bytes.Equal(m.PublicKey, w.PublicKey) ||
				!bytes.Equal(m.NetworkPublicKey, w.NetworkPublicKey) || fmt.Sprint(m.Shards) != fmt.Sprint(w.Shards) {
				t.Errorf("member %d\n got %+v\nwant %+v", i, m, w)
			}
		}
		if n := l.Count("DynamicFields"); n != c.lists {
			t.Errorf("plain %v: %d dynamic field listings, want %d", c.plain, n, c.lists)
		}
	}
}

func TestCommitteeErrors(t *testing.T) {
	ms := testMembers()
	other := ms[2]
	other.NodeID = suitest.OID(0x4242)
	for _, c := range []struct {
		name    string
		members []suitest.Member
		shards  uint16
		edit    func(*suirpctest.Ledger)
		want    string
	}{
		{"shards do not add up", ms, 7, nil, "committee of epoch 9 holds 6 shards, n_shards is 7"},
		{"pool of another node", ms, 6, func(l *suirpctest.Ledger) {
			l.Put(ledger.Object{ID: ms[0].NodeID, Version: 7, Digest: suirpctest.Digest(1), Type: "StakingPool", Owner: ledger.Owner{Address: suitest.OID(0xa000)},
				Contents: suitest.StakingPoolBCS(other, false)})
		}, "describes node " + other.NodeID},
		{"pool cut short", ms, 6, func(l *suirpctest.Ledger) {
			l.Put(ledger.Object{ID: ms[0].NodeID, Version: 7, Digest: suirpctest.Digest(1), Type: "StakingPool", Owner: ledger.Owner{Address: suitest.OID(0xa000)},
				Contents: suitest.StakingPoolBCS(ms[0], false)[:100]})
		}, "staking pool: BCS value ends early"},
		{"bad pool state", ms, 6, func(l *suirpctest.Ledger) {
			b := suitest.StakingPoolBCS(ms[0], false)
			b[32] = 5
			l.Put(ledger.Object{ID: ms[0].NodeID, Version: 7, Digest: suirpctest.Digest(1), Type: "StakingPool", Owner: ledger.Owner{Address: suitest.OID(0xa000)}, Contents: b})
		}, "unknown PoolState variant 5"},
		{"pool object missing", ms, 6, func(l *suirpctest.Ledger) {
			l.Put(ledger.Object{ID: suitest.OID(0xa001), Version: 7, Digest: suirpctest.Digest(1), Type: "Field"}) // a Field with no contents
		}, "no contents"},
	} {
		cl, _ := stakingChain(t, c.members, c.members, true, c.shards, 0, c.edit)
		_, err := cl.Committee(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	cl, _ := stakingChain(t, ms, ms[:2], true, 6, 0, nil)
	if _, err := cl.Committee(context.Background()); err == nil || !strings.Contains(err.Error(), "committee member "+ms[2].NodeID+" has no staking pool in table "+suitest.OID(0x7004)) {
		t.Fatalf("member without a pool: %v", err)
	}
}

func TestParseStaking(t *testing.T) {
	ms := testMembers()
	st := suitest.State{NShards: 6, Epoch: 9, EpochDuration: time.Hour, FirstEpochStart: first}
	full := suitest.StakingInnerBCS(suitest.OID(1), 2, st, suitest.OID(2), nil, ms)
	s, err := parseStaking(full, 2)
	if err != nil || s.NShards != 6 || s.Epoch != 9 || s.PoolsID != suitest.OID(2) || s.EpochDuration != time.Hour || !s.FirstEpochStart.Equal(first) ||
		len(s.Committee) != 3 || fmt.Sprint(s.Committee[2].Shards) != "[2 4 5]" {
		t.Fatalf("parseStaking: %+v, %v", s, err)
	}
	// Every cut inside the committee fails; what follows it is not read.
	end := len(full) - 9 - 1 // U8(0) U64(0xbeef) and the empty next committee written after it
	for n := range end {
		if _, err := parseStaking(full[:n], 2); err == nil {
			t.Fatalf("staking inner state cut to %d bytes parsed", n)
		}
	}
	bad := suitest.StakingInnerBCS(suitest.OID(1), 2, st, suitest.OID(2), nil, ms)
	bad[32+8+2+8+8+32+8+4+32] = 2 // next_committee: Option with 2 elements
	if _, err := parseStaking(bad, 2); err == nil || !strings.Contains(err.Error(), "invalid BCS Option length 2") {
		t.Fatalf("bad option: %v", err)
	}
	pool := suitest.StakingPoolBCS(ms[1], true)
	m, err := parseStakingPool(pool)
	if err != nil || m.Name != "node-1" || m.NodeID != ms[1].NodeID || len(m.PublicKey) != 96 || len(m.NetworkPublicKey) != 33 {
		t.Fatalf("withdrawing pool: %+v, %v", m, err)
	}
	for n := range len(pool) - 16 { // the fields after node_info are not read
		if _, err := parseStakingPool(pool[:n]); err == nil {
			t.Fatalf("pool cut to %d bytes parsed", n)
		}
	}
}
