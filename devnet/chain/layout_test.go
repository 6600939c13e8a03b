package chain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/sui/suitest"
)

// These parsers read the whole Move structs field by field (layouts cited
// in genesis.go) and insist that nothing is left over.

type sysParsed struct {
	members                  int
	weights                  []uint16
	nShards                  uint16
	epoch                    uint32
	total, used              uint64
	storagePrice, writePrice uint64
	ringUsed                 []uint64 // from the current epoch on
}

func parseSystemInnerFull(b []byte) (sysParsed, error) {
	d := &dec{b: b}
	var s sysParsed
	d.take(32)
	if v := d.u64(); v != version {
		return s, fmt.Errorf("key %d", v)
	}
	s.members = d.uleb()
	for range s.members {
		if pk := d.bytes(); len(pk) != 96 {
			return s, fmt.Errorf("member key of %d bytes, want 96 (UncompressedG1)", len(pk))
		}
		s.weights = append(s.weights, d.u16())
		d.take(32)
	}
	s.nShards, s.epoch = d.u16(), d.u32()
	if k := d.bytes(); len(k) != 48 {
		return s, fmt.Errorf("total_aggregated_key of %d bytes", len(k))
	}
	s.total, s.used, s.storagePrice, s.writePrice = d.u64(), d.u64(), d.u64(), d.u64()
	cur, length := d.u32(), d.u32()
	n := d.uleb()
	if n != int(length) {
		return s, fmt.Errorf("ring of %d entries, length %d", n, length)
	}
	type acc struct {
		epoch uint32
		used  uint64
	}
	ring := make([]acc, n)
	for i := range ring {
		ring[i] = acc{d.u32(), d.u64()}
		d.u64()
	}
	for i := range n {
		a := ring[(int(cur)+i)%n]
		if a.epoch != s.epoch+uint32(i) {
			return s, fmt.Errorf("ring entry %d is for epoch %d, want %d", i, a.epoch, s.epoch+uint32(i))
		}
		s.ringUsed = append(s.ringUsed, a.used)
	}
	latest, weights := d.uleb(), d.uleb() // event blob state: none, empty map
	if latest != 0 || weights != 0 {
		return s, errors.New("event blob certification state not empty")
	}
	d.take(32) // deny_list_sizes
	return s, d.done("SystemStateInnerV1")
}

func parseStakingInnerFull(b []byte) (nShards uint16, durMs, firstMs uint64, pools uint64, epoch uint32, committee [][]uint16, err error) {
	d := &dec{b: b}
	d.take(32)
	d.u64()
	nShards, durMs, firstMs = d.u16(), d.u64(), d.u64()
	d.take(32)
	pools, epoch = d.u64(), d.u32()
	d.take(32) // active_set
	if d.uleb() != 0 {
		return 0, 0, 0, 0, 0, nil, errors.New("next_committee set")
	}
	for c := range 2 {
		n := d.uleb()
		for range n {
			d.take(32)
			var sh []uint16
			for range d.uleb() {
				sh = append(sh, d.u16())
			}
			if c == 0 {
				committee = append(committee, sh)
			}
		}
	}
	if d.uleb() != 0 {
		return 0, 0, 0, 0, 0, nil, errors.New("next_epoch_params set")
	}
	if v := d.uleb(); v != 1 {
		return 0, 0, 0, 0, 0, nil, fmt.Errorf("epoch_state variant %d", v)
	}
	d.u64()
	d.take(32)
	return nShards, durMs, firstMs, pools, epoch, committee, d.done("StakingInnerV1")
}

type poolParsed struct {
	name, addr string
	nodeID     string
	pk         []byte
	netKey     []byte
}

func parsePoolFull(b []byte) (poolParsed, error) {
	d := &dec{b: b}
	var p poolParsed
	id := d.addr()
	if d.uleb() != 0 {
		return p, errors.New("pool not Active")
	}
	d.u64()
	d.u64()
	d.u64()
	p.name, p.nodeID, p.addr, p.pk = d.str(), d.addr(), d.str(), d.bytes()
	if d.uleb() != 0 {
		return p, errors.New("next_epoch_public_key set")
	}
	p.netKey = d.bytes()
	d.take(32)
	d.u32()
	d.u32()
	d.u64()
	d.u64()
	for range 3 {
		d.uleb()
	}
	d.u16()
	d.take(32)
	d.u64()
	d.uleb()
	d.u64()
	d.u64()
	for range 2 {
		d.uleb()
		d.take(32)
	}
	d.take(32)
	d.u64()
	if id != p.nodeID {
		return p, fmt.Errorf("pool %s holds node_id %s", id, p.nodeID)
	}
	return p, d.done("StakingPool")
}

