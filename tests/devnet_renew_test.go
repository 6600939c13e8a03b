package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/wallet"
)

// TestDevnetRenewAndDelete: with a wallet, blobs are bought 4 epochs
// ahead and renewed as epochs pass: after 10 epochs every file still
// reads from the nodes and no blob in use has ended. A deleted file's
// blob is deleted on Sui after the grace, and its Storage is reused by
// the next upload of that size.
func TestDevnetRenewAndDelete(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	c := suiClient(t, dn)
	ctx := context.Background()
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	// Only the latest commit of the tree is kept, and a change is
	// committed after a second: a deleted file's blob is then no longer
	// named by any kept snapshot.
	d := mount(t, data, mnt, "--config", devnet.ClientConfig(dn.Dir), "--gc-grace", "1s", "--keep", "latest", "--commit-after", "1s")
	writeRandomFile(t, filepath.Join(mnt, "keep.bin"), 3<<20, 1)
	writeRandomFile(t, filepath.Join(mnt, "photo.jpg"), 200_000, 2)
	walrusfs(t, "sync", "--data-dir", data)
	want := treeSums(t, mnt)

	renewed := 0
	for range 10 {
		if _, err := dn.Chain.AdvanceEpoch(1); err != nil {
			t.Fatal(err)
		}
		var res control.RenewResult
		out := walrusfs(t, "renew", "--data-dir", data, "--json")
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("renew --json: %v\n%s", err, out)
		}
		if len(res.Lost) > 0 {
			t.Fatalf("epoch %d: %s", dn.Chain.WalrusEpoch(), out)
		}
		// Both blobs are due together: one transaction extends them.
		if len(res.Renewed) > 0 && res.Transactions != 1 {
			t.Fatalf("epoch %d: %d blobs renewed in %d transactions", dn.Chain.WalrusEpoch(), len(res.Renewed), res.Transactions)
		}
		renewed += len(res.Renewed)
		blobs, err := c.OwnedBlobs(ctx, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blobs {
			if b.EndEpoch <= dn.Chain.WalrusEpoch()+1 {
				t.Fatalf("epoch %d: blob %s ends at %d", dn.Chain.WalrusEpoch(), b.BlobID, b.EndEpoch)
			}
		}
	}
	// The chain's view: every extension transaction carried both blobs.
	txs, calls := dn.Chain.CallStats("system", "extend_blob")
	if renewed < 4 || txs < 2 || calls < 2*txs {
		t.Fatalf("renewals: %d blobs renewed by the CLI; on chain %d extend_blob calls in %d transactions (want batches of 2)", renewed, calls, txs)
	}
	// Delete the photo: its blob goes, its Storage comes back.
	before, err := ownedDataBlobs(ctx, c, dn.Layout.Address)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(mnt, "photo.jpg")); err != nil {
		t.Fatal(err)
	}
	var freed uint64 // the Storage size of the photo's blob
	waitOwned(t, c, dn, d, fmt.Sprintf("blob not deleted (%d blobs before)", len(before)), func(after []sui.Blob, st []sui.Storage) bool {
		if len(after) != len(before)-1 || len(st) == 0 {
			return false
		}
		for _, b := range before {
			if !slices.ContainsFunc(after, func(a sui.Blob) bool { return a.ObjectID == b.ObjectID }) {
				freed = b.StorageSize
			}
		}
		return slices.ContainsFunc(st, func(s sui.Storage) bool { return s.Size == freed })
	})
	_, reserves := dn.Chain.CallStats("system", "reserve_space")
	if reserves == 0 {
		t.Fatal("no reserve_space call counted for the first uploads")
	}
	// A smaller photo: its pack, with the tree's commit in it, fits in the
	// freed Storage (split from it).
	writeRandomFile(t, filepath.Join(mnt, "photo2.jpg"), 150_000, 3)
	walrusfs(t, "sync", "--data-dir", data)
	if st, err := c.OwnedStorage(ctx, dn.Layout.Address); err != nil || slices.ContainsFunc(st, func(s sui.Storage) bool { return s.Size == freed }) {
		t.Fatalf("the freed Storage of %d bytes was not reused: %+v %v", freed, st, err)
	}
	// The photo's pack reused the freed Storage. The commit that sync
	// waits for rides in that pack, or, if it is stored by itself, needs
	// exactly one reservation (no freed Storage is left to fit it).
	var snaps control.SnapshotList
	if err := json.Unmarshal([]byte(walrusfs(t, "snapshots", "--json", "--data-dir", data)), &snaps); err != nil || len(snaps.Snapshots) == 0 {
		t.Fatalf("snapshots --json: %+v, %v", snaps, err)
	}
	idBuf := make([]byte, 128)
	n, err := syscall.Getxattr(filepath.Join(mnt, "photo2.jpg"), "user.walrus.blob_ids", idBuf)
	if err != nil {
		t.Fatal(err)
	}
	wantReserves := 1
	last := snaps.Snapshots[len(snaps.Snapshots)-1]
	if last.BlobID == strings.TrimSpace(string(idBuf[:n])) {
		wantReserves = 0 // the commit rode in the photo's pack
	}
	t.Logf("commit %d in blob %s, the photo in %s: %d reservation(s) wanted", last.Seq, last.BlobID, strings.TrimSpace(string(idBuf[:n])), wantReserves)
	if _, after := dn.Chain.CallStats("system", "reserve_space"); after-reserves != wantReserves {
		t.Fatalf("%d reserve_space calls for a blob that fits the freed Storage and its commit, want %d", after-reserves, wantReserves)
	}
	want["photo2.jpg"] = fileSHA(t, filepath.Join(mnt, "photo2.jpg"))
	delete(want, "photo.jpg")
	d.stop()
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data, mnt)
	compareTrees(t, want, treeSums(t, mnt))
}

