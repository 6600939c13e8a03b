package fs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/walrusfs/walrusfs/index"
)

// TestMountReaddir100k lists a directory of 100,000 entries through the
// kernel in small batches: every name comes back exactly once, in order.
// Then the same directory is streamed through the handle directly: it never
// holds more than one page of entries.
func TestMountReaddir100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k entries: skipped in -short mode")
	}
	m := mountEnv(t, nil)
	dir, err := m.env.idx.Mkdir(ctxb, index.RootIno, "big", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	name := func(i int) string { return fmt.Sprintf("entry-%06d-with-a-longish-name", i) }
	for i := range n {
		if _, err := m.env.idx.Create(ctxb, dir.Ino, name(i), index.NewNode{Type: index.TypeFile, Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(m.mnt, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := 0
	for {
		ents, err := f.ReadDir(500)
		for _, e := range ents {
			if e.Name() != name(seen) {
				t.Fatalf("entry %d is %q, want %q", seen, e.Name(), name(seen))
			}
			seen++
		}
		if err == io.EOF || len(ents) == 0 {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen != n {
		t.Fatalf("listed %d entries, want %d", seen, n)
	}

	// The handle itself, without the kernel: one page in memory at a time.
	d := &dirHandle{n: &node{fsys: m.env.fs}, ino: dir.Ino, parent: index.RootIno, checkpoints: map[uint64]string{0: ""}}
	count := 0
	for {
		e, errno := d.Readdirent(ctxb)
		if errno != 0 {
			t.Fatalf("Readdirent: %v", errno)
		}
		if e == nil {
			break
		}
		if len(d.page) > dirPage {
			t.Fatalf("handle holds %d entries, a page is %d", len(d.page), dirPage)
		}
		count++
	}
	if count != n+2 {
		t.Fatalf("handle listed %d entries, want %d", count, n+2)
	}
}
