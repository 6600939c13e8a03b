package sui

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc/suirpctest"
	"github.com/walrusfs/walrusfs/sui/suitest"
	"golang.org/x/crypto/blake2b"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

const suiCoinType = "0x2::coin::Coin<0x2::sui::SUI>"

// testSigner signs as Sui does with ed25519.
type testSigner struct{ key ed25519.PrivateKey }

func newTestSigner(seed byte) testSigner {
	s := make([]byte, 32)
	s[0] = seed
	return testSigner{ed25519.NewKeyFromSeed(s)}
}

func (s testSigner) Address() string {
	a := blake2b.Sum256(append([]byte{0}, s.key.Public().(ed25519.PublicKey)...))
	return "0x" + hex.EncodeToString(a[:])
}

func (s testSigner) SignTransaction(tx []byte) ([]byte, error) {
	msg := blake2b.Sum256(append([]byte{0, 0, 0}, tx...))
	return append(append([]byte{0}, ed25519.Sign(s.key, msg[:])...), s.key.Public().(ed25519.PublicKey)...), nil
}

// fakeTx is the TransactionData of the fake chain: the ledger under test
// gives bytes their meaning, the client and server carry them opaquely.
type fakeTx struct {
	Sender string
	Gas    []ObjectRef
	Price  uint64
	Budget uint64
	Op     string // "ok", "abort", "sleep"
	N      int
}

func (f fakeTx) bytes() []byte { b, _ := json.Marshal(f); return b }

// chain is a fake chain over suirpctest.Ledger: it checks that gas
// coins are current (as validators do, refusing stale versions), charges
// gas, merges payment coins into the first, and creates one object.
type chain struct {
	l       *suirpctest.Ledger
	mu      sync.Mutex
	version uint64
	gas     ledger.GasCost
	slow    chan bool // ops "slow" and "slowrefuse" wait for it when executing
}

func newChain(t *testing.T, owner string, coins ...uint64) (*chain, *Client) {
	ch := &chain{l: suirpctest.New(ledger.Epoch{Epoch: 5, ReferenceGasPrice: 750}), version: 100,
		gas: ledger.GasCost{Computation: 1_000_000, Storage: 2_000_000, Rebate: 500_000}}
	for i, b := range coins {
		ch.l.Put(ledger.Object{ID: suirpctest.OID(0x100 + i), Version: 1, Digest: suirpctest.Digest(0x100 + i), Type: suiCoinType,
			Owner: ledger.Owner{Address: owner}, Balance: b})
	}
	ch.l.Exec = ch.exec
	ch.l.CheckpointAfter = 1
	c, err := Dial(testNet, suirpctest.Serve(t, ch.l))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ch, c
}

