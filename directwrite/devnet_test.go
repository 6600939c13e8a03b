package directwrite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/onchain"
	"github.com/walrusfs/walrusfs/wallet"
)

// startDevnet runs a devnet of 7 nodes and 100 shards for one test.
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

// openStore opens a direct-write store with the devnet's wallet (or the
// client configuration conf).
func openStore(t *testing.T, d *devnet.Devnet, conf string) *directwrite.Store {
	t.Helper()
	return openStoreIn(t, d, conf, t.TempDir())
}

// openStoreIn is openStore with the data directory dataDir.
func openStoreIn(t *testing.T, d *devnet.Devnet, conf, dataDir string) *directwrite.Store {
	t.Helper()
	if conf == "" {
		conf = devnet.ClientConfig(d.Dir)
	}
	w, err := clientconf.Load(conf, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := clientconf.Resolve(w, clientconf.OSEnv())
	if err != nil {
		t.Fatal(err)
	}
	s, err := directwrite.Open(context.Background(), &r, directwrite.Options{DataDir: dataDir, Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func randomBlob(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeRead stores a blob, checks it is certified on chain, owned by the
// wallet, and reads it back from the nodes.
func writeRead(t *testing.T, d *devnet.Devnet, s *directwrite.Store, seed uint64, size int) {
	t.Helper()
	ctx := context.Background()
	data := randomBlob(seed, size)
	rec, err := s.Write(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	bl, err := s.Sui.Blob(ctx, rec.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if !bl.Certified || bl.BlobID != rec.BlobID || bl.Owner != s.Key.Address() || bl.EndEpoch != rec.EndEpoch || !bl.Deletable {
		t.Fatalf("Blob object on chain: %+v, record %+v", bl, rec)
	}
	got, err := s.Read(ctx, rec.BlobID, 0, -1)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}
}

func TestWriteAndRead(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	for i, size := range []int{0, 1, 1000, 3<<20 + 17} {
		writeRead(t, d, s, uint64(i), size)
	}
}

// TestNodesDownAndLying: with 2 of 7 nodes down, writes still reach a
// quorum and reads still decode; with a slow node and one that signs
// garbage, writes succeed and the liar is left out of the certificate.
func TestNodesDownAndLying(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	d.Nodes[0].SetFault(devnet.Down)
	d.Nodes[1].SetFault(devnet.Down)
	writeRead(t, d, s, 1, 1<<20)
	d.Nodes[0].SetFault(devnet.Slow)
	d.Nodes[1].SetFault(devnet.Healthy)
	d.Nodes[2].SetFault(devnet.BadSignatures)
	writeRead(t, d, s, 2, 1<<20)
	// Reads with two other nodes down.
	d.Nodes[0].SetFault(devnet.Healthy)
	d.Nodes[2].SetFault(devnet.Healthy)
	rec, err := s.Write(context.Background(), randomBlob(3, 2<<20))
	if err != nil {
		t.Fatal(err)
	}
	d.Nodes[5].SetFault(devnet.Down)
	d.Nodes[6].SetFault(devnet.Down)
	s2 := openStore(t, d, "") // no cached rows
	if got, err := s2.Read(context.Background(), rec.BlobID, 0, -1); err != nil || !bytes.Equal(got, randomBlob(3, 2<<20)) {
		t.Fatalf("read with 2 nodes down: %v", err)
	}
	// Three nodes signing garbage (45 of 100 shards): no certificate.
	d.Nodes[5].SetFault(devnet.BadSignatures)
	d.Nodes[6].SetFault(devnet.BadSignatures)
	d.Nodes[4].SetFault(devnet.BadSignatures)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.Write(ctx, randomBlob(4, 1000)); err == nil {
		t.Fatal("a certificate without a quorum of honest nodes")
	}
}

// TestEpochChangeBeforeCertify: the epoch changes after the blob is
// registered, while the nodes confirm; the writer asks again and
// certifies for the new epoch.
func TestEpochChangeBeforeCertify(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	var once atomic.Bool
	d.Nodes[3].BeforeConfirm(func() {
		if once.CompareAndSwap(false, true) {
			if _, err := d.Chain.AdvanceEpoch(1); err != nil {
				t.Error(err)
			}
		}
	})
	e0 := d.Chain.WalrusEpoch()
	writeRead(t, d, s, 7, 100_000)
	if !once.Load() || d.Chain.WalrusEpoch() != e0+1 {
		t.Fatalf("the epoch did not change during the write (%d -> %d)", e0, d.Chain.WalrusEpoch())
	}
}

// TestNoWAL: a wallet with SUI but no WAL gets a clear error and nothing
// is registered.
func TestNoWAL(t *testing.T) {
	d := startDevnet(t)
	conf, key, err := d.NewWallet(t.TempDir(), wallet.Secp256r1, 10_000_000_000, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := clientconf.Load(conf, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := clientconf.Resolve(w, clientconf.OSEnv())
	if err != nil {
		t.Fatal(err)
	}
	s, err := directwrite.Open(context.Background(), &r, directwrite.Options{DataDir: t.TempDir(), Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Write(context.Background(), randomBlob(1, 5000))
	if !errors.Is(err, onchain.ErrInsufficientWAL) || !strings.Contains(err.Error(), key.Address()) {
		t.Fatalf("write with a wallet without WAL: %v", err)
	}
	// With some WAL, but not enough for the blob.
	if err := d.Chain.Fund(key.Address(), 0, 1000); err != nil {
		t.Fatal(err)
	}
	_, err = s.Write(context.Background(), randomBlob(1, 5000))
	if !errors.Is(err, onchain.ErrInsufficientWAL) || errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("write without enough WAL: %v", err)
	}
	if blobs, err := s.Sui.OwnedBlobs(context.Background(), key.Address()); err != nil || len(blobs) != 0 {
		t.Fatalf("blobs after a refused write: %v %v", blobs, err)
	}
}

var _ = fmt.Sprint

// TestStorageReuse: deleting a deletable blob gives its Storage back, and
// the next blob of that size uses it instead of buying storage again.
func TestStorageReuse(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	ctx := context.Background()
	a, err := s.Write(ctx, randomBlob(1, 200_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Chain.Delete(ctx, a.ObjectID); err != nil {
		t.Fatal(err)
	}
	left, err := s.Sui.OwnedStorage(ctx, s.Key.Address())
	if err != nil || len(left) != 1 || left[0].Size != a.EncodedLength {
		t.Fatalf("Storage after delete: %+v %v", left, err)
	}
	b, err := s.Write(ctx, randomBlob(2, 200_001))
	if err != nil {
		t.Fatal(err)
	}
	if after, err := s.Sui.OwnedStorage(ctx, s.Key.Address()); err != nil || len(after) != 0 {
		t.Fatalf("Storage after the second write: %+v %v", after, err)
	}
	if b.Cost >= a.Cost || b.Cost == 0 {
		t.Fatalf("the second blob paid %d FROST, the first %d: storage was bought again", b.Cost, a.Cost)
	}
	bl, err := s.Sui.Blob(ctx, b.ObjectID)
	if err != nil || !bl.Certified || bl.EndEpoch != a.EndEpoch {
		t.Fatalf("second blob: %+v %v", bl, err)
	}
}

// TestNoSUI: WAL but no SUI for gas is a clear error too.
func TestNoSUI(t *testing.T) {
	d := startDevnet(t)
	conf, key, err := d.NewWallet(t.TempDir(), wallet.Secp256k1, 0, 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, d, conf)
	_, err = s.Write(context.Background(), randomBlob(1, 5000))
	if !errors.Is(err, onchain.ErrInsufficientSUI) || !strings.Contains(err.Error(), key.Address()) {
		t.Fatalf("write without SUI: %v", err)
	}
}

// TestKeySchemes: wallets with secp256k1 and secp256r1 keys store blobs
// too (the chain verifies their signatures as Sui does).
func TestKeySchemes(t *testing.T) {
	d := startDevnet(t)
	for i, scheme := range []wallet.Scheme{wallet.Secp256k1, wallet.Secp256r1} {
		conf, key, err := d.NewWallet(t.TempDir(), scheme, 10_000_000_000, 10_000_000_000)
		if err != nil {
			t.Fatal(err)
		}
		s := openStore(t, d, conf)
		if s.Key.Address() != key.Address() || s.Key.Scheme() != scheme {
			t.Fatalf("%s: store uses %v", scheme, s.Key)
		}
		writeRead(t, d, s, uint64(100+i), 50_000)
	}
}

// TestRetryReusesRegistration: when the nodes cannot take a blob, the
// write fails and leaves its registration, recorded in the data
// directory; the next attempt, by another store on that directory (as
// after a crash), uses it instead of paying again.
func TestRetryReusesRegistration(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	ctx := context.Background()
	for _, i := range []int{0, 1, 2} {
		d.Nodes[i].SetFault(devnet.Down)
	}
	data := randomBlob(9, 300_000)
	if _, err := s.Write(ctx, data); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("write with 3 of 7 nodes down: %v", err)
	}
	for _, i := range []int{0, 1, 2} {
		d.Nodes[i].SetFault(devnet.Healthy)
	}
	// As after a crash: a new store on the same data directory.
	s.Close()
	s = openStoreIn(t, d, "", s.DataDir)
	rec, err := s.Write(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := s.Sui.OwnedBlobs(ctx, s.Key.Address())
	if err != nil || len(blobs) != 1 || blobs[0].ObjectID != rec.ObjectID || !blobs[0].Certified || rec.Cost == 0 {
		t.Fatalf("after the retry: %+v (record %+v) %v", blobs, rec, err)
	}
}

// TestCommitteeFollowsEpoch: after an epoch change the writer reads the
// committee of the new epoch before it writes, and reads keep working.
func TestCommitteeFollowsEpoch(t *testing.T) {
	d := startDevnet(t)
	s := openStore(t, d, "")
	writeRead(t, d, s, 1, 10_000)
	if s.Epoch() != 1 {
		t.Fatalf("committee epoch %d at start", s.Epoch())
	}
	if _, err := d.Chain.AdvanceEpoch(2); err != nil {
		t.Fatal(err)
	}
	writeRead(t, d, s, 2, 10_000)
	if s.Epoch() != 3 {
		t.Fatalf("committee epoch %d after two epoch changes, want 3", s.Epoch())
	}
}

// TestSpendingCap: writes stop at --max-wal-per-epoch, clearly, and the
// count survives a new store on the same data directory.
func TestSpendingCap(t *testing.T) {
	d := startDevnet(t)
	w, err := clientconf.Load(devnet.ClientConfig(d.Dir), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := clientconf.Resolve(w, clientconf.OSEnv())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	open := func() *directwrite.Store {
		// A small blob at 100 shards is one unit: 3 epochs of storage
		// (30,000 FROST) and the write fee (20,000).
		s, err := directwrite.Open(context.Background(), &r, directwrite.Options{DataDir: dir, Epochs: 3, MaxWALPerEpoch: 120_000})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	ctx := context.Background()
	for i := range 2 {
		if _, err := s.Write(ctx, randomBlob(uint64(i), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Write(ctx, randomBlob(3, 1000)); !errors.Is(err, onchain.ErrOverBudget) || !strings.Contains(err.Error(), "max-wal-per-epoch") {
		t.Fatalf("third write: %v", err)
	}
	s.Close()
	s = open()
	defer s.Close()
	if _, err := s.Write(ctx, randomBlob(4, 1000)); !errors.Is(err, onchain.ErrOverBudget) {
		t.Fatalf("after reopening: %v", err)
	}
	if _, err := d.Chain.AdvanceEpoch(1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, randomBlob(5, 1000)); err != nil {
		t.Fatalf("next epoch: %v", err)
	}
}
