package fs

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/blobid"
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

// TestTypeModes: typeMode and modeType are inverses on every type mknod
// takes, and mknod's type 0 is a regular file.
func TestTypeModes(t *testing.T) {
	for _, typ := range []index.Type{index.TypeFile, index.TypeFIFO, index.TypeSocket, index.TypeCharDev, index.TypeBlockDev} {
		if got, ok := modeType(typeMode(typ) | 0o644); !ok || got != typ {
			t.Errorf("modeType(typeMode(%v)) = %v, %v", typ, got, ok)
		}
	}
	if got, ok := modeType(0o644); !ok || got != index.TypeFile {
		t.Errorf("modeType(0644) = %v, %v; want a regular file", got, ok)
	}
	for _, m := range []uint32{syscall.S_IFDIR, syscall.S_IFLNK, 0o170000} {
		if _, ok := modeType(m); ok {
			t.Errorf("modeType(%#o) accepted", m)
		}
	}
	if typeMode(index.TypeDir) != syscall.S_IFDIR || typeMode(index.TypeSymlink) != syscall.S_IFLNK {
		t.Error("typeMode of directory or symlink changed")
	}
}

// TestSpecialCore: the core creates each special type with its device
// number; stat shows type and rdev; open is ENXIO; they take links,
// renames and attribute changes; nothing is ever uploaded for them; the
// kernel's xattr rules hold.
func TestSpecialCore(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.EndEpoch = func([]blobid.ID) (uint32, bool) { return 9, true }
	}, false)
	d, err := e.fs.Mknod(ctxb, index.RootIno, "d", index.NewNode{Type: index.TypeDir, Mode: 0o755})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specialNodes {
		a, err := e.fs.Mknod(ctxb, index.RootIno, s.name, index.NewNode{Type: s.typ, Mode: 0o640, Uid: 5, Gid: 6, Rdev: s.rdev})
		if err != nil {
			t.Fatalf("mknod %s: %v", s.name, err)
		}
		var out fuse.Attr
		fillAttr(&a, &out)
		if out.Mode != s.ifmt|0o640 || out.Rdev != s.rdev || out.Size != 0 || out.Blocks != 0 || out.Nlink != 1 || out.Uid != 5 {
			t.Errorf("%s: attr %+v", s.name, out)
		}
		if _, err := e.fs.Open(ctxb, a.Ino, syscall.O_RDONLY); !errors.Is(err, ErrNoDevice) || toErrno(err) != syscall.ENXIO {
			t.Errorf("%s: open = %v (%v), want ENXIO", s.name, err, toErrno(err))
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
		if err := e.fs.SetXattr(ctxb, a.Ino, "user.k", []byte("v"), 0); toErrno(err) != syscall.EPERM {
			t.Errorf("%s: set user.k = %v, want EPERM", s.name, err)
		}
		if err := e.fs.RemoveXattr(ctxb, a.Ino, "user.k"); toErrno(err) != syscall.EPERM {
			t.Errorf("%s: remove user.k = %v, want EPERM", s.name, err)
		}
		for _, n := range []string{index.XattrState, index.XattrBlobIDs, XattrEndEpoch, "user.k"} {
			if _, err := e.fs.GetXattr(ctxb, a.Ino, n); toErrno(err) != syscall.ENODATA {
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
		if _, err := e.fs.GetAttr(ctxb, a.Ino); toErrno(err) != syscall.ENOENT {
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
	e := newEnv(t, nil, true)
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

// TestSpecialMount: through a real kernel mount, mknod(2) of each type,
// bind(2) of a UNIX socket (which then accepts a connection), stat types
// and device numbers, d_type in readdir, hard links, and the kernel's own
// refusal of user.* attributes on special files.
func TestSpecialMount(t *testing.T) {
	m := mountEnv(t, nil)
	for _, s := range specialNodes {
		if s.typ == index.TypeSocket {
			continue
		}
		if err := unix.Mknod(filepath.Join(m.mnt, s.name), s.ifmt|0o640, int(s.rdev)); err != nil {
			t.Fatalf("mknod %s: %v", s.name, err)
		}
	}
	sockPath := filepath.Join(m.mnt, "sock")
	l, err := net.Listen("unix", sockPath)
	if err != nil {
		t.Fatalf("bind a UNIX socket on the mount: %v", err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			_, _ = c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", sockPath)
	if err != nil {
		t.Fatalf("connect to the socket on the mount: %v", err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
		t.Fatalf("read from the socket: %q, %v", buf, err)
	}
	c.Close()
	if err := unix.Mknod(filepath.Join(m.mnt, "reg"), 0o600, 0); err != nil {
		t.Fatalf("mknod of a regular file: %v", err)
	}

	for _, s := range specialNodes {
		p := filepath.Join(m.mnt, s.name)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&unix.S_IFMT != s.ifmt || st.Size != 0 {
			t.Errorf("%s: mode %#o size %d", s.name, st.Mode, st.Size)
		}
		if s.rdev != 0 && st.Rdev != unix.Mkdev(unix.Major(uint64(s.rdev)), unix.Minor(uint64(s.rdev))) {
			t.Errorf("%s: rdev %d:%d, want %d:%d", s.name, unix.Major(st.Rdev), unix.Minor(st.Rdev),
				unix.Major(uint64(s.rdev)), unix.Minor(uint64(s.rdev)))
		}
		if err := os.Link(p, p+".link"); err != nil {
			t.Fatalf("link %s: %v", s.name, err)
		}
		if err := unix.Lstat(p+".link", &st); err != nil || st.Nlink != 2 {
			t.Errorf("%s: nlink after link %d, %v", s.name, st.Nlink, err)
		}
		if err := unix.Lsetxattr(p, "user.k", []byte("v"), 0); err != unix.EPERM {
			t.Errorf("%s: set user.k = %v, want EPERM", s.name, err)
		}
		if _, err := unix.Lgetxattr(p, index.XattrState, nil); err != unix.ENODATA {
			t.Errorf("%s: get %s = %v, want ENODATA", s.name, index.XattrState, err)
		}
		if err := unix.Lsetxattr(p, "trusted.k", []byte("v"), 0); err != nil {
			t.Errorf("%s: set trusted.k: %v", s.name, err)
		}
	}
	// A FIFO open and unlinked still answers fstat after the attribute
	// timeout (the kernel asks the daemon), and goes once closed.
	fifo := filepath.Join(m.mnt, "fifo.link")
	fd, err := unix.Open(fifo, unix.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(fifo, &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, filepath.Join(m.mnt, "fifo")} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(timeouts + 100*time.Millisecond)
	var fst unix.Stat_t
	if err := unix.Fstat(fd, &fst); err != nil || fst.Nlink != 0 || fst.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("fstat of an unlinked open FIFO: nlink %d mode %#o, %v", fst.Nlink, fst.Mode, err)
	}
	if _, err := unix.Write(fd, []byte("x")); err != nil {
		t.Errorf("write to the unlinked FIFO: %v", err)
	}
	unix.Close(fd)
	eventually(t, "the unlinked FIFO deleted once the kernel forgot it", func() bool {
		_, err := m.idx.GetAttr(ctxb, st.Ino)
		return errors.Is(err, index.ErrNotFound)
	})

	if err := unix.Stat(filepath.Join(m.mnt, "reg"), &st); err != nil || st.Mode != unix.S_IFREG|0o600 {
		t.Errorf("mknod regular file: mode %#o, %v", st.Mode, err)
	}
	ents, err := os.ReadDir(m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]os.FileMode{}
	for _, e := range ents {
		types[e.Name()] = e.Type()
	}
	want := map[string]os.FileMode{"sock": os.ModeSocket,
		"chr": os.ModeDevice | os.ModeCharDevice, "blk": os.ModeDevice, "reg": 0}
	for name, w := range want {
		if types[name] != w || types[name+".link"] != w && name != "reg" {
			t.Errorf("readdir type of %s: %v (link %v), want %v", name, types[name], types[name+".link"], w)
		}
	}
}
