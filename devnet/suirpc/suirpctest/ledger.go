// Package suirpctest is an in-memory ledger.Ledger for tests of Sui
// clients and of package suirpc: objects, dynamic fields, balances and a
// transaction log, with execution decided by the test (Ledger.Exec)
// after real signature checks, and checkpoints that arrive after a
// chosen number of polls.
//
//	l := suirpctest.New(ledger.Epoch{Epoch: 3, ReferenceGasPrice: 750})
//	l.Put(ledger.Object{...})
//	url := suirpctest.Serve(t, l) // give it to sui.Dial
package suirpctest

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc"
	"golang.org/x/crypto/blake2b"
	"google.golang.org/grpc"
)

// Exec decides what a transaction does. It runs without the ledger's
// lock (it may call Put and Objects) and returns the result; the ledger
// fills in Digest and TxData and, unless dryRun, applies Changed and
// GasObject to its objects and logs the transaction. An error means the
// transaction is refused (not executed).
type Exec func(txData []byte, dryRun bool) (*ledger.Result, error)

// Ledger is an in-memory ledger.Ledger. The zero value is not usable;
// call New.
type Ledger struct {
	// Exec decides executions and simulations; nil refuses them.
	Exec Exec
	// CheckpointAfter is how many Transaction calls an executed
	// transaction stays without a checkpoint; negative means forever.
	CheckpointAfter int

	execMu sync.Mutex // one execution at a time, as a chain orders them
	mu     sync.Mutex
	epoch  ledger.Epoch
	objs   map[string]ledger.Object  // GUARDED_BY(mu)
	fields map[string][]ledger.Field // GUARDED_BY(mu)
	addr   map[[2]string]uint64      // GUARDED_BY(mu); owner, coin type -> address balance
	txs    map[string]*ledger.Result // GUARDED_BY(mu)
	polls  map[string]int            // GUARDED_BY(mu)
	calls  map[string]int            // GUARDED_BY(mu)
	ckpt   uint64                    // GUARDED_BY(mu); last checkpoint
}

var _ ledger.Ledger = (*Ledger)(nil)

// New returns an empty ledger in epoch e.
func New(e ledger.Epoch) *Ledger {
	return &Ledger{epoch: e, objs: map[string]ledger.Object{}, fields: map[string][]ledger.Field{},
		addr: map[[2]string]uint64{}, txs: map[string]*ledger.Result{}, polls: map[string]int{}, calls: map[string]int{}}
}

// Serve serves l with package suirpc on 127.0.0.1 until the test ends and
// returns the http:// URL of the server.
func Serve(t testing.TB, l ledger.Ledger) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	suirpc.Register(s, l)
	go s.Serve(ln)
	t.Cleanup(s.Stop)
	return "http://" + ln.Addr().String()
}

// OID makes an object ID from a small number.
func OID(n int) string { return fmt.Sprintf("0x%064x", n) }

// Digest makes a base58 object digest from a small number.
func Digest(n int) string {
	var b [32]byte
	b[0], b[1] = byte(n>>8), byte(n)
	return Base58(b[:])
}

// Base58 encodes b in the Bitcoin alphabet, as Sui writes digests.
func Base58(b []byte) string { return base58.Encode(b) }

// TxDigest is Sui's transaction digest: base58(blake2b256("TransactionData::" || txData)).
func TxDigest(txData []byte) string {
	h := blake2b.Sum256(append([]byte("TransactionData::"), txData...))
	return Base58(h[:])
}

// Put adds or replaces an object.
func (l *Ledger) Put(o ledger.Object) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.objs[o.ID] = o
}

// AddField adds a dynamic field of parent.
func (l *Ledger) AddField(parent string, f ledger.Field) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fields[parent] = append(l.fields[parent], f)
}

// SetAddressBalance sets owner's address balance of coinType.
func (l *Ledger) SetAddressBalance(owner, coinType string, v uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addr[[2]string{owner, coinType}] = v
}

// SetEpoch changes the epoch and reference gas price.
func (l *Ledger) SetEpoch(e ledger.Epoch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch = e
}

// Count returns how many times a Ledger method was called.
func (l *Ledger) Count(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[method]
}

func (l *Ledger) hit(method string) {
	l.calls[method]++
}

// Objects implements ledger.Ledger.
func (l *Ledger) Objects(ctx context.Context, ids []string) ([]*ledger.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("Objects")
	out := make([]*ledger.Object, len(ids))
	for i, id := range ids {
		if o, ok := l.objs[id]; ok {
			out[i] = &o
		}
	}
	return out, ctx.Err()
}

// typeMatches implements the OwnedObjects filter: a type without type
// parameters matches every instance.
func typeMatches(typ, filter string) bool {
	if filter == "" || typ == filter {
		return true
	}
	base, _, _ := strings.Cut(typ, "<")
	return !strings.Contains(filter, "<") && base == filter
}

