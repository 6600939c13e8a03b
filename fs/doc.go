// Package fs is the go-fuse adapter of walrusfs (go-fuse is imported as
// fusefs): node, fileHandle and dirHandle turn kernel requests into calls
// of the core, vfs.FS, and Mount mounts it. The adapter keeps no state of
// its own beyond what go-fuse needs (a node is an inode number).
//
// # Layers
//
//   - node.go, dir_*.go, file_*.go, rename.go, xattr.go: each method
//     converts arguments, calls the core and maps the error with toErrno
//     (errno.go), the only place errors become errnos.
//   - mount.go: mount options and mounting; activity.go: every request is
//     counted as foreground activity, which background uploads yield to
//     (vfs/foreground.go).
//
// Special files (FIFOs, sockets, devices): the kernel serves their data
// itself, attached to its own in-memory inode, so no read, write or open
// of theirs reaches the daemon; the core answers ErrNoDevice (ENXIO)
// should one arrive all the same. OnForget tells the core when the kernel
// drops a special inode (vfs.FS.Forgotten), so an unlinked FIFO still
// open answers fstat until then. The mount carries nodev (devices on it
// cannot be opened), which does not stop creating, copying or archiving
// them.
//
// # Kernel caching (chosen on purpose)
//
//   - Entry, attribute and negative-entry timeouts are 1 s. The index has no
//     writer but this mount, and every change goes through the kernel, which
//     updates or invalidates its own dentry and attribute caches for changes
//     it makes; the timeout only bounds how long a wrong answer could live if
//     that assumption broke (e.g. a crash and restart under a live mount).
//   - Open returns FOPEN_KEEP_CACHE: the page cache survives close and reopen
//     of an unchanged file (a video scrubbed again is served from memory).
//     Pages can only be stale if content changed outside the kernel, which
//     cannot happen; uploads and commits change where bytes live, never the
//     bytes.
//   - No direct_io (mmap reads and writes work), no writeback cache (every
//     write reaches the staging file, so close(2) can make it durable).
//   - Locks: EnableLocks is off, so the kernel handles flock and fcntl
//     locks itself. That is correct for a single-host mount and gives exact
//     POSIX semantics.
//   - default_permissions: the kernel checks modes, owners and sticky bits;
//     allow_other is set when running as root.
//
// # Interrupts and deadlocks
//
// Operations pass go-fuse's ctx to the core; a signal to the caller
// cancels it and the index or store call returns context.Canceled, mapped
// to EINTR (see vfs, "Interrupts"). Tests never mmap or exec from the
// process serving the mount (see go-fuse fs/api.go, "Deadlocks"); they use
// a helper process.
package fs
