package chain

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

func TestReads(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	h.fund(u, 5, 0)
	ctx := context.Background()
	long := "0x" + strings.Repeat("0", 63) + "2"
	cases := []struct {
		typ  string
		want int
	}{
		{"", 3},
		{"0x2::coin::Coin", 3},
		{long + "::coin::Coin", 3},
		{"0x2::coin::Coin<0x2::sui::SUI>", 2},
		{long + "::coin::Coin<" + long + "::sui::SUI>", 2},
		{"0x2::coin::Coin<" + h.c.WALType() + ">", 1},
		{h.c.PackageID() + "::blob::Blob", 0},
		{"0x2::coin::Coi", 0},
	}
	for _, c := range cases {
		if _, err := h.c.OwnedObjects(ctx, strings.ToUpper(u.addr[2:3])+u.addr[3:], c.typ); err == nil {
			t.Fatalf("address without 0x accepted")
		}
		objs, err := h.c.OwnedObjects(ctx, u.addr, c.typ)
		if err != nil || len(objs) != c.want {
			t.Fatalf("OwnedObjects(%q) = %d objects, %v; want %d", c.typ, len(objs), err, c.want)
		}
		for i := 1; i < len(objs); i++ {
			if objs[i-1].ID >= objs[i].ID {
				t.Fatal("not ordered by ID")
			}
		}
	}
	if b, err := h.c.Balance(ctx, u.addr, long+"::sui::SUI"); err != nil || b.CoinBalance != testSUI+5 || b.AddressBalance != 0 {
		t.Fatalf("Balance = %+v, %v", b, err)
	}
	objs, err := h.c.Objects(ctx, []string{h.c.SystemObject().ID, "0x1234", "0x2"})
	if err != nil || objs[0] == nil || objs[1] != nil || objs[2] != nil {
		t.Fatalf("Objects = %+v, %v", objs, err)
	}
	if _, err := h.c.Objects(ctx, []string{"zz"}); err == nil {
		t.Fatal("bad ID accepted")
	}
	fields, err := h.c.DynamicFields(ctx, h.c.SystemObject().ID)
	if err != nil || len(fields) != 1 || fields[0].NameType != "u64" || binary.LittleEndian.Uint64(fields[0].NameBCS) != version ||
		fields[0].FieldID != h.c.st.G.SystemField || !strings.HasSuffix(fields[0].ValueType, "::system_state_inner::SystemStateInnerV1") {
		t.Fatalf("System fields %+v, %v", fields, err)
	}
	if f := h.object(fields[0].FieldID); !strings.HasPrefix(f.Type, "0x2::dynamic_field::Field<u64, ") || f.Owner.Address != h.c.SystemObject().ID {
		t.Fatalf("field object %s owned by %+v", f.Type, f.Owner)
	}
	if fields, _ = h.c.DynamicFields(ctx, h.c.StakingObject().ID); len(fields) != 1 {
		t.Fatalf("Staking fields %+v", fields)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.c.Objects(cctx, nil); err == nil {
		t.Fatal("cancelled context ignored")
	}
	if h.c.WALType() != strings.Split(h.c.WALType(), "::")[0]+"::wal::WAL" || len(h.c.Committee()) != 4 || h.c.WalrusEpoch() != 1 {
		t.Fatal("accessors")
	}
}
