package mem

import (
	"context"
	"errors"
	"testing"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/rs2"
)

func newStore(t *testing.T) *Store {
	s, err := New(10)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store { return newStore(t) })
}

// TestIDsAreWalrusIDs checks that mem computes the same blob ID as the
// encoder, and that corruption is detected instead of served.
func TestIDsAreWalrusIDs(t *testing.T) {
	s := newStore(t)
	data := []byte("hello walrus")
	info, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := rs2.NewEncoder(10)
	m, _ := enc.ComputeMetadata(data)
	if info.ID != m.BlobID() {
		t.Fatalf("ID %s, encoding says %s", info.ID, m.BlobID())
	}
	if !s.Corrupt(info.ID) {
		t.Fatal("Corrupt found nothing")
	}
	if _, err := s.Read(context.Background(), info.ID, 0, -1); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Read of a corrupted blob: %v, want ErrUnavailable", err)
	}
}
