package fs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotWalrusMount means a path is not the mountpoint of a walrusfs
// mount.
var ErrNotWalrusMount = errors.New("not a walrusfs mount")

// MountSource returns the source of the walrusfs mount at mnt (an
// absolute path): the daemon's data directory. It reads
// /proc/self/mountinfo; only the topmost mount at mnt counts (mounts
// stacked on one path are listed in mount order).
func MountSource(mnt string) (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	source := ""
	found := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, fl := range fields {
			if fl == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || len(fields) < sep+3 {
			continue
		}
		if unescapeMount(fields[4]) == mnt {
			source, found = unescapeMount(fields[sep+2]), fields[sep+1] == "fuse.walrusfs"
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("%s: %w", mnt, ErrNotWalrusMount)
	}
	return source, nil
}

// unescapeMount decodes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountDead removes the walrusfs mount at mnt, whose daemon is gone:
// umount2 as root, fusermount3 -u otherwise. Lazily (MNT_DETACH, -z): a
// shell whose working directory is inside must not keep it.
func unmountDead(ctx context.Context, mnt string) error {
	if os.Geteuid() == 0 {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			return fmt.Errorf("unmounting %s: %w", mnt, err)
		}
		return nil
	}
	out, err := exec.CommandContext(ctx, "fusermount3", "-u", "-z", mnt).CombinedOutput()
	if err != nil {
		return fmt.Errorf("fusermount3 -u -z %s: %v: %s", mnt, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// RemoveDeadMount unmounts what a daemon that died (SIGKILL, OOM, a
// crash) left at mnt: a walrusfs mount whose every request fails with
// ENOTCONN ("transport endpoint is not connected"). It reports the data
// directory of the dead mount, or "" when mnt is not one. Anything else
// at mnt (a live mount, another file system's dead mount) is left alone.
func RemoveDeadMount(ctx context.Context, mnt string) (string, error) {
	// statfs, not stat: the kernel answers stat from attributes it has
	// cached for a while even after the daemon died, but always asks the
	// daemon for statfs.
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); !errors.Is(err, syscall.ENOTCONN) {
		return "", nil
	}
	src, err := MountSource(mnt)
	if err != nil {
		return "", nil // some other file system's dead mount: not ours to touch
	}
	if err := unmountDead(ctx, mnt); err != nil {
		return "", err
	}
	return src, nil
}
