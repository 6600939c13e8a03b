package suirpc_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/common/grpcconn"
	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc"
	"github.com/walrusfs/walrusfs/devnet/suirpc/suirpctest"
	"golang.org/x/crypto/blake2b"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

const (
	alice   = "0x00000000000000000000000000000000000000000000000000000000000000a1"
	wal     = "0x0000000000000000000000000000000000000000000000000000000000000fee::wal::WAL"
	suiCoin = "0x2::coin::Coin<0x2::sui::SUI>"
	pkg     = "0x00000000000000000000000000000000000000000000000000000000000000aa"
)

var ctx = context.Background()

// fixture: five SUI coins and a WAL coin of alice, a shared object with
// two dynamic fields (one a dynamic object field), address balance.
func fixture() *suirpctest.Ledger {
	l := suirpctest.New(ledger.Epoch{Epoch: 12, ReferenceGasPrice: 750})
	for i := range 5 {
		l.Put(ledger.Object{ID: suirpctest.OID(0x10 + i), Version: uint64(3 + i), Digest: suirpctest.Digest(0x10 + i), Type: suiCoin,
			Owner: ledger.Owner{Address: alice}, Balance: uint64(1000 * (i + 1)), Contents: make([]byte, 40)})
	}
	l.Put(ledger.Object{ID: suirpctest.OID(0x20), Version: 4, Digest: suirpctest.Digest(0x20), Type: "0x2::coin::Coin<" + wal + ">",
		Owner: ledger.Owner{Address: alice}, Balance: 77, Contents: make([]byte, 40)})
	l.Put(ledger.Object{ID: suirpctest.OID(0x30), Version: 9, Digest: suirpctest.Digest(0x30), Type: pkg + "::system::System",
		Owner: ledger.Owner{Shared: true, InitialSharedVersion: 2}, Contents: []byte("system-contents")})
	field := append(append(idBytes(suirpctest.OID(0x31)), 7, 0, 0, 0, 0, 0, 0, 0), []byte("inner")...)
	l.Put(ledger.Object{ID: suirpctest.OID(0x31), Version: 9, Digest: suirpctest.Digest(0x31), Type: "0x2::dynamic_field::Field<u64, vector<u8>>",
		Owner: ledger.Owner{Address: suirpctest.OID(0x30)}, Contents: field})
	l.AddField(suirpctest.OID(0x30), ledger.Field{NameType: "u64", NameBCS: []byte{7, 0, 0, 0, 0, 0, 0, 0}, FieldID: suirpctest.OID(0x31), ValueType: "vector<u8>"})
	ofield := append(append(idBytes(suirpctest.OID(0x32)), idBytes(suirpctest.OID(0x41))...), idBytes(suirpctest.OID(0x42))...)
	l.Put(ledger.Object{ID: suirpctest.OID(0x32), Version: 9, Digest: suirpctest.Digest(0x32), Type: "0x2::dynamic_field::Field<0x2::dynamic_object_field::Wrapper<0x2::object::ID>, 0x2::object::ID>",
		Owner: ledger.Owner{Address: suirpctest.OID(0x30)}, Contents: ofield})
	l.AddField(suirpctest.OID(0x30), ledger.Field{NameType: "0x2::dynamic_object_field::Wrapper<0x2::object::ID>", NameBCS: idBytes(suirpctest.OID(0x41)), FieldID: suirpctest.OID(0x32), ValueType: "0x2::object::ID"})
	l.SetAddressBalance(alice, "0x2::sui::SUI", 5)
	return l
}

func idBytes(id string) []byte {
	var b []byte
	fmt.Sscanf(strings.TrimPrefix(id, "0x"), "%x", &b)
	return b
}

func sdk(t *testing.T, url string) (suiv2.Client, *grpcconn.SuiGrpcClient) {
	gc := grpcconn.NewSuiGrpcClient(strings.TrimPrefix(url, "http://"))
	t.Cleanup(func() { gc.Close() })
	c, err := suiv2.NewClient(suiv2.ClientOptions{GrpcClient: gc})
	if err != nil {
		t.Fatal(err)
	}
	return c, gc
}

