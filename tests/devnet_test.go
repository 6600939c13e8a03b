package tests

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/control"
	wfsdaemon "github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/wallet"
)

// startDevnet runs a local Walrus devnet (7 nodes, 100 shards) in the test
// process; the mounts reach it as they would reach testnet, through its
// client_config.yaml.
func startDevnet(t *testing.T) *devnet.Devnet {
	t.Helper()
	d, err := devnet.Start(context.Background(), devnet.Options{Dir: t.TempDir(), Nodes: 7, Shards: 100, EpochDuration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("closing the devnet: %v", err)
		}
	})
	return d
}

func status(t *testing.T, data string) control.Status {
	t.Helper()
	var st control.Status
	if err := json.Unmarshal([]byte(walrusfs(t, "status", "--data-dir", data, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDevnetRsync: rsync -a of a mixed tree into a mount that writes
// directly to the devnet's storage nodes with its wallet (no publisher),
// sync, unmount, remount (the data directory remembers the
// configuration), and every checksum matches, read back from the nodes
// with the cache dropped. Two of the seven nodes are down during the
// writes, two others during the reads.
func TestDevnetRsync(t *testing.T) {
	needFUSE(t)
	needTool(t, "rsync")
	dn := startDevnet(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	makeMixedTree(t, src, 40<<20, 500)
	want := treeSums(t, src)

	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--config", devnet.ClientConfig(dn.Dir))
	// Two of the seven nodes are down while the tree is written.
	dn.Nodes[0].SetFault(devnet.Down)
	dn.Nodes[6].SetFault(devnet.Down)
	run(t, nil, "rsync", "-aH", src+"/", mnt+"/")
	walrusfs(t, "sync", "--data-dir", data)
	dn.Nodes[0].SetFault(devnet.Healthy)
	dn.Nodes[6].SetFault(devnet.Healthy)
	st := status(t, data)
	if st.PendingFiles != 0 || len(st.Failures) != 0 || st.EncodedBytes == 0 {
		t.Fatalf("after sync: %+v", st)
	}
	d.stop()

	blobs, err := ownedBlobs(dn)
	if err != nil {
		t.Fatal(err)
	}
	if blobs == 0 {
		t.Fatal("no certified Blob objects owned by the devnet wallet")
	}
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	dn.Nodes[1].SetFault(devnet.Down)
	dn.Nodes[4].SetFault(devnet.Down)
	mount(t, data, mnt)
	compareTrees(t, want, treeSums(t, mnt))
}

// suiClient is a Sui client of the devnet, closed when the test ends.
func suiClient(t *testing.T, dn *devnet.Devnet) *sui.Client {
	t.Helper()
	c, err := dn.SuiClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ownedDataBlobs lists the Blob objects of addr that hold files: the
// blobs of a tree's commits stored by themselves (attributes
// walrusfs.volume, and walrusfs.nodes 0) are left out; a pack that
// carries a commit holds files and is listed.
func ownedDataBlobs(ctx context.Context, c *sui.Client, addr string) ([]sui.Blob, error) {
	all, err := c.OwnedBlobsWithAttributes(ctx, addr)
	if err != nil {
		return nil, err
	}
	var out []sui.Blob
	for _, b := range all {
		if b.Attributes[wfsdaemon.AttrVolume] == "" || b.Attributes[wfsdaemon.AttrNodes] != "0" {
			out = append(out, b.Blob)
		}
	}
	return out, nil
}

// waitOwned polls the devnet wallet's data Blob (ownedDataBlobs) and
// Storage objects until ok
// says they are as wanted, for up to a minute; then it fails with what it
// saw (and the daemon's log).
func waitOwned(t *testing.T, c *sui.Client, dn *devnet.Devnet, d *daemon, what string, ok func(blobs []sui.Blob, storage []sui.Storage) bool) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		blobs, err := ownedDataBlobs(ctx, c, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.OwnedStorage(ctx, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		if ok(blobs, st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d blobs, %d Storage objects after a minute\n%s", what, len(blobs), len(st), d.log)
		}
	}
}

// ownedBlobs counts the certified Blob objects of the devnet's wallet.
func ownedBlobs(dn *devnet.Devnet) (int, error) {
	c, err := dn.SuiClient()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	infos, err := c.OwnedBlobs(context.Background(), dn.Layout.Address)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range infos {
		if b.Certified {
			n++
		}
	}
	return n, nil
}

// TestDevnetNoWAL: with a wallet that holds no WAL, files stay staged,
// nothing is lost, and status says why.
func TestDevnetNoWAL(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	conf, _, err := dn.NewWallet(filepath.Join(base, "wallet"), wallet.Ed25519, 10_000_000_000, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--config", conf)
	writeRandomFile(t, filepath.Join(mnt, "photo.raw"), 300_000, 5)
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := status(t, data)
		if len(st.Failures) > 0 {
			if !strings.Contains(st.Failures[0].Error, "not enough WAL") {
				t.Fatalf("failure: %+v", st.Failures[0])
			}
			if st.PendingFiles != 1 {
				t.Fatalf("the file is no longer pending: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failure reported: %+v\n%s", st, d.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := fileSHA(t, filepath.Join(mnt, "photo.raw")); got == "" {
		t.Fatal("the staged file cannot be read")
	}
}

// TestDevnetBadConfig: a malformed client_config.yaml, a keystore that
// is not one, and an unreadable keystore stop the mount with an error that
// names the file.
func TestDevnetBadConfig(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	bad := filepath.Join(base, "client_config.yaml")
	if err := os.WriteFile(bad, []byte("contexts:\n  devnet: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mountFails(t, base, "--config", bad, bad)

	ks := filepath.Join(dn.Dir, "sui_config", "sui.keystore")
	orig, err := os.ReadFile(ks)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ks, []byte(`{"version":2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mountFails(t, base, "--config", devnet.ClientConfig(dn.Dir), ks)
	// Unreadable: root reads any file whatever its mode, so the keystore
	// is made a directory.
	if err := os.Remove(ks); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(ks, 0o700); err != nil {
		t.Fatal(err)
	}
	mountFails(t, base, "--config", devnet.ClientConfig(dn.Dir), ks)
	if err := os.Remove(ks); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ks, orig, 0o600); err != nil {
		t.Fatal(err)
	}
}

// mountFails runs a mount that must fail and checks its error names want.
func mountFails(t *testing.T, base, flag, conf, want string) {
	t.Helper()
	mnt := filepath.Join(base, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "mount", "--data-dir", filepath.Join(base, "data-"+filepath.Base(conf)), flag, conf, mnt).CombinedOutput()
	if err == nil || !strings.Contains(string(out), want) {
		lazyUnmount(mnt)
		t.Fatalf("mount with %s: %v\n%s", conf, err, out)
	}
}
