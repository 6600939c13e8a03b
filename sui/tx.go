package sui

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/mr-tron/base58"

	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"golang.org/x/crypto/blake2b"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// The dry run of the Walrus Rust client (retriable_sui_client.rs,
// dry_run_transaction_data): no gas payment, this budget and this price.
// GasBudget expects effects simulated this way.
const (
	DryRunGasBudget = 50_000_000_000
	DryRunGasPrice  = 1000
)

// gasSafeOverhead is GAS_SAFE_OVERHEAD of walrus-sui's retry_client.rs.
const gasSafeOverhead = 1000

// CheckpointWait bounds how long Execute waits for a checkpoint to hold
// the transaction, as the Walrus Rust client does (30 s).
const CheckpointWait = 30 * time.Second

// GasCost is a transaction's gas summary, in MIST.
type GasCost struct {
	Computation, Storage, Rebate, NonRefundableStorageFee uint64
}

// Changed is an object a transaction created or mutated. Owner is the
// address (or parent object) owning it, "" if shared or immutable;
// SharedVersion is the initial shared version of a shared object.
type Changed struct {
	ID, Type      string
	Ref           ObjectRef
	Owner         string
	SharedVersion uint64
}

// Event is one Move event: its type and BCS contents.
type Event struct {
	Type string
	BCS  []byte
}

// Effects is what a transaction did. Success false means it executed
// and failed (gas was charged): Error is Sui's description and, for a
// Move abort, AbortCode/AbortModule say where. Mutated includes the gas
// coin (also in GasObject); Deleted includes wrapped objects and gas
// coins merged into the first.
type Effects struct {
	Digest      string
	Success     bool
	Error       string
	AbortCode   uint64
	AbortModule string
	HasAbort    bool
	Gas         GasCost
	GasObject   ObjectRef
	Created     []Changed
	Mutated     []Changed
	Deleted     []string
	Events      []Event
	Checkpoint  uint64 // 0 until a checkpoint holds the transaction
}

// Err is nil for a successful transaction and describes a failed one.
func (e Effects) Err() error {
	if e.Success {
		return nil
	}
	if e.HasAbort {
		return fmt.Errorf("sui: transaction %s aborted with code %d in module %q: %s", e.Digest, e.AbortCode, e.AbortModule, e.Error)
	}
	return fmt.Errorf("sui: transaction %s failed: %s", e.Digest, e.Error)
}

// GasBudget is the budget the Walrus Rust client (and the Sui CLI and TS
// SDK) sets from effects simulated with DryRunGasPrice:
// computation = ceil(computation × rgp / 1000), budget = max(computation,
// computation + storage − rebate) + 1000 × rgp (retriable_sui_client.rs
// compute_gas_budget). It saturates instead of overflowing.
func GasBudget(e Effects, rgp uint64) uint64 {
	hi, lo := bits.Mul64(e.Gas.Computation, rgp)
	var comp uint64
	if hi >= DryRunGasPrice {
		comp = ^uint64(0)
	} else {
		q, r := bits.Div64(hi, lo, DryRunGasPrice)
		comp = q
		if r != 0 && comp != ^uint64(0) {
			comp++
		}
	}
	net := sat(comp, e.Gas.Storage)
	if net > e.Gas.Rebate {
		net -= e.Gas.Rebate
	} else {
		net = 0
	}
	hi, over := bits.Mul64(gasSafeOverhead, rgp)
	if hi != 0 {
		over = ^uint64(0)
	}
	return sat(max(comp, net), over)
}

func sat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}

// TxDigest is the digest Sui gives TransactionData bytes:
// base58(blake2b256("TransactionData::" ‖ txData)).
func TxDigest(txData []byte) string {
	h := blake2b.Sum256(append([]byte("TransactionData::"), txData...))
	return base58.Encode(h[:])
}

// txMask is what Execute and Transaction read.
var txMask = []string{"digest", "effects", "events", "checkpoint"}

