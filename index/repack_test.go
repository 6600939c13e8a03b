package index

import (
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

func TestBlobUsagesAndMoveExtents(t *testing.T) {
	x, clk := contentIndex(t)
	ctx := t.Context()
	pack, other, fresh := blob(0xA1), blob(0xA2), blob(0xA3)
	var files []Attr
	for i, name := range []string{"a", "b", "c", "d"} {
		f := mk(t, x, RootIno, name, TypeFile)
		stage(t, x, f.Ino, map[uint64]uint64{0: 10})
		upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: pack, Offset: uint64(10 * i), Length: 10}})
		files = append(files, f)
	}
	big := mk(t, x, RootIno, "big", TypeFile)
	stage(t, x, big.Ino, map[uint64]uint64{0: 40})
	upload(t, x, big.Ino, map[uint64]Extent{0: {Blob: other, Length: 40}})

	// Delete a, truncate b to 4 bytes: pack's live bytes are 4 + 10 + 10.
	r, err := x.Unlink(ctx, RootIno, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.DropOrphan(ctx, r.Ino); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Truncate(ctx, files[1].Ino, 4); err != nil {
		t.Fatal(err)
	}
	us, err := x.BlobUsages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[blobid.ID]BlobUsage{}
	for _, u := range us {
		got[u.Blob] = u
	}
	if len(us) != 2 || got[pack].Live != 24 || got[pack].End != 40 || len(got[pack].Chunks) != 3 ||
		got[other].Live != 40 || got[other].End != 40 || len(got[other].Chunks) != 1 {
		t.Fatalf("BlobUsages = %+v", us)
	}

	// Move b, c and d into fresh; d changes first, so its move is skipped.
	var moves []ExtentMove
	var off uint64
	for _, c := range got[pack].Chunks {
		n := min(c.State.Len, c.State.Extent.Length)
		moves = append(moves, ExtentMove{Ino: c.Ino, Chunk: c.Chunk, From: c.State, To: Extent{Blob: fresh, Offset: off, Length: n}})
		off += n
	}
	stage(t, x, files[3].Ino, map[uint64]uint64{0: 7}) // d rewritten: releases its pack reference
	genB := attr(t, x, files[1].Ino).Generation
	n, err := x.MoveExtents(ctx, moves)
	if err != nil || n != 2 {
		t.Fatalf("MoveExtents = %d, %v; want 2 moved", n, err)
	}
	if refs(t, x, pack) != 0 || refs(t, x, fresh) != 2 {
		t.Fatalf("refs pack %d fresh %d", refs(t, x, pack), refs(t, x, fresh))
	}
	if a := attr(t, x, files[1].Ino); a.Generation != genB || a.Size != 4 {
		t.Fatalf("moved file changed: %+v", a)
	}
	c, ok, err := x.Chunk(ctx, files[1].Ino, 0)
	if err != nil || !ok || c.Kind != ChunkStored || c.Len != 4 || c.Extent != (Extent{Blob: fresh, Offset: 0, Length: 4}) {
		t.Fatalf("b's chunk = %+v %v %v", c, ok, err)
	}
	clk.Advance(time.Hour)
	exp, err := x.ExpiredBlobs(ctx, time.Hour)
	if err != nil || len(exp) != 1 || exp[0] != pack {
		t.Fatalf("ExpiredBlobs = %v, %v; want the old pack", exp, err)
	}

	// Moving again from the old state is a no-op; a target nothing ends up
	// using goes on the deletion list.
	lost := blob(0xA4)
	n, err = x.MoveExtents(ctx, []ExtentMove{{Ino: files[2].Ino, Chunk: 0, From: moves[1].From, To: Extent{Blob: lost, Length: 10}}})
	if err != nil || n != 0 {
		t.Fatalf("stale move = %d, %v", n, err)
	}
	clk.Advance(time.Hour)
	exp, _ = x.ExpiredBlobs(ctx, time.Hour)
	found := false
	for _, id := range exp {
		found = found || id == lost
	}
	if !found {
		t.Fatalf("unused target not on the deletion list: %v", exp)
	}

	// Bad input.
	_, err = x.MoveExtents(ctx, []ExtentMove{{Ino: files[2].Ino, From: moves[1].From}})
	wantErr(t, "zero target", err, ErrInvalid)
	_, err = x.MoveExtents(ctx, []ExtentMove{{Ino: files[2].Ino, From: ChunkState{Kind: ChunkStaged, Len: 1}, To: Extent{Blob: lost}}})
	wantErr(t, "staged source", err, ErrInvalid)
}

// TestSealedExtent: a sealed extent keeps its wrapped key through commit,
// reopen (journal replay and checkpoint) and a move; a record with an
// all-zero key is corrupt.
func TestSealedExtent(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	var key WrappedKey
	for i := range key {
		key[i] = byte(i + 1)
	}
	f := mk(t, x, RootIno, "f", TypeFile)
	stage(t, x, f.Ino, map[uint64]uint64{0: 100})
	ext := Extent{Blob: blob(0xB1), Offset: 7, Length: 116, Key: key}
	upload(t, x, f.Ino, map[uint64]Extent{0: ext})
	c, ok, err := x.Chunk(ctx, f.Ino, 0)
	if err != nil || !ok || c.Extent != ext || c.Len != 100 || !c.Extent.Key.Sealed() {
		t.Fatalf("chunk = %+v %v %v", c, ok, err)
	}
	to := Extent{Blob: blob(0xB2), Length: 116, Key: key}
	if n, err := x.MoveExtents(ctx, []ExtentMove{{Ino: f.Ino, From: c, To: to}}); err != nil || n != 1 {
		t.Fatalf("move: %d %v", n, err)
	}
	if c, _, _ := x.Chunk(ctx, f.Ino, 0); c.Extent != to {
		t.Fatalf("moved chunk = %+v", c)
	}
	v := encodeChunk(ChunkState{Kind: ChunkStored, Len: 1, Extent: Extent{Blob: blob(1), Length: 17, Key: key}})
	if len(v) != 57+WrappedKeySize {
		t.Fatalf("sealed record of %d bytes", len(v))
	}
	clear(v[57:])
	if _, err := decodeChunk(v); err == nil {
		t.Fatal("all-zero key accepted")
	}
	if _, err := decodeChunk(v[:60]); err == nil {
		t.Fatal("truncated record accepted")
	}
}
