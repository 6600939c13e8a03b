package index

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestIndex opens a fresh index under t.TempDir() for a test and registers a
// cleanup that runs Check (bbolt's tx.Check plus every invariant of this
// package), fails the test on any inconsistency, and closes the index. The
// test must not Close it. The index file path is Index.Path().
func TestIndex(t testing.TB) *Index {
	t.Helper()
	return TestIndexWith(t, nil)
}

// TestIndexWith is TestIndex with options (e.g. a fake Clock or a small
// ChunkSize). o may be nil; NoSync is always set (tests do not need
// durability) and Timeout defaults to 100ms.
func TestIndexWith(t testing.TB, o *Options) *Index {
	t.Helper()
	var opt Options
	if o != nil {
		opt = *o
	}
	opt.NoSync = true
	if opt.Timeout == 0 {
		opt.Timeout = 100 * time.Millisecond
	}
	x, err := Open(filepath.Join(t.TempDir(), "index.db"), &opt)
	if err != nil {
		t.Fatalf("index.TestIndex: %v", err)
	}
	t.Cleanup(func() {
		if err := x.Check(context.Background()); err != nil {
			t.Errorf("index.TestIndex: consistency check after test:\n%v", err)
		}
		if err := x.Close(); err != nil {
			t.Errorf("index.TestIndex: close: %v", err)
		}
	})
	return x
}
