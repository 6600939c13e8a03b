// Package fs is the walrusfs filesystem: a core (FS) that implements every
// operation of the mount over the index (metadata, single source of truth)
// and a blob store, plus a thin go-fuse adapter (node, fileHandle,
// dirHandle; go-fuse is imported as fusefs) and the daemon around them
// (RunDaemon, the control socket).
//
// # Layers
//
//   - core_*.go, state.go, staging.go: kernel-free operations. Tests call
//     them directly over blobstore/mem and index.TestIndex.
//   - upload*.go, pack.go, gc.go: the uploader (bounded workers, packing of
//     small files, generation-checked commits, retries) and the blob
//     collector; foreground.go: the uploads yield to the user's requests
//     (a throttle on their Puts, lifted while someone waits in Sync).
//   - node.go, dir_*.go, file_*.go, rename.go, xattr.go: the adapter. Each
//     method converts arguments, calls the core and maps the error with
//     toErrno (errno.go), the only place errors become errnos.
//   - mount.go, daemon.go, control.go: mounting, the daemon's life cycle and
//     `walrusfs status/sync/umount`.
//
// # Data path
//
// Writes go to a sparse staging file per inode (<data-dir>/staging), at the
// file's own offsets; the index learns about them (SetChunkStaged, one call
// per touched chunk) when the file is closed, fsynced, truncated, has its
// attributes changed or is about to be committed. Until then the open file's
// size and mtime are overlaid on the index attributes. close(2) and fsync(2)
// fdatasync the staging file, then record the chunks and sync the index's
// journal, so after SIGKILL or a power cut every closed or fsynced file is
// intact and queued (the index's upload queue), and New/Start resume the
// uploads; bytes written but never closed are zeroed out of the staging file
// at start.
//
// Small files (one chunk of at most index.MaxStagedCopy = 256 KiB: the
// thousands of images an artist drags in, a backup tool's index files) take
// a shorter path: they never get a staging file. Their bytes stay in memory
// while written (inodeState.mem) and close(2) hands them to the index as a
// staged copy, made durable by one journal fdatasync; reads of such a file
// come from the copy until it is uploaded. Creating one therefore costs no
// file creation, staging fsync or staging deletion. A small file that grows
// past the limit spills into a staging file (which first receives the
// copy); after a crash, start-up rewrites any staging file whose bytes
// differ from its copy (reconcileStaging).
//
// A partial write to a stored chunk first copies that chunk from its blob
// (read-modify-write of one chunk); editing one byte of a 2 GiB file
// re-uploads one chunk. Reads take dirty and staged chunks from the staging
// file, stored chunks from the disk cache (fs/cache, a read-ahead stream per
// handle) and holes as zeros. A blob that cannot be read is EIO with a log
// line naming the file and the blob, never ENOENT or wrong bytes.
//
// LOCK ORDERING: see state.go.
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
// Operations take go-fuse's ctx; a signal to the caller cancels it and the
// index or store call returns context.Canceled, mapped to EINTR. Flushing
// metadata at close and committing an upload ignore cancellation (losing them
// would lose data). Tests never mmap or exec from the process serving the
// mount (see go-fuse fs/api.go, "Deadlocks"); they use a helper process.
package fs
