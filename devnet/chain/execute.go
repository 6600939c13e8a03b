package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/sui"
)

// Gas model: a simple but real one. Computation is charged in units per
// transaction and per command, times the gas price; storage per byte of
// every written object; overwritten and deleted objects rebate 99 % of
// what they paid (1 % is the non-refundable fee), as on Sui.
const (
	unitsPerTx       = 1_000
	unitsPerCommand  = 500
	unitsPerMoveCall = 1_500
	storagePerByte   = 7_600 // MIST per byte (Sui: storage price 76 × 100)
	objectOverhead   = 100   // bytes counted per object besides its contents
	minBudgetUnits   = 1_000 // budget must cover this many units at the price
	maxBudget        = 50_000_000_000
	maxPayment       = 256
)

// deletedDigest and wrappedDigest are Sui's ObjectDigest::OBJECT_DIGEST_DELETED
// and OBJECT_DIGEST_WRAPPED.
var (
	deletedDigest = base58(repeat(99))
	wrappedDigest = base58(repeat(88))
)

func repeat(b byte) []byte { return []byte(strings.Repeat(string([]byte{b}), 32)) }

// txDigest is base58(blake2b256("TransactionData::" ‖ txData)).
func txDigest(txData []byte) []byte {
	d := blake([]byte("TransactionData::"), txData)
	return d[:]
}

// Execute verifies and executes a signed transaction (ledger.Ledger).
func (c *Chain) Execute(ctx context.Context, txData []byte, signatures [][]byte) (*ledger.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	digest := txDigest(txData)
	ds := base58(digest)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checkpoints()
	tx, err := decodeTxData(txData)
	if err != nil {
		return nil, fmt.Errorf("chain: transaction %s: %w", ds, err)
	}
	if len(signatures) != 1 {
		return nil, fmt.Errorf("chain: transaction %s: %d signatures, want 1 (sponsored transactions are not supported by the devnet)", ds, len(signatures))
	}
	signer, err := c.o.VerifySignature(txData, signatures[0])
	if err != nil {
		return nil, fmt.Errorf("chain: transaction %s: invalid signature: %w", ds, err)
	}
	if a, err := sui.NormalizeAddress(signer); err != nil || a != tx.Sender {
		return nil, fmt.Errorf("chain: transaction %s: signed by %s, not by the sender %s", ds, signer, tx.Sender)
	}
	// The same transaction again (validly signed) gets the same result.
	if rec, ok := c.st.Txs[ds]; ok {
		return copyResult(&rec.Result), nil
	}
	// An (object, version) a transaction was accepted with stays locked to
	// it until the end of the Sui epoch: another transaction naming the
	// same version is refused even after the first one executed.
	refs := append(append([]objRef(nil), tx.Payment...), ownedInputs(tx)...)
	for _, r := range refs {
		if by, ok := c.st.Locks[lockKey(r)]; ok && by != ds {
			cur := "deleted"
			if o := c.st.Objects[r.ID]; o != nil {
				cur = fmt.Sprintf("version %d", o.Version)
			}
			return nil, fmt.Errorf("chain: transaction %s: object %s version %d is locked by transaction %s (now %s)", ds, r.ID, r.Version, by, cur)
		}
	}
	if err := c.validate(tx, false); err != nil {
		return nil, fmt.Errorf("chain: transaction %s: %w", ds, err)
	}
	x := newExec(c.st, tx, digest, c.o.CheckCertificate)
	res := x.run()
	res.TxData = append([]byte(nil), txData...)
	rec := &txRecord{Result: *res, Executed: c.o.Clock()}
	if err := c.appendTx(rec); err != nil {
		return nil, err // nothing applied
	}
	for _, r := range refs {
		c.st.Locks[lockKey(r)] = ds
	}
	x.apply(res)
	c.st.Txs[ds] = rec
	c.st.Order = append(c.st.Order, ds)
	c.checkpoints()
	out := copyResult(&c.st.Txs[ds].Result)
	if err := c.save(); err != nil {
		return nil, err
	}
	c.log.Info("executed transaction", "digest", ds, "success", res.Success, "error", res.Error)
	return out, nil
}

