package tree

import (
	"fmt"

	"github.com/walrusfs/walrusfs/seal"
)

// maxCommitSize bounds a sealed commit record: the fixed fields plus the
// root's extended attributes.
const maxCommitSize = 16 << 20

// SealCommit serializes and seals a commit record under the commit key k
// (Keys.Commit). It refuses (ErrInvalid) a zero volume ID, a root or
// parent location that cannot hold a node or a commit, and root
// attributes that a node entry could not hold.
func SealCommit(k seal.Key, c Commit) ([]byte, error) {
	if err := checkCommit(&c); err != nil {
		return nil, fmt.Errorf("tree: seal commit %d: %w: %w", c.Seq, err, ErrInvalid)
	}
	var e encoder
	e.fixed16(c.Volume)
	e.uvarint(c.Seq)
	e.varint(c.Time)
	if c.Parent == nil {
		e.byte1(0)
	} else {
		e.byte1(1)
		encodeLoc(&e, *c.Parent)
	}
	encodeLoc(&e, c.Root)
	a := &c.RootAttr
	e.uvarint(uint64(a.Mode))
	e.uvarint(uint64(a.Uid))
	e.uvarint(uint64(a.Gid))
	encodeTimes(&e, a.Atime, a.Mtime, a.Ctime)
	encodeXattrs(&e, a.Xattrs)
	e.uvarint(c.Files)
	e.uvarint(c.Bytes)
	if len(e.b)+minSealed > maxCommitSize {
		return nil, fmt.Errorf("tree: seal commit %d: %d bytes (max %d): %w", c.Seq, len(e.b)+minSealed, maxCommitSize, ErrInvalid)
	}
	out, err := sealRecord(k, kindCommit, e.b)
	if err != nil {
		return nil, fmt.Errorf("tree: commit %d: %w", c.Seq, err)
	}
	return out, nil
}

// OpenCommit authenticates and decodes a commit record sealed by
// SealCommit under k. Errors: ErrAuth (wrong key or altered bytes), ErrKind
// (a node, not a commit), ErrCorrupt.
func OpenCommit(k seal.Key, sealed []byte) (Commit, error) {
	if len(sealed) > maxCommitSize {
		return Commit{}, fmt.Errorf("tree: open commit record: %d bytes (max %d): %w", len(sealed), maxCommitSize, ErrInvalid)
	}
	b, err := openRecord(k, kindCommit, sealed)
	if err != nil {
		return Commit{}, fmt.Errorf("tree: %w", err)
	}
	c, err := decodeCommit(b)
	if err != nil {
		return Commit{}, fmt.Errorf("tree: open commit record: %w", err)
	}
	return c, nil
}

func decodeCommit(b []byte) (Commit, error) {
	d := &decoder{b: b}
	var c Commit
	c.Volume = d.fixed16()
	c.Seq = d.uvarint()
	c.Time = d.varint()
	switch f := d.byte1(); f {
	case 0:
	case 1:
		p := decodeLoc(d)
		c.Parent = &p
	default:
		d.fail("parent flag %#x", f)
	}
	c.Root = decodeLoc(d)
	a := &c.RootAttr
	a.Mode = d.u32("mode")
	a.Uid = d.u32("uid")
	a.Gid = d.u32("gid")
	a.Atime, a.Mtime, a.Ctime = decodeTimes(d)
	a.Xattrs = decodeXattrs(d)
	c.Files = d.uvarint()
	c.Bytes = d.uvarint()
	d.end()
	if d.err != nil {
		return Commit{}, d.err
	}
	if err := checkCommit(&c); err != nil {
		return Commit{}, fmt.Errorf("commit %d: %w: %w", c.Seq, err, ErrCorrupt)
	}
	return c, nil
}

func checkCommit(c *Commit) error {
	if c.Volume == ([16]byte{}) {
		return fmt.Errorf("zero volume ID")
	}
	if c.Parent != nil {
		if err := c.Parent.check(minSealed, maxCommitSize); err != nil {
			return fmt.Errorf("parent commit: %v", err)
		}
	}
	if err := c.Root.checkRelative(minSealed, MaxNodeSize); err != nil {
		return fmt.Errorf("root node: %v", err)
	}
	if c.RootAttr.Mode > 0o7777 {
		return fmt.Errorf("root mode %#o has bits beyond 07777", c.RootAttr.Mode)
	}
	if err := checkXattrs(c.RootAttr.Xattrs); err != nil {
		return fmt.Errorf("root: %v", err)
	}
	return nil
}

// encodeLoc writes a full location: the 32-byte blob ID, then offset and
// length as uvarints.
func encodeLoc(e *encoder, l Loc) {
	e.blob(l.Blob)
	e.uvarint(l.Off)
	e.uvarint(l.Len)
}

func decodeLoc(d *decoder) Loc {
	return Loc{Blob: d.id32(), Off: d.uvarint(), Len: d.uvarint()}
}
