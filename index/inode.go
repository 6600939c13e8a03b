package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// RootIno is the inode number of the root directory.
const RootIno uint64 = 1

// Type is the kind of an inode. The zero value is invalid.
type Type uint8

// Inode types; the values are part of the on-disk schema. The special
// types (FIFO, socket, character and block device) are names only: the
// kernel serves their data itself (a pipe, a socket, a driver), so they
// have no chunks, size 0 and are never uploaded; devices keep their
// device number in Attr.Rdev.
const (
	TypeFile     Type = 1
	TypeDir      Type = 2
	TypeSymlink  Type = 3
	TypeFIFO     Type = 4
	TypeSocket   Type = 5
	TypeCharDev  Type = 6
	TypeBlockDev Type = 7
)

func (t Type) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	case TypeFIFO:
		return "fifo"
	case TypeSocket:
		return "socket"
	case TypeCharDev:
		return "chardev"
	case TypeBlockDev:
		return "blockdev"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

func (t Type) valid() bool { return t >= TypeFile && t <= TypeBlockDev }

// Special reports whether t is a FIFO, socket or device: an inode whose
// data the kernel serves, with no content in the index.
func (t Type) Special() bool { return t >= TypeFIFO && t <= TypeBlockDev }

// IsDevice reports whether t is a character or block device (the types
// with a device number).
func (t Type) IsDevice() bool { return t == TypeCharDev || t == TypeBlockDev }

// Attr is a copy of an inode's attributes.
//
// INVARIANT (checked by Check): directories have Nlink = 2 + number of
// subdirectories and Size = number of entries; files and symlinks have Nlink =
// number of directory entries naming them, and a file with Nlink 0 is an
// orphan. Size of a symlink is len(Target). Special inodes (Type.Special)
// have Size 0, no chunks, UploadNone, and Rdev 0 unless a device.
type Attr struct {
	Ino        uint64
	Type       Type
	Mode       uint32 // permission bits only (07777); the type is in Type
	Uid, Gid   uint32
	Size       uint64
	Nlink      uint32
	Atime      time.Time // stored as Unix nanoseconds
	Mtime      time.Time
	Ctime      time.Time
	Generation uint64      // bumped on every content change (write, truncate)
	ChunkSize  uint64      // regular files: fixed at creation
	Parent     uint64      // directories: the containing directory (root: itself)
	Target     string      // symlinks: the link target
	Upload     UploadState // regular files: where the content lives
	Rdev       uint32      // devices: the device number, as FUSE carries it (Linux new_encode_dev)
}

// Inode record versions (see doc.go): version 2 added Rdev. Records are
// always written in the current version; version 1 records, which every
// inode of an index older than schema 3 has, are read as Rdev 0 and
// rewritten in version 2 the next time the inode changes.
const (
	inodeRecVersion = 2
	inodeFixedLenV1 = 77
	inodeFixedLen   = 81
	maxNameLen      = 255
	maxTargetLen    = 4095
)

// encodeInode is the on-disk inode record (see doc.go).
func encodeInode(a *Attr) []byte {
	b := make([]byte, 0, inodeFixedLen+len(a.Target))
	b = append(b, inodeRecVersion, byte(a.Type), byte(a.Upload))
	for _, v := range []uint32{a.Mode, a.Uid, a.Gid, a.Nlink} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = binary.BigEndian.AppendUint64(b, a.Size)
	for _, t := range []time.Time{a.Atime, a.Mtime, a.Ctime} {
		b = binary.BigEndian.AppendUint64(b, uint64(t.UnixNano()))
	}
	for _, v := range []uint64{a.Generation, a.ChunkSize, a.Parent} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	b = binary.BigEndian.AppendUint32(b, a.Rdev)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.Target)))
	return append(b, a.Target...)
}

// fixedLen is the length of an inode record of version ver without its
// target, or 0 for an unknown version.
func fixedLen(ver byte) int {
	switch ver {
	case 1:
		return inodeFixedLenV1
	case inodeRecVersion:
		return inodeFixedLen
	}
	return 0
}

// decodeInode is the inverse of encodeInode; it copies everything out of v.
func decodeInode(ino uint64, v []byte) (Attr, error) {
	a := Attr{Ino: ino}
	if len(v) == 0 || fixedLen(v[0]) == 0 || len(v) < fixedLen(v[0]) {
		return a, fmt.Errorf("index: inode %d: bad record (%d bytes): %w", ino, len(v), ErrCorrupt)
	}
	a.Type, a.Upload = Type(v[1]), UploadState(v[2])
	p := v[3:]
	u32 := func() uint32 { x := binary.BigEndian.Uint32(p); p = p[4:]; return x }
	u64 := func() uint64 { x := binary.BigEndian.Uint64(p); p = p[8:]; return x }
	a.Mode, a.Uid, a.Gid, a.Nlink = u32(), u32(), u32(), u32()
	a.Size = u64()
	a.Atime, a.Mtime, a.Ctime = time.Unix(0, int64(u64())), time.Unix(0, int64(u64())), time.Unix(0, int64(u64()))
	a.Generation, a.ChunkSize, a.Parent = u64(), u64(), u64()
	if v[0] >= 2 {
		a.Rdev = u32()
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) != 2+n || !a.Type.valid() {
		return a, fmt.Errorf("index: inode %d: bad record: %w", ino, ErrCorrupt)
	}
	a.Target = string(p[2:])
	return a, nil
}

// getInode loads an inode; a missing one is ErrNotFound.
func (t *txn) getInode(ino uint64) (Attr, error) {
	v := t.bucket(bucketInodes).Get(inoKey(ino))
	if v == nil {
		return Attr{}, fmt.Errorf("index: inode %d: %w", ino, ErrNotFound)
	}
	return decodeInode(ino, v)
}