// Simulate executes txData without signatures and without changing state;
// the gas payment may be empty (ledger.Ledger).
func (c *Chain) Simulate(ctx context.Context, txData []byte) (*ledger.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	digest := txDigest(txData)
	tx, err := decodeTxData(txData)
	if err != nil {
		return nil, fmt.Errorf("chain: simulating %s: %w", base58(digest), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.validate(tx, true); err != nil {
		return nil, fmt.Errorf("chain: simulating %s: %w", base58(digest), err)
	}
	x := newExec(c.st, tx, digest, c.o.CheckCertificate)
	res := x.run()
	res.TxData = append([]byte(nil), txData...)
	return res, nil
}

func lockKey(r objRef) string { return fmt.Sprintf("%s@%d", r.ID, r.Version) }

func ownedInputs(tx *txData) []objRef {
	var out []objRef
	for _, in := range tx.Inputs {
		if in.Owned != nil {
			out = append(out, *in.Owned)
		}
	}
	return out
}

func copyResult(r *ledger.Result) *ledger.Result {
	c := *r
	c.Changed = append([]ledger.Changed(nil), r.Changed...)
	c.Events = append([]ledger.Event(nil), r.Events...)
	c.TxData = append([]byte(nil), r.TxData...)
	return &c
}

// checkRef checks that an owned object reference names the current version
// of an object the sender owns.
func (c *Chain) checkRef(r objRef, sender, what string) (*object, error) {
	o := c.st.Objects[r.ID]
	if o == nil {
		return nil, fmt.Errorf("%s: object %s does not exist (deleted or never created)", what, r.ID)
	}
	if o.Owner.Shared || o.Owner.Immutable || o.ObjectOwner {
		return nil, fmt.Errorf("%s: object %s is not an owned object", what, r.ID)
	}
	if o.Owner.Address != sender {
		return nil, fmt.Errorf("%s: object %s is owned by %s, not by the sender %s", what, r.ID, o.Owner.Address, sender)
	}
	if o.Version != r.Version {
		return nil, fmt.Errorf("%s: object %s version %d is stale: the current version is %d", what, r.ID, r.Version, o.Version)
	}
	if d := o.digest(); d != r.Digest {
		return nil, fmt.Errorf("%s: object %s version %d has digest %s, not %s", what, r.ID, r.Version, d, r.Digest)
	}
	return o, nil
}

// validate does the checks Sui makes before executing: gas data, owned
// object versions and digests, shared object references.
func (c *Chain) validate(tx *txData, simulate bool) error {
	if tx.GasOwner != tx.Sender {
		return fmt.Errorf("gas owner %s is not the sender %s (sponsored transactions are not supported by the devnet)", tx.GasOwner, tx.Sender)
	}
	if tx.GasPrice < c.st.G.ReferenceGasPrice {
		return fmt.Errorf("gas price %d is below the reference gas price %d", tx.GasPrice, c.st.G.ReferenceGasPrice)
	}
	if tx.GasBudget > maxBudget {
		return fmt.Errorf("gas budget %d is above the maximum %d", tx.GasBudget, uint64(maxBudget))
	}
	if min := minBudgetUnits * tx.GasPrice; tx.GasBudget < min {
		return fmt.Errorf("gas budget %d is below the minimum %d", tx.GasBudget, min)
	}
	if tx.Expiration != nil && c.st.SuiEpoch > *tx.Expiration {
		return fmt.Errorf("transaction expired in epoch %d (now %d)", *tx.Expiration, c.st.SuiEpoch)
	}
	if len(tx.Payment) == 0 && !simulate {
		return errors.New("no gas payment")
	}
	if len(tx.Payment) > maxPayment {
		return fmt.Errorf("%d gas coins, at most %d", len(tx.Payment), maxPayment)
	}
	seen := map[string]bool{}
	var total uint64
	for _, r := range tx.Payment {
		if seen[r.ID] {
			return fmt.Errorf("gas coin %s given twice", r.ID)
		}
		seen[r.ID] = true
		o, err := c.checkRef(r, tx.Sender, "gas payment")
		if err != nil {
			return err
		}
		if o.Type != suiCoinType {
			return fmt.Errorf("gas payment: object %s is a %s, not a Coin<SUI>", r.ID, o.Type)
		}
		if total+coinValue(o) < total {
			return errors.New("gas coins hold more than 2^64 MIST together")
		}
		total += coinValue(o)
	}
	if len(tx.Payment) > 0 && total < tx.GasBudget {
		return fmt.Errorf("gas coins hold %d MIST, less than the gas budget %d", total, tx.GasBudget)
	}
	for i, in := range tx.Inputs {
		what := fmt.Sprintf("input %d", i)
		switch {
		case in.Receive != nil:
			return fmt.Errorf("%s: Receiving arguments are not supported by the devnet", what)
		case in.Owned != nil:
			if seen[in.Owned.ID] {
				return fmt.Errorf("%s: object %s is used twice (or is also a gas coin)", what, in.Owned.ID)
			}
			seen[in.Owned.ID] = true
			if _, err := c.checkRef(*in.Owned, tx.Sender, what); err != nil {
				return err
			}
		case in.Shared != nil:
			o := c.st.Objects[in.Shared.ID]
			if o == nil || !o.Owner.Shared {
				return fmt.Errorf("%s: object %s is not a shared object", what, in.Shared.ID)
			}
			if o.Owner.InitialSharedVersion != in.Shared.InitialVersion {
				return fmt.Errorf("%s: shared object %s was shared at version %d, not %d", what, in.Shared.ID, o.Owner.InitialSharedVersion, in.Shared.InitialVersion)
			}
		}
	}
	return nil
}
