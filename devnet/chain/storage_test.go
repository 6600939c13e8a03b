package chain

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// storageOf decodes a Storage object.
func (h *harness) storageOf(o *ledger.Object) storageRes {
	h.t.Helper()
	s, err := decodeStorageObj(o.Contents)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// gone fails unless id no longer exists as an object.
func (h *harness) gone(id string) {
	h.t.Helper()
	objs, err := h.c.Objects(context.Background(), []string{id})
	if err != nil {
		h.t.Fatal(err)
	}
	if objs[0] != nil {
		h.t.Fatalf("object %s still exists: %+v", id, objs[0])
	}
}

// TestSplitAndRegister: a Storage three times too large is split to the
// encoded size; the split part registers the blob (paying only the write
// fee), the remainder is a new Storage of the same epochs.
func TestSplitAndRegister(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	const size = 100_000
	encLen, _ := encodedLength(size, testShards)
	st := h.reserve(u, 3*encLen, 4)
	walBefore := h.balance(u, h.c.WALType())

	id, root := blobFor(3, size)
	p := h.newTx(u)
	sys, wal, sa := p.system(true), p.wal(), p.obj(st)
	rest := p.call("storage_resource", "split_by_size", sa, p.tx.Pure(encLen))
	bl := p.call("system", "register_blob", sys, sa, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(size)), p.tx.Pure(uint8(1)), p.tx.Pure(true), wal)
	p.keep(bl, rest)
	r := p.mustExec()

	b, err := decodeBlob(h.object(createdOfType(t, r, "::blob::Blob").ID).Contents)
	if err != nil {
		t.Fatal(err)
	}
	if b.Storage.ID != st.ID || b.Storage.Size != encLen || b.Storage.Start != 1 || b.Storage.End != 5 {
		t.Fatalf("blob storage %+v, want %s of %d bytes for [1, 5)", b.Storage, st.ID, encLen)
	}
	h.gone(st.ID) // wrapped in the Blob
	left := h.storageOf(h.object(createdOfType(t, r, "::storage_resource::Storage").ID))
	if left.Size != 2*encLen || left.Start != 1 || left.End != 5 {
		t.Fatalf("remainder %+v, want %d bytes for [1, 5)", left, 2*encLen)
	}
	if got, want := walBefore-h.balance(u, h.c.WALType()), uint64(testWritePrice*units(encLen)); got != want {
		t.Fatalf("paid %d FROST, want only the write fee %d", got, want)
	}
	if txs, calls := h.c.CallStats("storage_resource", "split_by_size"); txs != 1 || calls != 1 {
		t.Fatalf("CallStats(split_by_size) = %d, %d", txs, calls)
	}

	// The remainder, larger than the encoded blob, registers a blob whole
	// (register_blob wants at least the encoded size).
	id2, root2 := blobFor(4, size)
	p = h.newTx(u)
	sys, wal = p.system(true), p.wal()
	p.keep(p.call("system", "register_blob", sys, p.obj(h.object(left.ID)), p.tx.Pure(id2), p.tx.Pure(root2), p.tx.Pure(uint64(size)), p.tx.Pure(uint8(1)), p.tx.Pure(false), wal))
	r = p.mustExec()
	if b, _ := decodeBlob(h.object(createdOfType(t, r, "::blob::Blob").ID).Contents); b.Storage.Size != 2*encLen {
		t.Fatalf("blob storage %+v", b.Storage)
	}
}

func TestFuseAndSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   string
		// make returns first and second; want is first afterwards.
		make func(h *harness, u *user) (first, second *ledger.Object)
		want storageRes
	}{
		{name: "fuse_amount", fn: "fuse_amount", want: storageRes{Start: 1, End: 4, Size: 3000},
			make: func(h *harness, u *user) (*ledger.Object, *ledger.Object) {
				return h.reserve(u, 1000, 3), h.reserve(u, 2000, 3)
			}},
		{name: "fuse of equal starts", fn: "fuse", want: storageRes{Start: 1, End: 4, Size: 3000},
			make: func(h *harness, u *user) (*ledger.Object, *ledger.Object) {
				return h.reserve(u, 2000, 3), h.reserve(u, 1000, 3)
			}},
		{name: "fuse_periods, second after first", fn: "fuse_periods", want: storageRes{Start: 1, End: 6, Size: 1000},
			make: func(h *harness, u *user) (*ledger.Object, *ledger.Object) {
				return h.splitEpoch(u, h.reserve(u, 1000, 5), 3)
			}},
		{name: "fuse, second before first", fn: "fuse", want: storageRes{Start: 1, End: 6, Size: 1000},
			make: func(h *harness, u *user) (*ledger.Object, *ledger.Object) {
				a, b := h.splitEpoch(u, h.reserve(u, 1000, 5), 2)
				return b, a
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			u := newUser(1)
			h.fund(u, testSUI, testWAL)
			first, second := tc.make(h, u)
			p := h.newTx(u)
			p.call("storage_resource", tc.fn, p.obj(first), p.obj(second))
			p.mustExec()
			got := h.storageOf(h.object(first.ID))
			tc.want.ID = first.ID
			if got != tc.want {
				t.Fatalf("fused %+v, want %+v", got, tc.want)
			}
			h.gone(second.ID)
			if o := h.object(first.ID); o.Owner.Address != u.addr {
				t.Fatalf("fused Storage owned by %+v", o.Owner)
			}
		})
	}
}

// splitEpoch splits st at epoch at and returns both parts.
func (h *harness) splitEpoch(u *user, st *ledger.Object, at uint32) (*ledger.Object, *ledger.Object) {
	h.t.Helper()
	before := h.storageOf(st)
	p := h.newTx(u)
	p.keep(p.call("storage_resource", "split_by_epoch", p.obj(st), p.tx.Pure(at)))
	r := p.mustExec()
	first := h.object(st.ID)
	second := h.object(createdOfType(h.t, r, "::storage_resource::Storage").ID)
	a, b := h.storageOf(first), h.storageOf(second)
	if a.Start != before.Start || a.End != at || b.Start != at || b.End != before.End || a.Size != before.Size || b.Size != before.Size {
		h.t.Fatalf("split_by_epoch(%+v, %d) = %+v, %+v", before, at, a, b)
	}
	return first, second
}
