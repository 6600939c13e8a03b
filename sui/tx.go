package sui

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
	"golang.org/x/crypto/blake2b"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// SUIType is the coin type of SUI, the gas coin.
const SUIType = "0x2::sui::SUI"

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

// maxGasCoins is Sui's max_gas_payment_objects.
const maxGasCoins = 256

// ReferenceGasPrice returns the reference gas price of the current Sui
// epoch (MIST per gas unit).
func (c *Client) ReferenceGasPrice(ctx context.Context) (uint64, error) {
	var p uint64
	err := c.try(ctx, "reading the reference gas price", func(cl suiv2.Client) error {
		resp, err := cl.GetReferenceGasPrice(ctx)
		if err != nil {
			return err
		}
		p, err = strconv.ParseUint(resp.ReferenceGasPrice, 10, 64)
		if err != nil || p == 0 {
			return fmt.Errorf("node reported reference gas price %q", resp.ReferenceGasPrice)
		}
		return nil
	})
	return p, err
}

// Coin is one Coin<T> object.
type Coin struct {
	Ref     ObjectRef
	Balance uint64
}

// Coins lists all Coin<coinType> objects of owner ("" = SUI), every page.
func (c *Client) Coins(ctx context.Context, owner, coinType string) ([]Coin, error) {
	if coinType == "" {
		coinType = SUIType
	}
	var out []Coin
	err := c.try(ctx, "listing "+coinType+" coins of "+owner, func(cl suiv2.Client) error {
		out = out[:0]
		var cursor *string
		for {
			resp, err := cl.ListCoins(ctx, suiv2.ListCoinsOptions{Owner: owner, CoinType: &coinType, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, o := range resp.Objects {
				v, err1 := strconv.ParseUint(o.Version, 10, 64)
				b, err2 := strconv.ParseUint(o.Balance, 10, 64)
				if err := errors.Join(err1, err2); err != nil || o.ObjectId == "" || o.Digest == "" {
					return fmt.Errorf("coin %q: version %q, balance %q, digest %q", o.ObjectId, o.Version, o.Balance, o.Digest)
				}
				out = append(out, Coin{Ref: ObjectRef{ID: o.ObjectId, Version: v, Digest: o.Digest}, Balance: b})
			}
			if !resp.HasNextPage || resp.Cursor == nil {
				return nil
			}
			cursor = resp.Cursor
		}
	})
	return out, err
}

// Balance is what an address holds of one coin type: in Coin objects and
// as address balance (which walrusfs cannot spend, see the transaction
// notes §6).
type Balance struct {
	CoinType       string
	Coins, Address uint64
}

// Balance returns owner's balance of coinType ("" = SUI). Over gRPC it
// reads address_balance and coin_balance of sui.rpc.v2 Balance (fields 4
// and 5, newer than the SDK's protos); a node without them, and
// JSON-RPC, report everything as coins.
func (c *Client) Balance(ctx context.Context, owner, coinType string) (Balance, error) {
	if coinType == "" {
		coinType = SUIType
	}
	b := Balance{CoinType: coinType}
	err := c.tryBackend(ctx, "reading the "+coinType+" balance of "+owner, func(be backend) error {
		if be.name != "gRPC" {
			resp, err := be.c.GetBalance(ctx, suiv2.GetBalanceOptions{Owner: owner, CoinType: &coinType})
			if err != nil {
				return err
			}
			b.Coins, err = strconv.ParseUint(resp.Balance.CoinBalance, 10, 64)
			return err
		}
		st, err := c.grpc.StateService(ctx)
		if err != nil {
			return err
		}
		resp, err := st.GetBalance(ctx, &v2proto.GetBalanceRequest{Owner: &owner, CoinType: &coinType})
		if err != nil {
			return err
		}
		total := resp.GetBalance().GetBalance()
		addr, coins, ok := balanceSplit(resp.GetBalance())
		if !ok {
			b.Coins = total
			return nil
		}
		if addr+coins != total {
			return fmt.Errorf("balance %d is not address balance %d + coins %d", total, addr, coins)
		}
		b.Address, b.Coins = addr, coins
		return nil
	})
	return b, err
}

// balanceSplit reads fields 4 (address_balance) and 5 (coin_balance) of
// a Balance from its unknown fields.
func balanceSplit(m *v2proto.Balance) (addr, coins uint64, ok bool) {
	raw := m.ProtoReflect().GetUnknown()
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return 0, 0, false
		}
		raw = raw[n:]
		if typ == protowire.VarintType && (num == 4 || num == 5) {
			v, n := protowire.ConsumeVarint(raw)
			if n < 0 {
				return 0, 0, false
			}
			raw = raw[n:]
			if num == 4 {
				addr = v
			} else {
				coins, ok = v, true
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, raw)
		if n < 0 {
			return 0, 0, false
		}
		raw = raw[n:]
	}
	return addr, coins, ok
}

// SelectCoins picks coins, largest first, until their balances reach
// amount, skipping the IDs in exclude (e.g. coins the transaction uses
// otherwise). At least one coin is picked even for amount 0.
func SelectCoins(coins []Coin, amount uint64, exclude map[string]bool) ([]Coin, error) {
	sorted := slices.Clone(coins)
	slices.SortFunc(sorted, func(a, b Coin) int {
		if a.Balance != b.Balance {
			if a.Balance > b.Balance {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Ref.ID, b.Ref.ID)
	})
	var out []Coin
	var have, total big.Int
	excluded := 0
	for _, c := range sorted {
		if exclude[c.Ref.ID] {
			excluded++
			continue
		}
		total.Add(&total, new(big.Int).SetUint64(c.Balance))
		if len(out) < maxGasCoins && (len(out) == 0 || have.Cmp(new(big.Int).SetUint64(amount)) < 0) {
			out = append(out, c)
			have.Add(&have, new(big.Int).SetUint64(c.Balance))
		}
	}
	if len(out) == 0 || have.Cmp(new(big.Int).SetUint64(amount)) < 0 {
		msg := fmt.Sprintf("sui: need %d, have %s in %d coins", amount, total.String(), len(coins)-excluded)
		if excluded > 0 {
			msg += fmt.Sprintf(" (%d more excluded)", excluded)
		}
		if len(out) == maxGasCoins {
			msg += fmt.Sprintf("; the largest %d hold only %s", maxGasCoins, have.String())
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

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
	return base58(h[:])
}

func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod, base := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	slices.Reverse(out)
	return string(out)
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
