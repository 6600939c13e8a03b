package daemon

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/index"
)

// TestStatusNamesFailedFiles: walrusfs status gives the path of a file
// whose upload fails, not only its inode number.
func TestStatusNamesFailedFiles(t *testing.T) {
	ctx := context.Background()
	idx := index.TestIndex(t)
	d, err := idx.Mkdir(ctx, index.RootIno, "photos", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := idx.Create(ctx, d.Ino, "cat.png", index.NewNode{Type: index.TypeFile, Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.SetChunkStaged(ctx, a.Ino, 0, 3); err != nil {
		t.Fatal(err)
	}
	if err := idx.FailUpload(ctx, a.Ino, "publisher: 504"); err != nil {
		t.Fatal(err)
	}
	s, err := indexStatus(ctx, idx)
	if err != nil || len(s.Failures) != 1 || s.Failures[0].Ino != a.Ino || s.Failures[0].Path != "photos/cat.png" ||
		s.Failures[0].Error != "publisher: 504" {
		t.Fatalf("status failures %+v, %v", s.Failures, err)
	}
	if s.PendingFiles != 1 {
		t.Fatalf("pending files %d, want 1", s.PendingFiles)
	}
}