// Simulate dry-runs txData (its gas payment may be empty) over gRPC. A
// transaction that would abort gives effects with Success false; an error
// means the node could not run it at all.
func (c *Client) Simulate(ctx context.Context, txData []byte) (Effects, error) {
	svc, err := c.grpc.TransactionExecutionService(ctx)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: simulating transaction %s: %w", TxDigest(txData), err)
	}
	resp, err := svc.SimulateTransaction(ctx, &v2proto.SimulateTransactionRequest{
		Transaction: &v2proto.Transaction{Bcs: &v2proto.Bcs{Value: txData}},
		ReadMask:    &fieldmaskpb.FieldMask{Paths: []string{"transaction.effects", "transaction.events"}},
	})
	if err != nil {
		return Effects{}, fmt.Errorf("sui: simulating transaction %s: %w", TxDigest(txData), err)
	}
	if resp.GetTransaction().GetEffects() == nil {
		return Effects{}, fmt.Errorf("sui: simulating transaction %s: the node returned no effects", TxDigest(txData))
	}
	e := effectsOf(resp.GetTransaction())
	if e.Digest == "" {
		e.Digest = TxDigest(txData)
	}
	return e, nil
}

// Execute submits txData with its serialized signatures over gRPC, then
// waits (polling Transaction with backoff, at most CheckpointWait and
// never past ctx) until a checkpoint holds it, so that other nodes see
// its objects. A transaction that executed and aborted returns its
// effects with Success false and a nil error (see Effects.Err). If the
// wait ends first, the effects are returned with an error wrapping the
// context's. A gRPC InvalidArgument error means the node refused the
// transaction; after other errors it may still execute
// (Transaction(ctx, TxDigest(txData)) tells).
func (c *Client) Execute(ctx context.Context, txData []byte, sigs [][]byte) (Effects, error) {
	digest := TxDigest(txData)
	svc, err := c.grpc.TransactionExecutionService(ctx)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: executing transaction %s: %w", digest, err)
	}
	req := &v2proto.ExecuteTransactionRequest{
		Transaction: &v2proto.Transaction{Bcs: &v2proto.Bcs{Value: txData}},
		ReadMask:    &fieldmaskpb.FieldMask{Paths: txMask},
	}
	for _, s := range sigs {
		req.Signatures = append(req.Signatures, &v2proto.UserSignature{Bcs: &v2proto.Bcs{Value: s}})
	}
	resp, err := svc.ExecuteTransaction(ctx, req)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: executing transaction %s: %w", digest, err)
	}
	if resp.GetTransaction().GetEffects() == nil {
		return Effects{}, fmt.Errorf("sui: executing transaction %s: the node returned no effects", digest)
	}
	e := effectsOf(resp.GetTransaction())
	if e.Digest == "" {
		e.Digest = digest
	}
	if e.Digest != digest {
		return e, fmt.Errorf("sui: executing transaction %s: the node answered for transaction %s", digest, e.Digest)
	}
	if e.Checkpoint != 0 {
		return e, nil
	}
	return c.waitCheckpoint(ctx, e)
}