// TestSDKReads: what the SDK's own gRPC client makes of the answers.
func TestSDKReads(t *testing.T) {
	l := fixture()
	c, _ := sdk(t, suirpctest.Serve(t, l))

	objs, err := c.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: []string{suirpctest.OID(0x30), suirpctest.OID(0x99)}, Include: suiv2.ObjectInclude{Content: true}})
	if err != nil {
		t.Fatal(err)
	}
	o := objs.Objects[0].Object
	if o == nil || string(o.Content) != "system-contents" || o.Version != "9" || o.Digest != suirpctest.Digest(0x30) ||
		o.Owner.Kind != suiv2.ObjectOwnerKindShared || o.Owner.Shared.InitialSharedVersion != "2" || o.Type != pkg+"::system::System" {
		t.Fatalf("shared object: %+v", o)
	}
	if e := objs.Objects[1].Error; e == nil || !strings.Contains(*e, "NotFound") || !strings.Contains(*e, suirpctest.OID(0x99)) {
		t.Fatalf("missing object: %+v", objs.Objects[1])
	}

	// ListCoins with 2 per page: 3 pages, every coin once, balances.
	var got []string
	var cursor *string
	pages := 0
	for limit := uint32(2); ; pages++ {
		resp, err := c.ListCoins(ctx, suiv2.ListCoinsOptions{Owner: alice, Limit: &limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, co := range resp.Objects {
			got = append(got, co.ObjectId+"/"+co.Version+"/"+co.Balance)
		}
		if !resp.HasNextPage {
			break
		}
		cursor = resp.Cursor
	}
	want := fmt.Sprintf("%s/3/1000 %s/4/2000 %s/5/3000 %s/6/4000 %s/7/5000", suirpctest.OID(0x10), suirpctest.OID(0x11), suirpctest.OID(0x12), suirpctest.OID(0x13), suirpctest.OID(0x14))
	if strings.Join(got, " ") != want || pages != 2 {
		t.Fatalf("coins in %d pages:\n got %v\nwant %v", pages+1, got, want)
	}
	walType := wal
	walCoins, err := c.ListCoins(ctx, suiv2.ListCoinsOptions{Owner: alice, CoinType: &walType})
	if err != nil || len(walCoins.Objects) != 1 || walCoins.Objects[0].Balance != "77" {
		t.Fatalf("WAL coins: %+v, %v", walCoins, err)
	}
	anyCoin := "0x2::coin::Coin"
	owned, err := c.ListOwnedObjects(ctx, suiv2.ListOwnedObjectsOptions{Owner: alice, Type: &anyCoin})
	if err != nil || len(owned.Objects) != 6 || owned.HasNextPage {
		t.Fatalf("owned coins of any type: %d, %v", len(owned.Objects), err)
	}

	bal, err := c.GetBalance(ctx, suiv2.GetBalanceOptions{Owner: alice})
	if err != nil || bal.Balance.Balance_ != "15005" {
		t.Fatalf("balance: %+v, %v", bal, err)
	}
	bals, err := c.ListBalances(ctx, suiv2.ListBalancesOptions{Owner: alice})
	if err != nil || len(bals.Balances) != 2 || bals.Balances[1].CoinType != "0x2::sui::SUI" || bals.Balances[0].Balance_ != "77" {
		t.Fatalf("balances: %+v, %v", bals, err)
	}
	rgp, err := c.GetReferenceGasPrice(ctx)
	if err != nil || rgp.ReferenceGasPrice != "750" {
		t.Fatalf("reference gas price: %+v, %v", rgp, err)
	}
	chain, err := c.GetChainIdentifier(ctx)
	if err != nil || chain.ChainIdentifier != suirpc.ChainID {
		t.Fatalf("chain: %+v, %v", chain, err)
	}

	df, err := c.ListDynamicFields(ctx, suiv2.ListDynamicFieldsOptions{ParentId: suirpctest.OID(0x30)})
	if err != nil || len(df.DynamicFields) != 2 {
		t.Fatalf("dynamic fields: %+v, %v", df, err)
	}
	f0, f1 := df.DynamicFields[0], df.DynamicFields[1]
	if f0.FieldId != suirpctest.OID(0x31) || f0.Kind != suiv2.DynamicFieldKindDynamicField || f0.ChildId != nil || f0.Name.BCS[0] != 7 || f0.ValueType != "vector<u8>" {
		t.Fatalf("dynamic field: %+v", f0)
	}
	if f1.Kind != suiv2.DynamicFieldKindDynamicObject || f1.ChildId == nil || *f1.ChildId != suirpctest.OID(0x42) {
		t.Fatalf("dynamic object field: %+v", f1)
	}
}

// TestReadMasks: defaults and paths as the node documents them.
func TestReadMasks(t *testing.T) {
	_, gc := sdk(t, suirpctest.Serve(t, fixture()))
	ls, err := gc.LedgerService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := suirpctest.OID(0x10)
	resp, err := ls.GetObject(ctx, &v2proto.GetObjectRequest{ObjectId: &id})
	if err != nil {
		t.Fatal(err)
	}
	o := resp.Object
	if o.GetObjectId() != id || o.GetVersion() != 3 || o.GetDigest() == "" || o.Owner != nil || o.Contents != nil || o.ObjectType != nil || o.Balance != nil {
		t.Fatalf("default mask object_id,version,digest: %v", o)
	}
	resp, err = ls.GetObject(ctx, &v2proto.GetObjectRequest{ObjectId: &id, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"owner.kind", "balance"}}})
	if err != nil || resp.Object.GetBalance() != 1000 || resp.Object.GetOwner().GetKind() != v2proto.Owner_ADDRESS || resp.Object.GetOwner().Address != nil || resp.Object.ObjectId != nil {
		t.Fatalf("mask owner.kind,balance: %v, %v", resp.GetObject(), err)
	}
	for _, bad := range []string{"nope", "owner.nope", "version.x"} {
		_, err = ls.GetObject(ctx, &v2proto.GetObjectRequest{ObjectId: &id, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{bad}}})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), bad) {
			t.Errorf("mask %q: %v", bad, err)
		}
	}
	v := uint64(2)
	if _, err := ls.GetObject(ctx, &v2proto.GetObjectRequest{ObjectId: &id, Version: &v}); status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "latest is 3") {
		t.Fatalf("old version: %v", err)
	}
	e := uint64(11)
	if _, err := ls.GetEpoch(ctx, &v2proto.GetEpochRequest{Epoch: &e}); status.Code(err) != codes.NotFound {
		t.Fatalf("past epoch: %v", err)
	}
	ep, err := ls.GetEpoch(ctx, &v2proto.GetEpochRequest{})
	if err != nil || ep.Epoch.GetEpoch() != 12 || ep.Epoch.ReferenceGasPrice != nil {
		t.Fatalf("default epoch mask: %v, %v", ep, err)
	}
	ss, err := gc.StateService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owner := alice
	if _, err := ss.ListOwnedObjects(ctx, &v2proto.ListOwnedObjectsRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("no owner: %v", err)
	}
	lo, err := ss.ListOwnedObjects(ctx, &v2proto.ListOwnedObjectsRequest{Owner: &owner, PageSize: proto.Uint32(4)})
	if err != nil || len(lo.Objects) != 4 || lo.Objects[0].GetObjectType() != suiCoin || lo.Objects[0].Digest != nil || len(lo.NextPageToken) == 0 {
		t.Fatalf("list default mask object_id,version,object_type: %v, %v", lo, err)
	}
	lo, err = ss.ListOwnedObjects(ctx, &v2proto.ListOwnedObjectsRequest{Owner: &owner, PageToken: lo.NextPageToken})
	if err != nil || len(lo.Objects) != 2 || lo.NextPageToken != nil || lo.Objects[1].GetObjectId() != suirpctest.OID(0x20) {
		t.Fatalf("second page: %v, %v", lo, err)
	}
	b, err := ss.GetBalance(ctx, &v2proto.GetBalanceRequest{Owner: &owner, CoinType: proto.String("0x2::sui::SUI")})
	if err != nil || b.Balance.GetBalance() != 15005 || len(b.Balance.ProtoReflect().GetUnknown()) == 0 {
		t.Fatalf("balance with address balance: %v, %v", b, err)
	}
}

