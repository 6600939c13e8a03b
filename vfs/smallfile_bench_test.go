package vfs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/index"
)

// BenchmarkSmallFileCore is the daemon's share of creating one 4 KiB file
// (what the kernel asks for os.WriteFile through the mount: LOOKUP of the
// new name, CREATE, WRITE, FLUSH, RELEASE, GETATTR of the parent), on the
// core FS without FUSE and without fdatasync (the index is NoSync; set
// SMALLFILE_SYNC=1 for a real index with its journal fdatasync). The
// uploader waits UploadDelay, so uploads do not run inside the loop.
func BenchmarkSmallFileCore(b *testing.B) {
	dir := b.TempDir()
	opt := &index.Options{ChunkSize: 16 << 20}
	var idx *index.Index
	if envSet("SMALLFILE_SYNC") {
		var err error
		idx, err = index.Open(filepath.Join(dir, "index.db"), opt)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { idx.Close() })
	} else {
		idx = index.TestIndexWith(b, opt)
	}
	ms, err := mem.New(100)
	if err != nil {
		b.Fatal(err)
	}
	f, err := New(context.Background(), idx, ms, &Options{StagingDir: filepath.Join(dir, "staging"), UploadDelay: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close(time.Second) })
	ctx := context.Background()
	d, err := f.Mknod(ctx, index.RootIno, "d", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("f%07d", i)
		i++
		if _, err := f.Lookup(ctx, d.Ino, name); err == nil {
			b.Fatal("exists")
		}
		_, h, err := f.Create(ctx, d.Ino, name, 0o1|0o100|0o1000, 0o644, 0, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.WriteAt(ctx, buf, 0); err != nil {
			b.Fatal(err)
		}
		if err := h.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		h.Release(ctx)
		if _, err := f.GetAttr(ctx, d.Ino); err != nil {
			b.Fatal(err)
		}
	}
}

func envSet(k string) bool { return os.Getenv(k) != "" }