func (ch *chain) exec(b []byte, dryRun bool) (*ledger.Result, error) {
	var tx fakeTx
	if err := json.Unmarshal(b, &tx); err != nil {
		return nil, fmt.Errorf("not a transaction: %w", err)
	}
	if dryRun && (len(tx.Gas) != 0 || tx.Budget != DryRunGasBudget || tx.Price != DryRunGasPrice) {
		return nil, fmt.Errorf("dry run with gas %v, budget %d, price %d", tx.Gas, tx.Budget, tx.Price)
	}
	if tx.Op == "sleep" {
		time.Sleep(20 * time.Millisecond)
	}
	if !dryRun && (tx.Op == "slow" || tx.Op == "slowrefuse") {
		<-ch.slow
		if tx.Op == "slowrefuse" {
			return nil, errors.New("refused late")
		}
	}
	r := &ledger.Result{Success: true, Gas: ch.gas}
	if tx.Op == "abort" {
		r.Success, r.HasAbort, r.AbortCode, r.AbortModule = false, true, 2, "system"
		r.Error = `MoveAbort(MoveLocation { module: ModuleId { address: 99, name: Identifier("system") }, function: 3, instruction: 0, function_name: Some("reserve_space") }, 2) in command 1`
	}
	if dryRun {
		return r, nil
	}
	if len(tx.Gas) == 0 {
		return nil, errors.New("no gas payment")
	}
	var total uint64
	for _, g := range tx.Gas {
		objs, _ := ch.l.Objects(context.Background(), []string{g.ID})
		o := objs[0]
		if o == nil || o.Version != g.Version || o.Digest != g.Digest {
			return nil, fmt.Errorf("object %s version %d is not available for consumption", g.ID, g.Version)
		}
		total += o.Balance
	}
	if tx.Budget > total || tx.Price != 750 {
		return nil, fmt.Errorf("gas budget %d at price %d with %d MIST of coins", tx.Budget, tx.Price, total)
	}
	ch.mu.Lock()
	ch.version++
	v := ch.version
	ch.mu.Unlock()
	owner := ledger.Owner{Address: tx.Sender}
	g := tx.Gas[0]
	ch.l.Put(ledger.Object{ID: g.ID, Type: suiCoinType, Owner: owner, Balance: total - (ch.gas.Computation + ch.gas.Storage - ch.gas.Rebate)})
	r.GasObject = ledger.Changed{ID: g.ID, Op: ledger.Mutated, Version: v, Digest: suirpctest.Digest(int(v)), Type: suiCoinType, Owner: owner}
	for _, m := range tx.Gas[1:] {
		r.Changed = append(r.Changed, ledger.Changed{ID: m.ID, Op: ledger.Deleted, Version: v, Type: suiCoinType, Owner: owner})
	}
	if r.Success {
		r.Changed = append(r.Changed, ledger.Changed{ID: suirpctest.OID(0x5000 + int(v)), Op: ledger.Created, Version: v, Digest: suirpctest.Digest(0x5000 + int(v)),
			Type: "0xfd::blob::Blob", Owner: owner})
		r.Events = []ledger.Event{{Type: "0xfd::events::BlobRegistered", BCS: []byte{byte(tx.N)}}}
	}
	return r, nil
}

func TestGasBudget(t *testing.T) {
	max64 := ^uint64(0)
	for _, c := range []struct {
		gas  GasCost
		rgp  uint64
		want uint64
	}{
		// comp = ceil(1_000_000 × 750 / 1000) = 750_000; net = 750_000 + 2_000_000 − 500_000.
		{GasCost{Computation: 1_000_000, Storage: 2_000_000, Rebate: 500_000}, 750, 2_250_000 + 750_000},
		// rebate above usage: the computation alone, rounded up.
		{GasCost{Computation: 1001, Storage: 10, Rebate: 5_000}, 999, 1000 + 999_000},
		{GasCost{}, 1000, 1_000_000},
		{GasCost{Computation: max64, Storage: max64}, 2000, max64},
		{GasCost{Computation: 1}, max64, max64},
	} {
		if got := GasBudget(Effects{Gas: c.gas}, c.rgp); got != c.want {
			t.Errorf("GasBudget(%+v, %d) = %d, want %d", c.gas, c.rgp, got, c.want)
		}
	}
}

func coin(id int, bal uint64) Coin {
	return Coin{Ref: ObjectRef{ID: suirpctest.OID(id), Version: 1, Digest: "d"}, Balance: bal}
}

func TestSelectCoins(t *testing.T) {
	coins := []Coin{coin(1, 5), coin(2, 50), coin(3, 20), coin(4, 20)}
	for _, c := range []struct {
		amount  uint64
		exclude map[string]bool
		want    []int
		err     string
	}{
		{0, nil, []int{2}, ""},
		{50, nil, []int{2}, ""},
		{51, nil, []int{2, 3}, ""},
		{90, nil, []int{2, 3, 4}, ""},
		{95, nil, []int{2, 3, 4, 1}, ""},
		{30, map[string]bool{suirpctest.OID(2): true}, []int{3, 4}, ""},
		{96, nil, nil, "need 96, have 95 in 4 coins"},
		{50, map[string]bool{suirpctest.OID(2): true}, nil, "need 50, have 45 in 3 coins (1 more excluded)"},
	} {
		got, err := SelectCoins(coins, c.amount, c.exclude)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SelectCoins(%d): %v, want error %q", c.amount, err, c.err)
			}
			continue
		}
		var ids []int
		for _, g := range got {
			var n int
			fmt.Sscanf(g.Ref.ID, "0x%x", &n)
			ids = append(ids, n)
		}
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("SelectCoins(%d, %v) = %v, %v; want %v", c.amount, c.exclude, ids, err, c.want)
		}
	}
	if _, err := SelectCoins(nil, 0, nil); err == nil || !strings.Contains(err.Error(), "need 0, have 0 in 0 coins") {
		t.Fatalf("no coins: %v", err)
	}
	many := make([]Coin, 300)
	for i := range many {
		many[i] = coin(i+1, 1)
	}
	if _, err := SelectCoins(many, 290, nil); err == nil || !strings.Contains(err.Error(), "the largest 256 hold only 256") {
		t.Fatalf("too many coins: %v", err)
	}
}

