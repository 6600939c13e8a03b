package cache

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// idleInvariants checks an idle cache: every entry on disk and unpinned,
// used equal to the blocks' and files' accounted bytes, every file's claim
// count equal to its entries, the LRU holding every entry, each header slot
// set exactly for the blocks indexed, and the disk within used and the cap.
func idleInvariants(t *testing.T, c *Cache, dir string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	perFile := map[blobid.ID]int{}
	for id, m := range c.blobs {
		for idx, e := range m {
			if e.state != stPresent {
				t.Errorf("idle: entry %v/%d in state %d", id, idx, e.state)
			}
			if e.pins != 0 {
				t.Errorf("idle: pinned entry")
			}
			sum += acct(e.size)
			perFile[id]++
		}
	}
	for id, bf := range c.files {
		sum += bf.overhead + bf.dead
		if bf.blocks != perFile[id] {
			t.Errorf("file %v: blocks %d, entries %d", id, bf.blocks, perFile[id])
		}
		if bf.overhead > fileOverhead(maxFileBlocks) {
			t.Errorf("overhead drift")
		}
	}
	for id := range perFile {
		if c.files[id] == nil {
			t.Errorf("entries without file")
		}
	}
	if sum != c.used {
		t.Errorf("idle: used %d, recomputed %d", c.used, sum)
	}
	if c.lru.Len() != len(flatten(c)) {
		t.Errorf("lru %d vs entries %d", c.lru.Len(), len(flatten(c)))
	}
	// header slots
	for id := range c.files {
		b, err := os.ReadFile(c.blobPath(id))
		if err != nil {
			t.Errorf("read blob file: %v", err)
			continue
		}
		for idx := int64(0); slotsOff+slotSize*(idx+1) <= int64(min(len(b), headerSize)); idx++ {
			l := int64(binary.LittleEndian.Uint32(b[slotsOff+slotSize*idx:]))
			e := c.blobs[id][idx]
			if (l != 0) != (e != nil) {
				t.Errorf("blob %v block %d: slot %d, entry %v", id, idx, l, e != nil)
			}
		}
	}
	n, _, _ := diskUsage(t, dir)
	if n > c.used || n > c.maxBytes {
		t.Errorf("idle disk %d used %d max %d", n, c.used, c.maxBytes)
	}
}

func flatten(c *Cache) []*entry {
	var out []*entry
	for _, m := range c.blobs {
		for _, e := range m {
			out = append(out, e)
		}
	}
	return out
}

// TestEvictionUnderLoad: 24 readers (some streaming with read-ahead, one
// also invalidating blobs) on a cache of five blocks, with slow punches
// that work, never work, or fail one time in three. A monitor checks the
// disk against the cap and the accounting all along; at the end the idle
// invariants hold and, after a reopen, every stored block has the right
// bytes.
func TestEvictionUnderLoad(t *testing.T) {
	for _, mode := range []string{"punch", "nopunch", "flaky"} {
		t.Run(mode, func(t *testing.T) { evictionUnderLoad(t, mode) })
	}
}

func evictionUnderLoad(t *testing.T, mode string) {
	src := newFakeSource()
	src.delay.Store(int64(30 * time.Microsecond))
	type blob struct {
		id   blobid.ID
		data []byte
	}
	var blobs []blob
	for i := range 4 {
		id, d := src.add(int64(6*testBS+1000*i+7), uint64(100+i))
		blobs = append(blobs, blob{id, d})
	}
	max := int64(5*testBS + 4*fsBlock)
	dir := t.TempDir()
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: max, MaxReadAhead: 2 * testBS})
	var punches atomic.Int64
	c.punchHole = func(fd int, off, n int64) error {
		punches.Add(1)
		time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
		switch mode {
		case "nopunch":
			return syscall.EOPNOTSUPP
		case "flaky":
			if rand.IntN(3) == 0 {
				return syscall.EOPNOTSUPP
			}
		}
		return punchHole(fd, off, n)
	}
	stopMonitor := monitorDisk(t, c, dir)
	var wg sync.WaitGroup
	for g := range 24 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 60 {
				b := blobs[rng.IntN(len(blobs))]
				size := int64(len(b.data))
				if g == 0 && rng.IntN(4) == 0 {
					c.Invalidate(b.id)
					continue
				}
				off := rng.Int64N(size)
				p := make([]byte, 1+rng.IntN(2*testBS))
				var n int
				var err error
				if g%3 == 0 {
					r := c.NewReader(b.id, size)
					for k := 0; k < 4 && off < size; k++ {
						n, err = r.ReadAt(context.Background(), p, off)
						if err != nil && err != io.EOF {
							t.Errorf("read: %v", err)
						}
						if !bytes.Equal(p[:n], b.data[off:off+int64(n)]) {
							t.Errorf("wrong bytes")
						}
						off += int64(n)
					}
					r.Close()
					continue
				}
				n, err = c.ReadAt(context.Background(), b.id, size, p, off)
				if err != nil && err != io.EOF {
					t.Errorf("read: %v", err)
				}
				if !bytes.Equal(p[:n], b.data[off:off+int64(n)]) {
					t.Errorf("wrong bytes")
				}
			}
		})
	}
	wg.Wait()
	waitIdle(t, c)
	stopMonitor()
	idleInvariants(t, c, dir)
	s := c.Stats()
	if s.Evictions == 0 || punches.Load() == 0 {
		t.Fatalf("no evictions under load: %+v", s)
	}
	if mode == "nopunch" {
		return
	}
	// Reopen: every indexed block must have the right bytes.
	c.Close()
	c2 := mustOpen(t, dir, src, &Options{BlockSize: testBS, MaxBytes: max, MaxReadAhead: -1})
	c2.mu.Lock()
	es := flatten(c2)
	c2.mu.Unlock()
	for _, e := range es {
		var b blob
		for _, x := range blobs {
			if x.id == e.key.id {
				b = x
			}
		}
		p := make([]byte, e.size)
		if err := c2.readFile(e, p, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, b.data[e.key.idx*testBS:e.key.idx*testBS+e.size]) {
			t.Errorf("reopened block %d wrong", e.key.idx)
		}
	}
}
