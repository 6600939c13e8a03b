package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/sui"
)

// TestDevnetRepack: two packs of small files whose files are mostly
// deleted are repacked into one: every live file stays byte-identical
// (read back from the storage nodes after a remount with an empty cache),
// the old pack blobs are deleted on Sui after the grace, and their Storage
// comes back to the wallet.
func TestDevnetRepack(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	c := suiClient(t, dn)
	ctx := context.Background()
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	// Only the latest commit of the tree is kept: once the repacked tree
	// is committed, no snapshot names the old packs.
	d := mount(t, data, mnt, "--config", devnet.ClientConfig(dn.Dir), "--gc-grace", "1s", "--keep", "latest")
	for round := range 2 {
		for i := range 30 {
			writeRandomFile(t, filepath.Join(mnt, fmt.Sprintf("r%d-%02d.jpg", round, i)), int64(20_000+i*1000), uint64(round*100+i))
		}
		walrusfs(t, "sync", "--data-dir", data)
	}
	blobs, err := ownedDataBlobs(ctx, c, dn.Layout.Address)
	if err != nil {
		t.Fatal(err)
	}
	if len(blobs) != 2 {
		t.Fatalf("%d blobs after two rounds of small files, want 2 packs", len(blobs))
	}
	old := map[string]bool{blobs[0].BlobID.String(): true, blobs[1].BlobID.String(): true}
	for round := range 2 {
		for i := range 30 {
			if i%6 != 0 {
				if err := os.Remove(filepath.Join(mnt, fmt.Sprintf("r%d-%02d.jpg", round, i))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	want := treeSums(t, mnt)
	if len(want) != 11 { // and "."
		t.Fatalf("%d paths left, want 10 files and the root", len(want))
	}

	var res control.RepackResult
	out := walrusfs(t, "repack", "--data-dir", data, "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("repack --json: %v\n%s", err, out)
	}
	if len(res.Repacked) != 2 || !old[res.Repacked[0]] || !old[res.Repacked[1]] || len(res.New) != 1 || res.Moved != 10 {
		t.Fatalf("repack: %+v; want both packs %v into one new blob, 10 chunks moved", res, old)
	}
	compareTrees(t, want, treeSums(t, mnt))

	// After the grace the old packs are deleted on chain: one blob left
	// (the new pack), and the Storage of the old ones back in the wallet.
	waitOwned(t, c, dn, d, "old packs not deleted", func(blobs []sui.Blob, st []sui.Storage) bool {
		return len(blobs) == 1 && blobs[0].BlobID.String() == res.New[0] && len(st) >= 2
	})
	d.stop()
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data, mnt)
	compareTrees(t, want, treeSums(t, mnt))
	out = walrusfs(t, "repack", "--data-dir", data, "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Repacked) != 0 {
		t.Fatalf("second repack: %v %s", err, out)
	}
}
