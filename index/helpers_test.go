package index

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	bolt "go.etcd.io/bbolt"
)

// fakeClock is a settable clock for deterministic timestamps.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mk creates an inode of type typ at parent/name or fails the test.
func mk(t *testing.T, x *Index, parent uint64, name string, typ Type) Attr {
	t.Helper()
	n := NewNode{Type: typ, Mode: 0o644, Uid: 1000, Gid: 1000}
	if typ == TypeSymlink {
		n.Target = "target/of/" + name
	}
	a, err := x.Create(t.Context(), parent, name, n)
	if err != nil {
		t.Fatalf("Create(%d, %q, %v): %v", parent, name, typ, err)
	}
	return a
}

func attr(t *testing.T, x *Index, ino uint64) Attr {
	t.Helper()
	a, err := x.GetAttr(t.Context(), ino)
	if err != nil {
		t.Fatalf("GetAttr(%d): %v", ino, err)
	}
	return a
}

// wantErr fails unless errors.Is(err, want) (want nil means success).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// names lists every entry of dir via ReadDir pages of 2.
func names(t *testing.T, x *Index, dir uint64) string {
	t.Helper()
	var out []string
	after := ""
	for {
		page, err := x.ReadDir(t.Context(), dir, after, 2)
		if err != nil {
			t.Fatalf("ReadDir(%d): %v", dir, err)
		}
		if len(page) == 0 {
			return strings.Join(out, ",")
		}
		for _, e := range page {
			out = append(out, e.Name)
		}
		after = page[len(page)-1].Name
	}
}

// blob returns a deterministic blob ID for tests.
func blob(n byte) blobid.ID {
	var id blobid.ID
	for i := range id {
		id[i] = n
	}
	return id
}

func refs(t *testing.T, x *Index, id blobid.ID) uint64 {
	t.Helper()
	n, err := x.BlobRefs(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// rawUpdate runs fn on the index's transaction without journaling it and
// commits: the way tests plant corruption.
func (x *Index) rawUpdate(fn func(tx *bolt.Tx) error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := fn(x.tx); err != nil {
		return err
	}
	if err := x.tx.Commit(); err != nil {
		return err
	}
	tx, err := x.db.Begin(true)
	x.tx = tx
	return err
}
