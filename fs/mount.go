package fs

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/index"
)

// MountOptions configures Mount. Nil means defaults.
type MountOptions struct {
	// Debug logs every FUSE operation (go-fuse's tracing) to stderr.
	Debug bool
	// AllowOther lets other users use the mount. Default: when root.
	AllowOther *bool
	// FsName is shown by mount(8) and df; default "walrusfs".
	FsName string
}

// ErrNoFusermount means a non-root user cannot mount: go-fuse needs
// fusermount3 (or fusermount) to mount without privileges.
var ErrNoFusermount = errors.New("mounting as a non-root user needs fusermount3 (Debian/Ubuntu package fuse3; Fedora fuse3): install it or run as root")

// Mount mounts f on dir and serves it in the background; the caller waits
// with server.Wait and unmounts with server.Unmount. As root it calls
// mount(2) itself (go-fuse DirectMount), so nothing needs installing;
// otherwise it uses fusermount3. Options (see doc.go): default_permissions
// (the kernel checks modes), allow_other when root, 1 s entry and
// attribute timeouts, no direct I/O (mmap works), kernel-local locks.
func Mount(dir string, f *FS, o *MountOptions) (*fuse.Server, error) {
	if o == nil {
		o = &MountOptions{}
	}
	root := os.Geteuid() == 0
	if !root && !haveFusermount() {
		return nil, ErrNoFusermount
	}
	allowOther := root
	if o.AllowOther != nil {
		allowOther = *o.AllowOther
	}
	name := o.FsName
	if name == "" {
		name = "walrusfs"
	}
	t := timeouts
	opts := &fusefs.Options{
		EntryTimeout:    &t,
		AttrTimeout:     &t,
		NegativeTimeout: &t,
		RootStableAttr:  &fusefs.StableAttr{Ino: index.RootIno, Gen: 1},
		Logger:          log.New(slogWriter{f.log}, "", 0),
		MountOptions: fuse.MountOptions{
			FsName:       name,
			Name:         "walrusfs",
			DirectMount:  root,
			AllowOther:   allowOther,
			Options:      []string{"default_permissions"},
			MaxWrite:     1 << 20,
			MaxReadAhead: 1 << 20,
			Debug:        o.Debug,
			Logger:       log.New(slogWriter{f.log}, "", 0),
		},
	}
	server, err := fusefs.Mount(dir, &node{fsys: f}, opts)
	if err != nil {
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	return server, nil
}

func haveFusermount() bool {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(name); err == nil {
			return true
		}
	}
	return false
}

// slogWriter turns go-fuse's log.Logger lines into slog records.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if len(msg) > 0 && msg[len(msg)-1] == '\n' {
		msg = msg[:len(msg)-1]
	}
	w.l.Info(msg, "component", "go-fuse")
	return len(p), nil
}
