package tests

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// makeSpecialTree builds a tree holding every special file type beside
// regular files, a directory and a symlink: FIFOs, character and block
// devices with distinct device numbers (including a large minor), and a
// UNIX socket bound (then closed: its name stays). Modes differ on
// purpose, so a copy that loses them shows.
func makeSpecialTree(t *testing.T, root string) {
	t.Helper()
	for _, d := range []string{root, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("regular bytes"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	nodes := []struct {
		name string
		mode uint32
		dev  uint64
	}{
		{"fifo", unix.S_IFIFO | 0o644, 0},
		{"sub/fifo2", unix.S_IFIFO | 0o600, 0},
		{"null", unix.S_IFCHR | 0o666, unix.Mkdev(1, 3)},
		{"sub/tty9", unix.S_IFCHR | 0o620, unix.Mkdev(4, 9)},
		{"blk", unix.S_IFBLK | 0o660, unix.Mkdev(8, 1)},
		{"sub/bigminor", unix.S_IFBLK | 0o640, unix.Mkdev(259, 70000)},
	}
	for _, n := range nodes {
		p := filepath.Join(root, n.name)
		if err := unix.Mknod(p, n.mode, int(n.dev)); err != nil {
			t.Fatalf("mknod %s: %v", p, err)
		}
		// mknod(2) applies the umask: set the mode exactly.
		if err := os.Chmod(p, fs.FileMode(n.mode&0o777)); err != nil {
			t.Fatal(err)
		}
	}
	bindSocket(t, filepath.Join(root, "sock"))
}

// bindSocket binds a UNIX socket at path and closes it, leaving the name.
func bindSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatalf("bind %s: %v", path, err)
	}
	l.SetUnlinkOnClose(false)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// treeMeta describes every path under root: its type, permission bits,
// owner, and the device number of devices, the target of symlinks and
// the content of regular files. Sockets are left out when skipSockets
// (tar does not archive them).
func treeMeta(t *testing.T, root string, skipSockets bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		typ := st.Mode & unix.S_IFMT
		if skipSockets && typ == unix.S_IFSOCK {
			return nil
		}
		s := fmt.Sprintf("type %o perm %o owner %d:%d", typ>>12, st.Mode&0o7777, st.Uid, st.Gid)
		switch typ {
		case unix.S_IFCHR, unix.S_IFBLK:
			s += fmt.Sprintf(" dev %d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			s += " -> " + target
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += fmt.Sprintf(" %q", b)
		}
		if typ != unix.S_IFDIR && st.Size != 0 && typ != unix.S_IFREG && typ != unix.S_IFLNK {
			s += fmt.Sprintf(" size %d", st.Size)
		}
		out[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareMeta fails the test on any difference between two treeMeta maps.
func compareMeta(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		if g := got[p]; g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", p, g, w))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %q", p, g))
		}
	}
	if len(diffs) > 0 {
		t.Fatalf("%s: %d differences:\n%s", what, len(diffs), strings.Join(diffs, "\n"))
	}
}

