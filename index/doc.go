// Package index is the walrusfs daemon's metadata store and the only source
// of truth for the tree: inodes, directory entries, symlink targets, xattrs,
// the content map of every file (which chunks are staged locally, which are
// stored in which Walrus blob), upload state, and blob reference counts. It
// is a bbolt file plus its write-ahead journal (<file>-journal, see
// journal.go). Blobs are named by blobid.ID, the only walrusfs package it
// imports.
//
// # Durability
//
// Every operation is applied to one long-lived bbolt write transaction and
// its effect appended to the journal before the method returns, so a killed
// daemon loses nothing. Surviving a power cut needs the journal on disk:
// Sync (one fdatasync, shared by concurrent callers, made without the index
// lock) makes every operation so far durable, and SetChunkStagedCopy is
// durable by itself. In the background, the journal is synced once an
// operation has been undurable for SyncInterval (500 ms), so everything is
// durable within a second without anyone calling Sync. A checkpoint
// commits the transaction to the bbolt file: when no operation came for
// CheckpointQuiet (200 ms), at the latest every CheckpointInterval (30 s)
// while something changed, at 32 MiB of journal, and on Close. It holds
// the index lock (30-60 ms after 2000 new small files), which is why it
// waits for a quiet moment instead of stalling a burst. Open replays the
// journal. This costs one fdatasync per durable point instead of bbolt's
// two per transaction.
//
// # Contracts
//
//   - Every method takes a context first, checks it before it starts, and
//     runs one short operation with no other I/O inside (the journal write
//     aside). Each operation is atomic: on error nothing changed (its
//     writes are undone).
//   - Results are copies; no bbolt type is exported.
//   - Errors wrap the sentinels in index.go (ErrNotFound, ErrExist, ...);
//     test with errors.Is. No syscall.Errno here: package fs maps errors.
//   - The Index is safe for concurrent use: operations are serialised by
//     one mutex (a leaf lock: no callbacks into other packages run under it).
//   - The index never touches staging files or blobs. Methods that free data
//     (Unlink, Rename, Truncate, DropOrphan) tell the caller what to free.
//
// # Inodes and link counts
//
// Inode numbers come from the inodes bucket's sequence and are never reused
// (RootIno = 1). Rules, verified by Check:
//
//   - A directory has Nlink = 2 + its subdirectories, Size = its number of
//     entries, exactly one entry naming it (the root: none) and Parent = the
//     directory holding that entry. Parent chains reach the root, so Rename
//     can refuse to move a directory into its own subtree. Rmdir deletes the
//     inode at once.
//   - A file, symlink or special inode has Nlink = the number of entries
//     naming it. A symlink reaching 0 is deleted at once. A file or special
//     inode reaching 0 becomes an orphan: it keeps its data and attributes,
//     is listed by Orphans, and is deleted by DropOrphan, which the fs
//     layer calls on last close of a file, when the kernel forgets a
//     special inode (an open FIFO outlives its name), or at start-up for
//     leftovers. Orphans are not queued for upload.
//   - Special inodes (FIFO, socket, character and block device: see
//     Type.Special) are names with attributes only. The kernel serves
//     their data (a pipe, a socket, a driver), so they have Size 0, no
//     chunks, UploadNone, and never enter the upload queue or the failure
//     list. Devices keep their device number in Rdev;
//     every other inode has Rdev 0.
//
// # Content
//
// A regular file is cut into chunks of ChunkSize bytes (fixed per file at
// creation). Chunk i is absent (a hole, zeros), Staged (bytes in the local
// staging file) or Stored (an Extent of a blob); see ChunkState for Len. The
// generation of a file is bumped on every content change (SetChunkStaged,
// Truncate, SetAttr with a size); CommitUpload applies only if the
// generation is unchanged since BeginUpload, so an upload never overwrites
// newer writes. Every Stored chunk holds one reference on its blob; see
// refs.go for the reference and deletion-list rules.
//
// # Schema (version 4)
//
// Integers are big-endian; "ino" is 8 bytes, so keys sort numerically.
//
//	meta       "version" -> u64 schema version (3)
//	           "count.inodes" -> u64 number of inode records
//	           "count.bytes"  -> u64 sum of Size over regular files
//	inodes     ino -> record (bucket sequence = last allocated ino):
//	           u8 record version (2), u8 type, u8 upload state,
//	           u32 mode, u32 uid, u32 gid, u32 nlink, u64 size,
//	           i64 atime, i64 mtime, i64 ctime (Unix ns),
//	           u64 generation, u64 chunk size, u64 parent (dirs),
//	           u32 rdev (devices; the kernel's FUSE encoding),
//	           u16 target length, target bytes (symlinks)
//	           Types: 1 file, 2 directory, 3 symlink, 4 FIFO, 5 socket,
//	           6 character device, 7 block device.
//	           Record version 1 is the same without rdev (read as 0);
//	           it is still read, and rewritten as version 2 when the
//	           inode next changes.
//	dirents    ino(parent) ‖ name -> u64 child ino ‖ u8 child type
//	xattrs     ino ‖ name -> value
//	chunks     ino ‖ u64 chunk index -> u8 kind ‖ u64 len
//	           [‖ 32-byte blob ID ‖ u64 offset ‖ u64 length, if stored]
//	           [‖ 72-byte wrapped chunk key, if the extent is sealed]
//	refs       blob ID -> u64 number of stored chunks naming it (> 0)
//	deadblobs  blob ID -> i64 Unix ns when its count reached 0
//	orphans    ino -> i64 Unix ns when its link count reached 0 (files
//	           and special inodes)
//	uploadq    ino -> empty; linked files with at least one staged chunk
//	failures   ino -> i64 Unix ns ‖ message of the last failed upload
//	stagedcopy ino ‖ u64 chunk index -> the chunk's staged bytes (at most
//	           MaxStagedCopy); only for a Staged chunk of exactly that
//	           length, dropped by any other change of the chunk (a
//	           truncate shortens it)
//	meta       "journal.gen" -> u64 generation of the journal records not
//	           yet committed to this file (absent = 0)
//
// Version 1 had no stagedcopy bucket and no journal; version 2 had only
// types 1-3 and inode record version 1; version 3 had no sealed extents.
// Open migrates them (the steps from 2 to 3 and 3 to 4 rewrite nothing:
// old records are read as they are).
//
// Open refuses a file whose version is newer than this package's
// (ErrVersion). A schema change bumps schemaVersion and adds a migration.
//
// # Testing
//
// TestIndex opens an index under t.TempDir() and runs Check when the test
// ends, so every test that uses it also proves the invariants above.
package index

// schemaVersion is the on-disk schema version described above.
const schemaVersion uint64 = 4
