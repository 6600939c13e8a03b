package vfs

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

// packOf returns the single blob holding small file ino.
func (e *env) packOf(ino uint64) blobid.ID {
	e.t.Helper()
	st := e.state(ino)
	if len(st.Blobs) != 1 {
		e.t.Fatalf("inode %d: blobs %v, want one pack", ino, st.Blobs)
	}
	return st.Blobs[0]
}

func (e *env) remove(name string) {
	e.t.Helper()
	a, err := e.fs.Lookup(ctxb, index.RootIno, name)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, name); err != nil {
		e.t.Fatal(err)
	}
	eventually(e.t, "inode dropped", func() bool { _, err := e.idx.GetAttr(ctxb, a.Ino); return err != nil })
}

// TestRepack: two packs whose files are mostly deleted are copied into one
// new pack; every live file (one of them truncated) reads the same; the
// old packs lose their references and the collector deletes them; a
// second pass finds nothing; a pack that is mostly live is left alone.
func TestRepack(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.GCGrace = time.Minute; o.RepackThreshold = -1; o.PackDelay = time.Hour }})
	content := map[string][]byte{}
	inos := map[string]uint64{}
	var packs []blobid.ID
	for round := range 3 {
		for i := range 20 {
			name := fmt.Sprintf("r%d-f%02d", round, i)
			content[name] = randBytes(1000+i*300, uint64(round*100+i))
			inos[name] = e.create(name, content[name]).Ino
		}
		e.sync()
		packs = append(packs, e.packOf(inos[fmt.Sprintf("r%d-f00", round)]))
		for i := range 20 {
			if b := e.packOf(inos[fmt.Sprintf("r%d-f%02d", round, i)]); b != packs[round] {
				t.Fatalf("round %d: file %d in %v, file 0 in %v: want one pack", round, i, b, packs[round])
			}
		}
	}
	// Rounds 0 and 1: keep every fifth file; round 2 stays full.
	for name := range content {
		var round, i int
		fmt.Sscanf(name, "r%d-f%d", &round, &i)
		if round < 2 && i%5 != 0 {
			e.remove(name)
			delete(content, name)
		}
	}
	// A truncated survivor: its extent stays long, only 100 bytes are live.
	size := uint64(100)
	if _, err := e.fs.SetAttr(ctxb, inos["r0-f05"], index.AttrUpdate{Size: &size}); err != nil {
		t.Fatal(err)
	}
	content["r0-f05"] = content["r0-f05"][:100]
	e.sync()

	res, err := e.fs.Repack(ctxb, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Repacked) != 2 || len(res.New) != 1 || res.Moved != 8 || res.Skipped != 0 {
		t.Fatalf("Repack = %+v; want packs %v repacked into one, 8 chunks moved", res, packs[:2])
	}
	for _, id := range res.Repacked {
		if id != packs[0] && id != packs[1] {
			t.Fatalf("repacked %v, which is not one of the emptied packs %v", id, packs[:2])
		}
	}
	var live int64
	for name, want := range content {
		if got := e.read(inos[name]); !bytes.Equal(got, want) {
			t.Fatalf("%s after repack: %d bytes, want %d", name, len(got), len(want))
		}
		if name[:2] != "r2" {
			live += int64(len(want))
			if b := e.packOf(inos[name]); b != res.New[0] {
				t.Fatalf("%s is in %v, want the new pack %v", name, b, res.New[0])
			}
		}
	}
	if res.Copied != live {
		t.Fatalf("copied %d bytes, want the %d live ones", res.Copied, live)
	}
	e.clock.Advance(2 * time.Minute)
	if _, err := e.fs.CollectGarbage(ctxb); err != nil {
		t.Fatal(err)
	}
	for _, id := range packs[:2] {
		if _, err := e.mem.Stat(ctxb, id); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("old pack %v still stored: %v", id, err)
		}
	}
	if _, err := e.mem.Stat(ctxb, packs[2]); err != nil {
		t.Fatalf("full pack deleted: %v", err)
	}
	again, err := e.fs.Repack(ctxb, 0)
	if err != nil || len(again.Repacked) != 0 {
		t.Fatalf("second pass = %+v, %v; want nothing to do", again, err)
	}
	for name, want := range content {
		if got := e.read(inos[name]); !bytes.Equal(got, want) {
			t.Fatalf("%s after collection: differs", name)
		}
	}
}

// TestRepackPutFails: when the new pack cannot be stored (the network is
// down, or the spending cap refuses the purchase), the pass fails and
// nothing changes: the files still read from their old packs.
func TestRepackPutFails(t *testing.T) {
	e := newEnv(t, envOptions{Tweak: func(o *Options) { o.RepackThreshold = -1; o.PackDelay = time.Hour }})
	content := map[string][]byte{}
	inos := map[string]uint64{}
	for round := range 2 {
		for i := range 10 {
			name := fmt.Sprintf("r%d-%d", round, i)
			content[name] = randBytes(2000, uint64(round*10+i))
			inos[name] = e.create(name, content[name]).Ino
		}
		e.sync()
	}
	for name := range content {
		if name[len(name)-1] != '0' {
			e.remove(name)
			delete(content, name)
		}
	}
	before := map[string]blobid.ID{}
	for name := range content {
		before[name] = e.packOf(inos[name])
	}
	e.store.failPuts.Store(1)
	if res, err := e.fs.Repack(ctxb, 0); err == nil {
		t.Fatalf("Repack succeeded with a failing store: %+v", res)
	}
	for name, want := range content {
		if b := e.packOf(inos[name]); b != before[name] {
			t.Fatalf("%s moved to %v after a failed pass", name, b)
		}
		if got := e.read(inos[name]); !bytes.Equal(got, want) {
			t.Fatalf("%s differs after a failed pass", name)
		}
	}
	if _, err := e.fs.Repack(ctxb, 2); err == nil {
		t.Fatal("threshold 2 accepted")
	}
	res, err := e.fs.Repack(ctxb, 0)
	if err != nil || len(res.Repacked) != 2 {
		t.Fatalf("retry = %+v, %v", res, err)
	}
}