// getDir loads an inode that must be a directory.
func (t *txn) getDir(ino uint64) (Attr, error) {
	a, err := t.getInode(ino)
	if err == nil && a.Type != TypeDir {
		err = fmt.Errorf("index: inode %d: %w", ino, ErrNotDir)
	}
	return a, err
}

// getFile loads an inode that must be a regular file.
func (t *txn) getFile(ino uint64) (Attr, error) {
	a, err := t.getInode(ino)
	if err == nil && a.Type == TypeDir {
		err = fmt.Errorf("index: inode %d: %w", ino, ErrIsDir)
	} else if err == nil && a.Type != TypeFile {
		err = fmt.Errorf("index: inode %d is a %v: %w", ino, a.Type, ErrInvalid)
	}
	return a, err
}

func (t *txn) putInode(a *Attr) error {
	return t.bucket(bucketInodes).Put(inoKey(a.Ino), encodeInode(a))
}

// newInode allocates the next inode number (never reused) and stores a.
func (t *txn) newInode(a *Attr) error {
	ino, err := t.bucket(bucketInodes).NextSequence()
	if err != nil {
		return err
	}
	a.Ino = ino
	if err := t.putInode(a); err != nil {
		return err
	}
	return t.addCounter(metaInodes, 1)
}

// deleteInode removes an inode and everything hanging off it (xattrs,
// chunks with their blob references, orphan/queue/failure records) and
// returns the stored extents whose references were released.
func (t *txn) deleteInode(a *Attr) ([]Extent, error) {
	released, err := t.dropChunksFrom(a.Ino, 0)
	if err != nil {
		return nil, err
	}
	if err := deletePrefix(t.bucket(bucketXattrs), u64(a.Ino)); err != nil {
		return nil, err
	}
	for _, b := range [][]byte{bucketOrphans, bucketQueue, bucketFailures, bucketInodes} {
		if err := t.bucket(b).Delete(inoKey(a.Ino)); err != nil {
			return nil, err
		}
	}
	if a.Type == TypeFile {
		if err := t.addCounter(metaBytes, -int64(a.Size)); err != nil {
			return nil, err
		}
	}
	return released, t.addCounter(metaInodes, -1)
}

// GetAttr returns the attributes of ino (ErrNotFound if it does not exist;
// orphans still exist until DropOrphan).
func (x *Index) GetAttr(ctx context.Context, ino uint64) (Attr, error) {
	var a Attr
	err := x.view(ctx, func(t *txn) (err error) { a, err = t.getInode(ino); return err })
	return a, err
}

// ReadLink returns the target of a symlink (ErrInvalid for other types).
func (x *Index) ReadLink(ctx context.Context, ino uint64) (string, error) {
	a, err := x.GetAttr(ctx, ino)
	if err == nil && a.Type != TypeSymlink {
		err = fmt.Errorf("index: readlink inode %d (%v): %w", ino, a.Type, ErrInvalid)
	}
	return a.Target, err
}

// AttrUpdate lists the attributes SetAttr changes; nil fields are left alone.
type AttrUpdate struct {
	Mode, Uid, Gid      *uint32
	Size                *uint64 // regular files only: truncates or extends (see Truncate)
	Atime, Mtime, Ctime *time.Time
}

// SetAttr applies u in one transaction and returns the new attributes. Ctime
// becomes now on any change unless u.Ctime is set. A size change behaves as
// Truncate (generation bump, chunks dropped, blob references released); it is
// ErrIsDir on a directory and ErrInvalid on a symlink.
func (x *Index) SetAttr(ctx context.Context, ino uint64, u AttrUpdate) (Attr, error) {
	var a Attr
	err := x.update(ctx, func(t *txn) (err error) {
		if a, err = t.getInode(ino); err != nil {
			return err
		}
		if u.Size != nil {
			if a.Type == TypeDir {
				return fmt.Errorf("index: truncate inode %d: %w", ino, ErrIsDir)
			}
			if a.Type != TypeFile {
				return fmt.Errorf("index: truncate %v inode %d: %w", a.Type, ino, ErrInvalid)
			}
			if _, err := t.truncate(&a, *u.Size); err != nil {
				return err
			}
		}
		if u.Mode != nil {
			a.Mode = *u.Mode & 0o7777
		}
		if u.Uid != nil {
			a.Uid = *u.Uid
		}
		if u.Gid != nil {
			a.Gid = *u.Gid
		}
		if u.Atime != nil {
			a.Atime = *u.Atime
		}
		if u.Mtime != nil {
			a.Mtime = *u.Mtime
		}
		a.Ctime = t.now
		if u.Ctime != nil {
			a.Ctime = *u.Ctime
		}
		return t.putInode(&a)
	})
	return a, err
}

// StatFS holds filesystem-wide totals for statfs(2) and `walrusfs status`.
type StatFS struct {
	Inodes uint64 // inode records, including orphans
	Bytes  uint64 // sum of regular file sizes, including orphans
}

// StatFS returns the totals, kept as counters (O(1)).
func (x *Index) StatFS(ctx context.Context) (StatFS, error) {
	var s StatFS
	err := x.view(ctx, func(t *txn) (err error) { s, err = t.statFS(); return err })
	return s, err
}

func (t *txn) statFS() (s StatFS, err error) {
	meta := t.bucket(bucketMeta)
	if s.Inodes, err = getU64(meta.Get(metaInodes)); err != nil {
		return s, err
	}
	s.Bytes, err = getU64(meta.Get(metaBytes))
	return s, err
}
