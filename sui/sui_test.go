package sui

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/sui/suitest"
)

// The blob ID / u256 pair measured with the TS SDK (protocol notes §2.4).
const (
	knownBlobID  = "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I"
	knownDecimal = "30006961997934627473707901925650318573932174743741889533894759733632690522768"
	owner        = "0x00000000000000000000000000000000000000000000000000000000000000aa"
)

var (
	testNet = Network{Name: "test", SystemObject: suitest.OID(1), StakingObject: suitest.OID(2), TypeOrigin: suitest.OID(0xfd)}
	first   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	four    = uint32(4)
)

func testBlob(id int, certified bool, end uint32) suitest.Blob {
	b := suitest.Blob{ObjectID: suitest.OID(id), Owner: owner, BlobIDDecimal: knownDecimal, Size: 12345, Registered: 3,
		Start: 3, End: end, StorageSize: 66_034_000, Deletable: true, TypeOrigin: testNet.TypeOrigin}
	if certified {
		b.Certified = &four
	}
	return b
}

// newNetwork fills a fake node: System and Staking (version 2) with their
// inner states, two Blobs owned by owner, a SharedBlob and a coin.
func newNetwork() *suitest.Node {
	n := suitest.NewNode()
	n.AddNetwork(suitest.Objects{System: testNet.SystemObject, Staking: testNet.StakingObject, TypeOrigin: testNet.TypeOrigin},
		suitest.State{Epoch: 7, NShards: 1000, StoragePrice: 11_000, WritePrice: 20_000, EpochDuration: 24 * time.Hour, FirstEpochStart: first})
	n.AddBlob(testBlob(0x30, true, 60))
	n.AddBlob(testBlob(0x31, false, 9))
	shared := testBlob(0x41, true, 20)
	shared.Owner, shared.SharedID = "", suitest.OID(0x40)
	n.AddBlob(shared)
	n.AddObject(suitest.OID(0x50), "0x2::coin::Coin<0x2::sui::SUI>", "0x00000000000000000000000000000000000000000000000000000000000000bb", make([]byte, 40))
	return n
}

