package tree

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// Errors. Every error of this package wraps one of them (or a context
// error, or an error of the Fetcher), and names the node, commit or string
// concerned without printing any key.
var (
	// ErrAuth means sealed bytes failed authentication: the wrong key,
	// altered or truncated bytes, or bytes that are not a sealed record of
	// any kind this package knows. (A record of another kind opened with
	// the right key is ErrKind instead.)
	ErrAuth = errors.New("authentication failed (wrong key or altered bytes)")
	// ErrKind means sealed bytes authenticated under the key, but as a
	// record of another kind: a file node opened as a directory node, a
	// node opened as a commit, and so on.
	ErrKind = errors.New("wrong kind of record")
	// ErrCorrupt means authenticated bytes that do not decode: a record
	// written by a broken or hostile holder of the key.
	ErrCorrupt = errors.New("malformed tree record")
	// ErrInvalid means a value that cannot be encoded (SealNode,
	// SealCommit, Share.String, ...) or an impossible location or range.
	ErrInvalid = errors.New("invalid tree value")
	// ErrNotFound means a path component that is not in its directory.
	ErrNotFound = errors.New("no such entry")
	// ErrNotDir means a path component that is not a directory was used as
	// one.
	ErrNotDir = errors.New("not a directory")
	// ErrChecksum means a share or recovery string whose checksum does not
	// match: mistyped or damaged.
	ErrChecksum = errors.New("checksum mismatch: mistyped or damaged")
	// ErrVersion means a share or recovery string of a version (or a kind)
	// this walrusfs does not read.
	ErrVersion = errors.New("unsupported version")
	// ErrSyntax means a share or recovery string that is not one at all:
	// wrong prefix, characters outside base64url, wrong length.
	ErrSyntax = errors.New("malformed string")
)

// Format limits. They are part of format version 1: the encoder refuses and
// the decoder rejects anything beyond them.
const (
	// MaxNameLen is the longest entry name, in bytes (Linux NAME_MAX).
	MaxNameLen = 255
	// MaxTargetLen is the longest symlink target, in bytes.
	MaxTargetLen = 4095
	// MaxXattrNameLen is the longest extended attribute name, in bytes.
	MaxXattrNameLen = 255
	// MaxXattrValueLen is the longest extended attribute value (Linux
	// XATTR_SIZE_MAX).
	MaxXattrValueLen = 64 << 10
	// MaxNodeSize bounds both the serialized (uncompressed) body of a node
	// and its sealed size: 256 MiB, about 2.5 million files of one chunk.
	MaxNodeSize = 256 << 20
	// MaxNetworkLen is the longest network name in a share or recovery
	// string.
	MaxNetworkLen = 16
	// maxOffset bounds every offset and length (and their sum) so that
	// they fit in an int64.
	maxOffset = 1 << 62
)

// Loc is where sealed bytes sit: Len bytes from byte Off of blob Blob.
// A Loc is not secret (it names public bytes).
type Loc struct {
	Blob     blobid.ID
	Off, Len uint64
}

// IsZero reports whether l is the zero Loc (no location).
func (l Loc) IsZero() bool { return l == Loc{} }

// String returns "blobID@off+len" (for messages).
func (l Loc) String() string { return fmt.Sprintf("%s@%d+%d", l.Blob, l.Off, l.Len) }

// check reports an error for a Loc that cannot point at sealed bytes of at
// least minLen and at most maxLen bytes.
func (l Loc) check(minLen, maxLen uint64) error {
	switch {
	case l.Blob.IsZero():
		return fmt.Errorf("location %s: zero blob ID: %w", l, ErrInvalid)
	case l.Off > maxOffset || l.Len > maxOffset-l.Off:
		return fmt.Errorf("location %s: beyond 2^62: %w", l, ErrInvalid)
	case l.Len < minLen || l.Len > maxLen:
		return fmt.Errorf("location %s: length outside [%d, %d]: %w", l, minLen, maxLen, ErrInvalid)
	}
	return nil
}

// checkRelative is check for a location that may be relative: a zero Blob
// in a directory entry's Child or in a commit's Root means the blob that
// holds the record itself (a commit's new nodes are written in one blob
// with it, before that blob's ID exists). Readers resolve it (Reader).
func (l Loc) checkRelative(minLen, maxLen uint64) error {
	if l.Blob.IsZero() {
		l.Blob[0] = 1 // any non-zero ID: the other checks still apply
	}
	return l.check(minLen, maxLen)
}