func TestTxDigest(t *testing.T) {
	// The TypeScript SDK's digests of the transactions in suitx's vectors
	// (built and digested by @mysten/sui 2.33.1).
	b, err := os.ReadFile("../suitx/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct{ Tx, Digest string }
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.Cases) == 0 {
		t.Fatalf("vectors: %v", err)
	}
	for _, c := range v.Cases {
		tx, err := base64.StdEncoding.DecodeString(c.Tx)
		if err != nil {
			t.Fatal(err)
		}
		if got := TxDigest(tx); got != c.Digest {
			t.Errorf("TxDigest = %s, TypeScript SDK %s", got, c.Digest)
		}
	}
}

// TestReads: gas price, coins over more than two pages, balances with an
// address balance, all through suirpc.
func TestReads(t *testing.T) {
	ctx := context.Background()
	bals := make([]uint64, 120)
	for i := range bals {
		bals[i] = uint64(i + 1)
	}
	ch, c := newChain(t, owner, bals...)
	ch.l.SetAddressBalance(owner, SUIType, 1234)
	rgp, err := c.ReferenceGasPrice(ctx)
	if err != nil || rgp != 750 {
		t.Fatalf("reference gas price %d, %v", rgp, err)
	}
	coins, err := c.Coins(ctx, owner, "")
	if err != nil {
		t.Fatal(err)
	}
	var sum uint64
	seen := map[string]bool{}
	for _, co := range coins {
		sum += co.Balance
		seen[co.Ref.ID] = true
		if co.Ref.Version != 1 || co.Ref.Digest == "" {
			t.Fatalf("coin %+v", co)
		}
	}
	if len(coins) != 120 || len(seen) != 120 || sum != 120*121/2 || ch.l.Count("OwnedObjects") != 3 {
		t.Fatalf("%d coins (%d distinct) worth %d in %d pages", len(coins), len(seen), sum, ch.l.Count("OwnedObjects"))
	}
	b, err := c.Balance(ctx, owner, "")
	if err != nil || b != (Balance{CoinType: SUIType, Coins: 120 * 121 / 2, Address: 1234}) {
		t.Fatalf("balance %+v, %v", b, err)
	}
	b, err = c.Balance(ctx, owner, "0xfee::wal::WAL")
	if err != nil || b != (Balance{CoinType: "0xfee::wal::WAL"}) {
		t.Fatalf("WAL balance %+v, %v", b, err)
	}
	if coins, err := c.Coins(ctx, "0x00000000000000000000000000000000000000000000000000000000000000cc", ""); err != nil || len(coins) != 0 {
		t.Fatalf("coins of nobody: %v, %v", coins, err)
	}
}

// TestBalanceSplit: address_balance and coin_balance (fields 4 and 5)
// from the unknown fields; a node without them reports coins only.
func TestBalanceSplit(t *testing.T) {
	for _, c := range []struct {
		raw         []byte
		addr, coins uint64
		ok          bool
	}{
		{nil, 0, 0, false},
		{protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 300), 0, 300, true},
		{append(protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 7),
			protowire.AppendVarint(protowire.AppendTag(protowire.AppendString(protowire.AppendTag(nil, 9, protowire.BytesType), "x"), 5, protowire.VarintType), 1)...), 7, 1, true},
		{[]byte{0x28}, 0, 0, false}, // field 5 without its value
		{[]byte{0xff}, 0, 0, false},
	} {
		m := &v2proto.Balance{}
		m.ProtoReflect().SetUnknown(c.raw)
		a, b, ok := balanceSplit(m)
		if a != c.addr || b != c.coins || ok != c.ok {
			t.Errorf("balanceSplit(%x) = %d, %d, %v; want %d, %d, %v", c.raw, a, b, ok, c.addr, c.coins, c.ok)
		}
	}
}

