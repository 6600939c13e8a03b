package fs

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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
