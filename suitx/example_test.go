package suitx_test

import (
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
)

// Register two blobs on Mainnet's deployment, paying with two WAL coins
// (merged into the first), and give the Blob objects to the sender. The
// gas payment is empty, as for the dry run that estimates the budget;
// after it, build again with the gas coins and the budget, sign
// Blake2b256(00 00 00 || tx) and execute. (@mysten/sui 2.33.1 builds the
// same transaction, with the same digest, from the same calls.)
func ExampleWalrus_Register() {
	w := suitx.Walrus{
		Package: "0x98da433aa0139512c210597b1c5e3df6cd121d8d77f8652691bb66fadfc8aa1b",
		System:  sui.SharedObject{ID: "0x2134d52768ea07e8c43570ef975eb3e4c27a39fa6396bef985b5abc58d03ddd2", InitialVersion: 373_000_000},
	}
	id, _ := blobid.Parse("kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I")
	wal := []sui.ObjectRef{
		{ID: "0x1001", Version: 7, Digest: "11111111111111111111111111111111"},
		{ID: "0x1002", Version: 9, Digest: "11111111111111111111111111111112"},
	}
	tx, err := w.Register("0xa11ce", suitx.Gas{Price: 1000, Budget: 50_000_000_000}, suitx.Register{
		WAL:    wal,
		Epochs: 5,
		Blobs: []suitx.NewBlob{
			{BlobID: id, Root: [32]byte{1}, Size: 17, EncodedSize: 66_034_000, Deletable: true},
			{BlobID: id, Root: [32]byte{1}, Size: 17, EncodedSize: 66_034_000, Storage: &sui.ObjectRef{ID: "0x5", Version: 3, Digest: "11111111111111111111111111111113"}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(tx), suitx.Digest(tx))

	_, err = w.Register("0xa11ce", suitx.Gas{Price: 1000, Budget: 1}, suitx.Register{WAL: wal, Epochs: 60, Blobs: []suitx.NewBlob{{BlobID: id, EncodedSize: 1}}})
	fmt.Println(err)
	// Output:
	// 819 4WJvNbDZRS9WAqJQ47bJzJ1654R2qyyiDofvMKeYQ7jV
	// suitx: register: storage: 60 epochs, want 1 to 53
}
