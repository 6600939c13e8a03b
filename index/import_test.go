package index

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

func TestImportFile(t *testing.T) {
	ctx := context.Background()
	x := TestIndexWith(t, &Options{ChunkSize: 4096})
	b := blob(7)
	a, err := x.ImportFile(ctx, RootIno, "imported", NewNode{Type: TypeFile, Mode: 0o444}, 10_000, b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != 10_000 || a.Mode != 0o444 || a.Upload != UploadStored {
		t.Fatalf("attr %+v", a)
	}
	cs, err := x.Chunks(ctx, a.Ino)
	if err != nil || len(cs) != 3 || cs[2].Len != 10_000-8192 || cs[1].Extent != (Extent{Blob: b, Offset: 4096, Length: 4096}) {
		t.Fatalf("chunks %+v, %v", cs, err)
	}
	if n := refs(t, x, b); n != 3 {
		t.Fatalf("refs %d", n)
	}
	if q, _ := x.UploadQueue(ctx); len(q) != 0 {
		t.Fatalf("queued %v", q)
	}
	_, err = x.ImportFile(ctx, RootIno, "imported", NewNode{Type: TypeFile}, 1, b)
	wantErr(t, "import over an existing name", err, ErrExist)
	_, err = x.ImportFile(ctx, RootIno, "zero", NewNode{Type: TypeFile}, 1, blobid.ID{})
	wantErr(t, "zero blob", err, ErrInvalid)
	// A write makes it a normal staged file; the extent's blob is released.
	if _, err := x.SetChunkStaged(ctx, a.Ino, 0, 4096); err != nil {
		t.Fatal(err)
	}
	if st, _ := x.FileState(ctx, a.Ino); st.State != UploadStaged {
		t.Fatalf("after a write: %v", st.State)
	}
	if n := refs(t, x, b); n != 2 {
		t.Fatalf("refs after write %d", n)
	}
}
