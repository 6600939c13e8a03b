package vfs

import (
	"errors"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

// specialNodes are the special types created by the tests below, with
// the S_IFMT bits stat shows and a device number (0 for non-devices).
var specialNodes = []struct {
	name string
	typ  index.Type
	ifmt uint32
	rdev uint32
}{
	{"fifo", index.TypeFIFO, syscall.S_IFIFO, 0},
	{"sock", index.TypeSocket, syscall.S_IFSOCK, 0},
	{"chr", index.TypeCharDev, syscall.S_IFCHR, uint32(unix.Mkdev(1, 3))},
	{"blk", index.TypeBlockDev, syscall.S_IFBLK, uint32(unix.Mkdev(259, 70000))},
}

// TestSpecialCore: the core creates each special type with its device
// number; stat shows type and rdev; open is ENXIO; they take links,
// renames and attribute changes; nothing is ever uploaded for them; the
// kernel's xattr rules hold.
func TestSpecialCore(t *testing.T) {
	e := newEnv(t, envOptions{Wrap: func(s blobstore.Store) blobstore.Store {
		return epochStore{Store: s, endEpoch: func([]blobid.ID) (uint32, bool) { return 9, true }}
	}})
	d, err := e.fs.Mknod(ctxb, index.RootIno, "d", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specialNodes {
		a, err := e.fs.Mknod(ctxb, index.RootIno, s.name, index.NewNode{Type: s.typ, Mode: 0o640, Uid: 5, Gid: 6, Rdev: s.rdev})
		if err != nil {
			t.Fatalf("mknod %s: %v", s.name, err)
		}
		if a.Type != s.typ || a.Mode != 0o640 || a.Rdev != s.rdev || a.Size != 0 || a.Nlink != 1 || a.Uid != 5 {
			t.Errorf("%s: attr %+v", s.name, a)
		}
		if _, err := e.fs.Open(ctxb, a.Ino, syscall.O_RDONLY); !errors.Is(err, ErrNoDevice) {
			t.Errorf("%s: open = %v, want ErrNoDevice", s.name, err)
		}
		if _, err := e.fs.Link(ctxb, a.Ino, d.Ino, s.name); err != nil {
			t.Fatalf("%s: link: %v", s.name, err)
		}
		if err := e.fs.Rename(ctxb, index.RootIno, s.name, d.Ino, s.name+".2", 0); err != nil {
			t.Fatalf("%s: rename: %v", s.name, err)
		}
		mode := uint32(0o600)
		if got, err := e.fs.SetAttr(ctxb, a.Ino, index.AttrUpdate{Mode: &mode}); err != nil || got.Mode != 0o600 || got.Nlink != 2 || got.Rdev != s.rdev {
			t.Errorf("%s: chmod = %+v, %v", s.name, got, err)
		}
		// Kernel rules: user.* only on regular files and directories
		// (set and remove EPERM, get ENODATA); trusted.* is fine.
		if err := e.fs.SetXattr(ctxb, a.Ino, "user.k", []byte("v"), 0); !errors.Is(err, ErrUserXattrType) {
			t.Errorf("%s: set user.k = %v, want EPERM", s.name, err)
		}
		if err := e.fs.RemoveXattr(ctxb, a.Ino, "user.k"); !errors.Is(err, ErrUserXattrType) {
			t.Errorf("%s: remove user.k = %v, want EPERM", s.name, err)
		}
		for _, n := range []string{index.XattrState, index.XattrBlobIDs, XattrEndEpoch, "user.k"} {
			if _, err := e.fs.GetXattr(ctxb, a.Ino, n); !errors.Is(err, ErrNoAttr) {
				t.Errorf("%s: get %s = %v, want ENODATA", s.name, n, err)
			}
		}
		if err := e.fs.SetXattr(ctxb, a.Ino, "trusted.k", []byte("v"), 0); err != nil {
			t.Errorf("%s: set trusted.k: %v", s.name, err)
		}
		if v, err := e.fs.GetXattr(ctxb, a.Ino, "trusted.k"); err != nil || string(v) != "v" {
			t.Errorf("%s: get trusted.k = %q, %v", s.name, v, err)
		}
		if l, err := e.fs.ListXattr(ctxb, a.Ino); err != nil || !slices.Equal(l, []string{"trusted.k"}) {
			t.Errorf("%s: list = %q, %v", s.name, l, err)
		}
	}
	// A regular file and a directory still take user.* attributes.
	f := e.create("file", []byte("data"))
	for _, ino := range []uint64{f.Ino, d.Ino} {
		if err := e.fs.SetXattr(ctxb, ino, "user.k", []byte("v"), 0); err != nil {
			t.Errorf("set user.k on %d: %v", ino, err)
		}
	}
	e.sync()
	if n := e.store.puts.Load(); n != 1 {
		t.Errorf("%d blob puts, want 1 (the regular file only)", n)
	}
	for _, s := range specialNodes {
		if err := e.fs.Unlink(ctxb, d.Ino, s.name); err != nil {
			t.Fatal(err)
		}
		a, err := e.fs.Lookup(ctxb, d.Ino, s.name+".2")
		if err != nil || a.Nlink != 1 || a.Type != s.typ {
			t.Fatalf("%s after unlinking one name: %+v, %v", s.name, a, err)
		}
		e.fs.Forgotten(a.Ino) // still linked: nothing happens
		if err := e.fs.Unlink(ctxb, d.Ino, s.name+".2"); err != nil {
			t.Fatal(err)
		}
		// The kernel may still hold it (an open FIFO): fstat works.
		if a, err := e.fs.GetAttr(ctxb, a.Ino); err != nil || a.Nlink != 0 || a.Type != s.typ {
			t.Fatalf("%s after its last unlink: %+v, %v", s.name, a, err)
		}
		e.fs.Forgotten(a.Ino)
		if _, err := e.fs.GetAttr(ctxb, a.Ino); !errors.Is(err, index.ErrNotFound) {
			t.Fatalf("%s once forgotten: %v, want ENOENT", s.name, err)
		}
	}
	// Forgetting a file unlinked while open leaves it to its last close.
	g := e.create("g", []byte("open"))
	h, err := e.fs.Open(ctxb, g.Ino, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Unlink(ctxb, index.RootIno, "g"); err != nil {
		t.Fatal(err)
	}
	e.fs.Forgotten(g.Ino)
	if got := e.read(g.Ino); string(got) != "open" {
		t.Fatalf("open unlinked file after a forget: %q", got)
	}
	h.Release(ctxb)
}

// TestSpecialOrphansAtStart: special inodes unlinked while the kernel held
// them, and never forgotten (the daemon stopped first), go at the next
// start.
func TestSpecialOrphansAtStart(t *testing.T) {
	e := newEnv(t, envOptions{NoStart: true})
	for _, s := range specialNodes {
		if _, err := e.fs.Mknod(ctxb, index.RootIno, s.name, index.NewNode{Type: s.typ, Mode: 0o600, Rdev: s.rdev}); err != nil {
			t.Fatal(err)
		}
		if err := e.fs.Unlink(ctxb, index.RootIno, s.name); err != nil {
			t.Fatal(err)
		}
	}
	if o, err := e.idx.Orphans(ctxb); err != nil || len(o) != len(specialNodes) {
		t.Fatalf("orphans before the restart: %v, %v", o, err)
	}
	f2, err := New(ctxb, e.idx, e.store, &Options{StagingDir: filepath.Join(e.dir, "staging")})
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close(time.Second)
	if o, err := e.idx.Orphans(ctxb); err != nil || len(o) != 0 {
		t.Fatalf("orphans after the restart: %v, %v", o, err)
	}
}
