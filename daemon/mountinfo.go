package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/moby/sys/mountinfo"
)

// ErrNotWalrusMount means a path is not the mountpoint of a walrusfs
// mount.
var ErrNotWalrusMount = errors.New("not a walrusfs mount")

// MountSource returns the source of the walrusfs mount at mnt (an
// absolute path): the daemon's data directory. It reads
// /proc/self/mountinfo; only the topmost mount at mnt counts (mounts
// stacked on one path are listed in mount order).
func MountSource(mnt string) (string, error) {
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return m.Mountpoint != mnt, false
	})
	if err != nil {
		return "", fmt.Errorf("reading the mount table: %w", err)
	}
	if len(mounts) == 0 || mounts[len(mounts)-1].FSType != "fuse.walrusfs" {
		return "", fmt.Errorf("%s: %w", mnt, ErrNotWalrusMount)
	}
	return mounts[len(mounts)-1].Source, nil
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