// TestDevnetRenewAfterDowntime: a mount that was down while epochs passed
// renews, when it starts, what is still alive; blobs that ended while it
// was down are reported lost, never silently.
func TestDevnetRenewAfterDowntime(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	c := suiClient(t, dn)
	ctx := context.Background()
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--config", devnet.ClientConfig(dn.Dir))
	writeRandomFile(t, filepath.Join(mnt, "a.bin"), 2<<20, 1)
	walrusfs(t, "sync", "--data-dir", data)
	d.stop()

	// Bought at epoch 1 for 4 epochs: ends at 5. At epoch 4 one is left.
	if _, err := dn.Chain.AdvanceEpoch(3); err != nil {
		t.Fatal(err)
	}
	d = mount(t, data, mnt)
	deadline := time.Now().Add(30 * time.Second)
	for {
		blobs, err := ownedDataBlobs(ctx, c, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		if len(blobs) == 1 && blobs[0].EndEpoch == 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not renewed at mount time: %+v\n%s", blobs, d.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.stop()

	// Down past the end epoch: lost, and said so; reading it is EIO (the
	// nodes dropped it; the cache is cleared so nothing hides that).
	if _, err := dn.Chain.AdvanceEpoch(5); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data, mnt)
	// (A renewal pass also reconciles the record with the chain: the
	// daemon stopped above may not have seen its last extension land.)
	out, err := exec.Command(binary, "renew", "--data-dir", data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "lost ") || !strings.Contains(string(out), "have expired") {
		t.Fatalf("renew after the end epoch: %v\n%s", err, out)
	}
	if _, err := os.ReadFile(filepath.Join(mnt, "a.bin")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("reading a file whose blob expired: %v", err)
	}
	if out := walrusfs(t, "status", "--data-dir", data, "--expiring", "--within", "0"); out != "8 a.bin\n" {
		t.Fatalf("expired files: %q", out)
	}
}

// TestDevnetRenewWithoutWAL: a wallet that cannot pay for renewals: the
// renewal fails loudly, `status --check` exits non-zero naming the files
// at risk, and nothing is lost while the blobs still live.
func TestDevnetRenewWithoutWAL(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	// Enough for the first purchase of one small pack, which carries the
	// tree's commit too (2 units: 4 epochs of storage and the write fee,
	// 120,000 FROST), not for its renewal.
	conf, _, err := dn.NewWallet(filepath.Join(base, "wallet"), wallet.Ed25519, 10_000_000_000, 150_000)
	if err != nil {
		t.Fatal(err)
	}
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	mount(t, data, mnt, "--config", conf)
	writeRandomFile(t, filepath.Join(mnt, "photo.jpg"), 100_000, 1)
	walrusfs(t, "sync", "--data-dir", data)
	if out, err := exec.Command(binary, "status", "--data-dir", data, "--check").CombinedOutput(); err != nil {
		t.Fatalf("status --check with everything paid: %v\n%s", err, out)
	}
	if out := walrusfs(t, "status", "--data-dir", data, "--expiring"); out != "" {
		t.Fatalf("files expiring within 2 epochs of epoch 1: %q", out)
	}
	if out := walrusfs(t, "status", "--data-dir", data, "--expiring", "--within", "4"); out != "5 photo.jpg\n" {
		t.Fatalf("files expiring within 4 epochs of epoch 1: %q", out)
	}
	if _, err := dn.Chain.AdvanceEpoch(3); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "renew", "--data-dir", data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not enough WAL") {
		t.Fatalf("renew without WAL: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "status", "--data-dir", data, "--check", "--json").Output()
	var st control.Status
	if jerr := json.Unmarshal(out, &st); err == nil || jerr != nil || st.Walrus == nil ||
		len(st.Walrus.FilesAtRisk) != 1 || st.Walrus.FilesAtRisk[0] != "photo.jpg" || st.Walrus.WALNeeded <= st.Walrus.WALBalance {
		t.Fatalf("status --check --json: %v %v %+v\n%s", err, jerr, st.Walrus, out)
	}
	if out := walrusfs(t, "status", "--data-dir", data, "--expiring"); out != "5 photo.jpg\n" {
		t.Fatalf("files expiring within 2 epochs of epoch 4: %q", out)
	}
	if fileSHA(t, filepath.Join(mnt, "photo.jpg")) == "" {
		t.Fatal("the file cannot be read")
	}
}
