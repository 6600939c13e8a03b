package cache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// markers lists the open markers in dir.
func markers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), markerPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func bootIs(id string) func() (string, error) {
	return func() (string, error) { return id, nil }
}

// TestCrashKeepsOrDropsBlocks: blocks are written without fsync, so what
// a cache left open (the process died) can be trusted with depends on
// whether the machine rebooted since. The state a dead process leaves is
// a copy of the directory taken while the cache is open.
func TestCrashKeepsOrDropsBlocks(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(4*testBS+500, 11)
	size := int64(len(data))
	dir := t.TempDir()
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, BootID: bootIs("boot-1")})
	if _, err := c.ReadAt(context.Background(), id, size, make([]byte, size), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	if got := markers(t, dir); len(got) != 1 || got[0] != markerPrefix+"boot-1" {
		t.Fatalf("markers of an open cache: %q", got)
	}
	died := func() string {
		d := filepath.Join(t.TempDir(), "cache")
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	sameBoot, otherBoot, twice := died(), died(), died()
	// Two markers: a crash while the previous New replaced a marker of
	// another boot.
	if err := os.WriteFile(filepath.Join(twice, markerPrefix+"boot-0"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	check := func(name, d, boot string, wantBlocks int) {
		t.Helper()
		fetches := src.reads.Load()
		c := mustOpen(t, d, src, &Options{BlockSize: testBS, BootID: bootIs(boot)})
		if s := c.Stats(); s.Blocks != wantBlocks {
			t.Fatalf("%s: %d blocks after reopening, want %d", name, s.Blocks, wantBlocks)
		}
		buf := make([]byte, size)
		if _, err := c.ReadAt(context.Background(), id, size, buf, 0); err != nil || !bytes.Equal(buf, data) {
			t.Fatalf("%s: read back: %v", name, err)
		}
		if got, want := src.reads.Load()-fetches, int64(5-wantBlocks); got != want {
			t.Fatalf("%s: %d Source reads, want %d", name, got, want)
		}
		if got := markers(t, d); len(got) != 1 || got[0] != markerPrefix+boot {
			t.Fatalf("%s: markers %q", name, got)
		}
	}
	check("process died, same boot", sameBoot, "boot-1", 5)
	check("machine went down", otherBoot, "boot-2", 0)
	check("markers of two boots", twice, "boot-1", 0)

	// A clean Close syncs and removes the marker: the blocks survive any
	// later reboot.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := markers(t, dir); len(got) != 0 {
		t.Fatalf("markers after Close: %q", got)
	}
	check("closed cleanly, then rebooted", dir, "boot-3", 5)
}

// TestNoBootID: without a boot ID a cache left open is always dropped.
func TestNoBootID(t *testing.T) {
	src := newFakeSource()
	id, data := src.add(2*testBS, 12)
	dir := t.TempDir()
	noBoot := func() (string, error) { return "", errors.New("no boot ID here") }
	c := mustOpen(t, dir, src, &Options{BlockSize: testBS, BootID: noBoot})
	if _, err := c.ReadAt(context.Background(), id, int64(len(data)), make([]byte, len(data)), 0); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c)
	d := filepath.Join(t.TempDir(), "cache")
	if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if s := mustOpen(t, d, src, &Options{BlockSize: testBS, BootID: noBoot}).Stats(); s.Blocks != 0 {
		t.Fatalf("%d blocks kept without a boot ID", s.Blocks)
	}
}

func TestReadBootID(t *testing.T) {
	id, err := readBootID()
	if _, serr := os.Stat(bootIDPath); serr != nil {
		t.Skipf("no %s: %v", bootIDPath, serr)
	}
	if err != nil || len(id) < 16 {
		t.Fatalf("boot ID %q, %v", id, err)
	}
}
