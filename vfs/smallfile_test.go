package vfs

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/index"
)

// stagingExists reports whether ino has a staging file.
func (e *env) stagingExists(ino uint64) bool {
	_, err := os.Stat(e.fs.stagingPath(ino))
	return err == nil
}

// write opens ino, writes data at off and closes it.
func (e *env) write(ino uint64, data []byte, off int64, flags int) {
	e.t.Helper()
	h, err := e.fs.Open(ctxb, ino, uint32(syscall.O_RDWR|flags))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := h.WriteAt(ctxb, data, off); err != nil {
		e.t.Fatal(err)
	}
	if err := h.Flush(ctxb); err != nil {
		e.t.Fatal(err)
	}
	h.Release(ctxb)
}

// TestSmallFileInIndex: a small file is written in memory and made durable
// as a staged copy in the index; it never gets a staging file, reads come
// from the copy, and its upload drops the copy.
func TestSmallFileInIndex(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true})
	data := []byte("a small picture")
	a := e.create("small", data)
	if e.stagingExists(a.Ino) {
		t.Fatal("small file got a staging file")
	}
	if got := e.read(a.Ino); !bytes.Equal(got, data) {
		t.Fatalf("read %q", got)
	}
	if c, ok, _ := e.idx.StagedCopy(ctxb, a.Ino, 0); !ok || !bytes.Equal(c, data) {
		t.Fatalf("staged copy %q %v", c, ok)
	}
	// Rewrite in the middle and append: still in memory, still right.
	e.write(a.Ino, []byte("SMALL"), 2, 0)
	e.write(a.Ino, []byte("!"), int64(len(data)), 0)
	want := []byte("a SMALL picture!")
	if got := e.read(a.Ino); !bytes.Equal(got, want) || e.stagingExists(a.Ino) {
		t.Fatalf("after rewrite: %q (staging file %v)", got, e.stagingExists(a.Ino))
	}
	// Truncate down keeps the prefix (the copy is cut, not dropped).
	if err := e.fs.Truncate(ctxb, a.Ino, 7); err != nil {
		t.Fatal(err)
	}
	if got := e.read(a.Ino); !bytes.Equal(got, want[:7]) {
		t.Fatalf("after truncate: %q", got)
	}
	// A restart (new FS over the same index and staging) reads it.
	if err := e.fs.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	e.fs = e.restart(t)
	if got := e.read(a.Ino); !bytes.Equal(got, want[:7]) {
		t.Fatalf("after restart: %q", got)
	}
	e.sync()
	if s := e.state(a.Ino); s.State != index.UploadStored {
		t.Fatalf("state after sync: %+v", s)
	}
	if _, ok, _ := e.idx.StagedCopy(ctxb, a.Ino, 0); ok {
		t.Fatal("staged copy kept after upload")
	}
	if got := e.read(a.Ino); !bytes.Equal(got, want[:7]) {
		t.Fatalf("after upload: %q", got)
	}
}

// restart builds a new FS over e's index, store and staging directory and
// starts it.
func (e *env) restart(t *testing.T) *FS {
	t.Helper()
	return e.restartWith(t, nil)
}

// restartWith is restart with tweak applied to the options.
func (e *env) restartWith(t *testing.T, tweak func(*Options)) *FS {
	t.Helper()
	o := &Options{StagingDir: filepath.Join(e.dir, "staging"),
		PackDelay: 20 * time.Millisecond, UploadDelay: -1, RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, PackThreshold: 16 << 10}
	if tweak != nil {
		tweak(o)
	}
	f, err := New(ctxb, e.idx, e.store, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close(time.Second) })
	return f
}

// TestSmallFileGrows: a small file that grows past the limit, in one write
// or by a write to another chunk, keeps its first bytes.
func TestSmallFileGrows(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true})
	head := []byte("header of a file that will grow")
	big := randBytes(testChunk, 7)
	for name, grow := range map[string]func(ino uint64){
		"append past the limit": func(ino uint64) { e.write(ino, big, int64(len(head)), 0) },
		"write another chunk":   func(ino uint64) { e.write(ino, big, 3*testChunk, 0) },
		"spill while open": func(ino uint64) {
			h, err := e.fs.Open(ctxb, ino, syscall.O_RDWR)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.WriteAt(ctxb, []byte("H"), 0); err != nil { // memory mode
				t.Fatal(err)
			}
			if _, err := h.WriteAt(ctxb, big, int64(len(head))); err != nil { // spills
				t.Fatal(err)
			}
			if err := h.Flush(ctxb); err != nil {
				t.Fatal(err)
			}
			h.Release(ctxb)
		},
	} {
		a := e.create(name, head)
		grow(a.Ino)
		got := e.read(a.Ino)
		want := append([]byte{}, head...)
		if name == "spill while open" {
			want[0] = 'H'
		}
		if !bytes.HasPrefix(got, want) {
			t.Errorf("%s: file starts %q, want %q", name, got[:min(len(got), len(head))], want)
		}
		// A copy may stay as long as it equals the staged bytes (Check
		// proves the invariant); the upload drops it.
	}
	if err := e.fs.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	e.fs = e.restart(t)
	e.sync()
}