// signer is an ed25519 key signing as Sui does.
type signer struct{ key ed25519.PrivateKey }

func newSigner(seed byte) signer {
	s := make([]byte, 32)
	s[0] = seed
	return signer{ed25519.NewKeyFromSeed(s)}
}

func (s signer) sign(tx []byte) []byte {
	msg := blake2b.Sum256(append([]byte{0, 0, 0}, tx...))
	return append(append([]byte{0}, ed25519.Sign(s.key, msg[:])...), s.key.Public().(ed25519.PublicKey)...)
}

func (s signer) b64(tx []byte) string { return base64.StdEncoding.EncodeToString(s.sign(tx)) }

const abortDesc = `MoveAbort(MoveLocation { module: ModuleId { address: 00000000000000000000000000000000000000000000000000000000000000aa, name: Identifier("system") }, function: 3, instruction: 0, function_name: Some("reserve_space") }, 2) in command 1`

// exec: "abort" aborts in system::reserve_space with code 2, "gas"
// fails with InsufficientGas, "refuse" is refused; anything else creates
// an object and emits an event.
func exec(l *suirpctest.Ledger) suirpctest.Exec {
	return func(tx []byte, dryRun bool) (*ledger.Result, error) {
		gas := ledger.Changed{ID: suirpctest.OID(0x10), Op: ledger.Mutated, Version: 20, Digest: suirpctest.Digest(0x1010), Type: suiCoin, Owner: ledger.Owner{Address: alice}}
		r := &ledger.Result{Success: true, Gas: ledger.GasCost{Computation: 1000, Storage: 2000, Rebate: 500, NonRefundableStorageFee: 5}, GasObject: gas}
		switch string(tx) {
		case "refuse":
			return nil, errors.New("object 0x10 is locked by another transaction")
		case "abort":
			r.Success, r.Error, r.HasAbort, r.AbortCode, r.AbortModule = false, abortDesc, true, 2, "system"
		case "gas":
			r.Success, r.Error = false, "InsufficientGas"
		default:
			r.Changed = []ledger.Changed{
				{ID: suirpctest.OID(0x50), Op: ledger.Created, Version: 20, Digest: suirpctest.Digest(0x50), Type: pkg + "::blob::Blob", Owner: ledger.Owner{Address: alice}},
				{ID: suirpctest.OID(0x11), Op: ledger.Deleted, Version: 20, Type: suiCoin, Owner: ledger.Owner{Address: alice}},
			}
			r.Events = []ledger.Event{{Type: pkg + "::events::BlobRegistered", BCS: []byte{1, 2, 3}}}
		}
		return r, nil
	}
}

