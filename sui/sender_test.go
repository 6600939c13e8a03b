package sui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/devnet/suirpc/suirpctest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestSender: concurrent sends over one gas coin all succeed (without
// the one-in-flight rule two would pay with the same coin version and the
// chain would refuse the second; without refs from effects every send
// would list the coins again); a dry run that aborts submits nothing;
// an abort still moves the gas coin.
func TestSender(t *testing.T) {
	ctx := context.Background()
	key := newTestSigner(3)
	ch, c := newChain(t, key.Address(), 100_000_000)
	s := NewSender(c, key)
	build := func(op string, n int) Build {
		return func(gas []ObjectRef, price, budget uint64) ([]byte, error) {
			return fakeTx{Sender: key.Address(), Gas: gas, Price: price, Budget: budget, Op: op, N: n}.bytes(), nil
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			e, err := s.Send(ctx, build("sleep", i), nil)
			if err == nil && (len(e.Created) != 1 || e.Checkpoint == 0) {
				err = fmt.Errorf("effects %+v", e)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := ch.l.Count("OwnedObjects"); n != 1 {
		t.Fatalf("coins listed %d times; the refs should come from effects", n)
	}
	objs, _ := ch.l.Objects(ctx, []string{suirpctest.OID(0x100)})
	if objs[0].Version != 106 || objs[0].Balance != 100_000_000-6*2_500_000 {
		t.Fatalf("gas coin after 6 transactions: %+v", objs[0])
	}
	if s.coins[0].Balance != objs[0].Balance || s.coins[0].Ref.Version != 106 {
		t.Fatalf("sender's coin %+v, chain's %+v", s.coins[0], objs[0])
	}

	before := ch.l.Count("Execute")
	e, err := s.Send(ctx, build("abort", 0), nil)
	if err == nil || !strings.Contains(err.Error(), "dry run fails") || !e.HasAbort || ch.l.Count("Execute") != before {
		t.Fatalf("aborting dry run: %+v, %v", e, err)
	}
	if _, err := s.Send(ctx, build("ok", 0), map[string]bool{suirpctest.OID(0x100): true}); err == nil || !strings.Contains(err.Error(), "(1 more excluded)") {
		t.Fatalf("all coins excluded: %v", err)
	}
	failing := func(gas []ObjectRef, price, budget uint64) ([]byte, error) {
		if gas == nil {
			return build("ok", 0)(gas, price, budget)
		}
		return nil, errors.New("builder broke")
	}
	if _, err := s.Send(ctx, failing, nil); err == nil || !strings.Contains(err.Error(), "builder broke") {
		t.Fatalf("failing builder: %v", err)
	}
	// Coins spent elsewhere: the stale ref is refused, the next Send reads
	// the coins again and succeeds.
	ch.l.Put(ledger.Object{ID: suirpctest.OID(0x100), Version: 500, Digest: suirpctest.Digest(500), Type: suiCoinType, Owner: ledger.Owner{Address: key.Address()}, Balance: 50_000_000})
	if _, err := s.Send(ctx, build("ok", 0), nil); err == nil || !strings.Contains(err.Error(), "not available for consumption") {
		t.Fatalf("stale coin: %v", err)
	}
	if e, err := s.Send(ctx, build("ok", 0), nil); err != nil || e.GasObject.Version != 107 {
		t.Fatalf("after re-reading the coins: %+v, %v", e, err)
	}
	listed := ch.l.Count("OwnedObjects")
	s.Forget()
	if _, err := s.Send(ctx, build("ok", 0), nil); err != nil || ch.l.Count("OwnedObjects") != listed+1 {
		t.Fatalf("after Forget: %v, coins listed %d times, before %d", err, ch.l.Count("OwnedObjects"), listed)
	}
}

// TestSenderUnknownOutcome: a submission whose answer is lost keeps its
// gas coin out of use until the node knows the transaction.
func TestSenderUnknownOutcome(t *testing.T) {
	key := newTestSigner(4)
	ch, c := newChain(t, key.Address(), 100_000_000)
	ch.slow = make(chan bool)
	s := NewSender(c, key)
	build := func(op string) Build {
		return func(gas []ObjectRef, price, budget uint64) ([]byte, error) {
			return fakeTx{Sender: key.Address(), Gas: gas, Price: price, Budget: budget, Op: op}.bytes(), nil
		}
	}
	send := func(op string, d time.Duration) (Effects, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return s.Send(ctx, build(op), nil)
	}
	// Refused after the client gave up: never executed, the coin stays out.
	if _, err := send("slowrefuse", 200*time.Millisecond); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("lost answer: %v", err)
	}
	ch.slow <- true
	if _, err := send("ok", 5*time.Second); err == nil || !strings.Contains(err.Error(), "(1 more excluded)") {
		t.Fatalf("coin of an unknown transaction: %v", err)
	}
	// Executed after the client gave up: once the node has it, the coin is
	// read again at its new version.
	s.Forget() // the caller knows it will never execute
	done := make(chan error, 1)
	go func() { _, err := send("slow", 200*time.Millisecond); done <- err }()
	if err := <-done; status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("lost answer: %v", err)
	}
	if _, err := send("ok", 5*time.Second); err == nil || !strings.Contains(err.Error(), "(1 more excluded)") {
		t.Fatalf("coin of a transaction still running: %v", err)
	}
	ch.slow <- true
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		e, err := send("ok", 5*time.Second)
		if err == nil {
			if e.GasObject.Version != 102 || len(s.pending) != 0 {
				t.Fatalf("after the lost transaction: %+v, pending %v", e, s.pending)
			}
			return
		}
		if !strings.Contains(err.Error(), "excluded") {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the coin was never released")
}