// waitCheckpoint polls until a checkpoint holds e's transaction.
func (c *Client) waitCheckpoint(ctx context.Context, e Effects) (Effects, error) {
	ctx, cancel := context.WithTimeout(ctx, CheckpointWait)
	defer cancel()
	delay := 50 * time.Millisecond
	var last error
	for {
		got, err := c.transaction(ctx, e.Digest)
		switch {
		case err == nil && got.Checkpoint != 0:
			return got, nil
		case err == nil || status.Code(err) == codes.NotFound:
			last = nil
		default:
			last = err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			err := fmt.Errorf("sui: transaction %s executed, but no checkpoint held it in time: %w", e.Digest, ctx.Err())
			if last != nil {
				err = fmt.Errorf("%w (last poll: %v)", err, last)
			}
			return e, err
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// Transaction reads an executed transaction's effects by digest.
func (c *Client) Transaction(ctx context.Context, digest string) (Effects, error) {
	return c.transaction(ctx, digest)
}

func (c *Client) transaction(ctx context.Context, digest string) (Effects, error) {
	svc, err := c.grpc.LedgerService(ctx)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: reading transaction %s: %w", digest, err)
	}
	resp, err := svc.GetTransaction(ctx, &v2proto.GetTransactionRequest{Digest: &digest, ReadMask: &fieldmaskpb.FieldMask{Paths: txMask}})
	if err != nil {
		return Effects{}, fmt.Errorf("sui: reading transaction %s: %w", digest, err)
	}
	if resp.GetTransaction().GetEffects() == nil {
		return Effects{}, fmt.Errorf("sui: reading transaction %s: the node returned no effects", digest)
	}
	e := effectsOf(resp.GetTransaction())
	if e.Digest == "" {
		e.Digest = digest
	}
	return e, nil
}

// refOf is the output reference of a changed object.
func refOf(co *v2proto.ChangedObject) ObjectRef {
	return ObjectRef{ID: co.GetObjectId(), Version: co.GetOutputVersion(), Digest: co.GetOutputDigest()}
}

// effectsOf converts the node's ExecutedTransaction. Objects whose
// output does not exist are Deleted (deleted or wrapped); written objects
// are Created when they did not exist as inputs (created or unwrapped),
// else Mutated. Packages are left out.
func effectsOf(t *v2proto.ExecutedTransaction) Effects {
	fx := t.GetEffects()
	e := Effects{
		Digest:     t.GetDigest(),
		Checkpoint: t.GetCheckpoint(),
		Success:    fx.GetStatus().GetSuccess(),
		Gas: GasCost{
			Computation: fx.GetGasUsed().GetComputationCost(), Storage: fx.GetGasUsed().GetStorageCost(),
			Rebate: fx.GetGasUsed().GetStorageRebate(), NonRefundableStorageFee: fx.GetGasUsed().GetNonRefundableStorageFee(),
		},
	}
	if e.Digest == "" {
		e.Digest = fx.GetTransactionDigest()
	}
	if !e.Success {
		xe := fx.GetStatus().GetError()
		e.Error = xe.GetDescription()
		if e.Error == "" {
			e.Error = xe.GetKind().String()
		}
		if a := xe.GetAbort(); a != nil {
			e.HasAbort, e.AbortCode, e.AbortModule = true, a.GetAbortCode(), a.GetLocation().GetModule()
		}
	}
	if g := fx.GetGasObject(); g != nil {
		e.GasObject = refOf(g)
	}
	for _, co := range fx.GetChangedObjects() {
		switch co.GetOutputState() {
		case v2proto.ChangedObject_OUTPUT_OBJECT_STATE_DOES_NOT_EXIST:
			e.Deleted = append(e.Deleted, co.GetObjectId())
		case v2proto.ChangedObject_OUTPUT_OBJECT_STATE_OBJECT_WRITE:
			ch := Changed{ID: co.GetObjectId(), Type: co.GetObjectType(), Ref: refOf(co)}
			switch o := co.GetOutputOwner(); o.GetKind() {
			case v2proto.Owner_SHARED:
				ch.SharedVersion = o.GetVersion()
			case v2proto.Owner_ADDRESS, v2proto.Owner_OBJECT, v2proto.Owner_CONSENSUS_ADDRESS:
				ch.Owner = o.GetAddress()
			}
			if co.GetInputState() == v2proto.ChangedObject_INPUT_OBJECT_STATE_DOES_NOT_EXIST {
				e.Created = append(e.Created, ch)
			} else {
				e.Mutated = append(e.Mutated, ch)
			}
		}
	}
	for _, ev := range t.GetEvents().GetEvents() {
		e.Events = append(e.Events, Event{Type: ev.GetEventType(), BCS: ev.GetContents().GetValue()})
	}
	return e
}