func signed(t *testing.T, s testSigner, tx []byte) [][]byte {
	sig, err := s.SignTransaction(tx)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{sig}
}

func TestExecute(t *testing.T) {
	ctx := context.Background()
	key := newTestSigner(1)
	ch, c := newChain(t, key.Address(), 10_000_000, 20_000_000)
	gas := []ObjectRef{{ID: suirpctest.OID(0x101), Version: 1, Digest: suirpctest.Digest(0x101)}, {ID: suirpctest.OID(0x100), Version: 1, Digest: suirpctest.Digest(0x100)}}
	tx := fakeTx{Sender: key.Address(), Gas: gas, Price: 750, Budget: 3_000_000, Op: "ok", N: 7}.bytes()
	e, err := c.Execute(ctx, tx, signed(t, key, tx))
	if err != nil {
		t.Fatal(err)
	}
	want := Effects{Digest: TxDigest(tx), Success: true, Gas: GasCost{Computation: 1_000_000, Storage: 2_000_000, Rebate: 500_000},
		GasObject:  ObjectRef{ID: suirpctest.OID(0x101), Version: 101, Digest: suirpctest.Digest(101)},
		Created:    []Changed{{ID: suirpctest.OID(0x5000 + 101), Type: "0xfd::blob::Blob", Ref: ObjectRef{ID: suirpctest.OID(0x5000 + 101), Version: 101, Digest: suirpctest.Digest(0x5000 + 101)}, Owner: key.Address()}},
		Mutated:    []Changed{{ID: suirpctest.OID(0x101), Type: suiCoinType, Ref: ObjectRef{ID: suirpctest.OID(0x101), Version: 101, Digest: suirpctest.Digest(101)}, Owner: key.Address()}},
		Deleted:    []string{suirpctest.OID(0x100)},
		Events:     []Event{{Type: "0xfd::events::BlobRegistered", BCS: []byte{7}}},
		Checkpoint: 1,
	}
	if fmt.Sprintf("%+v", e) != fmt.Sprintf("%+v", want) {
		t.Fatalf("effects\n got %+v\nwant %+v", e, want)
	}
	if e.Err() != nil {
		t.Fatal(e.Err())
	}
	got, err := c.Transaction(ctx, e.Digest)
	if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	if _, err := c.Transaction(ctx, "9999"); status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "transaction 9999") {
		t.Fatalf("unknown transaction: %v", err)
	}

	// The same coins again: stale versions, refused before execution.
	tx2 := fakeTx{Sender: key.Address(), Gas: gas[:1], Price: 750, Budget: 3_000_000, Op: "ok", N: 8}.bytes()
	if _, err := c.Execute(ctx, tx2, signed(t, key, tx2)); status.Code(err) != codes.InvalidArgument ||
		!strings.Contains(err.Error(), "not available for consumption") || !strings.Contains(err.Error(), TxDigest(tx2)) {
		t.Fatalf("stale gas: %v", err)
	}
	// A signature by another key over other bytes.
	if _, err := c.Execute(ctx, tx2, signed(t, newTestSigner(2), []byte("x"))); status.Code(err) != codes.InvalidArgument ||
		!strings.Contains(err.Error(), "invalid user signature 0: ed25519 signature does not verify") {
		t.Fatalf("bad signature: %v", err)
	}
	if n := ch.l.Count("Execute"); n != 3 {
		t.Fatalf("%d executions", n)
	}
}

func TestExecuteAbort(t *testing.T) {
	ctx := context.Background()
	key := newTestSigner(1)
	_, c := newChain(t, key.Address(), 10_000_000)
	gas := []ObjectRef{{ID: suirpctest.OID(0x100), Version: 1, Digest: suirpctest.Digest(0x100)}}
	tx := fakeTx{Sender: key.Address(), Gas: gas, Price: 750, Budget: 3_000_000, Op: "abort"}.bytes()
	e, err := c.Execute(ctx, tx, signed(t, key, tx))
	if err != nil {
		t.Fatal(err)
	}
	if e.Success || !e.HasAbort || e.AbortCode != 2 || e.AbortModule != "system" || !strings.HasPrefix(e.Error, "MoveAbort(") ||
		e.GasObject.Version != 101 || len(e.Created) != 0 || e.Checkpoint == 0 {
		t.Fatalf("aborted: %+v", e)
	}
	if err := e.Err(); err == nil || !strings.Contains(err.Error(), `aborted with code 2 in module "system"`) || !strings.Contains(err.Error(), e.Digest) {
		t.Fatalf("Err: %v", err)
	}
	sim, err := c.Simulate(ctx, fakeTx{Op: "abort", Price: DryRunGasPrice, Budget: DryRunGasBudget}.bytes())
	if err != nil || sim.Success || sim.AbortCode != 2 || sim.Gas.Storage != 2_000_000 || sim.Checkpoint != 0 {
		t.Fatalf("simulated abort: %+v, %v", sim, err)
	}
	if _, err := c.Simulate(ctx, []byte("not json")); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "not a transaction") {
		t.Fatalf("simulating garbage: %v", err)
	}
}