// Xattr is one extended attribute.
type Xattr struct {
	Name  string
	Value []byte
}

// Chunk is one stored chunk of a file: chunk Index covers the file bytes
// [Index*ChunkSize, Index*ChunkSize+Len); the file bytes are the first Len
// plaintext bytes of the extent of Length bytes at Off in Blob. Chunks a
// file does not list are holes (zeros).
//
// A sealed extent (Plain false) is a seal chunk under Key: its plaintext is
// seal.PlainSize(Length) bytes, which may exceed Len (a truncated file
// keeps its extent). A plain extent (Plain true, Key zero) is the bytes
// themselves.
type Chunk struct {
	Index  uint64
	Len    uint64
	Blob   blobid.ID
	Off    uint64
	Length uint64
	Key    seal.Key // the raw chunk key; prints redacted
	Plain  bool
}

// Entry is one name in a directory, with the attributes of what it names.
//
// Which fields a type uses (the others must be zero; SealNode refuses
// anything else, so that a node round-trips exactly):
//
//   - every type: Name, Type, Mode (permission bits, at most 07777), Uid,
//     Gid, Size, Atime, Mtime, Ctime (Unix nanoseconds), Xattrs (sorted by
//     name, unique);
//   - index.TypeFile: LinkGroup (non-zero and equal across the names of a
//     file with several names), ChunkSize, Chunks (sorted by Index,
//     unique);
//   - index.TypeDir: Child (the location of the directory's node) and
//     ChildKey (its key Kd);
//   - index.TypeSymlink: Target (non-empty);
//   - index.TypeCharDev, index.TypeBlockDev: Rdev.
type Entry struct {
	Name                string
	Type                index.Type
	Mode, Uid, Gid      uint32
	Rdev                uint32
	Size                uint64
	Atime, Mtime, Ctime int64
	LinkGroup           uint64
	Target              string
	Xattrs              []Xattr
	ChunkSize           uint64
	Chunks              []Chunk
	Child               Loc
	ChildKey            seal.Key // prints redacted
}

// Node is one directory: its entries, sorted by name in byte order, names
// unique. A node carries no attributes of the directory itself; they are in
// the parent's entry (or, for the root, in the commit).
type Node struct {
	Entries []Entry
}

// Find returns the index of the entry called name and true, or the index
// where it would be inserted and false (binary search).
func (n Node) Find(name string) (int, bool) {
	lo, hi := 0, len(n.Entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.Entries[m].Name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.Entries) && n.Entries[lo].Name == name
}

// DirAttr is the attributes of a directory that has no entry of its own:
// the root of a commit.
type DirAttr struct {
	Mode, Uid, Gid      uint32
	Atime, Mtime, Ctime int64
	Xattrs              []Xattr
}

// Commit is one version of a volume's tree: its root node and where the
// previous version is.
type Commit struct {
	Volume [16]byte // the volume ID
	Seq    uint64   // 1 for the first commit, +1 for each next one
	Time   int64    // Unix nanoseconds
	Parent *Loc     // the previous commit's record; nil for the first
	Root   Loc      // the root directory's node (key: Keys.Root)
	// RootAttr is the root directory's own attributes.
	RootAttr DirAttr
	// Files and Bytes are totals for listings (walrusfs snapshots): the
	// number of regular files and the sum of their sizes, as the writer
	// counted them. They are informational; nothing checks them.
	Files, Bytes uint64
}

// Keys is the key hierarchy of a volume's tree, derived from the volume
// master key M (see the package documentation). Its fields print redacted.
type Keys struct {
	// Read is R = seal.Derive(M, "tree read v1"): it reads every commit and
	// node of the volume, never anything else.
	Read seal.Key
	// Commit = seal.Derive(R, "tree commit v1") seals the commit records.
	Commit seal.Key
	// Root = seal.Derive(R, "tree root v1") seals the root directory's node.
	Root seal.Key
}

// DeriveKeys returns the tree keys of the volume master key master. It
// panics on the zero Key (an uninitialised master key), as seal.Derive does.
func DeriveKeys(master seal.Key) Keys {
	r := seal.Derive(master, "tree read v1")
	return Keys{Read: r, Commit: seal.Derive(r, "tree commit v1"), Root: seal.Derive(r, "tree root v1")}
}

// LogValue logs Keys as redacted.
func (Keys) LogValue() slog.Value { return slog.StringValue("tree.Keys(redacted)") }
