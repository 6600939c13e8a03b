package main

import (
	"bytes"
	"context"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/blobstore/walrus/walrustest"
	"github.com/walrusfs/walrusfs/internal/fusetest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/sui/suitest"
)

// daemonProc is a `walrusfs mount` child process (see TestHelperDaemon).
type daemonProc struct {
	logs   syncbuf.Buffer
	exited chan struct{}
	err    error
}

// startDaemon runs walrusfs with args in a child process and waits until
// the data directory's control socket answers. It is killed (and its
// mount detached) when the test ends if still running.
func startDaemon(t *testing.T, dd, mnt string, args ...string) *daemonProc {
	t.Helper()
	d := &daemonProc{exited: make(chan struct{})}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDaemon$")
	cmd.Env = append(os.Environ(), "WALRUSFS_HELPER_ARGS="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = &d.logs, &d.logs
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			_ = cmd.Process.Kill()
			<-d.exited
		}
		if isMounted(t, mnt) {
			_ = syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _, _ := cli(t, nil, "status", "--data-dir", dd); code == 0 {
			return d
		}
		select {
		case <-d.exited:
			t.Fatalf("daemon exited: %v\n%s", d.err, d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("daemon did not come up")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop unmounts through the CLI and waits for the daemon to exit.
func (d *daemonProc) stop(t *testing.T, mnt string) {
	t.Helper()
	if code, out, errs := cli(t, nil, "umount", mnt); code != 0 {
		t.Fatalf("umount: %d %q %q", code, out, errs)
	}
	select {
	case <-d.exited:
		if d.err != nil {
			t.Fatalf("daemon exit: %v", d.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not exit after umount")
	}
}

func getxattr(t *testing.T, path, name string) string {
	t.Helper()
	buf := make([]byte, 256)
	n, err := syscall.Getxattr(path, name, buf)
	if err != nil {
		t.Fatalf("getxattr %s %s: %v", path, name, err)
	}
	return string(buf[:n])
}

// TestWalrusMount mounts on a fake Walrus (publisher limit 256 KiB) with a
// fake Sui node for the epoch: files larger than the limit are chunked,
// synced, read back after a remount (without back-end flags) with an empty
// cache; end epochs show in the xattr and in status; a blob stored
// directly on Walrus is imported and read through the mount; a publisher
// failure leaves the file staged and listed in status, and it is stored
// after the next mount; a different back end on the data dir is refused.
func TestWalrusMount(t *testing.T) {
	fusetest.Need(t)
	const maxBlob = 256 << 10
	srv := walrustest.NewServer(t, &walrustest.Options{NShards: 10, MaxBlobSize: maxBlob, Epoch: 100})
	// A blob stored directly on Walrus (not through the mount), to import
	// by blob ID and by its Sui Blob object.
	direct, err := walrus.New(walrus.Config{Publisher: srv.PublisherURL(), Aggregators: srv.AggregatorURLs(), NShards: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	imported := bytes.Repeat([]byte("imported!"), 20_000) // one extent
	info, err := direct.Put(context.Background(), imported)
	if err != nil {
		t.Fatal(err)
	}
	net := sui.Networks["testnet"]
	node := suitest.NewNode()
	le := slices.Clone(info.ID[:])
	slices.Reverse(le) // blob_id is a u256 whose little-endian bytes are the ID
	node.AddBlob(suitest.Blob{ObjectID: suitest.OID(0x77), Owner: suitest.OID(0xaa), BlobIDDecimal: new(big.Int).SetBytes(le).String(),
		Size: uint64(len(imported)), Registered: 100, Start: 100, End: 101, StorageSize: 1 << 20, Deletable: true, TypeOrigin: net.TypeOrigin})
	first := time.Now().Add(-99*24*time.Hour - time.Hour) // epoch 100 began an hour ago
	node.AddNetwork(suitest.Objects{System: net.SystemObject, Staking: net.StakingObject, TypeOrigin: net.TypeOrigin},
		suitest.State{Epoch: 100, NShards: 10, StoragePrice: 11_000, WritePrice: 20_000, EpochDuration: 24 * time.Hour, FirstEpochStart: first})
	suiURL := node.ServeGRPC(t)

	dd, mnt := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dd, configFileName), []byte("n_shards = 10\nmax_blob_size = 262144\nepochs = 3\n"), 0o600)
	d := startDaemon(t, dd, mnt, "mount", "--data-dir", dd, "--network", "testnet", "--publisher", srv.PublisherURL(),
		"--aggregator", srv.AggregatorURL(0), "--sui-url", suiURL, "--epochs", "3", "--no-renew", mnt)

	big := make([]byte, 800_000)
	rand.NewChaCha8([32]byte{1}).Read(big)
	want := map[string][]byte{"a.txt": []byte("hello walrus\n"), "big.bin": big}
	for name, data := range want {
		if err := os.WriteFile(filepath.Join(mnt, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := cli(t, nil, "sync", "--data-dir", dd); code != 0 {
		t.Fatalf("sync: %d %q %q", code, out, errs)
	}
	if got := getxattr(t, filepath.Join(mnt, "big.bin"), "user.walrus.end_epoch"); got != "103" {
		t.Fatalf("end_epoch of big.bin %q", got)
	}
	if got := getxattr(t, filepath.Join(mnt, "big.bin"), "user.walrus.blob_ids"); strings.Count(got, "\n") < 3 {
		t.Fatalf("big.bin (800 000 bytes, 256 KiB blobs) uses blobs %q", got)
	}
	code, out, errs := statusOnceEpochRead(t, dd)
	if code != 0 || !strings.Contains(out, "store:      walrus testnet") || !strings.Contains(out, "epoch:      100 ") ||
		!strings.Contains(out, "earliest end epoch 103 (about "+first.Add(102*24*time.Hour).UTC().Format("2006-01-02")) {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}

	// Import a blob stored directly on Walrus (not through the mount).
	os.Mkdir(filepath.Join(mnt, "sub"), 0o755)
	if code, out, errs = cli(t, nil, "import", "--data-dir", dd, info.ID.String(), filepath.Join(mnt, "sub", "imp.bin")); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if code, _, errs = cli(t, nil, "import", "--data-dir", dd, "not-a-blob", "x"); code == 0 || strings.Count(errs, "\n") != 1 {
		t.Fatalf("import of a malformed ID: %d %q", code, errs)
	}
	if code, _, errs = cli(t, nil, "import", "--data-dir", dd, info.ID.String(), "sub/imp.bin"); code == 0 || !strings.Contains(errs, "exists") {
		t.Fatalf("import over a file: %d %q", code, errs)
	}
	imp := filepath.Join(mnt, "sub", "imp.bin")
	if fi, err := os.Stat(imp); err != nil || fi.Mode().Perm() != 0o444 || fi.Size() != int64(len(imported)) {
		t.Fatalf("imported file: %v %v", fi, err)
	}
	if got, err := os.ReadFile(imp); err != nil || !bytes.Equal(got, imported) {
		t.Fatalf("reading the imported file: %v", err)
	}
	code, out, errs = cli(t, nil, "import", "--data-dir", dd, "--object", suitest.OID(0x77), "--sui-url", suiURL, "sub/obj.bin")
	if code != 0 || !strings.HasPrefix(out, info.ID.String()+" ") {
		t.Fatalf("import --object: %d %q %q", code, out, errs)
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "sub", "obj.bin")); err != nil || !bytes.Equal(got, imported) {
		t.Fatalf("reading the file imported by object: %v", err)
	}

	// A publisher that fails: the file stays staged and shows in status.
	srv.FailPublisher(walrustest.TooLarge, 1000)
	failing := []byte("must not be lost\n")
	if err := os.WriteFile(filepath.Join(mnt, "failing.txt"), failing, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ = cli(t, nil, "sync", "--data-dir", dd); code == 0 {
		t.Fatal("sync succeeded with a publisher answering 413")
	}
	code, out, _ = cli(t, nil, "status", "--data-dir", dd)
	if code != 0 || !strings.Contains(out, "failures:   1") || !strings.Contains(out, "413") || !strings.Contains(out, "pending:    1 files") {
		t.Fatalf("status after a failed upload: %q", out)
	}
	if got := getxattr(t, filepath.Join(mnt, "failing.txt"), "user.walrus.state"); got != "staged" {
		t.Fatalf("failing.txt state %q", got)
	}
	d.stop(t, mnt)
	srv.FailPublisher(walrustest.None, 0)

	// Another back end on this data directory is refused.
	code, _, errs = cli(t, nil, "mount", "--data-dir", dd, "--network", "mainnet", "--sui-url", suiURL, mnt)
	if code == 0 || !strings.Contains(errs, "holds files stored on Walrus testnet") {
		t.Fatalf("mount on mainnet: %d %q", code, errs)
	}

	// Remount without back-end flags and with an empty cache.
	os.RemoveAll(filepath.Join(dd, "cache"))
	before := srv.AggregatorRequests(0)
	d = startDaemon(t, dd, mnt, "mount", "--data-dir", dd, "--sui-url", suiURL, "--expiry-warn", "3", mnt)
	want["failing.txt"], want["sub/imp.bin"] = failing, imported
	for name, data := range want {
		if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s after remount: %v", name, err)
		}
	}
	if srv.AggregatorRequests(0) == before {
		t.Fatal("nothing was read from the aggregator after the remount")
	}
	if code, out, errs = cli(t, nil, "sync", "--data-dir", dd); code != 0 {
		t.Fatalf("sync after remount: %d %q %q", code, out, errs)
	}
	if got := getxattr(t, filepath.Join(mnt, "failing.txt"), "user.walrus.end_epoch"); got != "103" {
		t.Fatalf("end_epoch of failing.txt %q", got)
	}
	if got := getxattr(t, imp, "user.walrus.end_epoch"); got != "unknown" {
		t.Fatalf("end_epoch of the imported file %q", got)
	}
	if code, out, _ = statusOnceEpochRead(t, dd); !strings.Contains(out, "; 6 within 3 epochs") {
		t.Fatalf("status with --expiry-warn 3: %d %q", code, out)
	}
	d.stop(t, mnt)
	if logs := d.logs.String(); !strings.Contains(logs, "expires soon") || !strings.Contains(logs, "end_epoch=103") {
		t.Fatalf("no expiry warning in the log:\n%s", logs)
	}
}

// statusOnceEpochRead runs walrusfs status until it shows the epoch: the
// daemon's first read of it from Sui runs in the background, and nothing
// else the test waits for implies that it is done.
func statusOnceEpochRead(t *testing.T, dd string) (int, string, string) {
	t.Helper()
	code, out, errs := cli(t, nil, "status", "--data-dir", dd)
	for deadline := time.Now().Add(30 * time.Second); code == 0 && strings.Contains(out, "(not read from Sui)") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		code, out, errs = cli(t, nil, "status", "--data-dir", dd)
	}
	return code, out, errs
}
