package main

import (
	"context"
	"errors"
	"path/filepath"

	wfs "github.com/walrusfs/walrusfs/fs"
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
	dataDir, err := wfs.MountSource(mnt)
	if err != nil {
		return err
	}
	err = wfs.NewClient(dataDir).Unmount(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, wfs.ErrNoDaemon) {
		return err
	}
	// The daemon is gone: killed (remove its dead mount), or it exited
	// after unmounting while we asked (nothing left to do).
	if _, err := wfs.MountSource(mnt); err != nil {
		return nil
	}
	return wfs.UnmountDead(ctx, mnt)
}
