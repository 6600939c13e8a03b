package cache

import (
	"bytes"
	"context"
	"testing"
)

// TestStreamBlocksWrittenDirect: blocks of a sequential stream are
// written with O_DIRECT (where the file system allows it) and read back
// exactly after a restart, short last block included; blocks fetched on
// demand only go through the page cache.
func TestStreamBlocksWrittenDirect(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(8*testBS+1000, 51)
	size := int64(len(data))
	dir := t.TempDir()
	opts := &Options{BlockSize: testBS, MaxReadAhead: 4 * testBS}
	c := mustOpen(t, dir, src, opts)
	r := c.NewReader(id, size)
	readSeq(t, r, data, 0, size, 16<<10)
	r.Close()
	waitIdle(t, c)
	switch c.direct.Load() {
	case directUnsupported:
		t.Skipf("the file system of %s refuses O_DIRECT", dir)
	case directUnknown:
		t.Fatal("no block of the stream was written with O_DIRECT")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	fetches := src.reads.Load()
	c = mustOpen(t, dir, src, opts)
	if s := c.Stats(); s.Blocks != 9 || s.Bytes != 8*testBS+fsBlock+fileOverhead(8) {
		t.Fatalf("reopened: %+v", s)
	}
	buf := make([]byte, size)
	if n, err := c.ReadAt(context.Background(), id, size, buf, 0); err != nil || n != len(buf) || !bytes.Equal(buf, data) {
		t.Fatalf("read back from disk: %d, %v, equal %v", n, err, bytes.Equal(buf, data))
	}
	if got := src.reads.Load() - fetches; got != 0 {
		t.Fatalf("%d Source reads after the restart, want 0", got)
	}

	// Every O_DIRECT slot taken: a stream goes through the page cache.
	c3 := mustOpen(t, t.TempDir(), src, opts)
	for range maxDirectWrites {
		c3.directSlots <- struct{}{}
	}
	r3 := c3.NewReader(id, size)
	readSeq(t, r3, data, 0, size, 16<<10)
	r3.Close()
	waitIdle(t, c3)
	if got := c3.direct.Load(); got != directUnknown {
		t.Fatalf("O_DIRECT used with no slot free (state %d)", got)
	}
	if s := c3.Stats(); s.Blocks != 9 {
		t.Fatalf("%d blocks stored with no O_DIRECT slot free, want 9", s.Blocks)
	}

	// Demand reads only (no Reader): through the page cache.
	id2, data2 := src.add(4*testBS, 52)
	c2 := mustOpen(t, t.TempDir(), src, opts)
	if _, err := c2.ReadAt(context.Background(), id2, int64(len(data2)), make([]byte, len(data2)), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c2)
	if got := c2.direct.Load(); got != directUnknown {
		t.Fatalf("demand reads wrote with O_DIRECT (state %d)", got)
	}
}
