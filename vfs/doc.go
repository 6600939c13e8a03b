// Package vfs is the walrusfs file system core: FS implements every
// operation of the mount over the index (metadata, single source of truth)
// and a blob store, with no kernel in sight. Package fs adapts it to
// go-fuse; tests call it directly over blobstore/mem and index.TestIndex.
//
// # Layers
//
//   - core_*.go, state.go, staging.go: the operations, the per-inode state
//     of open files and the staging files. Errors are those of index and
//     blobstore plus the ones in errors.go; fs/errno.go maps them.
//   - upload*.go, pack.go, gc.go: the uploader (bounded workers, packing of
//     small files, generation-checked commits, retries) and the blob
//     collector.
//   - import.go: placing an existing blob in the tree (walrusfs import).
//
// The core imports index, blobstore (the interface only) and cache; never
// go-fuse, Sui or a concrete back end (TestDeps). What only some back ends
// can do is found on the store with blobstore.As: a blobstore.Forgetter is
// forgotten, not deleted, by the collector; a blobstore.EpochReporter
// gives files the user.walrus.end_epoch attribute.
//
// # Data path
//
// Writes go to a sparse staging file per inode (<data-dir>/staging), at the
// file's own offsets; the index learns about them (SetChunkStaged, one call
// per touched chunk) when the file is closed, fsynced, truncated, has its
// attributes changed or is about to be committed. Until then the open file's
// size and mtime are overlaid on the index attributes, both read as one
// snapshot under the file's content lock (SIZE OF AN OPEN FILE in
// state.go: the kernel takes every size it is told as the truth).
// close(2) and fsync(2) fdatasync the staging file, then record the chunks
// and sync the index's journal, so after SIGKILL or a power cut every
// closed or fsynced file is intact and queued (the index's upload queue),
// and New/Start resume the uploads; bytes written but never closed are
// zeroed out of the staging file at start.
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
// file, stored chunks from the disk cache (package cache, a read-ahead stream per
// handle) and holes as zeros. A blob that cannot be read is EIO with a log
// line naming the file and the blob, never ENOENT or wrong bytes.
//
// LOCK ORDERING: see state.go. It is one lock domain: every lock of the
// core is in this package.
//
// # Special files
//
// FIFOs, UNIX sockets (bind(2) creates one through mknod) and character
// and block devices are index inodes with attributes and, for devices, a
// device number (fuse.Attr.Rdev, in the kernel's encoding, stored as
// given). The kernel serves their data itself: a pipe, a socket or a
// driver attached to its own in-memory inode, so no read, write or open
// of theirs reaches the core, and they have no staging file, chunks or
// upload (user.walrus.* attributes are absent on them). Open answers
// ErrNoDevice (ENXIO) should one arrive all the same. A special inode
// whose last name goes stays in the index as an orphan until the kernel
// forgets it (Forgotten, called from the adapter's OnForget; the next
// start drops leftovers): a FIFO open at the time still answers fstat.
// The user.* attribute namespace follows the kernel's rule: only regular
// files and directories.
//
// # Interrupts
//
// Operations take the caller's ctx; a cancelled request makes the index or
// store call return context.Canceled (the adapter answers EINTR). Flushing
// metadata at close and committing an upload ignore cancellation (losing
// them would lose data).
package vfs