// TestSDKTransactions: execute, simulate and read back through the SDK.
func TestSDKTransactions(t *testing.T) {
	l := fixture()
	l.Exec = exec(l)
	l.CheckpointAfter = 1
	c, gc := sdk(t, suirpctest.Serve(t, l))
	key := newSigner(1)
	all := suiv2.TransactionInclude{Effects: true, Events: true, ObjectTypes: true, Bcs: true}

	tx := []byte("register")
	res, err := c.ExecuteTransaction(ctx, suiv2.ExecuteTransactionOptions{Transaction: tx, Signatures: []string{key.b64(tx)}, Include: all})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Transaction
	if r.Digest != suirpctest.TxDigest(tx) || !r.Status.Success || r.Checkpoint != 0 || r.Epoch != 12 || string(r.BCS) != "register" || len(r.Signatures) != 1 {
		t.Fatalf("executed: %+v", r)
	}
	fx := r.Effects
	if fx.GasUsed.ComputationCost != "1000" || fx.GasUsed.StorageRebate != "500" || fx.GasObject == nil || *fx.GasObject.OutputVersion != "20" ||
		fx.TransactionDigest != r.Digest || len(fx.ChangedObjects) != 3 {
		t.Fatalf("effects: %+v", fx)
	}
	created, deleted, gas := fx.ChangedObjects[0], fx.ChangedObjects[1], fx.ChangedObjects[2]
	if created.IdOperation != "Created" || created.InputState != "DoesNotExist" || created.OutputState != "ObjectWrite" || *created.OutputDigest != suirpctest.Digest(0x50) ||
		created.OutputOwner.AddressOwner != alice || r.ObjectTypes[created.ObjectId] != pkg+"::blob::Blob" {
		t.Fatalf("created: %+v", created)
	}
	if deleted.IdOperation != "Deleted" || deleted.OutputState != "DoesNotExist" || deleted.OutputVersion != nil || gas.ObjectId != suirpctest.OID(0x10) || gas.IdOperation != "None" {
		t.Fatalf("deleted %+v, gas %+v", deleted, gas)
	}
	if len(r.Events) != 1 || r.Events[0].EventType != pkg+"::events::BlobRegistered" || string(r.Events[0].BCS) != "\x01\x02\x03" || r.Events[0].Module != "events" {
		t.Fatalf("events: %+v", r.Events)
	}
	if objs, _ := l.Objects(ctx, []string{suirpctest.OID(0x10), suirpctest.OID(0x11), suirpctest.OID(0x50)}); objs[0].Version != 20 || objs[1] != nil || objs[2] == nil {
		t.Fatalf("ledger after execution: %+v %+v %+v", objs[0], objs[1], objs[2])
	}

	// The checkpoint comes on the second read.
	for i, want := range []uint64{0, 1} {
		got, err := c.GetTransaction(ctx, suiv2.GetTransactionOptions{Digest: r.Digest})
		if err != nil || got.Transaction.Checkpoint != want || !got.Transaction.Status.Success {
			t.Fatalf("read %d: %+v, %v", i, got, err)
		}
	}
	if _, err := c.GetTransaction(ctx, suiv2.GetTransactionOptions{Digest: "nope"}); status.Code(errors.Unwrap(err)) != codes.NotFound {
		t.Fatalf("unknown digest: %v", err)
	}
	ls, err := gc.LedgerService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := ls.BatchGetTransactions(ctx, &v2proto.BatchGetTransactionsRequest{Digests: []string{r.Digest, "nope"},
		ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"digest", "checkpoint", "effects.gas_object.output_version"}}})
	if err != nil || len(batch.Transactions) != 2 {
		t.Fatalf("batch: %v, %v", batch, err)
	}
	if bt := batch.Transactions[0].GetTransaction(); bt.GetDigest() != r.Digest || bt.GetCheckpoint() != 1 ||
		bt.GetEffects().GetGasObject().GetOutputVersion() != 20 || bt.GetEffects().GetStatus() != nil || bt.GetEffects().GetGasObject().ObjectId != nil {
		t.Fatalf("batch, found: %v", bt)
	}
	if e := batch.Transactions[1].GetError(); codes.Code(e.GetCode()) != codes.NotFound || !strings.Contains(e.GetMessage(), "transaction nope") {
		t.Fatalf("batch, missing: %v", batch.Transactions[1])
	}

	ab := []byte("abort")
	res, err = c.ExecuteTransaction(ctx, suiv2.ExecuteTransactionOptions{Transaction: ab, Signatures: []string{key.b64(ab)}, Include: all})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transaction.Status.Success || res.Transaction.Status.Error == nil || res.Transaction.Status.Error.Message != abortDesc {
		t.Fatalf("aborted: %+v", res.Transaction.Status)
	}

	sim, err := c.SimulateTransaction(ctx, suiv2.SimulateTransactionOptions{Transaction: []byte("gas"), Include: suiv2.SimulateTransactionInclude{TransactionInclude: all}})
	if err != nil || sim.Transaction.Status.Success || sim.Transaction.Status.Error.Message != "InsufficientGas" || sim.Transaction.Effects.GasUsed.StorageCost != "2000" {
		t.Fatalf("simulated: %+v, %v", sim, err)
	}

	for _, c2 := range []struct {
		name string
		tx   []byte
		sigs []string
		want string
	}{
		{"bad signature", tx, []string{newSigner(2).b64([]byte("other"))}, "invalid user signature 0: ed25519 signature does not verify"},
		{"no signature", tx, nil, "no signatures"},
		{"short signature", tx, []string{"AAAA"}, "not an ed25519 serialized signature"},
		{"refused", []byte("refuse"), []string{key.b64([]byte("refuse"))}, "locked by another transaction"},
	} {
		_, err := c.ExecuteTransaction(ctx, suiv2.ExecuteTransactionOptions{Transaction: c2.tx, Signatures: c2.sigs})
		if status.Code(errors.Unwrap(err)) != codes.InvalidArgument || !strings.Contains(err.Error(), c2.want) {
			t.Errorf("%s: %v", c2.name, err)
		}
	}
}