// OwnedObjects implements ledger.Ledger.
func (l *Ledger) OwnedObjects(ctx context.Context, owner, typ string) ([]*ledger.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("OwnedObjects")
	var out []*ledger.Object
	for _, o := range l.objs {
		if o.Owner.Address == owner && !o.Owner.Shared && !o.Owner.Immutable && typeMatches(o.Type, typ) {
			out = append(out, &o)
		}
	}
	slices.SortFunc(out, func(a, b *ledger.Object) int { return strings.Compare(a.ID, b.ID) })
	return out, ctx.Err()
}

// DynamicFields implements ledger.Ledger.
func (l *Ledger) DynamicFields(ctx context.Context, parent string) ([]ledger.Field, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("DynamicFields")
	return slices.Clone(l.fields[parent]), ctx.Err()
}

// Epoch implements ledger.Ledger.
func (l *Ledger) Epoch(ctx context.Context) (ledger.Epoch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("Epoch")
	return l.epoch, ctx.Err()
}

// Balance implements ledger.Ledger.
func (l *Ledger) Balance(ctx context.Context, owner, coinType string) (ledger.Balance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("Balance")
	b := ledger.Balance{CoinType: coinType, AddressBalance: l.addr[[2]string{owner, coinType}]}
	for _, o := range l.objs {
		if o.Owner.Address == owner && o.Type == "0x2::coin::Coin<"+coinType+">" {
			b.CoinBalance += o.Balance
		}
	}
	return b, ctx.Err()
}

// VerifySignature checks a Sui ed25519 serialized signature (0x00 ‖ sig
// ‖ pk) over the TransactionData intent message blake2b256(00 00 00 ‖
// txData) and returns the signer's address.
func VerifySignature(txData, sig []byte) (string, error) {
	if len(sig) != 1+ed25519.SignatureSize+ed25519.PublicKeySize || sig[0] != 0 {
		return "", fmt.Errorf("not an ed25519 serialized signature (%d bytes, flag %#x)", len(sig), sig[:min(len(sig), 1)])
	}
	msg := blake2b.Sum256(append([]byte{0, 0, 0}, txData...))
	pk := sig[1+ed25519.SignatureSize:]
	if !ed25519.Verify(pk, msg[:], sig[1:1+ed25519.SignatureSize]) {
		return "", errors.New("ed25519 signature does not verify")
	}
	addr := blake2b.Sum256(append([]byte{0}, pk...))
	return "0x" + hex.EncodeToString(addr[:]), nil
}

func (l *Ledger) run(txData []byte, dryRun bool) (*ledger.Result, error) {
	if l.Exec == nil {
		return nil, errors.New("this ledger executes nothing")
	}
	r, err := l.Exec(txData, dryRun)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Digest, c.TxData, c.Checkpoint = TxDigest(txData), slices.Clone(txData), 0
	return &c, nil
}

// Execute implements ledger.Ledger: every signature must verify.
func (l *Ledger) Execute(ctx context.Context, txData []byte, sigs [][]byte) (*ledger.Result, error) {
	l.execMu.Lock()
	defer l.execMu.Unlock()
	l.mu.Lock()
	l.hit("Execute")
	l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, errors.New("no signatures")
	}
	for i, s := range sigs {
		if _, err := VerifySignature(txData, s); err != nil {
			return nil, fmt.Errorf("invalid user signature %d: %w", i, err)
		}
	}
	r, err := l.run(txData, false)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.txs[r.Digest]; ok { // resubmission: same answer
		c := *old
		return &c, nil
	}
	for _, ch := range append(slices.Clone(r.Changed), r.GasObject) {
		if ch.ID == "" {
			continue
		}
		if ch.Op == ledger.Deleted {
			delete(l.objs, ch.ID)
			continue
		}
		o := l.objs[ch.ID]
		o.ID, o.Version, o.Digest, o.Type, o.Owner = ch.ID, ch.Version, ch.Digest, ch.Type, ch.Owner
		l.objs[ch.ID] = o
	}
	l.txs[r.Digest] = r
	c := *r
	return &c, nil
}

// Simulate implements ledger.Ledger.
func (l *Ledger) Simulate(ctx context.Context, txData []byte) (*ledger.Result, error) {
	l.mu.Lock()
	l.hit("Simulate")
	l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return l.run(txData, true)
}

// Transaction implements ledger.Ledger; each call counts as a poll
// towards CheckpointAfter.
func (l *Ledger) Transaction(ctx context.Context, digest string) (*ledger.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hit("Transaction")
	r, ok := l.txs[digest]
	if !ok {
		return nil, fmt.Errorf("transaction %s: %w", digest, ledger.ErrNotFound)
	}
	if r.Checkpoint == 0 && l.CheckpointAfter >= 0 {
		l.polls[digest]++
		if l.polls[digest] > l.CheckpointAfter {
			l.ckpt++
			r.Checkpoint = l.ckpt
		}
	}
	c := *r
	return &c, ctx.Err()
}
