package chain

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

func nested(a transaction.Argument, i uint16) transaction.Argument {
	return transaction.Argument{NestedResult: &transaction.NestedResult{Index: *a.Result, ResultIndex: i}}
}

func walTag(h *harness) transaction.TypeTag {
	pkg, _ := transaction.ConvertSuiAddressStringToBytes(models.SuiAddress(strings.Split(h.c.WALType(), "::")[0]))
	return transaction.TypeTag{Struct: &transaction.StructTag{Address: *pkg, Module: "wal", Name: "WAL"}}
}

func TestCoins(t *testing.T) {
	h := newHarness(t, nil)
	u, v := newUser(1), newUser(2)
	h.fund(u, testSUI, testWAL)
	h.fund(u, testSUI, testWAL)
	walType := "0x2::coin::Coin<" + h.c.WALType() + ">"

	// Two gas coins are smashed into the first; SplitCoins from the gas
	// coin and MergeCoins of the two WAL coins; a split goes to v.
	p := h.newTx(u)
	coins := h.owned(u, walType)
	w0, w1 := p.obj(coins[0]), p.obj(coins[1])
	p.tx.MergeCoins(w0, []transaction.Argument{w1})
	s := p.tx.SplitCoins(p.tx.Gas(), []transaction.Argument{p.tx.Pure(uint64(1_000)), p.tx.Pure(uint64(2_000))})
	p.tx.TransferObjects([]transaction.Argument{nested(s, 0), nested(s, 1)}, p.tx.Pure(v.addr))
	r := p.mustExec()
	if n := len(h.owned(u, suiCoinType)); n != 1 {
		t.Fatalf("%d SUI coins after smashing", n)
	}
	if got := h.balance(v, "0x2::sui::SUI"); got != 3_000 {
		t.Fatalf("v got %d MIST", got)
	}
	if got := h.balance(u, "0x2::sui::SUI"); got != 2*testSUI-3_000-(r.Gas.Computation+r.Gas.Storage-r.Gas.Rebate) {
		t.Fatalf("u holds %d MIST, gas %+v", got, r.Gas)
	}
	if ws := h.owned(u, walType); len(ws) != 1 || ws[0].Balance != 2*testWAL {
		t.Fatalf("WAL after merge: %+v", ws)
	}
	var deleted int
	for _, ch := range r.Changed {
		if ch.Op == ledger.Deleted {
			deleted++
		}
	}
	if deleted != 2 { // the second gas coin and the merged WAL coin
		t.Fatalf("%d deleted objects: %+v", deleted, r.Changed)
	}

	// The TypeScript SDK's flow: split the exact price, pay, destroy_zero.
	id, root := blobFor(4, 1000)
	encLen, _ := encodedLength(1000, testShards)
	price := testStoragePrice*units(encLen)*2 + testWritePrice*units(encLen)
	p = h.newTx(u)
	sys := p.system(true)
	pay := p.tx.SplitCoins(p.wal(), []transaction.Argument{p.tx.Pure(price)})
	coin := nested(pay, 0)
	st := p.call("system", "reserve_space", sys, p.tx.Pure(encLen), p.tx.Pure(uint32(2)), coin)
	bl := p.call("system", "register_blob", sys, st, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(1000)), p.tx.Pure(uint8(1)), p.tx.Pure(true), coin)
	p.tx.MoveCall("0x2", "coin", "destroy_zero", []transaction.TypeTag{walTag(h)}, []transaction.Argument{coin})
	p.keep(bl)
	p.mustExec()
	if got := h.balance(u, h.c.WALType()); got != 2*testWAL-price {
		t.Fatalf("WAL %d after paying %d", got, price)
	}

	// A split result left unused fails the transaction.
	p = h.newTx(u)
	p.tx.SplitCoins(p.wal(), []transaction.Argument{p.tx.Pure(uint64(1))})
	if r, err := p.exec(); err != nil || r.Success || !strings.Contains(r.Error, "UnusedValueWithoutDrop") {
		t.Fatalf("unused split: %+v, %v", r, err)
	}
	// destroy_zero with the wrong type argument.
	p = h.newTx(u)
	sui := transaction.TypeTag{Struct: &transaction.StructTag{Address: models.SuiAddressBytes{31: 2}, Module: "sui", Name: "SUI"}}
	p.tx.MoveCall("0x2", "coin", "destroy_zero", []transaction.TypeTag{sui}, []transaction.Argument{p.wal()})
	if r, err := p.exec(); err != nil || r.Success || !strings.Contains(r.Error, "TypeMismatch") {
		t.Fatalf("destroy_zero<SUI>(WAL coin): %+v, %v", r, err)
	}
	// The whole gas coin can be transferred.
	p = h.newTx(u)
	p.tx.TransferObjects([]transaction.Argument{p.tx.Gas()}, p.tx.Pure(v.addr))
	p.mustExec()
	if n := len(h.owned(u, suiCoinType)); n != 0 {
		t.Fatalf("u still has %d SUI coins", n)
	}
}

func TestFundAndOptions(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.c.Fund("not an address", 1, 1); err == nil {
		t.Fatal("Fund to a bad address succeeded")
	}
	good := Options{NShards: testShards, Members: testMembers(t), CheckCertificate: checkCert}
	cases := []struct {
		name string
		mod  func(o *Options)
		want string
	}{
		{"no certificate check", func(o *Options) { o.CheckCertificate = nil }, "CheckCertificate is required"},
		{"no shards", func(o *Options) { o.NShards = 0 }, "NShards 0"},
		{"shard held by nobody", func(o *Options) { o.NShards = 11 }, "shard 10 is held by no member"},
		{"shard out of range", func(o *Options) { o.NShards = 9 }, "out of range"},
		{"bad public key", func(o *Options) {
			o.Members = append([]Member(nil), o.Members...)
			o.Members[0].PublicKey = make([]byte, 48)
		}, "public key"},
		{"no members", func(o *Options) { o.Members = nil }, "no committee members"},
		{"max epochs ahead", func(o *Options) { o.MaxEpochsAhead = 1001 }, "above 1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.mod(&o)
			if _, err := New(t.TempDir(), o); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Open(t.TempDir(), good); err == nil {
		t.Fatal("Open of an empty directory succeeded")
	}
}

func TestConcurrentUsers(t *testing.T) {
	h := newHarness(t, nil)
	var users []*user
	for i := range 4 {
		u := newUser(byte(10 + i))
		h.fund(u, testSUI, testWAL)
		users = append(users, u)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				id, root := blobFor(byte(i*10+j), 1000)
				p := registerTx(h, u, nil, id, root, 1000, 1)
				r, err := p.exec()
				if err == nil && !r.Success {
					err = errString(r.Error)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	objs, _ := h.c.OwnedObjects(context.Background(), users[0].addr, h.c.PackageID()+"::blob::Blob")
	if len(objs) != 3 {
		t.Fatalf("%d blobs", len(objs))
	}
}

type errString string

func (e errString) Error() string { return string(e) }
