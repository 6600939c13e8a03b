package chain

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// The decoder reads back what the SDK wrote (sui-transactions.md §2.2).
func TestDecodeSDKTransaction(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	p := registerTx(h, u, nil, id, root, 1000, 1)
	e := uint64(9)
	p.tx.SetExpiration(transaction.TransactionExpiration{Epoch: &e})
	tx, err := decodeTxData(p.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if tx.Sender != u.addr || tx.GasOwner != u.addr || tx.GasPrice != 1000 || tx.GasBudget != 100_000_000 || tx.Expiration == nil || *tx.Expiration != 9 || len(tx.Payment) != 1 {
		t.Fatalf("header %+v", tx)
	}
	// Inputs in order of first use: System, WAL coin, then the pure values.
	if len(tx.Inputs) != 10 || tx.Inputs[0].Shared == nil || !tx.Inputs[0].Shared.Mutable || tx.Inputs[0].Shared.InitialVersion != 1 || tx.Inputs[1].Owned == nil {
		t.Fatalf("inputs %+v", tx.Inputs)
	}
	if string(tx.Inputs[4].Pure) != string(id[:]) {
		t.Fatal("u256 blob ID input differs")
	}
	if len(tx.Commands) != 3 || tx.Commands[0].Function != "reserve_space" || tx.Commands[1].Function != "register_blob" || tx.Commands[2].Kind != cmdTransfer {
		t.Fatalf("commands %+v", tx.Commands)
	}
	if a := tx.Commands[1].Args[1]; a.Kind != argResult || a.Index != 0 {
		t.Fatalf("storage argument %v", a)
	}
	if tx.Payment[0].Digest != h.owned(u, suiCoinType)[0].Digest {
		t.Fatal("payment digest differs")
	}
}

func FuzzDecodeTxData(f *testing.F) {
	h := newHarness(f, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	f.Add(registerTx(h, u, nil, id, root, 1000, 1).bytes())
	f.Add(splitTx(h, u, 5).bytes())
	f.Add([]byte{0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if tx, err := decodeTxData(b); err == nil && tx == nil {
			t.Fatal("nil transaction without an error")
		}
	})
}

// Randomly mutated transactions decode or fail cleanly, and whatever
// decodes simulates without panicking.
func TestMutatedTransactions(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	seeds := [][]byte{registerTx(h, u, nil, id, root, 1000, 1).bytes(), splitTx(h, u, 5).bytes()}
	r := rand.New(rand.NewPCG(1, 2))
	decoded := 0
	for range 5000 {
		seed := seeds[r.IntN(len(seeds))]
		b := append([]byte(nil), seed...)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		if _, err := decodeTxData(b); err == nil {
			decoded++
			_, _ = h.c.Simulate(context.Background(), b)
		}
	}
	if decoded < 500 {
		t.Fatalf("only %d of 5000 mutations decoded", decoded)
	}
}

// A client can take its next references from the effects instead of
// re-reading objects.
func TestRefsFromEffects(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	r := splitTx(h, u, 5).mustExec()
	var wal ledger.Changed
	for _, ch := range r.Changed {
		if ch.Op == ledger.Mutated && ch.Type == "0x2::coin::Coin<"+h.c.WALType()+">" {
			wal = ch
		}
	}
	o := h.object(wal.ID)
	if o.Version != wal.Version || o.Digest != wal.Digest || r.GasObject.Digest != h.object(r.GasObject.ID).Digest {
		t.Fatalf("effects %+v, object %+v", wal, o)
	}
	// A failed transaction also moves its inputs on.
	p := h.newTx(u)
	p.tx.SplitCoins(p.obj(o), []transaction.Argument{p.tx.Pure(uint64(1))}) // unused result
	r, err := p.exec()
	if err != nil || r.Success {
		t.Fatalf("%+v, %v", r, err)
	}
	if n := h.object(wal.ID); n.Version != r.GasObject.Version || n.Version <= o.Version || n.Balance != o.Balance {
		t.Fatalf("WAL coin after a failure %+v", n)
	}
	for _, ch := range r.Changed {
		if ch.Op != ledger.Mutated || ch.Version != r.GasObject.Version {
			t.Fatalf("changed by a failed transaction: %+v", ch)
		}
	}
}
