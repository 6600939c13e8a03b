package onchain

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/wallet"
)

const testShards = 20

// startDevnet runs a small devnet (4 nodes, 20 shards) for one test.
func startDevnet(t *testing.T) *devnet.Devnet {
	t.Helper()
	d, err := devnet.Start(context.Background(), devnet.Options{Dir: t.TempDir(), Nodes: 4, Shards: testShards, EpochDuration: time.Hour})
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

// walletClient makes a new funded wallet on d and a Client for it.
func walletClient(t *testing.T, d *devnet.Devnet) (*Client, *sui.Client) {
	t.Helper()
	_, key, err := d.NewWallet(t.TempDir(), wallet.Ed25519, devnet.DefaultSUI, devnet.DefaultWAL)
	if err != nil {
		t.Fatal(err)
	}
	return clientFor(t, d, Config{Key: key})
}

// clientFor makes a Client with cfg on d's chain.
func clientFor(t *testing.T, d *devnet.Devnet, cfg Config) (*Client, *sui.Client) {
	t.Helper()
	sc, err := d.SuiClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	cfg.Sui, cfg.System = sc, d.Chain.SystemObject().ID
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sc
}

// testBlob is a blob of size bytes whose ID the chain accepts:
// blake2b256(encoding 1 ‖ u64 size ‖ root).
func testBlob(t *testing.T, seed byte, size uint64) NewBlob {
	t.Helper()
	root := blake2b.Sum256([]byte{seed, 's', 'p', 'l', 'i', 't'})
	id := blake2b.Sum256(append(binary.LittleEndian.AppendUint64([]byte{1}, size), root[:]...))
	p, err := rs2.NewParams(testShards)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.EncodedLength(size)
	if err != nil {
		t.Fatal(err)
	}
	return NewBlob{ID: id, Root: root, Size: size, EncodedSize: enc, Deletable: true}
}

// calls counts the chain's calls to the Move functions that matter here.
type calls struct{ reserve, split, fuse int }

func callCounts(d *devnet.Devnet) calls {
	_, r := d.Chain.CallStats("system", "reserve_space")
	_, s := d.Chain.CallStats("storage_resource", "split_by_size")
	_, f := d.Chain.CallStats("storage_resource", "fuse_amount")
	return calls{r, s, f}
}

func (a calls) minus(b calls) calls {
	return calls{a.reserve - b.reserve, a.split - b.split, a.fuse - b.fuse}
}

// freed registers blobs for epochs and deletes them, leaving their
// Storage objects in the wallet.
func freed(t *testing.T, c *Client, epochs uint32, blobs ...NewBlob) {
	t.Helper()
	ctx := context.Background()
	got, _, err := c.Register(ctx, blobs, epochs)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got {
		if _, err := c.Delete(ctx, b.Ref.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func ownedStorage(t *testing.T, c *Client, sc *sui.Client) []sui.Storage {
	t.Helper()
	st, err := sc.OwnedStorage(context.Background(), c.Address())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// register registers blobs and checks the WAL taken from the wallet is
// exactly Spent.WAL, and that it is only the write fees when no storage
// is bought.
func register(t *testing.T, c *Client, sc *sui.Client, blobs []NewBlob, epochs uint32, buys bool) []Blob {
	t.Helper()
	ctx := context.Background()
	_, walBefore, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, spent, err := c.Register(ctx, blobs, epochs)
	if err != nil {
		t.Fatal(err)
	}
	_, walAfter, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if paid := new(big.Int).SetUint64(walBefore - walAfter); paid.Cmp(spent.WAL) != 0 {
		t.Fatalf("the wallet paid %s FROST, Spent.WAL says %s", paid, spent.WAL)
	}
	st, err := sc.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fees uint64
	for _, b := range blobs {
		fees += sui.Units(b.EncodedSize) * st.Prices.WritePerUnit
	}
	if !buys && spent.WAL.Cmp(new(big.Int).SetUint64(fees)) != 0 {
		t.Fatalf("spent %s FROST, want only the write fees %d", spent.WAL, fees)
	}
	for i, b := range got {
		if b.BlobID != blobs[i].ID || b.EncodedSize < blobs[i].EncodedSize {
			t.Fatalf("blob %d: %+v for %+v", i, b, blobs[i])
		}
	}
	return got
}

func TestRegisterReusesStorage(t *testing.T) {
	d := startDevnet(t)
	epoch := d.Chain.WalrusEpoch()

	t.Run("a freed Storage is split for a smaller blob", func(t *testing.T) {
		c, sc := walletClient(t, d)
		big, small := testBlob(t, 1, 2_600_000), testBlob(t, 2, 500_000)
		if small.EncodedSize+slack(small.EncodedSize) >= big.EncodedSize {
			t.Fatalf("encoded sizes %d and %d: not a split case", big.EncodedSize, small.EncodedSize)
		}
		freed(t, c, 5, big)
		before := ownedStorage(t, c, sc)
		if len(before) != 1 || before[0].Size != big.EncodedSize {
			t.Fatalf("owned Storage after the delete: %+v", before)
		}
		n := callCounts(d)
		got := register(t, c, sc, []NewBlob{small}, 3, false)
		if diff := callCounts(d).minus(n); diff != (calls{split: 1}) {
			t.Fatalf("calls %+v, want one split_by_size and no reserve_space", diff)
		}
		if got[0].EncodedSize != small.EncodedSize || got[0].EndEpoch != before[0].EndEpoch {
			t.Fatalf("blob %+v: want storage of %d bytes until epoch %d", got[0], small.EncodedSize, before[0].EndEpoch)
		}
		after := ownedStorage(t, c, sc)
		want := before[0]
		want.Size -= small.EncodedSize
		if len(after) != 1 || after[0].Ref.ID != want.Ref.ID || after[0].Size != want.Size ||
			after[0].StartEpoch != want.StartEpoch || after[0].EndEpoch != want.EndEpoch {
			t.Fatalf("owned Storage after reuse %+v, want %+v", after, want)
		}
	})

	t.Run("the WAL cap counts only what is bought, the log names the reuse", func(t *testing.T) {
		c, sc := walletClient(t, d)
		freed(t, c, 5, testBlob(t, 20, 2_600_000))
		small := testBlob(t, 21, 500_000)
		st, err := sc.ReadState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		// A new client of the same wallet: nothing spent yet this epoch,
		// and a cap of exactly the write fee.
		capped, _ := clientFor(t, d, Config{Key: c.cfg.Key, MaxWALPerEpoch: sui.Units(small.EncodedSize) * st.Prices.WritePerUnit,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		register(t, capped, sc, []NewBlob{small}, 3, false)
		if !strings.Contains(logs.String(), `how="split off a Storage"`) || !strings.Contains(logs.String(), "Storage left after reuse") {
			t.Fatalf("log:\n%s", logs.String())
		}
		// The rest is too short-lived for 10 epochs: buying passes the cap.
		if _, _, err := capped.Register(context.Background(), []NewBlob{testBlob(t, 22, 400_000)}, 10); !errors.Is(err, ErrOverBudget) {
			t.Fatalf("register over the cap: %v", err)
		}
	})

	t.Run("the rest serves more blobs of the same Register", func(t *testing.T) {
		c, sc := walletClient(t, d)
		big := testBlob(t, 3, 2_600_000)
		s1, s2 := testBlob(t, 4, 500_000), testBlob(t, 5, 400_000)
		freed(t, c, 5, big)
		n := callCounts(d)
		register(t, c, sc, []NewBlob{s1, s2}, 3, false)
		if diff := callCounts(d).minus(n); diff != (calls{split: 2}) {
			t.Fatalf("calls %+v, want two split_by_size and no reserve_space", diff)
		}
		after := ownedStorage(t, c, sc)
		if len(after) != 1 || after[0].Size != big.EncodedSize-s1.EncodedSize-s2.EncodedSize {
			t.Fatalf("owned Storage %+v, want one of %d bytes", after, big.EncodedSize-s1.EncodedSize-s2.EncodedSize)
		}
	})

	t.Run("the last blob takes what is left", func(t *testing.T) {
		c, sc := walletClient(t, d)
		big := testBlob(t, 30, 2_600_000)
		s1, last := testBlob(t, 31, 500_000), testBlob(t, 32, 1_800_000)
		rest := big.EncodedSize - s1.EncodedSize
		if rest < last.EncodedSize || rest-last.EncodedSize > slack(last.EncodedSize) {
			t.Fatalf("encoded sizes %d, %d, %d: the last blob would not take the rest", big.EncodedSize, s1.EncodedSize, last.EncodedSize)
		}
		freed(t, c, 5, big)
		n := callCounts(d)
		got := register(t, c, sc, []NewBlob{s1, last}, 3, false)
		if diff := callCounts(d).minus(n); diff != (calls{split: 1}) {
			t.Fatalf("calls %+v, want one split_by_size and no reserve_space", diff)
		}
		if got[0].EncodedSize != s1.EncodedSize || got[1].EncodedSize != rest {
			t.Fatalf("blob storage sizes %d and %d, want %d and %d", got[0].EncodedSize, got[1].EncodedSize, s1.EncodedSize, rest)
		}
		if after := ownedStorage(t, c, sc); len(after) != 0 {
			t.Fatalf("owned Storage %+v, want none", after)
		}
	})

	t.Run("two Storage objects of one period are fused", func(t *testing.T) {
		c, sc := walletClient(t, d)
		a, b := testBlob(t, 6, 1_600_000), testBlob(t, 7, 1_650_000)
		want := testBlob(t, 8, 2_000_000)
		if want.EncodedSize <= max(a.EncodedSize, b.EncodedSize) ||
			a.EncodedSize+b.EncodedSize-want.EncodedSize <= slack(want.EncodedSize) {
			t.Fatalf("encoded sizes %d, %d, %d: not a fuse-and-split case", a.EncodedSize, b.EncodedSize, want.EncodedSize)
		}
		freed(t, c, 4, a, b) // one Register: the same start and end epochs
		n := callCounts(d)
		got := register(t, c, sc, []NewBlob{want}, 4, false)
		if diff := callCounts(d).minus(n); diff != (calls{fuse: 1, split: 1}) {
			t.Fatalf("calls %+v, want one fuse_amount, one split_by_size, no reserve_space", diff)
		}
		after := ownedStorage(t, c, sc)
		if len(after) != 1 || after[0].Size != a.EncodedSize+b.EncodedSize-want.EncodedSize || got[0].EndEpoch != after[0].EndEpoch {
			t.Fatalf("owned Storage %+v (blob %+v), want one of %d bytes", after, got[0], a.EncodedSize+b.EncodedSize-want.EncodedSize)
		}
	})

	t.Run("Storage of different periods is not fused", func(t *testing.T) {
		c, sc := walletClient(t, d)
		a, b := testBlob(t, 9, 1_600_000), testBlob(t, 10, 1_650_000)
		freed(t, c, 4, a)
		freed(t, c, 5, b)
		n := callCounts(d)
		register(t, c, sc, []NewBlob{testBlob(t, 11, 2_000_000)}, 4, true)
		if diff := callCounts(d).minus(n); diff != (calls{reserve: 1}) {
			t.Fatalf("calls %+v, want one reserve_space and nothing else", diff)
		}
		if after := ownedStorage(t, c, sc); len(after) != 2 {
			t.Fatalf("owned Storage %+v, want both untouched", after)
		}
	})

	t.Run("Storage that ends too soon is not used", func(t *testing.T) {
		c, sc := walletClient(t, d)
		freed(t, c, 2, testBlob(t, 12, 2_600_000))
		before := ownedStorage(t, c, sc)
		n := callCounts(d)
		got := register(t, c, sc, []NewBlob{testBlob(t, 13, 500_000)}, 5, true)
		if diff := callCounts(d).minus(n); diff != (calls{reserve: 1}) {
			t.Fatalf("calls %+v, want one reserve_space and nothing else", diff)
		}
		if got[0].EndEpoch != epoch+5 {
			t.Fatalf("blob ends at %d, want %d", got[0].EndEpoch, epoch+5)
		}
		if after := ownedStorage(t, c, sc); len(after) != 1 || after[0] != before[0] {
			t.Fatalf("owned Storage %+v, want %+v untouched", after, before)
		}
	})
}
