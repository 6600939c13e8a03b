package chain

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// str is a Move String pure argument (BCS vector<u8>).
func (p *ptb) str(s string) transaction.Argument { return p.tx.Pure([]byte(s)) }

// officialFieldID derives the metadata field's ID as Sui and the SDKs do
// (@mysten/sui deriveDynamicFieldID): blake2b256(0xf0 ‖ parent ‖ u64
// len(name) ‖ name ‖ BCS TypeTag vector<u8> = 06 01).
func officialFieldID(parent string) string {
	name := append([]byte{8}, "metadata"...)
	h, _ := blake2b.New256(nil)
	h.Write([]byte{0xf0})
	h.Write(addrBytes(parent))
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(name))))
	h.Write(name)
	h.Write([]byte{6, 1})
	return hexAddr(h.Sum(nil))
}

// attrs reads the Blob's attributes through the ledger reads, as a client
// does: the dynamic field listing and the field object; nil when the Blob
// has no metadata field.
func (h *harness) attrs(blobID string) []pair {
	h.t.Helper()
	fs, err := h.c.DynamicFields(context.Background(), blobID)
	if err != nil {
		h.t.Fatal(err)
	}
	o := h.object(officialFieldID(blobID))
	if len(fs) == 0 {
		if o != nil {
			h.t.Fatalf("field object %s exists but is not listed", o.ID)
		}
		return nil
	}
	if len(fs) != 1 {
		h.t.Fatalf("%d dynamic fields, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	wantType := h.c.PackageID() + "::metadata::Metadata"
	if f.NameType != "vector<u8>" || string(f.NameBCS) != "\x08metadata" || f.ValueType != wantType || f.FieldID != officialFieldID(blobID) {
		h.t.Fatalf("field %+v, want vector<u8> b\"metadata\" -> %s at %s", f, wantType, officialFieldID(blobID))
	}
	if o == nil {
		h.t.Fatalf("field %s listed but not readable", f.FieldID)
	}
	if want := "0x2::dynamic_field::Field<vector<u8>, " + wantType + ">"; o.Type != want {
		h.t.Fatalf("field type %s, want %s", o.Type, want)
	}
	if o.Owner.Address != blobID {
		h.t.Fatalf("field owned by %+v, want the Blob %s", o.Owner, blobID)
	}
	// Field<vector<u8>, Metadata> { id, name, value }
	if got := hexAddr(o.Contents[:32]); got != o.ID {
		h.t.Fatalf("field UID %s, want %s", got, o.ID)
	}
	ps, err := decodeMetadata(o.Contents[32+9:])
	if err != nil {
		h.t.Fatal(err)
	}
	if ps == nil {
		ps = []pair{}
	}
	return ps
}

func TestBlobAttributes(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)

	// Register with attributes in one transaction, before the transfer.
	const size = 5000
	id, root := blobFor(3, size)
	encLen, _ := encodedLength(size, testShards)
	p := h.newTx(u)
	sys, wal := p.system(true), p.wal()
	st := p.call("system", "reserve_space", sys, p.tx.Pure(encLen), p.tx.Pure(uint32(5)), wal)
	bl := p.call("system", "register_blob", sys, st, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(size)), p.tx.Pure(uint8(1)), p.tx.Pure(true), wal)
	for _, kv := range [][2]string{{"wfs.vol", "v1"}, {"wfs.seq", "1"}, {"wfs.head", "0:100"}, {"wfs.seq", "2"}} {
		p.call("blob", "insert_or_update_metadata_pair", bl, p.str(kv[0]), p.str(kv[1]))
	}
	p.keep(bl)
	r := p.mustExec()
	blobCh := createdOfType(t, r, "::blob::Blob")
	field := createdOfType(t, r, "::metadata::Metadata>")
	if field.ID != officialFieldID(blobCh.ID) || field.Version != blobCh.Version {
		t.Fatalf("field %+v, want ID %s version %d", field, officialFieldID(blobCh.ID), blobCh.Version)
	}
	// insert_or_update removes and re-inserts: wfs.seq moved to the end.
	want := []pair{{"wfs.vol", "v1"}, {"wfs.head", "0:100"}, {"wfs.seq", "2"}}
	if got := h.attrs(blobCh.ID); !slices.Equal(got, want) {
		t.Fatalf("attributes %v, want %v", got, want)
	}
	if objs := h.owned(u, ""); slices.ContainsFunc(objs, func(o *ledger.Object) bool { return o.ID == field.ID }) {
		t.Fatal("the metadata field is listed as an object the user owns")
	}

	// Update one, remove one, remove a missing one (if_exists).
	p = h.newTx(u)
	b := p.obj(h.object(blobCh.ID))
	p.call("blob", "insert_or_update_metadata_pair", b, p.str("wfs.vol"), p.str("v2"))
	p.call("blob", "remove_metadata_pair", b, p.str("wfs.head"))
	p.call("blob", "remove_metadata_pair_if_exists", b, p.str("absent"))
	p.mustExec()
	want = []pair{{"wfs.seq", "2"}, {"wfs.vol", "v2"}}
	if got := h.attrs(blobCh.ID); !slices.Equal(got, want) {
		t.Fatalf("attributes %v, want %v", got, want)
	}

	// Aborts leave the attributes as they were.
	fail := func(name, module string, code uint64, errSub string, build func(p *ptb, b transaction.Argument)) {
		t.Helper()
		p := h.newTx(u)
		b := p.obj(h.object(blobCh.ID))
		build(p, b)
		r, err := p.exec()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch {
		case r.Success:
			t.Fatalf("%s: succeeded", name)
		case errSub == "" && (!r.HasAbort || r.AbortModule != module || r.AbortCode != code):
			t.Fatalf("%s: %q, want abort %s %d", name, r.Error, module, code)
		case errSub != "" && !strings.Contains(r.Error, errSub):
			t.Fatalf("%s: %q, want %q", name, r.Error, errSub)
		}
		if got := h.attrs(blobCh.ID); !slices.Equal(got, want) {
			t.Fatalf("%s: attributes %v after a failed transaction, want %v", name, got, want)
		}
	}
	fail("remove a missing key", "vec_map", 1, "", func(p *ptb, b transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("new"), p.str("x"))
		p.call("blob", "remove_metadata_pair", b, p.str("absent"))
	})
	fail("key not UTF-8", "", 0, "CommandArgumentError { arg_idx: 1, kind: InvalidBCSBytes } in command 0", func(p *ptb, b transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("k\xff"), p.str("x"))
	})
	fail("value not UTF-8", "", 0, "CommandArgumentError { arg_idx: 2, kind: InvalidBCSBytes } in command 1", func(p *ptb, b transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("k"), p.str("x"))
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("k"), p.str("\xc3"))
	})
	fail("key not a String", "", 0, "CommandArgumentError { arg_idx: 1, kind: InvalidBCSBytes }", func(p *ptb, b transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", b, p.tx.Pure(uint64(300)), p.str("x"))
	})
	fail("not a Blob", "", 0, "CommandArgumentError { arg_idx: 0, kind: TypeMismatch }", func(p *ptb, _ transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", p.wal(), p.str("k"), p.str("x"))
	})
	fail("arity", "", 0, "ArityMismatch", func(p *ptb, b transaction.Argument) {
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("k"))
	})

	// A Blob without metadata: remove_metadata_pair aborts in
	// blob::metadata; remove_if_exists creates nothing.
	bare, _ := h.register(u, 9, 1000, 5, true)
	p = h.newTx(u)
	p.call("blob", "remove_metadata_pair_if_exists", p.obj(bare), p.str("wfs.seq"))
	p.mustExec()
	if got := h.attrs(bare.ID); got != nil {
		t.Fatalf("remove_metadata_pair_if_exists created metadata %v", got)
	}
	p = h.newTx(u)
	p.call("blob", "remove_metadata_pair", p.obj(h.object(bare.ID)), p.str("wfs.seq"))
	if r, err := p.exec(); err != nil || r.Success || r.AbortModule != "blob" || r.AbortCode != 8 {
		t.Fatalf("remove_metadata_pair without metadata: %+v %v, want abort blob 8 (EMissingMetadata)", r, err)
	}
	// Removing the last pair keeps an empty map (the field stays).
	p = h.newTx(u)
	b = p.obj(h.object(bare.ID))
	p.call("blob", "insert_or_update_metadata_pair", b, p.str("k"), p.str(""))
	p.call("blob", "remove_metadata_pair", b, p.str("k"))
	p.mustExec()
	if got := h.attrs(bare.ID); got == nil || len(got) != 0 {
		t.Fatalf("attributes %v, want an empty map", got)
	}

	// Another address cannot touch the Blob.
	eve := newUser(2)
	h.fund(eve, testSUI, 0)
	p = h.newTx(eve)
	p.call("blob", "insert_or_update_metadata_pair", p.obj(h.object(blobCh.ID)), p.str("wfs.seq"), p.str("999"))
	if _, err := p.exec(); err == nil || !strings.Contains(err.Error(), "not by the sender") {
		t.Fatalf("another owner's Blob: %v, want a refusal", err)
	}

	// delete_blob and burn take the field with the Blob.
	p = h.newTx(u)
	storage := p.call("system", "delete_blob", p.system(false), p.obj(h.object(blobCh.ID)))
	p.keep(storage)
	r = p.mustExec()
	if !slices.ContainsFunc(r.Changed, func(c ledger.Changed) bool { return c.ID == field.ID && c.Op == ledger.Deleted }) {
		t.Fatalf("delete_blob did not delete the metadata field: %+v", r.Changed)
	}
	if got := h.attrs(blobCh.ID); got != nil {
		t.Fatalf("attributes %v after delete_blob", got)
	}
	p = h.newTx(u)
	p.call("blob", "burn", p.obj(h.object(bare.ID)))
	p.mustExec()
	if got := h.attrs(bare.ID); got != nil {
		t.Fatalf("attributes %v after burn", got)
	}

	// The state survives a reopen.
	kept, _ := h.register(u, 11, 1000, 5, false)
	p = h.newTx(u)
	p.call("blob", "insert_or_update_metadata_pair", p.obj(kept), p.str("a"), p.str("b"))
	p.mustExec()
	h.reopen()
	if got := h.attrs(kept.ID); !slices.Equal(got, []pair{{"a", "b"}}) {
		t.Fatalf("attributes after reopen %v", got)
	}
}

