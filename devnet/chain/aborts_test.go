package chain

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// reserveTx reserves size bytes for epochs and keeps the Storage.
func (h *harness) reserve(u *user, size uint64, epochs uint32) *ledger.Object {
	h.t.Helper()
	p := h.newTx(u)
	st := p.call("system", "reserve_space", p.system(true), p.tx.Pure(size), p.tx.Pure(epochs), p.wal())
	p.keep(st)
	return h.object(createdOfType(h.t, p.mustExec(), "::storage_resource::Storage").ID)
}

func (h *harness) advance(n int) {
	h.t.Helper()
	if _, err := h.c.AdvanceEpoch(n); err != nil {
		h.t.Fatal(err)
	}
}

// certifyTx builds certify_blob with msg, a signature over sigMsg and bitmap.
func (h *harness) certifyTx(u *user, bl *ledger.Object, msg, sig, bitmap []byte) *ptb {
	p := h.newTx(u)
	p.call("system", "certify_blob", p.system(false), p.obj(bl), p.tx.Pure(sig), p.tx.Pure(bitmap), p.tx.Pure(msg))
	return p
}

func (h *harness) certified(u *user, seed byte, epochs uint32, deletable bool) *ledger.Object {
	h.t.Helper()
	bl, id := h.register(u, seed, 1000, epochs, deletable)
	if r, err := h.certify(u, bl, id, deletable); err != nil || !r.Success {
		h.t.Fatalf("certify: %v %+v", err, r)
	}
	return h.object(bl.ID)
}

func registerTx(h *harness, u *user, st *ledger.Object, id, root [32]byte, size uint64, encoding uint8) *ptb {
	p := h.newTx(u)
	var stArg transaction.Argument
	sys, wal := p.system(true), p.wal()
	if st == nil {
		encLen, _ := encodedLength(size, testShards)
		stArg = p.call("system", "reserve_space", sys, p.tx.Pure(encLen), p.tx.Pure(uint32(2)), wal)
	} else {
		stArg = p.obj(st)
	}
	bl := p.call("system", "register_blob", sys, stArg, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(size), p.tx.Pure(encoding), p.tx.Pure(true), wal)
	p.keep(bl)
	return p
}

func msgFor(h *harness, bl *ledger.Object) []byte {
	b, _ := decodeBlob(bl.Contents)
	oid := ""
	if b.Deletable {
		oid = bl.ID
	}
	return certMsg(h.c.WalrusEpoch(), b.BlobID, oid)
}

