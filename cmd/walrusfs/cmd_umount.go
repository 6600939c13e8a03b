package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/daemon"
)

// runUmount: walrusfs umount MOUNTPOINT
// Asks the daemon serving MOUNTPOINT (found through /proc/self/mountinfo,
// whose source field is the daemon's data directory) to unmount and exit,
// which finishes or persists its uploads. Without a daemon it unmounts
// directly (umount2 as root, fusermount3 -u otherwise).
func runUmount(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "umount", "MOUNTPOINT")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"exactly one MOUNTPOINT is needed"}
	}
	mnt, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	dataDir, err := daemon.MountSource(mnt)
	if err != nil {
		return err
	}
	err = control.NewClient(dataDir).Unmount(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, control.ErrNoDaemon) {
		return err
	}
	// The daemon is gone: killed (remove its dead mount), or it exited
	// after unmounting while we asked (nothing left to do). A mount that
	// still answers is never forced off: its daemon may just not be
	// reachable on its socket.
	if src, err := daemon.RemoveDeadMount(ctx, mnt); err != nil || src != "" {
		return err
	}
	if _, err := daemon.MountSource(mnt); err != nil {
		return nil
	}
	return fmt.Errorf("the walrusfs mount at %s is alive, but its daemon does not answer on %s: %w (to force it off: umount -l %s, or fusermount3 -u -z %s)",
		mnt, filepath.Join(dataDir, control.SocketName), err, mnt, mnt)
}
