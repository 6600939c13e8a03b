package chain

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

const (
	testSUI = 10_000_000_000
	testWAL = 100_000_000_000
)

func units(n uint64) uint64 { return (n + bytesPerUnit - 1) / bytesPerUnit }

// createdOfType returns the object a result created (or unwrapped) of
// type suffix.
func createdOfType(t testing.TB, r *ledger.Result, suffix string) ledger.Changed {
	t.Helper()
	for _, ch := range r.Changed {
		if ch.Op == ledger.Created && len(ch.Type) >= len(suffix) && ch.Type[len(ch.Type)-len(suffix):] == suffix {
			return ch
		}
	}
	t.Fatalf("no created %s in %+v", suffix, r.Changed)
	return ledger.Changed{}
}

// register reserves storage for epochs and registers a blob of size,
// returning the Blob object.
func (h *harness) register(u *user, seed byte, size uint64, epochs uint32, deletable bool) (*ledger.Object, [32]byte) {
	h.t.Helper()
	id, root := blobFor(seed, size)
	encLen, _ := encodedLength(size, testShards)
	p := h.newTx(u)
	sys, wal := p.system(true), p.wal()
	st := p.call("system", "reserve_space", sys, p.tx.Pure(encLen), p.tx.Pure(epochs), wal)
	bl := p.call("system", "register_blob", sys, st, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(size), p.tx.Pure(uint8(1)), p.tx.Pure(deletable), wal)
	p.keep(bl)
	r := p.mustExec()
	return h.object(createdOfType(h.t, r, "::blob::Blob").ID), id
}

func (h *harness) certify(u *user, bl *ledger.Object, id [32]byte, deletable bool) (*ledger.Result, error) {
	objectID := ""
	if deletable {
		objectID = bl.ID
	}
	msg := certMsg(h.c.WalrusEpoch(), id, objectID)
	p := h.newTx(u)
	p.call("system", "certify_blob", p.system(false), p.obj(bl), p.tx.Pure(testSig(msg)), p.tx.Pure(fullBitmap(4)), p.tx.Pure(msg))
	return p.exec()
}

func TestLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	wal := "0x2::coin::Coin<" + h.c.WALType() + ">"
	if got := h.balance(u, h.c.WALType()); got != testWAL {
		t.Fatalf("WAL balance %d, want %d", got, testWAL)
	}
	const size = 100_000
	encLen, _ := encodedLength(size, testShards)
	suiBefore := h.balance(u, "0x2::sui::SUI")

	bl, id := h.register(u, 7, size, 5, true)
	wantWAL := uint64(testWAL - testStoragePrice*units(encLen)*5 - testWritePrice*units(encLen))
	if got := h.balance(u, h.c.WALType()); got != wantWAL {
		t.Fatalf("WAL after register %d, want %d", got, wantWAL)
	}
	if got := h.balance(u, "0x2::sui::SUI"); got >= suiBefore || suiBefore-got > 100_000_000 {
		t.Fatalf("SUI %d → %d: gas not charged sensibly", suiBefore, got)
	}
	b, err := decodeBlob(bl.Contents)
	if err != nil {
		t.Fatal(err)
	}
	if b.BlobID != id || b.Size != size || b.Registered != 1 || b.Storage.Start != 1 || b.Storage.End != 6 || b.Storage.Size != encLen || !b.Deletable || b.Certified != nil {
		t.Fatalf("blob %+v", b)
	}
	if bl.Owner.Address != u.addr {
		t.Fatalf("blob owner %s", bl.Owner.Address)
	}
	reg, _ := h.c.Registered(context.Background(), id)
	if len(reg) != 1 || reg[0].ObjectID != bl.ID || reg[0].Certified || reg[0].EndEpoch != 6 || !reg[0].Deletable {
		t.Fatalf("Registered = %+v", reg)
	}

	r, err := h.certify(u, bl, id, true)
	if err != nil || !r.Success {
		t.Fatalf("certify: %v %+v", err, r)
	}
	wantEv := (&enc{}).u32(1).raw(id[:]).u32(6).boolean(true).addr(bl.ID).boolean(false).b
	if len(r.Events) != 1 || r.Events[0].Type != h.c.PackageID()+"::events::BlobCertified" || !bytes.Equal(r.Events[0].BCS, wantEv) {
		t.Fatalf("certify events %+v", r.Events)
	}
	bl = h.object(bl.ID)
	if b, _ = decodeBlob(bl.Contents); b.Certified == nil || *b.Certified != 1 {
		t.Fatalf("not certified: %+v", b)
	}

	// extend by 3 epochs
	walBefore := h.balance(u, h.c.WALType())
	p := h.newTx(u)
	p.call("system", "extend_blob", p.system(true), p.obj(bl), p.tx.Pure(uint32(3)), p.wal())
	r = p.mustExec()
	wantEv = (&enc{}).u32(1).raw(id[:]).u32(9).boolean(true).addr(bl.ID).boolean(true).b
	if len(r.Events) != 1 || r.Events[0].Type != h.c.PackageID()+"::events::BlobCertified" || !bytes.Equal(r.Events[0].BCS, wantEv) {
		t.Fatalf("extend events %+v", r.Events)
	}
	if got := walBefore - h.balance(u, h.c.WALType()); got != testStoragePrice*units(encLen)*3 {
		t.Fatalf("extension cost %d", got)
	}
	bl = h.object(bl.ID)
	if b, _ = decodeBlob(bl.Contents); b.Storage.End != 9 {
		t.Fatalf("end epoch %d after extension, want 9", b.Storage.End)
	}
	if reg, _ = h.c.Registered(context.Background(), id); len(reg) != 1 || !reg[0].Certified || reg[0].EndEpoch != 9 {
		t.Fatalf("Registered after extend = %+v", reg)
	}

	// delete: the Storage comes back under its own ID and is reusable.
	p = h.newTx(u)
	st := p.call("system", "delete_blob", p.system(false), p.obj(bl))
	p.keep(st)
	r = p.mustExec()
	if len(r.Events) != 1 || !bytes.Equal(r.Events[0].BCS, (&enc{}).u32(1).raw(id[:]).u32(9).addr(bl.ID).boolean(true).b) {
		t.Fatalf("delete events %+v", r.Events)
	}
	if h.object(bl.ID) != nil {
		t.Fatal("blob object still exists after delete")
	}
	so := h.object(b.Storage.ID)
	if so == nil || so.Owner.Address != u.addr {
		t.Fatalf("storage %s not returned to the owner: %+v", b.Storage.ID, so)
	}
	if reg, _ = h.c.Registered(context.Background(), id); len(reg) != 0 {
		t.Fatalf("Registered after delete = %+v", reg)
	}
	id2, root2 := blobFor(8, size)
	p = h.newTx(u)
	bl2 := p.call("system", "register_blob", p.system(true), p.obj(so), p.tx.Pure(id2), p.tx.Pure(root2), p.tx.Pure(uint64(size)), p.tx.Pure(uint8(1)), p.tx.Pure(false), p.wal())
	p.keep(bl2)
	r = p.mustExec()
	nb := createdOfType(t, r, "::blob::Blob")
	b2, _ := decodeBlob(h.object(nb.ID).Contents)
	if b2.Storage.ID != b.Storage.ID || b2.Storage.End != 9 || b2.Deletable {
		t.Fatalf("re-registered blob %+v", b2)
	}
	// Every written object carries the transaction's lamport version.
	for _, ch := range r.Changed {
		if ch.Version != r.GasObject.Version {
			t.Fatalf("object %s version %d, gas object %d", ch.ID, ch.Version, r.GasObject.Version)
		}
	}
	if coins := h.owned(u, wal); len(coins) != 1 {
		t.Fatalf("%d WAL coins", len(coins))
	}
}