func dial(t *testing.T, url string) *Client {
	c, err := Dial(testNet, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func checkState(t *testing.T, s State) {
	t.Helper()
	want := State{Epoch: 7, NShards: 1000, EpochDuration: 24 * time.Hour, FirstEpochStart: first,
		Prices: Prices{StoragePerUnit: 11_000, WritePerUnit: 20_000}, PackageID: suitest.OID(0x99), Version: 2}
	if s != want {
		t.Fatalf("state\n got %+v\nwant %+v", s, want)
	}
}

func TestReadStateGRPC(t *testing.T) {
	n := newNetwork()
	c := dial(t, n.ServeGRPC(t))
	s, err := c.ReadState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkState(t, s)
	if n.Count("BatchGetObjects") != 4 || n.Count("ListDynamicFields") != 2 {
		t.Fatalf("calls: %d BatchGetObjects, %d ListDynamicFields", n.Count("BatchGetObjects"), n.Count("ListDynamicFields"))
	}
}

// TestReadStateJSONRPCFallback: a node without gRPC (an HTTP/1 JSON-RPC
// server) is read over JSON-RPC after the gRPC attempt fails.
func TestReadStateJSONRPCFallback(t *testing.T) {
	n := newNetwork()
	c := dial(t, n.ServeJSONRPC(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkState(t, s)
	if n.Count("sui_multiGetObjects") == 0 {
		t.Fatal("JSON-RPC was not used")
	}
	b, err := c.Blob(ctx, suitest.OID(0x30))
	if err != nil || b.BlobID.String() != knownBlobID || b.EndEpoch != 60 || b.Owner != owner {
		t.Fatalf("Blob over JSON-RPC: %+v, %v", b, err)
	}
	blobs, err := c.OwnedBlobs(ctx, owner)
	if err != nil || len(blobs) != 2 {
		t.Fatalf("OwnedBlobs over JSON-RPC: %d, %v", len(blobs), err)
	}
}

func TestBlobs(t *testing.T) {
	c := dial(t, newNetwork().ServeGRPC(t))
	ctx := context.Background()
	b, err := c.Blob(ctx, suitest.OID(0x30))
	if err != nil {
		t.Fatal(err)
	}
	if b.BlobID.String() != knownBlobID || b.BlobID.Decimal() != knownDecimal {
		t.Fatalf("blob ID %s (%s), want %s", b.BlobID, b.BlobID.Decimal(), knownBlobID)
	}
	want := Blob{ObjectID: suitest.OID(0x30), BlobID: b.BlobID, Size: 12345, EncodingType: 1, RegisteredEpoch: 3, Certified: true,
		CertifiedEpoch: 4, StartEpoch: 3, EndEpoch: 60, StorageSize: 66_034_000, Deletable: true, Owner: owner}
	if b != want {
		t.Fatalf("blob\n got %+v\nwant %+v", b, want)
	}
	sb, err := c.Blob(ctx, suitest.OID(0x40))
	if err != nil || sb.SharedObjectID != suitest.OID(0x40) || sb.ObjectID != suitest.OID(0x41) || sb.EndEpoch != 20 {
		t.Fatalf("shared blob: %+v, %v", sb, err)
	}
	blobs, err := c.OwnedBlobs(ctx, owner)
	if err != nil || len(blobs) != 2 || blobs[0].ObjectID != suitest.OID(0x30) || blobs[1].Certified || blobs[1].EndEpoch != 9 {
		t.Fatalf("owned blobs (two pages): %+v, %v", blobs, err)
	}
	if _, err := c.Blob(ctx, suitest.OID(0x50)); err == nil || !strings.Contains(err.Error(), "not a Walrus Blob") {
		t.Fatalf("a coin as a blob: %v", err)
	}
	if _, err := c.Blob(ctx, suitest.OID(0x5555)); err == nil {
		t.Fatal("a missing object was read")
	}
}

func TestParseErrors(t *testing.T) {
	full := suitest.BlobBCS(testBlob(0x30, true, 60))
	for n := range len(full) {
		if _, err := parseBlob(full[:n], false); err == nil {
			t.Fatalf("a blob cut to %d bytes parsed", n)
		}
	}
	bad := append([]byte(nil), full...)
	bad[len(bad)-1] = 2
	if _, err := parseBlob(bad, false); err == nil {
		t.Fatal("bool 2 parsed")
	}
	if _, err := parseSystemInner((&suitest.BCS{}).ID(suitest.OID(1)).U64(3).B, 2); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("inner state of another version: %v", err)
	}
	huge := (&suitest.BCS{}).ID(suitest.OID(1)).U64(2).U8(0xff).U8(0xff).U8(0xff).U8(0xff).U8(0x7f).B
	if _, err := parseSystemInner(huge, 2); err == nil {
		t.Fatal("a 2^35 member count parsed")
	}
}

func TestCost(t *testing.T) {
	p := Prices{StoragePerUnit: 11_000, WritePerUnit: 20_000}
	for _, c := range []struct {
		enc    uint64
		epochs uint32
		want   int64
	}{
		{0, 5, 0},
		{1, 1, 31_000},
		{1 << 20, 2, 42_000},
		{1<<20 + 1, 2, 84_000},
		{66_034_000, 10, 63 * (110_000 + 20_000)}, // a tiny blob at n=1000 (§1.7): 63 units
	} {
		if got := Cost(c.enc, c.epochs, p); got.Cmp(big.NewInt(c.want)) != 0 {
			t.Errorf("Cost(%d, %d) = %s, want %d", c.enc, c.epochs, got, c.want)
		}
	}
	huge := Cost(^uint64(0), 53, Prices{^uint64(0), ^uint64(0)})
	if huge.BitLen() <= 64 {
		t.Fatalf("Cost overflowed: %s", huge)
	}
	for frost, want := range map[int64]string{0: "0 WAL", 3_000_000_000: "3 WAL", 12_500_000: "0.0125 WAL", 1_000_000_001: "1.000000001 WAL"} {
		if got := FormatWAL(big.NewInt(frost)); got != want {
			t.Errorf("FormatWAL(%d) = %q, want %q", frost, got, want)
		}
	}
}

func TestEpochStart(t *testing.T) {
	s := State{Epoch: 7, EpochDuration: 24 * time.Hour, FirstEpochStart: first}
	inEpoch7 := first.Add(6*24*time.Hour + time.Hour)
	if got := s.EpochStart(10, inEpoch7); !got.Equal(first.Add(9 * 24 * time.Hour)) {
		t.Fatalf("on schedule: %v", got)
	}
	late := first.Add(30 * 24 * time.Hour) // epoch changes ran late: count from now
	if got := s.EpochStart(10, late); !got.Equal(late.Add(3 * 24 * time.Hour)) {
		t.Fatalf("late: %v", got)
	}
	if got := (State{}).EpochStart(3, late); !got.IsZero() {
		t.Fatalf("unknown duration: %v", got)
	}
}
