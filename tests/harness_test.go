package tests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/internal/fusetest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
)

// binary is the walrusfs binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "walrusfs-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "walrusfs")
	out, err := exec.Command("go", "build", "-o", binary, "../cmd/walrusfs").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building walrusfs: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needFUSE skips a test that cannot mount here.
func needFUSE(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end mount test skipped in -short mode")
	}
	fusetest.Need(t)
}

// needTool skips when a tool is missing; .ci/run installs them.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (.ci/run should have installed it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// daemon is one `walrusfs mount` subprocess.
type daemon struct {
	t       *testing.T
	dataDir string
	mnt     string
	cmd     *exec.Cmd
	log     *syncbuf.Buffer // the daemon's stdout and stderr
	done    chan error
}

// walrusfs runs a non-daemon command (sync, status, umount) and returns
// its combined output.
func walrusfs(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("walrusfs %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// mount starts a daemon on dataDir/mnt and waits until the mount is live.
// Cleanup unmounts even when the test fails.
func mount(t *testing.T, dataDir, mnt string, extra ...string) *daemon {
	t.Helper()
	return startDaemon(t, dataDir, mnt, append([]string{"--data-dir", dataDir}, extra...), 60*time.Second)
}

// startDaemon runs `walrusfs mount args... mnt` (dataDir is only
// recorded) and waits up to wait until the mount is live. Cleanup
// unmounts even when the test fails.
func startDaemon(t *testing.T, dataDir, mnt string, args []string, wait time.Duration) *daemon {
	t.Helper()
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, dataDir: dataDir, mnt: mnt, log: &syncbuf.Buffer{}, done: make(chan error, 1)}
	d.cmd = exec.Command(binary, append(append([]string{"mount"}, args...), mnt)...)
	d.cmd.Stdout = d.log
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() { d.cleanup() })
	// The daemon logs "mounted" once it serves the mount: a mount being
	// there is not enough (it may be the dead one of a killed daemon).
	deadline := time.Now().Add(wait)
	for !isMounted(mnt) || !strings.Contains(d.log.String(), "msg=mounted") {
		select {
		case err := <-d.done:
			d.done <- err
			t.Fatalf("walrusfs mount %s exited early: %v\n%s", strings.Join(args, " "), err, d.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mount did not appear within %v\n%s", wait, d.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// stop asks the daemon to exit (SIGTERM) and waits for a clean exit.
func (d *daemon) stop() {
	d.t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		d.done <- err
		if err != nil {
			d.t.Fatalf("daemon exit: %v\n%s", err, d.log)
		}
	case <-time.After(5 * time.Minute):
		d.t.Fatalf("daemon did not exit after SIGTERM\n%s", d.log)
	}
	if isMounted(d.mnt) {
		d.t.Fatalf("%s still mounted after the daemon exited", d.mnt)
	}
}

// kill SIGKILLs the daemon and removes the dead mount with `walrusfs
// umount`, as a user would.
func (d *daemon) kill() {
	d.crash()
	walrusfs(d.t, "umount", d.mnt)
	if isMounted(d.mnt) {
		d.t.Errorf("%s still mounted after walrusfs umount of a killed daemon", d.mnt)
		lazyUnmount(d.mnt)
	}
}

// crash SIGKILLs the daemon and leaves its dead mount behind (every
// access to it fails with ENOTCONN), as a crash or the OOM killer would.
func (d *daemon) crash() {
	_ = d.cmd.Process.Kill()
	err := <-d.done
	d.done <- err
}

func (d *daemon) cleanup() {
	select {
	case err := <-d.done:
		d.done <- err
	default:
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-d.done:
			d.done <- err
		case <-time.After(30 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	lazyUnmount(d.mnt)
	if d.t.Failed() {
		d.t.Logf("daemon log:\n%s", tail(d.log.String(), 4000))
		if dir := os.Getenv("WALRUSFS_E2E_LOGS"); dir != "" {
			// The whole log (a goroutine dump after SIGQUIT is long).
			p := filepath.Join(dir, strings.NewReplacer("/", "_").Replace(d.t.Name())+".log")
			if err := os.WriteFile(p, []byte(d.log.String()), 0o644); err == nil {
				d.t.Logf("whole daemon log in %s", p)
			}
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func lazyUnmount(mnt string) {
	if isMounted(mnt) {
		_ = syscall.Unmount(mnt, syscall.MNT_DETACH)
	}
}

// mountTypes lists the file system types of the mounts stacked at mnt,
// in mount order, from /proc/self/mountinfo (nil if it cannot be read).
func mountTypes(mnt string) []string {
	abs, _ := filepath.Abs(mnt)
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return m.Mountpoint != abs, false
	})
	if err != nil {
		return nil
	}
	types := make([]string, len(mounts))
	for i, m := range mounts {
		types[i] = m.FSType
	}
	return types
}

// mountCount is the number of mounts stacked at mnt.
func mountCount(mnt string) int { return len(mountTypes(mnt)) }

// isMounted reports whether a FUSE filesystem is mounted at mnt.
func isMounted(mnt string) bool {
	return slices.ContainsFunc(mountTypes(mnt), func(t string) bool { return strings.HasPrefix(t, "fuse") })
}

// writeRandomFile writes size pseudo-random bytes (seeded) to path.
func writeRandomFile(t *testing.T, path string, size int64, seed uint64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(seed, uint64(size)))
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(buf)))
		for i := 0; i+8 <= int(n); i += 8 {
			v := rng.Uint64()
			for k := range 8 {
				buf[i+k] = byte(v >> (8 * k))
			}
		}
		for i := int(n) &^ 7; i < int(n); i++ {
			buf[i] = byte(rng.Uint32())
		}
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		left -= n
	}
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// treeSums maps every path under root to "sha256" for files, "-> target"
// for symlinks, "dir" for directories and "special <type>" for FIFOs,
// sockets and devices.
func treeSums(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "-> " + target
		case d.IsDir():
			out[rel] = "dir"
		case !d.Type().IsRegular():
			out[rel] = "special " + d.Type().String() // a FIFO must not be opened
		default:
			out[rel] = fileSHA(t, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compareTrees(t *testing.T, want, got map[string]string) {
	t.Helper()
	bad := 0
	for p, w := range want {
		if g, ok := got[p]; !ok || g != w {
			if bad++; bad <= 10 {
				t.Errorf("%s: got %q, want %q", p, g, w)
			}
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			if bad++; bad <= 10 {
				t.Errorf("%s: unexpected", p)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d differences", bad)
	}
}

// dirSize is the bytes the disk holds for regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n += dataBytes(p)
		}
		return nil
	})
	return n
}

// dataBytes is how many bytes of file p hold data on the disk: cache blob
// files are sparse. It counts the data ranges (SEEK_DATA/SEEK_HOLE), not
// st_blocks, which also counts the file system's own extent-tree blocks of
// a file with many holes.
func dataBytes(p string) int64 {
	f, err := os.Open(p)
	if err != nil {
		return 0
	}
	defer f.Close()
	fd := int(f.Fd())
	var n int64
	for off := int64(0); ; {
		start, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if err != nil {
			return n // ENXIO: no data past off
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return n
		}
		n += end - start
		off = end
	}
}
