package daemon

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/tree"
)

// TestChainTreeLatest: on a devnet wallet holding data blobs, commit blobs
// of the volume and a commit of another volume, latest finds the volume's
// newest commit, reads the data blobs' attributes only once, still sees a
// commit stored after that, and check refuses a commit at or below
// another writer's.
func TestChainTreeLatest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.Options{Dir: t.TempDir(), Nodes: 4, Shards: 10, EpochDuration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("closing the devnet: %v", err)
		}
	})
	w, err := clientconf.Load(devnet.ClientConfig(d.Dir), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := clientconf.Resolve(w, clientconf.OSEnv())
	if err != nil {
		t.Fatal(err)
	}
	s, err := directwrite.Open(ctx, &r, directwrite.Options{DataDir: t.TempDir(), Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	vol, other := [16]byte{1, 2, 3}, [16]byte{9}
	newTree := func(volume [16]byte) *chainTree {
		t.Helper()
		ct, err := newChainTree(t.TempDir(), s, volume, func() (uint64, error) { return 0, nil }, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	mine, theirs, otherVol := newTree(vol), newTree(vol), newTree(other)
	blob := make([]byte, 1000)
	store := func(ct *chainTree, seq uint64) string {
		t.Helper()
		blob[0]++
		var attrs map[string]string
		if ct != nil {
			attrs = ct.label(tree.Commit{Seq: seq}, 0, 10, 100)
		}
		rec, err := s.WriteAttributed(ctx, blob, attrs)
		if err != nil {
			t.Fatal(err)
		}
		return rec.ObjectID
	}
	var data []string
	for range 3 {
		data = append(data, store(nil, 0))
	}
	store(mine, 1)
	c2 := store(mine, 2)
	store(otherVol, 7)

	last, ok, err := mine.latest(ctx)
	if err != nil || !ok || last.Seq != 2 || last.Object != c2 || last.Writer != mine.writer {
		t.Fatalf("latest: %+v, %v, %v; want commit 2 in %s", last, ok, err, c2)
	}
	mine.mu.Lock()
	notCommits := len(mine.notCommits)
	for _, id := range data {
		if !mine.notCommits[id] {
			t.Errorf("data blob %s not remembered as no commit", id)
		}
	}
	mine.mu.Unlock()
	if notCommits != len(data) {
		t.Fatalf("%d blobs remembered as no commits, want the %d data blobs", notCommits, len(data))
	}

	// A commit stored since, by this writer and then by another one.
	c3 := store(mine, 3)
	if last, ok, err = mine.latest(ctx); err != nil || !ok || last.Object != c3 {
		t.Fatalf("latest after commit 3: %+v, %v, %v", last, ok, err)
	}
	if head, err := mine.check(ctx, 3); err != nil || head == nil || head.Seq != 3 {
		t.Fatalf("check(3) with its own commit 3 on the chain: %+v, %v; want to build on it", head, err)
	}
	if head, err := mine.check(ctx, 4); err != nil || head != nil {
		t.Fatalf("check(4): %+v, %v; want it free", head, err)
	}
	store(theirs, 3) // a fork: another writer's commit 3
	if _, err := mine.check(ctx, 3); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("check(3) with another writer's commit 3: %v; want ErrSuperseded", err)
	}
	store(theirs, 4)
	if _, err := mine.check(ctx, 4); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("check(4) with another writer's commit 4: %v; want ErrSuperseded", err)
	}
}
