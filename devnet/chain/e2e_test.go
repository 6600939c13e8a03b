package chain

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc"
	"github.com/walrusfs/walrusfs/sui"
	"google.golang.org/grpc"
)

// serveRPC serves the chain with devnet/suirpc on 127.0.0.1 and dials it
// with package sui.
func serveRPC(t *testing.T, c *Chain) *sui.Client {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	suirpc.Register(s, c)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	cl, err := sui.Dial(sui.Network{Name: "devnet", SystemObject: c.SystemObject().ID, StakingObject: c.StakingObject().ID, TypeOrigin: c.PackageID()}, "http://"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// The client side of walrusfs (package sui over the gRPC server) reads the
// devnet's state and committee and drives register and certify.
func TestThroughSuiRPC(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CheckpointDelay = 100 * time.Millisecond; o.Clock = nil })
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	cl := serveRPC(t, h.c)
	ctx := context.Background()

	st, err := cl.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 1 || st.NShards != testShards || st.Prices.StoragePerUnit != testStoragePrice || st.Prices.WritePerUnit != testWritePrice ||
		st.PackageID != h.c.PackageID() || st.EpochDuration != time.Hour {
		t.Fatalf("ReadState = %+v", st)
	}
	cm, err := cl.Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	members := h.c.Committee()
	if cm.Epoch != 1 || cm.NShards != testShards || len(cm.Members) != len(members) {
		t.Fatalf("Committee = %+v", cm)
	}
	for i, m := range cm.Members {
		want, _ := uncompressedG1(members[i].PublicKey)
		if m.NodeID != h.c.NodeIDs()[i] || m.Name != members[i].Name || m.NetworkAddress != members[i].NetworkAddress ||
			string(m.PublicKey) != string(want) || string(m.NetworkPublicKey) != string(members[i].NetworkPublicKey) ||
			len(m.Shards) != len(members[i].Shards) {
			t.Fatalf("member %d = %+v", i, m)
		}
	}
	rgp, err := cl.ReferenceGasPrice(ctx)
	if err != nil || rgp != 1000 {
		t.Fatalf("reference gas price %d, %v", rgp, err)
	}

	// Simulate with an empty payment, budget from the effects, execute.
	id, root := blobFor(1, 1000)
	p := registerTx(h, u, nil, id, root, 1000, 1)
	p.tx.SetGasPayment([]transaction.SuiObjectRef{})
	p.tx.SetGasBudget(50_000_000_000)
	sim, err := cl.Simulate(ctx, p.bytes())
	if err != nil || !sim.Success {
		t.Fatalf("Simulate = %+v, %v", sim, err)
	}
	p = registerTx(h, u, nil, id, root, 1000, 1)
	p.tx.SetGasBudget(sui.GasBudget(sim, rgp))
	b := p.bytes()
	eff, err := cl.Execute(ctx, b, [][]byte{u.sign(b)})
	if err != nil || !eff.Success || eff.Checkpoint == 0 || len(eff.Events) != 1 {
		t.Fatalf("Execute = %+v, %v", eff, err)
	}
	var blobObj string
	for _, c := range eff.Created {
		if c.Type == h.c.PackageID()+"::blob::Blob" {
			blobObj = c.ID
		}
	}
	bl, err := cl.Blob(ctx, blobObj)
	if err != nil || [32]byte(bl.BlobID) != id || bl.EndEpoch != 3 || bl.Certified {
		t.Fatalf("Blob = %+v, %v", bl, err)
	}

	// Certify; an abort comes back as effects with the Move location.
	msg := certMsg(1, id, blobObj)
	for _, c := range []struct {
		sig  []byte
		code uint64
	}{{testSig([]byte("x")), 1}, {testSig(msg), 0}} {
		p = h.certifyTx(u, h.object(blobObj), msg, c.sig, fullBitmap(4))
		b = p.bytes()
		eff, err = cl.Execute(ctx, b, [][]byte{u.sign(b)})
		if err != nil {
			t.Fatal(err)
		}
		if c.code != 0 && (eff.Success || !eff.HasAbort || eff.AbortModule != "bls_aggregate" || eff.AbortCode != c.code) {
			t.Fatalf("certify with a bad signature: %+v", eff)
		}
		if c.code == 0 && !eff.Success {
			t.Fatalf("certify: %+v", eff)
		}
	}
	if bl, err = cl.Blob(ctx, blobObj); err != nil || !bl.Certified || bl.CertifiedEpoch != 1 {
		t.Fatalf("Blob after certify = %+v, %v", bl, err)
	}
	// A refused transaction is an error.
	if _, err = cl.Execute(ctx, b, [][]byte{newUser(9).sign(b)}); err == nil {
		t.Fatal("a transaction signed by another key was executed")
	}
}

type testSigner struct{ u *user }

func (s testSigner) Address() string                          { return s.u.addr }
func (s testSigner) SignTransaction(b []byte) ([]byte, error) { return s.u.sign(b), nil }

// package sui's Sender (dry run, budget, gas selection, refs from the
// effects) sends transactions one after another.
func TestSenderThroughSuiRPC(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CheckpointDelay = 20 * time.Millisecond; o.Clock = nil })
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	h.fund(u, testSUI, 0)
	cl := serveRPC(t, h.c)
	s := sui.NewSender(cl, testSigner{u})
	ctx := context.Background()
	for i := range 4 {
		id, root := blobFor(byte(i), 1000)
		build := func(gas []sui.ObjectRef, price, budget uint64) ([]byte, error) {
			p := registerTx(h, u, nil, id, root, 1000, 1)
			var pay []transaction.SuiObjectRef
			for _, g := range gas {
				pay = append(pay, sdkRef(t, &ledger.Object{ID: g.ID, Version: g.Version, Digest: g.Digest}))
			}
			p.tx.SetGasPayment(pay)
			p.tx.SetGasPrice(price)
			p.tx.SetGasBudget(budget)
			return p.bytes(), nil
		}
		e, err := s.Send(ctx, build, nil)
		if err != nil || !e.Success || e.Checkpoint == 0 {
			t.Fatalf("send %d: %+v, %v", i, e, err)
		}
	}
	blobs, err := cl.OwnedBlobs(ctx, u.addr)
	if err != nil || len(blobs) != 4 {
		t.Fatalf("OwnedBlobs = %d, %v", len(blobs), err)
	}
	// A transaction whose dry run aborts is not submitted.
	id, root := blobFor(1, 1000)
	_, err = s.Send(ctx, func(gas []sui.ObjectRef, price, budget uint64) ([]byte, error) {
		p := registerTx(h, u, nil, id, root, 999, 1)
		p.tx.SetGasPayment([]transaction.SuiObjectRef{})
		p.tx.SetGasPrice(price)
		p.tx.SetGasBudget(budget)
		return p.bytes(), nil
	}, nil)
	if err == nil {
		t.Fatal("an aborting transaction was sent")
	}
}
