package sui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc/suirpctest"
)

func TestSharedObjectAndCoinTypes(t *testing.T) {
	l := suirpctest.New(ledger.Epoch{Epoch: 1, ReferenceGasPrice: 1000})
	sys, owned, owner := suirpctest.OID(0x51), suirpctest.OID(0x52), suirpctest.OID(0xabc)
	l.Put(ledger.Object{ID: sys, Version: 9, Digest: suirpctest.Digest(1), Type: "0x2a::system::System",
		Owner: ledger.Owner{Shared: true, InitialSharedVersion: 3}, Contents: make([]byte, 40)})
	l.Put(ledger.Object{ID: owned, Version: 4, Digest: suirpctest.Digest(2), Type: "0x2::coin::Coin<0x77::wal::WAL>",
		Owner: ledger.Owner{Address: owner}, Contents: append(make([]byte, 32), 5, 0, 0, 0, 0, 0, 0, 0), Balance: 5})
	c, err := Dial(testNet, suirpctest.Serve(t, l))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	so, typ, err := c.SharedObject(ctx, "0x51")
	if err != nil || so != (SharedObject{ID: sys, InitialVersion: 3}) || !strings.HasSuffix(typ, "::system::System") {
		t.Fatalf("SharedObject: %+v %q %v", so, typ, err)
	}
	if _, _, err := c.SharedObject(ctx, owned); err == nil || !strings.Contains(err.Error(), "not shared") {
		t.Errorf("owned object as shared: %v", err)
	}
	if _, _, err := c.SharedObject(ctx, suirpctest.OID(0x99)); err == nil {
		t.Error("missing object: no error")
	}
	types, err := c.CoinTypes(ctx, owner)
	if err != nil || !slices.ContainsFunc(types, func(s string) bool { return strings.HasSuffix(s, "::wal::WAL") }) {
		t.Fatalf("CoinTypes: %v %v", types, err)
	}
}
