package chain

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// splitTx splits amount off the first WAL coin and keeps it.
func splitTx(h *harness, u *user, amount uint64) *ptb {
	p := h.newTx(u)
	s := p.tx.SplitCoins(p.wal(), []transaction.Argument{p.tx.Pure(amount)})
	p.keep(transaction.Argument{NestedResult: &transaction.NestedResult{Index: *s.Result, ResultIndex: 0}})
	return p
}

func TestRefused(t *testing.T) {
	other := newUser(2)
	cases := []struct {
		name  string
		build func(h *harness, u *user) (txData []byte, sigs [][]byte)
		want  string
	}{
		{"wrong signer", func(h *harness, u *user) ([]byte, [][]byte) {
			b := splitTx(h, u, 5).bytes()
			return b, [][]byte{other.sign(b)}
		}, "not by the sender"},
		{"bad signature", func(h *harness, u *user) ([]byte, [][]byte) {
			b := splitTx(h, u, 5).bytes()
			sig := u.sign(b)
			sig[5] ^= 1
			return b, [][]byte{sig}
		}, "invalid signature: ed25519 signature does not verify"},
		{"no signature", func(h *harness, u *user) ([]byte, [][]byte) {
			return splitTx(h, u, 5).bytes(), nil
		}, "0 signatures"},
		{"gas price below reference", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			p.tx.SetGasPrice(999)
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "below the reference gas price 1000"},
		{"budget below minimum", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			p.tx.SetGasBudget(999_999)
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "below the minimum"},
		{"budget above the gas coins", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			p.tx.SetGasBudget(testSUI + 1)
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "less than the gas budget"},
		{"no gas payment", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			p.tx.SetGasPayment([]transaction.SuiObjectRef{})
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "no gas payment"},
		{"another owner's coin", func(h *harness, u *user) ([]byte, [][]byte) {
			h.fund(other, 0, 77)
			p := h.newTx(u)
			p.keep(p.obj(h.owned(other, "0x2::coin::Coin<"+h.c.WALType()+">")[0]))
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "not by the sender"},
		{"WAL coin as gas", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			p.tx.SetGasPayment([]transaction.SuiObjectRef{sdkRef(t, h.owned(u, "0x2::coin::Coin<"+h.c.WALType()+">")[0])})
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "not a Coin<SUI>"},
		{"wrong digest", func(h *harness, u *user) ([]byte, [][]byte) {
			o := *h.owned(u, "0x2::coin::Coin<"+h.c.WALType()+">")[0]
			o.Digest = base58(repeat(7))
			p := h.newTx(u)
			p.keep(p.obj(&o))
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "has digest"},
		{"future version", func(h *harness, u *user) ([]byte, [][]byte) {
			o := *h.owned(u, "0x2::coin::Coin<"+h.c.WALType()+">")[0]
			o.Version++
			p := h.newTx(u)
			p.keep(p.obj(&o))
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "is stale: the current version is 1"},
		{"stale version after the locks expired", func(h *harness, u *user) ([]byte, [][]byte) {
			old := h.owned(u, "0x2::coin::Coin<"+h.c.WALType()+">")[0]
			splitTx(h, u, 5).mustExec()
			h.advance(1)
			p := h.newTx(u)
			p.keep(p.obj(old))
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "version 1 is stale: the current version is 2"},
		{"shared object with a wrong initial version", func(h *harness, u *user) ([]byte, [][]byte) {
			p := h.newTx(u)
			id, _ := transaction.ConvertSuiAddressStringToBytes(models.SuiAddress(h.c.SystemObject().ID))
			sys := p.tx.Object(transaction.CallArg{Object: &transaction.ObjectArg{SharedObject: &transaction.SharedObjectRef{ObjectId: *id, InitialSharedVersion: 2, Mutable: true}}})
			p.keep(p.call("system", "reserve_space", sys, p.tx.Pure(uint64(1)), p.tx.Pure(uint32(1)), p.wal()))
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "was shared at version 1, not 2"},
		{"truncated transaction", func(h *harness, u *user) ([]byte, [][]byte) {
			b := splitTx(h, u, 5).bytes()
			b = b[:len(b)-3]
			return b, [][]byte{u.sign(b)}
		}, "BCS value ends early"},
		{"trailing bytes", func(h *harness, u *user) ([]byte, [][]byte) {
			b := append(splitTx(h, u, 5).bytes(), 0)
			return b, [][]byte{u.sign(b)}
		}, "1 trailing bytes"},
		{"system transaction kind", func(h *harness, u *user) ([]byte, [][]byte) {
			b := []byte{0, 3}
			return b, [][]byte{u.sign(b)}
		}, "only ProgrammableTransaction"},
		{"Publish", func(h *harness, u *user) ([]byte, [][]byte) {
			b := []byte{0, 0, 0, 1, 4}
			return b, [][]byte{u.sign(b)}
		}, "Publish is not supported by the devnet"},
		{"expired", func(h *harness, u *user) ([]byte, [][]byte) {
			p := splitTx(h, u, 5)
			e := uint64(0)
			p.tx.SetExpiration(transaction.TransactionExpiration{Epoch: &e})
			b := p.bytes()
			return b, [][]byte{u.sign(b)}
		}, "transaction expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			u := newUser(1)
			h.fund(u, testSUI, testWAL)
			b, sigs := tc.build(h, u)
			before := h.snapshot(u)
			suiBefore := h.balance(u, "0x2::sui::SUI")
			r, err := h.c.Execute(context.Background(), b, sigs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Execute = %+v, %v; want an error containing %q", r, err, tc.want)
			}
			if !equalSnap(before, h.snapshot(u)) || suiBefore != h.balance(u, "0x2::sui::SUI") {
				t.Fatal("a refused transaction changed state")
			}
		})
	}
}

func TestEquivocation(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	a, b := splitTx(h, u, 5), splitTx(h, u, 6) // same gas and WAL coin versions
	ra := a.mustExec()
	// Re-submitting the same transaction returns the same result.
	again, err := a.exec()
	if err != nil || again.Digest != ra.Digest || again.GasObject != ra.GasObject {
		t.Fatalf("resubmission: %+v, %v", again, err)
	}
	ab := a.bytes()
	if _, err := h.c.Execute(context.Background(), ab, [][]byte{newUser(9).sign(ab)}); err == nil || !strings.Contains(err.Error(), "not by the sender") {
		t.Fatalf("resubmission signed by another key: %v", err)
	}
	if n := len(h.owned(u, "0x2::coin::Coin<"+h.c.WALType()+">")); n != 2 {
		t.Fatalf("%d WAL coins after one split executed twice", n)
	}
	_, err = b.exec()
	if err == nil || !strings.Contains(err.Error(), "is locked by transaction "+ra.Digest) {
		t.Fatalf("second transaction on the same versions: %v", err)
	}
}

func TestCheckpointDelay(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CheckpointDelay = 2 * time.Second })
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	r := splitTx(h, u, 5).mustExec()
	r2 := splitTx(h, u, 6).mustExec()
	ctx := context.Background()
	if r.Checkpoint != 0 {
		t.Fatalf("checkpoint %d right after execution", r.Checkpoint)
	}
	if got, err := h.c.Transaction(ctx, r.Digest); err != nil || got.Checkpoint != 0 || !got.Success {
		t.Fatalf("Transaction = %+v, %v", got, err)
	}
	h.clk.Add(2 * time.Second)
	got, err := h.c.Transaction(ctx, r.Digest)
	if err != nil || got.Checkpoint != 1 {
		t.Fatalf("after the delay: %+v, %v", got, err)
	}
	if got, _ = h.c.Transaction(ctx, r2.Digest); got.Checkpoint != 2 {
		t.Fatalf("second transaction in checkpoint %d", got.Checkpoint)
	}
	if _, err := h.c.Transaction(ctx, "nope"); !errorsIs(err, ledger.ErrNotFound) {
		t.Fatalf("unknown digest: %v", err)
	}
}

func TestSimulate(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	p := registerTx(h, u, nil, id, root, 1000, 1)
	p.tx.SetGasPayment([]transaction.SuiObjectRef{})
	before := h.snapshot(u)
	suiBefore := h.balance(u, "0x2::sui::SUI")
	sysBefore := h.object(h.c.SystemObject().ID)
	r, err := h.c.Simulate(context.Background(), p.bytes())
	if err != nil || !r.Success || r.Gas.Computation == 0 || len(r.Events) != 1 {
		t.Fatalf("Simulate = %+v, %v", r, err)
	}
	if !equalSnap(before, h.snapshot(u)) || suiBefore != h.balance(u, "0x2::sui::SUI") || h.object(h.c.SystemObject().ID).Version != sysBefore.Version {
		t.Fatal("Simulate changed state")
	}
	if _, err := h.c.Transaction(context.Background(), r.Digest); err == nil {
		t.Fatal("a simulated transaction was recorded")
	}
	// A failing simulation reports the abort.
	bad := registerTx(h, u, nil, id, root, 999, 1)
	if r, err = h.c.Simulate(context.Background(), bad.bytes()); err != nil || r.Success || r.AbortModule != "blob" || r.AbortCode != 6 {
		t.Fatalf("failing Simulate = %+v, %v", r, err)
	}
	// The same bytes then execute with the same outcome.
	q := registerTx(h, u, nil, id, root, 1000, 1)
	if r = q.mustExec(); len(r.Events) != 1 {
		t.Fatalf("execute after simulate: %+v", r)
	}
}

func TestRestart(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, id := h.register(u, 3, 5000, 4, true)
	r := splitTx(h, u, 5).mustExec()
	h.advance(2)
	before := h.snapshot(u)
	h.reopen()
	if h.c.WalrusEpoch() != 3 || !equalSnap(before, h.snapshot(u)) {
		t.Fatalf("after reopen: epoch %d", h.c.WalrusEpoch())
	}
	if got, err := h.c.Transaction(context.Background(), r.Digest); err != nil || got.Digest != r.Digest {
		t.Fatalf("transaction after reopen: %v", err)
	}
	if reg, _ := h.c.Registered(context.Background(), id); len(reg) != 1 || reg[0].ObjectID != bl.ID {
		t.Fatalf("registry after reopen: %+v", reg)
	}
	// The reopened chain executes on: certify in epoch 3.
	if r, err := h.certify(u, h.object(bl.ID), id, true); err != nil || !r.Success {
		t.Fatalf("certify after reopen: %v %+v", err, r)
	}
	if _, err := New(h.dir, h.opts); err == nil {
		t.Fatal("New over an existing chain succeeded")
	}
}

func TestAdvanceEpoch(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, id := h.register(u, 3, 5000, 2, true)
	encLen, _ := encodedLength(5000, testShards)
	sysV := h.object(h.c.SystemObject().ID).Version
	if e, err := h.c.AdvanceEpoch(1); err != nil || e != 2 {
		t.Fatalf("AdvanceEpoch = %d, %v", e, err)
	}
	if h.object(h.c.SystemObject().ID).Version <= sysV {
		t.Fatal("System version did not move")
	}
	s, err := parseSystemInnerFull(h.object(h.c.st.G.SystemField).Contents)
	if err != nil || s.epoch != 2 || s.used != encLen || s.ringUsed[0] != encLen || s.ringUsed[1] != 0 || len(s.ringUsed) != 53 {
		t.Fatalf("system inner after advance %+v, %v", s, err)
	}
	_, _, _, _, epoch, _, err := parseStakingInnerFull(h.object(h.c.st.G.StakingField).Contents)
	if err != nil || epoch != 2 {
		t.Fatalf("staking epoch %d, %v", epoch, err)
	}
	if reg, _ := h.c.Registered(context.Background(), id); len(reg) != 1 {
		t.Fatalf("registered before expiry: %+v", reg)
	}
	h.advance(1)
	if reg, _ := h.c.Registered(context.Background(), id); len(reg) != 0 {
		t.Fatalf("registered after expiry: %+v", reg)
	}
	if s, _ = parseSystemInnerFull(h.object(h.c.st.G.SystemField).Contents); s.used != 0 {
		t.Fatalf("used capacity %d after the storage expired", s.used)
	}
	if _, err := h.c.AdvanceEpoch(0); err == nil {
		t.Fatal("AdvanceEpoch(0) succeeded")
	}
	_ = bl
	if e, _ := h.c.Epoch(context.Background()); e.Epoch != 3 || e.ReferenceGasPrice != 1000 {
		t.Fatalf("Sui epoch %+v", e)
	}
}