// TestSpecialFiles: mkfifo, mknod c and b, and a bound UNIX socket on the
// mount show their types and device numbers; hard links and renames keep
// them; a socket bound on the mount accepts a connection; everything
// survives an unmount and a remount.
func TestSpecialFiles(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt)
	root := filepath.Join(mnt, "tree")
	makeSpecialTree(t, root)

	// A socket on the mount is a live socket.
	sock := filepath.Join(mnt, "live.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen on the mount: %v", err)
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			_, _ = c.Write([]byte("pong"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("connect on the mount: %v", err)
	}
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil || string(buf) != "pong" {
		t.Fatalf("socket read: %q, %v", buf, err)
	}
	c.Close()
	l.Close()

	// A FIFO on the mount is a live pipe (the kernel's, not the daemon's).
	fifo := filepath.Join(root, "fifo")
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write([]byte("through the pipe"))
			f.Close()
		}
		done <- err
	}()
	if b, err := os.ReadFile(fifo); err != nil || string(b) != "through the pipe" {
		t.Fatalf("fifo read: %q, %v", b, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("fifo write: %v", err)
	}

	for _, op := range [][2]string{{"null", "sub/null.link"}, {"fifo", "fifo.link"}, {"sock", "sub/sock.link"}} {
		if err := os.Link(filepath.Join(root, op[0]), filepath.Join(root, op[1])); err != nil {
			t.Fatalf("link %s: %v", op[0], err)
		}
	}
	for _, op := range [][2]string{{"blk", "sub/blk.moved"}, {"sub/fifo2", "fifo2.moved"}} {
		if err := os.Rename(filepath.Join(root, op[0]), filepath.Join(root, op[1])); err != nil {
			t.Fatalf("rename %s: %v", op[0], err)
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(root, "sub/null.link"), &st); err != nil || st.Nlink != 2 || st.Rdev != unix.Mkdev(1, 3) {
		t.Fatalf("hard link of a device: nlink %d rdev %#x, %v", st.Nlink, st.Rdev, err)
	}
	if err := unix.Stat(filepath.Join(root, "sub/blk.moved"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK || st.Rdev != unix.Mkdev(8, 1) {
		t.Fatalf("renamed block device: mode %#o rdev %#x, %v", st.Mode, st.Rdev, err)
	}
	want := treeMeta(t, root, false)
	if !strings.Contains(want["sub/bigminor"], "dev 259:70000") || !strings.Contains(want["sock"], "type 14") {
		t.Fatalf("tree on the mount: %q", want)
	}
	walrusfs(t, "sync", "--data-dir", data)
	d.stop()

	mount(t, data, mnt)
	compareMeta(t, "after a remount", want, treeMeta(t, root, false))
	if err := unix.Stat(filepath.Join(root, "fifo.link"), &st); err != nil || st.Nlink != 2 {
		t.Fatalf("fifo link count after a remount: %d, %v", st.Nlink, err)
	}
	if err := os.Remove(filepath.Join(root, "fifo")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(filepath.Join(root, "fifo.link"), &st); err != nil || st.Nlink != 1 || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Fatalf("fifo after unlinking one name: nlink %d mode %#o, %v", st.Nlink, st.Mode, err)
	}
}

// TestSpecialRsyncTar: rsync -a and tar -cpf/-xpf (as root, so devices
// are kept) copy a tree holding special files into the mount and back
// out; every copy matches the source in types, device numbers, modes and
// owners (tar leaves sockets out, as it does everywhere).
func TestSpecialRsyncTar(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	makeSpecialTree(t, src)
	want := treeMeta(t, src, false)
	wantTar := treeMeta(t, src, true)
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	mount(t, data, mnt)

	t.Run("rsync", func(t *testing.T) {
		needTool(t, "rsync")
		in, out := filepath.Join(mnt, "rsync"), filepath.Join(base, "rsync-out")
		run(t, nil, "rsync", "-a", src+"/", in+"/")
		compareMeta(t, "rsync into the mount", want, treeMeta(t, in, false))
		if o := run(t, nil, "rsync", "-an", "--itemize-changes", src+"/", in+"/"); strings.TrimSpace(o) != "" {
			t.Fatalf("a second rsync still finds differences:\n%s", o)
		}
		run(t, nil, "rsync", "-a", in+"/", out+"/")
		compareMeta(t, "rsync out of the mount", want, treeMeta(t, out, false))
	})
	t.Run("tar", func(t *testing.T) {
		needTool(t, "tar")
		in, out := filepath.Join(mnt, "tar"), filepath.Join(base, "tar-out")
		for _, d := range []string{in, out} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		archive := filepath.Join(base, "src.tar")
		runIn(t, src, nil, "tar", "-cpf", archive, ".")
		runIn(t, in, nil, "tar", "-xpf", archive)
		compareMeta(t, "tar into the mount", wantTar, treeMeta(t, in, true))
		archive2 := filepath.Join(mnt, "from-mount.tar") // the archive itself on the mount too
		runIn(t, in, nil, "tar", "-cpf", archive2, ".")
		runIn(t, out, nil, "tar", "-xpf", archive2)
		compareMeta(t, "tar out of the mount", wantTar, treeMeta(t, out, true))
	})
}