func TestGenesisLayouts(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	st := h.c.st
	s, err := parseSystemInnerFull(h.object(st.G.SystemField).Contents)
	if err != nil {
		t.Fatal(err)
	}
	if s.members != 4 || fmt.Sprint(s.weights) != "[3 3 2 2]" || s.nShards != testShards || s.epoch != 1 ||
		s.storagePrice != testStoragePrice || s.writePrice != testWritePrice || len(s.ringUsed) != 53 {
		t.Fatalf("system inner %+v", s)
	}
	n, dur, first, pools, epoch, committee, err := parseStakingInnerFull(h.object(st.G.StakingField).Contents)
	if err != nil {
		t.Fatal(err)
	}
	if n != testShards || dur != 3_600_000 || first != uint64(h.clk.Now().UnixMilli()) || pools != 4 || epoch != 1 || fmt.Sprint(committee) != "[[0 1 2] [3 4 5] [6 7] [8 9]]" {
		t.Fatalf("staking inner %d %d %d %d %d %v", n, dur, first, pools, epoch, committee)
	}
	fields, err := h.c.DynamicFields(ctx, st.G.PoolsTable)
	if err != nil || len(fields) != 4 {
		t.Fatalf("pool fields %v %v", fields, err)
	}
	members := h.c.Committee()
	for _, f := range fields {
		fo := h.object(f.FieldID)
		poolID := hexAddr(fo.Contents[64:96])
		p, err := parsePoolFull(h.object(poolID).Contents)
		if err != nil {
			t.Fatal(err)
		}
		i := -1
		for j, id := range h.c.NodeIDs() {
			if id == poolID {
				i = j
			}
		}
		if i < 0 || p.name != members[i].Name || p.addr != members[i].NetworkAddress || len(p.pk) != 96 {
			t.Fatalf("pool %s: %+v", poolID, p)
		}
		want, _ := uncompressedG1(members[i].PublicKey)
		if string(p.pk) != string(want) {
			t.Fatalf("pool %s public key differs", poolID)
		}
	}
	sys := h.object(h.c.SystemObject().ID)
	if !sys.Owner.Shared || sys.Owner.InitialSharedVersion != 1 || sys.Type != h.c.PackageID()+"::system::System" {
		t.Fatalf("system object %+v", sys)
	}
	if hexAddr(sys.Contents[40:72]) != h.c.PackageID() || binary.LittleEndian.Uint64(sys.Contents[32:40]) != version {
		t.Fatal("system header")
	}
}

// serve copies the chain's objects into the suitest fake node, so
// package sui's reader reads what the devnet serves.
func serve(t *testing.T, c *Chain) *sui.Client {
	n := suitest.NewNode()
	c.mu.Lock()
	for id, o := range c.st.Objects {
		owner := o.Owner.Address
		if o.Owner.Shared {
			owner = ""
		}
		n.AddObject(id, o.Type, owner, o.Contents)
		if o.Parent != "" {
			n.AddField(o.Parent, o.NameBCS, id)
		}
	}
	c.mu.Unlock()
	cl, err := sui.Dial(sui.Network{Name: "devnet", SystemObject: c.SystemObject().ID, StakingObject: c.StakingObject().ID, TypeOrigin: c.PackageID()}, n.ServeGRPC(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

func TestReaderOfPackageSui(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, id := h.register(u, 5, 4321, 3, true)
	cl := serve(t, h.c)
	ctx := context.Background()
	b, err := cl.Blob(ctx, bl.ID)
	if err != nil {
		t.Fatal(err)
	}
	encLen, _ := encodedLength(4321, testShards)
	if b.ObjectID != bl.ID || [32]byte(b.BlobID) != id || b.Size != 4321 || b.EndEpoch != 4 || b.StorageSize != encLen || !b.Deletable || b.Certified {
		t.Fatalf("sui.Client.Blob = %+v", b)
	}
	owned, err := cl.OwnedBlobs(ctx, u.addr)
	if err != nil || len(owned) != 1 || owned[0].ObjectID != bl.ID {
		t.Fatalf("OwnedBlobs = %+v, %v", owned, err)
	}
	s, err := cl.ReadState(ctx)
	if err != nil || s.Epoch != 1 || s.NShards != testShards || s.Prices.StoragePerUnit != testStoragePrice || s.Prices.WritePerUnit != testWritePrice ||
		s.PackageID != h.c.PackageID() || s.EpochDuration != time.Hour || !s.FirstEpochStart.Equal(h.clk.Now().Truncate(time.Millisecond)) {
		t.Fatalf("ReadState = %+v, %v", s, err)
	}
}
