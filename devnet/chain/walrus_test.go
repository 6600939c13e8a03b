package chain

import (
	"math/big"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// The encoded length follows redstuff.move; package rs2 follows the Rust
// encoder (walrus-protocol.md §1.7). Both must agree wherever rs2 can
// encode, and the Move tests' own values must come out.
func TestEncodedLength(t *testing.T) {
	for _, n := range []uint16{4, 7, 10, 100, 1000} {
		p, err := rs2.NewParams(int(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []uint64{0, 1, 2, 17, 1000, 445_556, 445_557, 1 << 20, 64 << 20, p.MaxBlobSize()} {
			want, err := p.EncodedLength(size)
			if err != nil {
				continue
			}
			if got, ok := encodedLength(size, n); !ok || got != want {
				t.Errorf("n=%d size=%d: %d (%v), rs2 says %d", n, size, got, ok, want)
			}
		}
		if _, ok := encodedLength(p.MaxBlobSize()+uint64(p.SourceSymbols())*2, n); ok {
			t.Errorf("n=%d: a blob past the maximum has an encoded length", n)
		}
	}
	// redstuff.move test_encoded_size_reed_solomon / test_zero_size.
	for _, c := range []struct {
		size uint64
		n    uint16
		want uint64
	}{
		{1, 10, 10 * (2*(4+7) + 10*2*32 + 32)},
		{1, 1000, 1000 * (2*(334+667) + 1000*2*32 + 32)},
		{(4 * 7) * 100, 10, 10 * ((4+7)*100 + 10*2*32 + 32)},
		{(334 * 667) * 100, 1000, 1000 * ((334+667)*100 + 1000*2*32 + 32)},
		{0, 10, 10 * (2*(4+7) + 10*2*32 + 32)},
	} {
		if got, _ := encodedLength(c.size, c.n); got != c.want {
			t.Errorf("encoded_blob_length(%d, %d) = %d, want %d", c.size, c.n, got, c.want)
		}
	}
}

// The blob ID of walrus-protocol.md §2.4, as u256 decimal, must be what
// the contract derives.
func TestDeriveBlobID(t *testing.T) {
	id, root := blobFor(9, 12345)
	if deriveBlobID(root, 1, 12345) != id {
		t.Fatal("derive_blob_id differs from blake2b256(0x01 ‖ size ‖ root)")
	}
	b, err := blobid.Parse("kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I")
	if err != nil {
		t.Fatal(err)
	}
	// u256 little-endian, as register_blob takes it.
	le := make([]byte, 32)
	for i := range 32 {
		le[i] = b[31-i]
	}
	if n := new(big.Int).SetBytes(le).String(); n != "30006961997934627473707901925650318573932174743741889533894759733632690522768" {
		t.Fatalf("u256 of the blob ID = %s", n)
	}
}

func TestStorageUnits(t *testing.T) {
	for _, c := range []struct{ size, want uint64 }{{0, 0}, {1, 1}, {1 << 20, 1}, {1<<20 + 1, 2}, {66_034_000, 63}} {
		if got := storageUnits(c.size); got != c.want {
			t.Errorf("storageUnits(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}
