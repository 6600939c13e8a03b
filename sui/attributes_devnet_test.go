package sui_test

import (
	"context"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
	"github.com/walrusfs/walrusfs/wallet"
)

// TestMetadataFieldIDVectors: the field IDs @mysten/sui 2.33.1
// deriveDynamicFieldID(parent, vector<u8>, bcs.string("metadata"))
// gives, as @mysten/walrus readBlobAttributes derives them.
func TestMetadataFieldIDVectors(t *testing.T) {
	for _, v := range []struct{ parent, want string }{
		{"0x1", "0x92a2e71a65a4dbf97a124e357b9d38689ec7c1c440ff3d669b559f5e7c3bef4c"},
		{"0x2134d52768ea07e8c43570ef975eb3e4c27a39fa6396bef985b5abc58d03ddd2", "0xc5f3703d8acb6f6bcad48a4bead7170bfa12edf4ee441a4121a3f2bc48ae4399"},
		{"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0x93a98585d6ed764e20a94084d480ac8902eb7d699071fac2b83dbfd7878fbe9f"},
	} {
		got, err := sui.MetadataFieldID(v.parent)
		if err != nil || got != v.want {
			t.Errorf("MetadataFieldID(%s) = %s, %v; want %s", v.parent, got, err, v.want)
		}
	}
	if _, err := sui.MetadataFieldID("metadata"); err == nil {
		t.Error("MetadataFieldID of a non-address: no error")
	}
}

type keySigner struct{ k *wallet.Key }

func (s keySigner) Address() string                           { return s.k.Address() }
func (s keySigner) SignTransaction(tx []byte) ([]byte, error) { return s.k.SignTransaction(tx), nil }

const devShards = 20

// newBlob is a blob the devnet chain accepts (blob ID = blake2b256(1 ‖
// u64 size ‖ root)).
func newBlob(t *testing.T, seed byte, attrs ...suitx.Attribute) suitx.NewBlob {
	t.Helper()
	const size = 3000
	root := blake2b.Sum256([]byte{seed, 'a'})
	id := blake2b.Sum256(append(binary.LittleEndian.AppendUint64([]byte{1}, size), root[:]...))
	p, err := rs2.NewParams(devShards)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.EncodedLength(size)
	if err != nil {
		t.Fatal(err)
	}
	return suitx.NewBlob{BlobID: blobid.ID(id), Root: root, Size: size, EncodedSize: enc, Deletable: true, Attributes: attrs}
}

func TestBlobAttributesDevnet(t *testing.T) {
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.Options{Dir: t.TempDir(), Nodes: 4, Shards: devShards, EpochDuration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	_, key, err := d.NewWallet(t.TempDir(), wallet.Ed25519, devnet.DefaultSUI, devnet.DefaultWAL)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := d.SuiClient()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	snd := sui.NewSender(sc, keySigner{key})
	w := suitx.Walrus{Package: d.Chain.PackageID(), System: d.Chain.SystemObject()}
	send := func(build func(g suitx.Gas) ([]byte, error)) sui.Effects {
		t.Helper()
		e, err := snd.Send(ctx, func(gas []sui.ObjectRef, price, budget uint64) ([]byte, error) {
			return build(suitx.Gas{Payment: gas, Price: price, Budget: budget})
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Err(); err != nil {
			t.Fatal(err)
		}
		return e
	}
	wal, err := sc.Coins(ctx, key.Address(), d.Chain.WALType())
	if err != nil || len(wal) == 0 {
		t.Fatalf("WAL coins: %v %v", wal, err)
	}
	blobs := []suitx.NewBlob{
		newBlob(t, 1, suitx.Attribute{Key: "wfs.vol", Value: "v"}, suitx.Attribute{Key: "wfs.seq", Value: "7"}, suitx.Attribute{Key: "wfs.head", Value: "12:345"}),
		newBlob(t, 2),
		newBlob(t, 3, suitx.Attribute{Key: "é😀", Value: ""}),
	}
	e := send(func(g suitx.Gas) ([]byte, error) {
		return w.Register(key.Address(), g, suitx.Register{WAL: []sui.ObjectRef{wal[0].Ref}, Epochs: 3, Blobs: blobs})
	})
	byBlobID := map[blobid.ID]sui.AttributedBlob{}
	owned, err := sc.OwnedBlobsWithAttributes(ctx, key.Address())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range owned {
		byBlobID[b.BlobID] = b
	}
	if len(owned) != 3 || len(e.Created) < 3 {
		t.Fatalf("%d owned blobs, %d created objects", len(owned), len(e.Created))
	}
	for _, nb := range blobs {
		b, ok := byBlobID[nb.BlobID]
		if !ok {
			t.Fatalf("blob %s not listed", nb.BlobID)
		}
		want := map[string]string{}
		for _, a := range nb.Attributes {
			want[a.Key] = a.Value
		}
		if !maps.Equal(b.Attributes, want) || b.Attributes == nil {
			t.Errorf("blob %s: listed attributes %v, want %v", nb.BlobID, b.Attributes, want)
		}
		one, err := sc.BlobAttributes(ctx, b.ObjectID)
		if err != nil || !maps.Equal(one, want) {
			t.Errorf("BlobAttributes(%s) = %v, %v; want %v", b.ObjectID, one, err, want)
		}
	}

	// Update one, add one, remove one.
	first := byBlobID[blobs[0].BlobID]
	ref, err := sc.ObjectRef(ctx, first.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	send(func(g suitx.Gas) ([]byte, error) {
		return w.SetAttributes(key.Address(), g, ref, []suitx.Attribute{{Key: "wfs.seq", Value: "8"}, {Key: "extra", Value: "x"}}, []string{"wfs.head", "absent"})
	})
	got, err := sc.BlobAttributes(ctx, first.ObjectID)
	if want := map[string]string{"wfs.vol": "v", "wfs.seq": "8", "extra": "x"}; err != nil || !maps.Equal(got, want) {
		t.Fatalf("after SetAttributes: %v, %v; want %v", got, err, want)
	}

	// Deleting the blob deletes its attributes.
	ref, err = sc.ObjectRef(ctx, first.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	e = send(func(g suitx.Gas) ([]byte, error) { return w.Delete(key.Address(), g, []sui.ObjectRef{ref}, "") })
	fieldID, _ := sui.MetadataFieldID(first.ObjectID)
	if !slices.Contains(e.Deleted, fieldID) {
		t.Errorf("delete: deleted %v, want the metadata field %s among them", e.Deleted, fieldID)
	}
	got, err = sc.BlobAttributes(ctx, first.ObjectID)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("attributes of a deleted blob: %v, %v; want an empty map", got, err)
	}

	// More than one batch, with IDs that name nothing.
	var ids []string
	for i := range 120 {
		ids = append(ids, "0x"+strings.Repeat("0", 60)+string("0123456789abcdef"[i%16])+"a"+string("0123456789abcdef"[i/16])+"b")
	}
	ids = append(ids, byBlobID[blobs[2].BlobID].ObjectID)
	ms, err := sc.BlobsAttributes(ctx, ids)
	if err != nil || len(ms) != len(ids) || !maps.Equal(ms[len(ms)-1], map[string]string{"é😀": ""}) || len(ms[0]) != 0 {
		t.Fatalf("BlobsAttributes over %d IDs: %d maps, last %v, %v", len(ids), len(ms), ms[len(ms)-1], err)
	}
	if _, err := sc.BlobAttributes(ctx, "not-an-id"); err == nil || !strings.Contains(err.Error(), "not-an-id") {
		t.Errorf("bad ID: %v", err)
	}
}
