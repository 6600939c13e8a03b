package fs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// TestMain doubles as a helper process (see helper) for operations that
// must not run in the process serving the mount (mmap, other lock owners).
func TestMain(m *testing.M) {
	if op := os.Getenv("WALRUSFS_TEST_HELPER"); op != "" {
		os.Exit(helper(op, os.Getenv("WALRUSFS_TEST_FILE")))
	}
	os.Exit(m.Run())
}

// helper runs op on path and returns the exit code: 0 ok, 3 lock
// conflict (EAGAIN/EWOULDBLOCK), 1 other error.
func helper(op, path string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, op, err); return 1 }
	switch op {
	case "fcntl-lock", "flock":
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if op == "flock" {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		} else {
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &unix.Flock_t{Type: unix.F_WRLCK})
		}
		if err == unix.EAGAIN || err == unix.EACCES {
			return 3
		}
		if err != nil {
			return fail(err)
		}
		return 0
	case "mmap-write":
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		mem, err := unix.Mmap(int(f.Fd()), 0, 3*4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return fail(err)
		}
		for i := range mem {
			mem[i] = byte(i % 251)
		}
		if err := unix.Msync(mem, unix.MS_SYNC); err != nil {
			return fail(err)
		}
		if err := unix.Munmap(mem); err != nil {
			return fail(err)
		}
		return 0
	case "mmap-read":
		f, err := os.Open(path)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		mem, err := unix.Mmap(int(f.Fd()), 0, 3*4096, unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			return fail(err)
		}
		defer unix.Munmap(mem)
		for i := range mem {
			if mem[i] != byte(i%251) {
				return fail(fmt.Errorf("byte %d is %d", i, mem[i]))
			}
		}
		return 0
	}
	return fail(fmt.Errorf("unknown helper op"))
}

// runHelper runs op on path in a child process and returns its exit code.
func runHelper(t *testing.T, op, path string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WALRUSFS_TEST_HELPER="+op, "WALRUSFS_TEST_FILE="+path)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		if ee.ExitCode() == 1 {
			t.Logf("helper %s: %s", op, out)
		}
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("helper %s: %v", op, err)
	}
	return 0
}