func TestRegisteredEventBCS(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(3, 1234)
	encLen, _ := encodedLength(1234, testShards)
	p := h.newTx(u)
	sys, wal := p.system(true), p.wal()
	st := p.call("system", "reserve_space", sys, p.tx.Pure(encLen+5), p.tx.Pure(uint32(2)), wal)
	bl := p.call("system", "register_blob", sys, st, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(1234)), p.tx.Pure(uint8(1)), p.tx.Pure(false), wal)
	p.keep(bl)
	r := p.mustExec()
	obj := createdOfType(t, r, "::blob::Blob")
	want := (&enc{}).u32(1).raw(id[:]).u64(1234).u8(1).u32(3).boolean(false).addr(obj.ID).b
	if len(r.Events) != 1 || r.Events[0].Type != h.c.PackageID()+"::events::BlobRegistered" || !bytes.Equal(r.Events[0].BCS, want) {
		t.Fatalf("events %+v", r.Events)
	}
	// The wrapped Storage is not an object any more; the System and its
	// inner field were written.
	var sys2, field bool
	for _, ch := range r.Changed {
		sys2 = sys2 || ch.ID == h.c.SystemObject().ID
		field = field || ch.ID == h.c.st.G.SystemField
		if ch.Type == h.c.PackageID()+"::storage_resource::Storage" {
			t.Fatalf("storage listed as changed: %+v", ch)
		}
	}
	if !sys2 || !field {
		t.Fatalf("System %v / inner field %v not written: %+v", sys2, field, r.Changed)
	}
	inner := h.object(h.c.st.G.SystemField).Contents
	s, err := parseSystemInnerFull(inner)
	if err != nil {
		t.Fatal(err)
	}
	if s.used != encLen+5 || s.ringUsed[0] != encLen+5 || s.ringUsed[1] != encLen+5 || s.ringUsed[2] != 0 {
		t.Fatalf("capacity accounting %+v", s)
	}
	_ = binary.LittleEndian
	_ = transaction.Argument{}
}

// Register and delete in one transaction: the Storage is created,
// wrapped and unwrapped, the Blob created and deleted; only the Storage
// shows up as created.
func TestRegisterAndDeleteInOneTransaction(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	encLen, _ := encodedLength(1000, testShards)
	p := h.newTx(u)
	sys, wal := p.system(true), p.wal()
	st := p.call("system", "reserve_space", sys, p.tx.Pure(encLen), p.tx.Pure(uint32(2)), wal)
	bl := p.call("system", "register_blob", sys, st, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(1000)), p.tx.Pure(uint8(1)), p.tx.Pure(true), wal)
	p.keep(p.call("system", "delete_blob", sys, bl))
	r := p.mustExec()
	created := 0
	for _, ch := range r.Changed {
		if ch.Op == ledger.Created {
			created++
			if !strings.HasSuffix(ch.Type, "::storage_resource::Storage") || ch.Owner.Address != u.addr {
				t.Fatalf("created %+v", ch)
			}
		}
		if strings.HasSuffix(ch.Type, "::blob::Blob") {
			t.Fatalf("blob listed: %+v", ch)
		}
	}
	if created != 1 || len(r.Events) != 2 {
		t.Fatalf("%d created, events %+v", created, r.Events)
	}
	if reg, _ := h.c.Registered(context.Background(), id); len(reg) != 0 {
		t.Fatalf("Registered = %+v", reg)
	}
}

// blob::burn deletes the object but emits no event: storage nodes keep
// the blob until its end epoch.
func TestBurn(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl := h.certified(u, 1, 3, false)
	b, _ := decodeBlob(bl.Contents)
	p := h.newTx(u)
	p.call("blob", "burn", p.obj(bl))
	r := p.mustExec()
	if h.object(bl.ID) != nil || len(r.Events) != 0 {
		t.Fatalf("after burn: %+v", r)
	}
	if reg, _ := h.c.Registered(context.Background(), b.BlobID); len(reg) != 1 || !reg[0].Certified {
		t.Fatalf("Registered after burn = %+v", reg)
	}
	if h.object(b.Storage.ID) != nil {
		t.Fatal("burned storage exists")
	}
}