func TestAborts(t *testing.T) {
	encLen, _ := encodedLength(1000, testShards)
	id, root := blobFor(1, 1000)
	cases := []struct {
		name   string
		wal    uint64 // WAL to fund (default testWAL)
		build  func(h *harness, u *user) *ptb
		module string
		code   uint64
		errSub string // for failures that are not Move aborts
	}{
		{name: "reserve 0 epochs", module: "system_state_inner", code: 2, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(uint64(1000)), p.tx.Pure(uint32(0)), p.wal()))
			return p
		}},
		{name: "reserve 54 epochs", module: "system_state_inner", code: 2, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(uint64(1000)), p.tx.Pure(uint32(54)), p.wal()))
			return p
		}},
		{name: "reserve 0 bytes", module: "system_state_inner", code: 11, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(uint64(0)), p.tx.Pure(uint32(1)), p.wal()))
			return p
		}},
		{name: "reserve above capacity", module: "system_state_inner", code: 1, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(uint64(1<<40+1)), p.tx.Pure(uint32(1)), p.wal()))
			return p
		}},
		{name: "reserve without enough WAL", wal: testStoragePrice*units(encLen)*3 - 1, module: "balance", code: 2, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(encLen), p.tx.Pure(uint32(3)), p.wal()))
			return p
		}},
		{name: "register without enough WAL for the write", wal: testStoragePrice*units(encLen)*2 + testWritePrice*units(encLen) - 1, module: "balance", code: 2, build: func(h *harness, u *user) *ptb {
			return registerTx(h, u, nil, id, root, 1000, 1)
		}},
		{name: "register with too small storage", module: "blob", code: 3, build: func(h *harness, u *user) *ptb {
			return registerTx(h, u, h.reserve(u, encLen-1, 2), id, root, 1000, 1)
		}},
		{name: "register with a wrong blob ID", module: "blob", code: 6, build: func(h *harness, u *user) *ptb {
			other, _ := blobFor(2, 1000)
			return registerTx(h, u, nil, other, root, 1000, 1)
		}},
		{name: "register with the size not in the blob ID", module: "blob", code: 6, build: func(h *harness, u *user) *ptb {
			return registerTx(h, u, nil, id, root, 999, 1)
		}},
		{name: "register encoding type 0", module: "encoding", code: 0, build: func(h *harness, u *user) *ptb {
			return registerTx(h, u, nil, id, root, 1000, 0)
		}},
		{name: "register with expired storage", module: "blob", code: 2, build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, encLen, 1)
			h.advance(1)
			return registerTx(h, u, st, id, root, 1000, 1)
		}},
		{name: "certify with last epoch's message", module: "messages", code: 1, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			h.advance(1)
			return h.certifyTx(u, h.object(bl.ID), msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify another blob ID", module: "blob", code: 6, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, false)
			other, _ := blobFor(9, 1000)
			msg := certMsg(1, other, "")
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify twice", module: "blob", code: 5, build: func(h *harness, u *user) *ptb {
			bl := h.certified(u, 1, 5, false)
			msg := msgFor(h, bl)
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify deletable with a permanent message", module: "blob", code: 9, build: func(h *harness, u *user) *ptb {
			bl, bid := h.register(u, 1, 1000, 5, true)
			msg := certMsg(1, bid, "")
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify permanent with a deletable message", module: "blob", code: 9, build: func(h *harness, u *user) *ptb {
			bl, bid := h.register(u, 1, 1000, 5, false)
			msg := certMsg(1, bid, bl.ID)
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify naming another object", module: "blob", code: 10, build: func(h *harness, u *user) *ptb {
			bl, bid := h.register(u, 1, 1000, 5, true)
			msg := certMsg(1, bid, h.c.SystemObject().ID)
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify with a long bitmap", module: "bls_aggregate", code: 0, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			return h.certifyTx(u, bl, msg, testSig(msg), []byte{15, 0})
		}},
		{name: "certify without quorum", module: "bls_aggregate", code: 2, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			return h.certifyTx(u, bl, msg, testSig(msg), []byte{0b0011}) // 6 of 10 shards: 3·6 < 2·10+1
		}},
		{name: "certify with a bad signature", module: "bls_aggregate", code: 1, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			return h.certifyTx(u, bl, msg, testSig([]byte("other")), fullBitmap(4))
		}},
		{name: "certify an expired blob", module: "blob", code: 2, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 1, true)
			h.advance(1)
			msg := msgFor(h, bl)
			return h.certifyTx(u, h.object(bl.ID), msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify an invalid-blob message", module: "messages", code: 2, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			msg[0] = 2
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify another app's message", module: "messages", code: 0, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			msg[2] = 1
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify a truncated message", module: "bcs", code: 0, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)[:20]
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify a short message with a bad intent version", module: "messages", code: 3, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := []byte{1, 1, 3, 0, 0}
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify with an unknown persistence type", module: "messages", code: 4, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			msg[39] = 2
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "certify with intent version 1", module: "messages", code: 3, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			msg := msgFor(h, bl)
			msg[1] = 1
			return h.certifyTx(u, bl, msg, testSig(msg), fullBitmap(4))
		}},
		{name: "extend an uncertified blob", module: "blob", code: 0, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, true)
			p := h.newTx(u)
			p.call("system", "extend_blob", p.system(true), p.obj(bl), p.tx.Pure(uint32(1)), p.wal())
			return p
		}},
		{name: "extend by 0 epochs", module: "system_state_inner", code: 2, build: func(h *harness, u *user) *ptb {
			bl := h.certified(u, 1, 5, true)
			p := h.newTx(u)
			p.call("system", "extend_blob", p.system(true), p.obj(bl), p.tx.Pure(uint32(0)), p.wal())
			return p
		}},
		{name: "extend past 53 epochs ahead", module: "system_state_inner", code: 2, build: func(h *harness, u *user) *ptb {
			bl := h.certified(u, 1, 5, true)
			p := h.newTx(u)
			p.call("system", "extend_blob", p.system(true), p.obj(bl), p.tx.Pure(uint32(49)), p.wal())
			return p
		}},
		{name: "extend an expired blob", module: "blob", code: 2, build: func(h *harness, u *user) *ptb {
			bl := h.certified(u, 1, 1, true)
			h.advance(1)
			p := h.newTx(u)
			p.call("system", "extend_blob", p.system(true), p.obj(h.object(bl.ID)), p.tx.Pure(uint32(1)), p.wal())
			return p
		}},
		{name: "delete a permanent blob", module: "blob", code: 1, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 5, false)
			p := h.newTx(u)
			p.keep(p.call("system", "delete_blob", p.system(false), p.obj(bl)))
			return p
		}},
		{name: "delete an expired blob", module: "blob", code: 2, build: func(h *harness, u *user) *ptb {
			bl, _ := h.register(u, 1, 1000, 1, true)
			h.advance(1)
			p := h.newTx(u)
			p.keep(p.call("system", "delete_blob", p.system(false), p.obj(h.object(bl.ID))))
			return p
		}},
		{name: "destroy_zero of a non-empty coin", module: "balance", code: 0, build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			walPkg, _ := transaction.ConvertSuiAddressStringToBytes(models.SuiAddress(strings.Split(h.c.WALType(), "::")[0]))
			tt := transaction.TypeTag{Struct: &transaction.StructTag{Address: *walPkg, Module: "wal", Name: "WAL"}}
			p.tx.MoveCall("0x2", "coin", "destroy_zero", []transaction.TypeTag{tt}, []transaction.Argument{p.wal()})
			return p
		}},
		{name: "unsupported function", errSub: "not supported by the devnet", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.call("system", "add_subsidy", p.system(true), p.wal(), p.tx.Pure(uint32(1)))
			return p
		}},
		{name: "unused Storage", errSub: "UnusedValueWithoutDrop { result_idx: 0, secondary_idx: 0 }", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.call("system", "reserve_space", p.system(true), p.tx.Pure(encLen), p.tx.Pure(uint32(1)), p.wal())
			return p
		}},
		{name: "WAL coin as Storage", errSub: "CommandArgumentError { arg_idx: 1, kind: TypeMismatch } in command 0", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			wal := p.wal()
			p.keep(p.call("system", "register_blob", p.system(true), wal, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(1000)), p.tx.Pure(uint8(1)), p.tx.Pure(true), wal))
			return p
		}},
		{name: "System taken immutably for reserve", errSub: "InvalidObjectByMutRef", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(false), p.tx.Pure(encLen), p.tx.Pure(uint32(1)), p.wal()))
			return p
		}},
		{name: "u32 epochs given as u64", errSub: "InvalidBCSBytes", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("system", "reserve_space", p.system(true), p.tx.Pure(encLen), p.tx.Pure(uint64(1)), p.wal()))
			return p
		}},
		{name: "split_by_size more than the Storage holds", module: "storage_resource", code: 2, build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, encLen, 2)
			p := h.newTx(u)
			p.keep(p.call("storage_resource", "split_by_size", p.obj(st), p.tx.Pure(encLen+1)))
			return p
		}},
		{name: "split_by_epoch at the start epoch", module: "storage_resource", code: 0, build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, encLen, 3)
			p := h.newTx(u)
			p.keep(p.call("storage_resource", "split_by_epoch", p.obj(st), p.tx.Pure(uint32(1))))
			return p
		}},
		{name: "split_by_epoch at the end epoch", module: "storage_resource", code: 0, build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, encLen, 3)
			p := h.newTx(u)
			p.keep(p.call("storage_resource", "split_by_epoch", p.obj(st), p.tx.Pure(uint32(4))))
			return p
		}},
		{name: "fuse_amount of different end epochs", module: "storage_resource", code: 1, build: func(h *harness, u *user) *ptb {
			a, b := h.reserve(u, encLen, 2), h.reserve(u, encLen, 3)
			p := h.newTx(u)
			p.call("storage_resource", "fuse_amount", p.obj(a), p.obj(b))
			return p
		}},
		{name: "fuse_periods of different sizes", module: "storage_resource", code: 2, build: func(h *harness, u *user) *ptb {
			a, b := h.reserve(u, encLen, 2), h.reserve(u, encLen+1, 2)
			p := h.newTx(u)
			p.call("storage_resource", "fuse_periods", p.obj(a), p.obj(b))
			return p
		}},
		{name: "fuse_periods of overlapping periods", module: "storage_resource", code: 1, build: func(h *harness, u *user) *ptb {
			a, b := h.reserve(u, encLen, 2), h.reserve(u, encLen, 3)
			p := h.newTx(u)
			p.call("storage_resource", "fuse_periods", p.obj(a), p.obj(b))
			return p
		}},
		{name: "fuse of different starts that do not meet", module: "storage_resource", code: 1, build: func(h *harness, u *user) *ptb {
			a := h.reserve(u, encLen, 5)
			h.advance(1)
			b := h.reserve(u, encLen, 2) // [2, 4) against [1, 6)
			p := h.newTx(u)
			p.call("storage_resource", "fuse", p.obj(h.object(a.ID)), p.obj(b))
			return p
		}},
		{name: "register with a split part smaller than the encoded blob", module: "blob", code: 3, build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, 2*encLen, 2)
			p := h.newTx(u)
			sys, wal, sa := p.system(true), p.wal(), p.obj(st)
			rest := p.call("storage_resource", "split_by_size", sa, p.tx.Pure(encLen-1))
			bl := p.call("system", "register_blob", sys, sa, p.tx.Pure(id), p.tx.Pure(root), p.tx.Pure(uint64(1000)), p.tx.Pure(uint8(1)), p.tx.Pure(true), wal)
			p.keep(bl, rest)
			return p
		}},
		{name: "fuse a Storage into itself", errSub: "CommandArgumentError { arg_idx: 1, kind: InvalidValueUsage } in command 0", build: func(h *harness, u *user) *ptb {
			st := h.reserve(u, encLen, 2)
			p := h.newTx(u)
			a := p.obj(st)
			p.call("storage_resource", "fuse_amount", a, a)
			return p
		}},
		{name: "split the WAL coin as a Storage", errSub: "CommandArgumentError { arg_idx: 0, kind: TypeMismatch } in command 0", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			p.keep(p.call("storage_resource", "split_by_size", p.wal(), p.tx.Pure(uint64(1))))
			return p
		}},
		{name: "split more than the coin holds", errSub: "InsufficientCoinBalance in command 0", build: func(h *harness, u *user) *ptb {
			p := h.newTx(u)
			s := p.tx.SplitCoins(p.wal(), []transaction.Argument{p.tx.Pure(uint64(testWAL + 1))})
			p.keep(transaction.Argument{NestedResult: &transaction.NestedResult{Index: *s.Result, ResultIndex: 0}})
			return p
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			u := newUser(1)
			wal := uint64(testWAL)
			if tc.wal != 0 {
				wal = tc.wal
			}
			h.fund(u, testSUI, wal)
			p := tc.build(h, u)
			before := h.snapshot(u)
			sysBefore := h.object(h.c.st.G.SystemField).Contents
			suiBefore := h.balance(u, "0x2::sui::SUI")
			r, err := p.exec()
			if err != nil {
				t.Fatal(err)
			}
			if r.Success {
				t.Fatal("transaction succeeded")
			}
			if tc.errSub != "" {
				if r.HasAbort || !strings.Contains(r.Error, tc.errSub) {
					t.Fatalf("error %q, want one containing %q", r.Error, tc.errSub)
				}
			} else if !r.HasAbort || r.AbortModule != tc.module || r.AbortCode != tc.code || !strings.Contains(r.Error, "MoveAbort(") {
				t.Fatalf("failure %q (abort %v %s %d), want %s code %d", r.Error, r.HasAbort, r.AbortModule, r.AbortCode, tc.module, tc.code)
			}
			// Nothing changed but gas (versions of the inputs move on).
			if after := h.snapshot(u); !equalSnap(before, after) {
				t.Fatalf("objects changed by a failed transaction:\n%v\n%v", before, after)
			}
			if !bytes.Equal(sysBefore, h.object(h.c.st.G.SystemField).Contents) {
				t.Fatal("system state changed by a failed transaction")
			}
			paid := suiBefore - h.balance(u, "0x2::sui::SUI")
			if paid == 0 || paid != r.Gas.Computation+r.Gas.Storage-r.Gas.Rebate || len(r.Events) != 0 {
				t.Fatalf("gas %+v, paid %d, events %d", r.Gas, paid, len(r.Events))
			}
		})
	}
}

// snapshot is the contents of the user's objects other than SUI coins.
func (h *harness) snapshot(u *user) map[string]string {
	m := map[string]string{}
	for _, o := range h.owned(u, "") {
		if o.Type != suiCoinType {
			m[o.ID] = o.Type + " " + string(o.Contents)
		}
	}
	return m
}

func equalSnap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestInsufficientGas(t *testing.T) {
	h := newHarness(t, nil)
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	id, root := blobFor(1, 1000)
	p := registerTx(h, u, nil, id, root, 1000, 1)
	p.tx.SetGasBudget(1_000_000) // the minimum: computation alone is more
	before := h.snapshot(u)
	suiBefore := h.balance(u, "0x2::sui::SUI")
	r, err := p.exec()
	if err != nil {
		t.Fatal(err)
	}
	if r.Success || r.Error != "InsufficientGas" || r.HasAbort {
		t.Fatalf("result %+v", r)
	}
	paid := suiBefore - h.balance(u, "0x2::sui::SUI")
	if paid == 0 || paid > 1_000_000 {
		t.Fatalf("charged %d for a budget of 1000000", paid)
	}
	if !equalSnap(before, h.snapshot(u)) {
		t.Fatal("objects changed")
	}
	_ = context.Background
}
