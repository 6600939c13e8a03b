package onchain

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/sui"
)

func TestAttributesOrder(t *testing.T) {
	got := attributes(map[string]string{"wfs.seq": "2", "wfs.head": "0:9", "a": ""})
	if len(got) != 3 || got[0].Key != "a" || got[1].Key != "wfs.head" || got[2].Key != "wfs.seq" || got[2].Value != "2" {
		t.Fatalf("attributes %v, want sorted by key", got)
	}
	if attributes(nil) != nil {
		t.Fatal("attributes of nil")
	}
}

func TestBlobAttributesDevnet(t *testing.T) {
	ctx := context.Background()
	d := startDevnet(t)
	c, sc := walletClient(t, d)
	attrs := func(id string) map[string]string {
		t.Helper()
		m, err := sc.BlobAttributes(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	head := testBlob(t, 1, 4000)
	head.Attributes = map[string]string{"wfs.vol": "vol-1", "wfs.seq": "41", "wfs.head": "100:2000"}
	plain := testBlob(t, 2, 5000)
	blobs, _, err := c.Register(ctx, []NewBlob{head, plain}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs(blobs[0].Ref.ID); !maps.Equal(got, head.Attributes) {
		t.Fatalf("attributes after register %v, want %v", got, head.Attributes)
	}
	if got := attrs(blobs[1].Ref.ID); len(got) != 0 {
		t.Fatalf("blob registered without attributes has %v", got)
	}

	// Update one, add one, remove one; the reference from Register is
	// current.
	spent, err := c.SetAttributes(ctx, blobs[0].Ref, map[string]string{"wfs.seq": "42", "wfs.prev": "x"}, "wfs.head", "absent")
	if err != nil {
		t.Fatal(err)
	}
	if spent.Gas == 0 || spent.WAL.Sign() != 0 || spent.Transactions != 1 {
		t.Errorf("spent %+v, want gas only", spent)
	}
	want := map[string]string{"wfs.vol": "vol-1", "wfs.seq": "42", "wfs.prev": "x"}
	if got := attrs(blobs[0].Ref.ID); !maps.Equal(got, want) {
		t.Fatalf("attributes after update %v, want %v", got, want)
	}
	// The old reference is stale now; version 0 reads the current one.
	if _, err := c.SetAttributes(ctx, blobs[0].Ref, map[string]string{"wfs.seq": "43"}); err == nil {
		t.Fatal("stale Blob reference: no error")
	}
	if _, err := c.SetAttributes(ctx, sui.ObjectRef{ID: blobs[0].Ref.ID}, map[string]string{"wfs.seq": "43"}); err != nil {
		t.Fatal(err)
	}
	want["wfs.seq"] = "43"
	if got := attrs(blobs[0].Ref.ID); !maps.Equal(got, want) {
		t.Fatalf("attributes after update %v, want %v", got, want)
	}

	// Another wallet cannot touch them.
	other, _ := walletClient(t, d)
	if _, err := other.SetAttributes(ctx, sui.ObjectRef{ID: blobs[0].Ref.ID}, map[string]string{"wfs.seq": "999"}); err == nil || !strings.Contains(err.Error(), "not by the sender") {
		t.Fatalf("another wallet's Blob: %v, want the chain's refusal", err)
	}
	if got := attrs(blobs[0].Ref.ID); !maps.Equal(got, want) {
		t.Fatalf("attributes after the refused update %v, want %v", got, want)
	}

	// Recovery from the wallet alone lists them.
	owned, err := sc.OwnedBlobsWithAttributes(ctx, c.Address())
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, b := range owned {
		switch b.ObjectID {
		case blobs[0].Ref.ID:
			found++
			if !maps.Equal(b.Attributes, want) {
				t.Errorf("listed attributes %v, want %v", b.Attributes, want)
			}
		case blobs[1].Ref.ID:
			found++
		}
	}
	if found != 2 {
		t.Fatalf("OwnedBlobsWithAttributes found %d of the 2 blobs", found)
	}

	// Deleting the blob deletes its attributes.
	if _, err := c.Delete(ctx, blobs[0].Ref.ID); err != nil {
		t.Fatal(err)
	}
	if got := attrs(blobs[0].Ref.ID); len(got) != 0 {
		t.Fatalf("attributes of a deleted blob: %v", got)
	}

	// Bad input is refused before anything is sent.
	bad := testBlob(t, 3, 1000)
	bad.Attributes = map[string]string{"wfs.seq": "\xff"}
	if _, _, err := c.Register(ctx, []NewBlob{bad}, 3); err == nil || !strings.Contains(err.Error(), `attribute "wfs.seq" value is not valid UTF-8`) {
		t.Fatalf("register with a bad attribute: %v", err)
	}
	bad.Attributes = map[string]string{"": "x"}
	if _, _, err := c.Register(ctx, []NewBlob{bad}, 3); err == nil || !strings.Contains(err.Error(), "empty key") {
		t.Fatalf("register with an empty key: %v", err)
	}
	if _, err := c.SetAttributes(ctx, blobs[1].Ref, nil); err == nil || !strings.Contains(err.Error(), "nothing to set or remove") {
		t.Fatalf("set nothing: %v", err)
	}
	if _, err := c.SetAttributes(ctx, blobs[1].Ref, map[string]string{"k": "v"}, "k"); err == nil || !strings.Contains(err.Error(), `"k" both set and removed`) {
		t.Fatalf("set and remove one key: %v", err)
	}
	after, err := sc.OwnedBlobs(ctx, c.Address())
	if err != nil || len(after) != 1 {
		t.Fatalf("owned blobs after the refused registrations: %d, %v", len(after), err)
	}
}