// TestMountSmallFiles writes 2000 small files through the kernel, waits for
// the upload and reads every one back.
func TestMountSmallFiles(t *testing.T) {
	m := mountEnv(t, func(o *vfs.Options) { o.PackThreshold = 1 << 20; o.PackDelay = 2 * time.Second })
	const n = 2000
	start := time.Now()
	defer func() { t.Logf("total %v", time.Since(start)) }()
	for i := range n {
		p := filepath.Join(m.mnt, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d", i))
		if i < 20 {
			if err := os.Mkdir(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(p, randBytes(100+i, uint64(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("writes took %v", time.Since(start))
	start = time.Now()
	m.sync()
	t.Logf("sync took %v", time.Since(start))
	st, _ := m.idx.Stats(ctxb)
	if st.PendingFiles != 0 || st.Blobs == 0 || st.Blobs > 20 {
		t.Fatalf("after sync: %d pending, %d blobs (want a few packs)", st.PendingFiles, st.Blobs)
	}
	for i := range n {
		p := filepath.Join(m.mnt, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d", i))
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, randBytes(100+i, uint64(i))) {
			t.Fatalf("%s: %v", p, err)
		}
	}
	t.Logf("%d files in %d blobs", n, st.Blobs)
}

// TestMountLargeFileRemount writes 64 MiB, fsyncs, syncs, remounts (new FS
// over the same index, store and staging) and compares sha256.
func TestMountLargeFileRemount(t *testing.T) {
	skipNoFUSE(t)
	e := newEnv(t, envOptions{Chunk: 4 << 20})
	m := mountOn(t, e)
	p := filepath.Join(m.mnt, "big")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for i := range 64 {
		b := randBytes(1<<20, uint64(i))
		h.Write(b)
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	want := h.Sum(nil)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	m.sync()
	m.unmount(t)
	if err := e.fs.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	e.fs, err = vfs.New(ctxb, e.idx, e.store, &vfs.Options{StagingDir: filepath.Join(e.dir, "staging")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.Start(ctxb); err != nil {
		t.Fatal(err)
	}
	m2 := mountOn(t, e)
	f, err = os.Open(filepath.Join(m2.mnt, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h.Reset()
	if n, err := io.Copy(h, f); err != nil || n != 64<<20 {
		t.Fatalf("read back %d bytes: %v", n, err)
	}
	if !bytes.Equal(h.Sum(nil), want) {
		t.Fatal("sha256 differs after remount")
	}
	if v, _ := unix.Getxattr(filepath.Join(m2.mnt, "big"), index.XattrState, make([]byte, 64)); v != len("stored") {
		t.Fatalf("state xattr length %d", v)
	}
}

// TestMountMmap writes through a shared writable mapping in another
// process and reads it back with read(2) and with a mapping.
func TestMountMmap(t *testing.T) {
	m := mountEnv(t, nil)
	p := filepath.Join(m.mnt, "mapped")
	if err := os.WriteFile(p, make([]byte, 3*4096), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := runHelper(t, "mmap-write", p); code != 0 {
		t.Fatalf("mmap-write exited %d", code)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != byte(i%251) {
			t.Fatalf("byte %d is %d after mmap write", i, got[i])
		}
	}
	m.sync()
	if code := runHelper(t, "mmap-read", p); code != 0 {
		t.Fatalf("mmap-read exited %d", code)
	}
}

// TestLocks: flock between two descriptors and fcntl locks between two
// processes conflict (the kernel keeps the locks of a single-host mount).
func TestLocks(t *testing.T) {
	m := mountEnv(t, nil)
	p := filepath.Join(m.mnt, "lockfile")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f1, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	f2, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if err := unix.Flock(int(f1.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(f2.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("second flock: %v, want EWOULDBLOCK", err)
	}
	if code := runHelper(t, "flock", p); code != 3 {
		t.Fatalf("flock from another process exited %d, want conflict", code)
	}
	if err := unix.Flock(int(f1.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := unix.FcntlFlock(f1.Fd(), unix.F_SETLK, &unix.Flock_t{Type: unix.F_WRLCK}); err != nil {
		t.Fatal(err)
	}
	if code := runHelper(t, "fcntl-lock", p); code != 3 {
		t.Fatalf("fcntl lock from another process exited %d, want conflict", code)
	}
	if err := unix.FcntlFlock(f1.Fd(), unix.F_SETLK, &unix.Flock_t{Type: unix.F_UNLCK}); err != nil {
		t.Fatal(err)
	}
	if code := runHelper(t, "fcntl-lock", p); code != 0 {
		t.Fatalf("fcntl lock after unlock exited %d", code)
	}
}

// TestMountOpenFileSemantics: rename over an open file and unlink of an
// open file keep the old data readable through the descriptor.
func TestMountOpenFileSemantics(t *testing.T) {
	m := mountEnv(t, nil)
	p, tmp := filepath.Join(m.mnt, "file"), filepath.Join(m.mnt, "file.tmp")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(tmp, []byte("new!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(f); err != nil || string(b) != "old" {
		t.Fatalf("renamed-over file reads %q, %v", b, err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new!" {
		t.Fatalf("name reads %q", b)
	}
	g, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteAt([]byte("??"), 4); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 10)
	if n, err := g.ReadAt(b, 0); string(b[:n]) != "new!??" {
		t.Fatalf("unlinked open file reads %q, %v", b[:n], err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(g.Fd()), &st); err != nil || st.Nlink != 0 {
		t.Fatalf("fstat unlinked: nlink %d, %v", st.Nlink, err)
	}
}

// TestMountXattrs: set/get/list through the kernel; user.walrus.* are
// read-only and user.walrus.state becomes "stored" after a sync.
func TestMountXattrs(t *testing.T) {
	m := mountEnv(t, nil)
	p := filepath.Join(m.mnt, "f")
	if err := os.WriteFile(p, []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(p, "user.tag", []byte("v1"), 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	if n, err := unix.Getxattr(p, "user.tag", buf); err != nil || string(buf[:n]) != "v1" {
		t.Fatalf("getxattr %q %v", buf[:n], err)
	}
	if err := unix.Setxattr(p, index.XattrState, []byte("stored"), 0); err != unix.EPERM {
		t.Fatalf("setting %s: %v, want EPERM", index.XattrState, err)
	}
	n, err := unix.Listxattr(p, buf)
	if err != nil || !bytes.Contains(buf[:n], []byte("user.tag\x00")) || !bytes.Contains(buf[:n], []byte(index.XattrState+"\x00")) {
		t.Fatalf("listxattr %q %v", buf[:n], err)
	}
	ctx, cancel := context.WithTimeout(ctxb, 20*time.Second)
	defer cancel()
	if err := m.fs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := unix.Getxattr(p, index.XattrState, buf); err != nil || string(buf[:n]) != "stored" {
		t.Fatalf("state after sync %q %v", buf[:n], err)
	}
	if n, err := unix.Getxattr(p, index.XattrBlobIDs, buf); err != nil || n != 43 {
		t.Fatalf("blob ids %q %v", buf[:n], err)
	}
}

// TestMountZeroMode: an inode with no permission bits shows mode 0000
// (go-fuse would otherwise report 0644 or 0755 for it).
func TestMountZeroMode(t *testing.T) {
	m := mountEnv(t, nil)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	f := filepath.Join(m.mnt, "f")
	fd, err := syscall.Open(f, syscall.O_CREAT|syscall.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode != syscall.S_IFREG {
		t.Errorf("fstat of a file created with mode 0: %#o, %v", st.Mode, err)
	}
	syscall.Close(fd)
	if err := syscall.Mkdir(filepath.Join(m.mnt, "d"), 0); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(filepath.Join(m.mnt, "p"), syscall.S_IFIFO, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.mnt, "g"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(m.mnt, "g"), 0); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{"f": syscall.S_IFREG, "d": syscall.S_IFDIR, "p": syscall.S_IFIFO, "g": syscall.S_IFREG} {
		if err := syscall.Lstat(filepath.Join(m.mnt, name), &st); err != nil || st.Mode != want {
			t.Errorf("%s: mode %#o, %v; want %#o", name, st.Mode, err, want)
		}
	}
}
