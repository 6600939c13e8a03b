package sui

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Signer signs transactions of one address.
type Signer interface {
	// Address is the signer's Sui address (0x + 64 hex).
	Address() string
	// SignTransaction returns the serialized signature (flag ‖ signature
	// ‖ public key) over the TransactionData intent message of txData.
	SignTransaction(txData []byte) ([]byte, error)
}

// Build makes the BCS TransactionData of one transaction, paying gas
// with the coins gas at price with budget. gas is empty for the dry run.
type Build func(gas []ObjectRef, price, budget uint64) ([]byte, error)

// Sender submits the transactions of one address one at a time and pays
// their gas. Sui locks an owned object (a gas coin) until the end of the
// epoch when two transactions use the same version of it at once
// (equivocation), so a Sender holds a mutex from gas selection until the
// transaction is in a checkpoint, and takes each gas coin's next
// reference from the effects instead of re-reading it from a node that
// may lag. All transactions of an address should go through one Sender.
//
// When the outcome of a submission is unknown (the connection or the
// context ended before an answer), its gas coins are not used again
// until the node knows the transaction: another transaction over the
// same coin versions could equivocate with it.
type Sender struct {
	c      *Client
	signer Signer

	mu      sync.Mutex
	coins   []Coin              // GUARDED_BY(mu); the SUI coins of signer; nil = read them again
	pending map[string][]string // GUARDED_BY(mu); digest of a transaction with unknown outcome -> its gas coin IDs
}

// NewSender returns a Sender for signer's address on c.
func NewSender(c *Client, s Signer) *Sender {
	return &Sender{c: c, signer: s, pending: map[string][]string{}}
}

// resolve asks the node about transactions of unknown outcome; those it
// knows release their coins (which are read again), the others keep
// theirs out of gas selection, added to exclude.
func (s *Sender) resolve(ctx context.Context, exclude map[string]bool) (map[string]bool, error) {
	if len(s.pending) == 0 {
		return exclude, nil
	}
	out := maps.Clone(exclude)
	if out == nil {
		out = map[string]bool{}
	}
	for d, ids := range s.pending {
		_, err := s.c.Transaction(ctx, d)
		switch {
		case err == nil:
			delete(s.pending, d)
			s.coins = nil
			continue
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

// Send runs one transaction: it dry-runs build(nil, DryRunGasPrice,
// DryRunGasBudget) for the gas budget (GasBudget), picks SUI coins other
// than those in exclude (SUI coins the transaction uses as inputs),
// builds, signs and executes, and waits for the checkpoint. A transaction
// that would abort in the dry run is not submitted. A submitted one that
// aborts returns its effects and Effects.Err.
func (s *Sender) Send(ctx context.Context, build Build, exclude map[string]bool) (Effects, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := s.signer.Address()
	dry, err := build(nil, DryRunGasPrice, DryRunGasBudget)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: building the dry run: %w", err)
	}
	sim, err := s.c.Simulate(ctx, dry)
	if err != nil {
		return Effects{}, err
	}
	if !sim.Success {
		return sim, fmt.Errorf("sui: the dry run fails, nothing was submitted: %w", sim.Err())
	}
	rgp, err := s.c.ReferenceGasPrice(ctx)
	if err != nil {
		return Effects{}, err
	}
	budget := GasBudget(sim, rgp)
	exclude, err = s.resolve(ctx, exclude)
	if err != nil {
		return Effects{}, err
	}
	gas, err := s.pick(ctx, addr, budget, exclude)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: gas for %s: %w", addr, err)
	}
	refs := make([]ObjectRef, len(gas))
	for i, g := range gas {
		refs[i] = g.Ref
	}
	tx, err := build(refs, rgp, budget)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: building the transaction: %w", err)
	}
	sig, err := s.signer.SignTransaction(tx)
	if err != nil {
		return Effects{}, fmt.Errorf("sui: signing transaction %s: %w", TxDigest(tx), err)
	}
	e, err := s.c.Execute(ctx, tx, [][]byte{sig})
	if e.GasObject.ID == "" {
		// Refused (the node said why: InvalidArgument) or unknown; the
		// next Send reads the coins again.
		s.coins = nil
		if status.Code(err) != codes.InvalidArgument {
			ids := make([]string, len(gas))
			for i, g := range gas {
				ids[i] = g.Ref.ID
			}
			s.pending[TxDigest(tx)] = ids
		}
		return e, err
	}
	s.update(gas, e)
	if err != nil {
		return e, err
	}
	return e, e.Err()
}

// pick selects gas coins, reading them from the node when unknown or
// when the known ones do not suffice.
func (s *Sender) pick(ctx context.Context, addr string, budget uint64, exclude map[string]bool) ([]Coin, error) {
	if s.coins != nil {
		if gas, err := SelectCoins(s.coins, budget, exclude); err == nil {
			return gas, nil
		}
	}
	coins, err := s.c.Coins(ctx, addr, SUIType)
	if err != nil {
		return nil, err
	}
	s.coins = coins
	return SelectCoins(coins, budget, exclude)
}

// update applies executed effects to the known coins: the payment coins
// were merged into the first, which has the gas object's new reference
// and their total less the net gas charge (an estimate if the
// transaction also spent the gas coin); deleted coins go, and mutated
// ones take their new reference.
func (s *Sender) update(gas []Coin, e Effects) {
	var total uint64
	for _, g := range gas {
		total = sat(total, g.Balance)
	}
	charge := sat(e.Gas.Computation, e.Gas.Storage)
	if charge > e.Gas.Rebate {
		charge -= e.Gas.Rebate
		total -= min(total, charge)
	} else {
		total = sat(total, e.Gas.Rebate-charge)
	}
	merged := map[string]bool{}
	for _, g := range gas[1:] {
		merged[g.Ref.ID] = true
	}
	for _, id := range e.Deleted {
		merged[id] = true
	}
	mutated := map[string]ObjectRef{}
	for _, m := range e.Mutated {
		mutated[m.ID] = m.Ref
	}
	out := s.coins[:0]
	for _, c := range s.coins {
		switch {
		case merged[c.Ref.ID]:
			continue
		case c.Ref.ID == e.GasObject.ID:
			c = Coin{Ref: e.GasObject, Balance: total}
		case mutated[c.Ref.ID].ID != "":
			c.Ref = mutated[c.Ref.ID]
		}
		out = append(out, c)
	}
	s.coins = out
}

// Forget drops the known coins, so the next Send reads them from the
// node (after coins were added or spent outside this Sender), and the
// transactions of unknown outcome, whose coins become usable again: call
// it only when those cannot execute any more (Sui releases the objects of
// uncertified transactions at the end of the epoch).
func (s *Sender) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.coins = nil
	clear(s.pending)
}