// TestCheckpointTimeout: a transaction no checkpoint takes; the wait ends
// with the context, returning the effects.
func TestCheckpointTimeout(t *testing.T) {
	key := newTestSigner(1)
	ch, c := newChain(t, key.Address(), 10_000_000)
	ch.l.CheckpointAfter = -1
	gas := []ObjectRef{{ID: suirpctest.OID(0x100), Version: 1, Digest: suirpctest.Digest(0x100)}}
	tx := fakeTx{Sender: key.Address(), Gas: gas, Price: 750, Budget: 3_000_000, Op: "ok"}.bytes()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	e, err := c.Execute(ctx, tx, signed(t, key, tx))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "executed, but no checkpoint held it") || !strings.Contains(err.Error(), TxDigest(tx)) {
		t.Fatalf("wait: %v", err)
	}
	if e.Digest != TxDigest(tx) || !e.Success || e.Checkpoint != 0 || e.GasObject.Version != 101 {
		t.Fatalf("effects with the timeout: %+v", e)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("waited %v", d)
	}
	if n := ch.l.Count("Transaction"); n < 2 {
		t.Fatalf("polled %d times", n)
	}
}

// TestReadsJSONRPCFallback: gas price, coins (one per page) and balance
// from a node that only speaks JSON-RPC.
func TestReadsJSONRPCFallback(t *testing.T) {
	n := newNetwork()
	n.SetReferenceGasPrice(812)
	for i, b := range []uint64{5, 7, 11} {
		n.AddObject(suitest.OID(0x60+i), suiCoinType, owner, (&suitest.BCS{}).ID(suitest.OID(0x60+i)).U64(b).B)
	}
	n.AddObject(suitest.OID(0x70), "0x2::coin::Coin<0xfee::wal::WAL>", owner, (&suitest.BCS{}).ID(suitest.OID(0x70)).U64(99).B)
	c := dial(t, n.ServeJSONRPC(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rgp, err := c.ReferenceGasPrice(ctx)
	if err != nil || rgp != 812 {
		t.Fatalf("reference gas price over JSON-RPC: %d, %v", rgp, err)
	}
	coins, err := c.Coins(ctx, owner, "")
	if err != nil || len(coins) != 3 || coins[2].Balance != 11 || coins[0].Ref.ID != suitest.OID(0x60) || coins[0].Ref.Version != 1 {
		t.Fatalf("coins over JSON-RPC: %+v, %v", coins, err)
	}
	b, err := c.Balance(ctx, owner, "0xfee::wal::WAL")
	if err != nil || b != (Balance{CoinType: "0xfee::wal::WAL", Coins: 99}) {
		t.Fatalf("balance over JSON-RPC: %+v, %v", b, err)
	}
	if n.Count("suix_getCoins") != 3 {
		t.Fatalf("%d suix_getCoins calls", n.Count("suix_getCoins"))
	}
}

// TestConcurrentReads: one Client used from many goroutines at once from
// its first call (run with -race).
func TestConcurrentReads(t *testing.T) {
	ch, c := newChain(t, owner, 1, 2, 3)
	ch.l.SetAddressBalance(owner, SUIType, 4)
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = c.ReferenceGasPrice(context.Background())
			case 1:
				var b Balance
				if b, err = c.Balance(context.Background(), owner, ""); err == nil && b.Address != 4 {
					err = fmt.Errorf("balance %+v", b)
				}
			default:
				_, err = c.Transaction(context.Background(), "unknown")
				if status.Code(err) == codes.NotFound {
					err = nil
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