// TestRestoreStagedCopy: after a crash a staging file may hold bytes that
// were never flushed (or lack flushed ones): start-up puts back the last
// closed version from the index's copy.
func TestRestoreStagedCopy(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true})
	// A file with a staging file that was then closed small (its copy and
	// staging bytes agree), then the staging bytes are damaged as a power
	// cut could leave them.
	a := e.create("f", randBytes(testChunk+1, 3))
	if err := e.fs.Truncate(ctxb, a.Ino, 0); err != nil {
		t.Fatal(err)
	}
	want := []byte("closed version")
	e.write(a.Ino, want, 0, 0)
	if !e.stagingExists(a.Ino) {
		t.Fatal("expected the staging file to stay")
	}
	if c, ok, _ := e.idx.StagedCopy(ctxb, a.Ino, 0); !ok || !bytes.Equal(c, want) {
		t.Fatalf("copy %q %v", c, ok)
	}
	if err := e.fs.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.fs.stagingPath(a.Ino), []byte("garbage garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fs = e.restart(t)
	if got := e.read(a.Ino); !bytes.Equal(got, want) {
		t.Fatalf("after restore: %q, want %q", got, want)
	}
}

// TestDurability: with DurableOnClose close(2) of a written file leaves
// nothing undurable in the index; with DurableOnFsync (the default) it does
// not flush (the file is journaled, crash-safe), fsync(2) does, and so does
// the checkpoint.
func TestDurability(t *testing.T) {
	for _, d := range []Durability{DurableOnClose, DurableOnFsync} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			idx := index.TestIndexWith(t, &index.Options{ChunkSize: testChunk, Manual: true})
			ms, err := mem.New(100)
			if err != nil {
				t.Fatal(err)
			}
			f, err := New(ctxb, idx, ms, &Options{StagingDir: filepath.Join(dir, "staging"), UploadDelay: time.Hour, Durability: d})
			if err != nil {
				t.Fatal(err)
			}
			// Not started: no background work (uploads, collection) may
			// add operations of its own between the checks.
			t.Cleanup(func() { _ = f.Close(time.Second) })
			write := func(name string, fsync bool) {
				_, h, err := f.Create(ctxb, index.RootIno, name, syscall.O_WRONLY|syscall.O_CREAT, 0o644, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := h.WriteAt(ctxb, []byte("hello "+name), 0); err != nil {
					t.Fatal(err)
				}
				if fsync {
					if err := h.Fsync(ctxb); err != nil {
						t.Fatal(err)
					}
				}
				if err := h.Flush(ctxb); err != nil {
					t.Fatal(err)
				}
				h.Release(ctxb)
			}
			write("a", false)
			n := idx.Undurable()
			switch {
			case d == DurableOnClose && n != 0:
				t.Fatalf("close: %d operations not durable after close(2)", n)
			case d == DurableOnFsync && n == 0:
				t.Fatal("fsync mode: close(2) flushed the journal")
			}
			write("b", true)
			if n := idx.Undurable(); n != 0 {
				t.Fatalf("%d operations not durable after fsync(2)", n)
			}
			write("c", false)
			if err := idx.Checkpoint(ctxb); err != nil {
				t.Fatal(err)
			}
			if n := idx.Undurable(); n != 0 {
				t.Fatalf("%d operations not durable after a checkpoint", n)
			}
		})
	}
}

func TestParseDurability(t *testing.T) {
	for in, want := range map[string]Durability{"": DurableOnFsync, "close": DurableOnClose, "fsync": DurableOnFsync} {
		if got, err := ParseDurability(in); err != nil || got != want {
			t.Errorf("ParseDurability(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDurability("never"); err == nil {
		t.Error("ParseDurability(never): no error")
	}
}