// TestAbortDetails: the structured abort the SDK does not expose.
func TestAbortDetails(t *testing.T) {
	l := fixture()
	l.Exec = exec(l)
	_, gc := sdk(t, suirpctest.Serve(t, l))
	es, err := gc.TransactionExecutionService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tx   string
		kind v2proto.ExecutionError_ExecutionErrorKind
	}{{"abort", v2proto.ExecutionError_MOVE_ABORT}, {"gas", v2proto.ExecutionError_INSUFFICIENT_GAS}} {
		resp, err := es.SimulateTransaction(ctx, &v2proto.SimulateTransactionRequest{Transaction: &v2proto.Transaction{Bcs: &v2proto.Bcs{Value: []byte(c.tx)}},
			ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"transaction.effects.status"}}})
		if err != nil {
			t.Fatal(err)
		}
		e := resp.Transaction.Effects.Status.Error
		if e.GetKind() != c.kind || resp.Transaction.Effects.GasUsed != nil {
			t.Fatalf("%s: %v", c.tx, resp)
		}
		if c.tx == "abort" {
			a := e.GetAbort()
			if a.GetAbortCode() != 2 || a.GetLocation().GetModule() != "system" || a.GetLocation().GetFunctionName() != "reserve_space" ||
				a.GetLocation().GetPackage() != pkg || e.GetCommand() != 1 {
				t.Fatalf("abort details: %v", e)
			}
		}
	}
	if _, err := es.SimulateTransaction(ctx, &v2proto.SimulateTransactionRequest{Transaction: &v2proto.Transaction{Bcs: &v2proto.Bcs{Value: []byte("x")}}, DoGasSelection: proto.Bool(true)}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("gas selection: %v", err)
	}
	if _, err := es.ExecuteTransaction(ctx, &v2proto.ExecuteTransactionRequest{}); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "transaction.bcs") {
		t.Fatalf("no transaction: %v", err)
	}
}

func TestServeStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- suirpc.Serve(cctx, ln, fixture()) }()
	c, _ := sdk(t, "http://"+ln.Addr().String())
	if _, err := c.GetReferenceGasPrice(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// broken is a ledger whose reads fail.
type broken struct {
	*suirpctest.Ledger
	err error
}

func (b broken) Epoch(context.Context) (ledger.Epoch, error) { return ledger.Epoch{}, b.err }
func (b broken) Objects(context.Context, []string) ([]*ledger.Object, error) {
	return nil, b.err
}

func TestLedgerErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{errors.New("disk on fire"), codes.Internal},
		{fmt.Errorf("waiting: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{fmt.Errorf("epoch: %w", ledger.ErrNotFound), codes.NotFound},
	} {
		_, gc := sdk(t, suirpctest.Serve(t, broken{fixture(), c.err}))
		ls, err := gc.LedgerService(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ls.GetEpoch(ctx, &v2proto.GetEpochRequest{})
		if status.Code(err) != c.code || !strings.Contains(err.Error(), "reading the epoch: "+c.err.Error()) {
			t.Errorf("GetEpoch over %v: %v", c.err, err)
		}
		id := suirpctest.OID(0x10)
		_, err = ls.BatchGetObjects(ctx, &v2proto.BatchGetObjectsRequest{Requests: []*v2proto.GetObjectRequest{{ObjectId: &id}}})
		if status.Code(err) != c.code || !strings.Contains(err.Error(), "reading objects: "+c.err.Error()) {
			t.Errorf("BatchGetObjects over %v: %v", c.err, err)
		}
	}
}