// TestMetadataValues runs the calls @mysten/walrus makes
// (writeBlobAttributes: add_metadata(blob, metadata::new()) on a Blob
// without metadata, then insert_or_update_metadata_pair) and the other
// Metadata functions, with their aborts.
func TestMetadataValues(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, _ := h.register(u, 5, 2000, 5, true)
	run := func(build func(p *ptb, b transaction.Argument)) *ledger.Result {
		t.Helper()
		p := h.newTx(u)
		build(p, p.obj(h.object(bl.ID)))
		r, err := p.exec()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ok := func(name string, want []pair, build func(p *ptb, b transaction.Argument)) {
		t.Helper()
		if r := run(build); !r.Success {
			t.Fatalf("%s: %s", name, r.Error)
		}
		if got := h.attrs(bl.ID); !slices.Equal(got, want) {
			t.Fatalf("%s: attributes %v, want %v", name, got, want)
		}
	}
	fails := func(name, module string, code uint64, errSub string, build func(p *ptb, b transaction.Argument)) {
		t.Helper()
		before := h.attrs(bl.ID)
		r := run(build)
		switch {
		case r.Success:
			t.Fatalf("%s: succeeded", name)
		case errSub == "" && (!r.HasAbort || r.AbortModule != module || r.AbortCode != code):
			t.Fatalf("%s: %q, want abort %s %d", name, r.Error, module, code)
		case errSub != "" && !strings.Contains(r.Error, errSub):
			t.Fatalf("%s: %q, want %q", name, r.Error, errSub)
		}
		if got := h.attrs(bl.ID); !slices.Equal(got, before) {
			t.Fatalf("%s: attributes %v after a failed transaction, want %v", name, got, before)
		}
	}

	fails("take without metadata", "blob", 8, "", func(p *ptb, b transaction.Argument) {
		p.call("blob", "take_metadata", b)
	})
	ok("the TypeScript SDK's flow", []pair{{"a", "1"}, {"b", "2"}}, func(p *ptb, b transaction.Argument) {
		p.call("blob", "add_metadata", b, p.call("metadata", "new"))
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("a"), p.str("1"))
		p.call("blob", "insert_or_update_metadata_pair", b, p.str("b"), p.str("2"))
	})
	fails("add twice", "blob", 7, "", func(p *ptb, b transaction.Argument) {
		p.call("blob", "add_metadata", b, p.call("metadata", "new"))
	})
	ok("take, edit, put back", []pair{{"b", "2"}, {"c", "3"}, {"a", "9"}}, func(p *ptb, b transaction.Argument) {
		m := p.call("blob", "take_metadata", b)
		p.call("metadata", "insert_or_update", m, p.str("c"), p.str("3"))
		p.call("metadata", "insert_or_update", m, p.str("a"), p.str("9"))
		p.call("metadata", "remove_if_exists", m, p.str("zz"))
		p.call("blob", "add_metadata", b, m)
	})
	ok("take and drop", nil, func(p *ptb, b transaction.Argument) {
		p.call("blob", "take_metadata", b)
	})
	ok("add or replace", []pair{{"x", "1"}}, func(p *ptb, b transaction.Argument) {
		m := p.call("metadata", "new")
		p.call("metadata", "insert_or_update", m, p.str("x"), p.str("1"))
		p.call("blob", "add_or_replace_metadata", b, m)
	})
	ok("replace", []pair{}, func(p *ptb, b transaction.Argument) {
		m := p.call("metadata", "new")
		p.call("metadata", "insert_or_update", m, p.str("y"), p.str("2"))
		p.call("metadata", "remove", m, p.str("y"))
		p.call("blob", "add_or_replace_metadata", b, m)
	})
	fails("remove a missing key from a value", "vec_map", 1, "", func(p *ptb, b transaction.Argument) {
		p.call("metadata", "remove", p.call("metadata", "new"), p.str("y"))
	})
	fails("a moved value", "", 0, "CommandArgumentError { arg_idx: 0, kind: InvalidValueUsage } in command 2", func(p *ptb, b transaction.Argument) {
		m := p.call("metadata", "new")
		p.call("blob", "add_or_replace_metadata", b, m)
		p.call("metadata", "insert_or_update", m, p.str("y"), p.str("2"))
	})
	fails("a Blob for a Metadata", "", 0, "CommandArgumentError { arg_idx: 1, kind: TypeMismatch }", func(p *ptb, b transaction.Argument) {
		p.call("blob", "add_metadata", b, b)
	})
	fails("a Metadata transferred", "", 0, "TypeMismatch", func(p *ptb, b transaction.Argument) {
		p.keep(p.call("metadata", "new"))
	})
}

// TestMetadataBCSTSVector: the Metadata BCS matches @mysten/walrus
// 1.2.13's Metadata.serialize (sui/attributes_test.go has the same vector).
func TestMetadataBCSTSVector(t *testing.T) {
	want := "03077766732e736571013706c3a9f09f988000046c6f6e67c801" + strings.Repeat("78", 200)
	ps := []pair{{"wfs.seq", "7"}, {"é😀", ""}, {"long", strings.Repeat("x", 200)}}
	if got := hex.EncodeToString(metadataBCS(ps)); got != want {
		t.Fatalf("metadataBCS = %s\nwant %s", got, want)
	}
	back, err := decodeMetadata(metadataBCS(ps))
	if err != nil || !slices.Equal(back, ps) {
		t.Fatalf("decode: %v %v", back, err)
	}
}
