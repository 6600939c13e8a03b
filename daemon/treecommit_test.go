package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/index"
)

// TestCommitterDue: a background commit is due once the index has stayed
// unchanged for the quiet period, or when changes never pause, after
// commitMaxWaitFactor quiet periods; never when nothing changed.
func TestCommitterDue(t *testing.T) {
	ctx := context.Background()
	x, err := index.Open(filepath.Join(t.TempDir(), "index.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	now := time.Unix(1_000_000, 0)
	c := newCommitter(nil, x, time.Minute, slog.New(slog.DiscardHandler))
	c.now = func() time.Time { return now }
	n := 0
	change := func() {
		t.Helper()
		n++
		if _, err := x.Create(ctx, index.RootIno, fmt.Sprintf("f%d", n), index.NewNode{Type: index.TypeFile, Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
	}
	step := func(d time.Duration, want bool) {
		t.Helper()
		now = now.Add(d)
		if got := c.due(); got != want {
			t.Fatalf("at +%v: due %v, want %v", now.Sub(time.Unix(1_000_000, 0)), got, want)
		}
	}
	step(time.Hour, false) // nothing changed
	if c.pending() {
		t.Fatal("pending with no change")
	}
	change()
	if !c.pending() {
		t.Fatal("not pending after a change")
	}
	step(0, false)
	step(59*time.Second, false)
	step(time.Second, true) // a quiet minute
	// Changes every 30 s never leave a quiet minute: due after 6 minutes.
	c.committed, c.first = x.Written(), time.Time{}
	for i := 0; i < 12; i++ {
		change()
		step(30*time.Second, false)
	}
	change()
	step(30*time.Second, true)
}
