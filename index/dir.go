package index

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// DirEntry is one directory entry as returned by ReadDir.
type DirEntry struct {
	Name string
	Ino  uint64
	Type Type
}

// NewNode describes an inode for Create.
type NewNode struct {
	Type     Type
	Mode     uint32 // permission bits; other bits are ignored
	Uid, Gid uint32
	Target   string // symlinks only: 1..4095 bytes, no NUL
	Rdev     uint32 // devices only: the device number (see Attr.Rdev)
}

// Removed reports the inode an Unlink (or a replacing Rename) took a link
// from. Orphaned means its link count reached 0: the inode (a regular file
// with its data, or a special inode) now sits on the orphan list, and the
// caller must call DropOrphan(Ino) once nothing refers to it any more (no
// open handle for a file; for a special inode, the kernel forgot it).
type Removed struct {
	Ino      uint64
	Type     Type
	Orphaned bool
}

// validName checks a single path component: 1..255 bytes, no '/', no NUL,
// not "." or "..".
func validName(name string) error {
	switch {
	case len(name) > maxNameLen:
		return fmt.Errorf("index: name of %d bytes: %w", len(name), ErrNameTooLong)
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("index: name %q: %w", name, ErrInvalid)
	}
	return nil
}

// lookupEntry returns the entry (parent, name) or ErrNotFound.
func (t *txn) lookupEntry(parent uint64, name string) (uint64, Type, error) {
	v := t.bucket(bucketDirents).Get(pairKey(parent, name))
	if v == nil {
		return 0, 0, fmt.Errorf("index: %q in directory %d: %w", name, parent, ErrNotFound)
	}
	return decodeDirent(v)
}

// childInode loads the inode an entry points to: a missing one means the
// index is corrupt (never ErrNotFound, which would claim the name is absent).
func (t *txn) childInode(ino uint64) (Attr, error) {
	v := t.bucket(bucketInodes).Get(inoKey(ino))
	if v == nil {
		return Attr{}, fmt.Errorf("index: entry points to missing inode %d: %w", ino, ErrCorrupt)
	}
	return decodeInode(ino, v)
}

// addEntry links (dir, name) to child and updates dir's size, nlink (for a
// child directory) and times. dir is updated in memory and stored.
func (t *txn) addEntry(dir *Attr, name string, child *Attr) error {
	if err := t.bucket(bucketDirents).Put(pairKey(dir.Ino, name), direntValue(child.Ino, child.Type)); err != nil {
		return err
	}
	dir.Size++
	if child.Type == TypeDir {
		dir.Nlink++
		child.Parent = dir.Ino
	}
	dir.Mtime, dir.Ctime = t.now, t.now
	return t.putInode(dir)
}

// removeEntry is the inverse of addEntry (child is only read).
func (t *txn) removeEntry(dir *Attr, name string, child *Attr) error {
	if err := t.bucket(bucketDirents).Delete(pairKey(dir.Ino, name)); err != nil {
		return err
	}
	dir.Size--
	if child.Type == TypeDir {
		dir.Nlink--
	}
	dir.Mtime, dir.Ctime = t.now, t.now
	return t.putInode(dir)
}

// dropLink takes one link from a non-directory whose entry was just removed.
// At zero a symlink is deleted at once; a file or special inode becomes an
// orphan (an open file still reads its data; an open FIFO's fstat still
// finds its attributes).
func (t *txn) dropLink(a *Attr) (Removed, error) {
	r := Removed{Ino: a.Ino, Type: a.Type}
	a.Nlink--
	a.Ctime = t.now
	if a.Nlink > 0 {
		return r, t.putInode(a)
	}
	if a.Type == TypeSymlink {
		_, err := t.deleteInode(a)
		return r, err
	}
	r.Orphaned = true
	if err := t.bucket(bucketOrphans).Put(inoKey(a.Ino), u64(uint64(t.now.UnixNano()))); err != nil {
		return r, err
	}
	if err := t.bucket(bucketQueue).Delete(inoKey(a.Ino)); err != nil {
		return r, err
	}
	return r, t.putInode(a)
}

// Lookup returns the attributes of the entry name in directory parent.
// Errors: ErrNotFound (no entry or no parent), ErrNotDir, ErrInvalid and
// ErrNameTooLong (bad name).
func (x *Index) Lookup(ctx context.Context, parent uint64, name string) (Attr, error) {
	if err := validName(name); err != nil {
		return Attr{}, err
	}
	var a Attr
	err := x.view(ctx, func(t *txn) error {
		if _, err := t.getDir(parent); err != nil {
			return err
		}
		child, _, err := t.lookupEntry(parent, name)
		if err != nil {
			return err
		}
		a, err = t.childInode(child)
		return err
	})
	return a, err
}

// DefaultReadDirLimit is the page size ReadDir uses for limit <= 0.
const DefaultReadDirLimit = 1024

// ReadDir returns up to limit entries of dir ("." and ".." are not stored)
// whose names sort strictly after after (byte order), in byte order; after = "" starts at the beginning. An
// empty result means the end. Memory is bounded by limit, whatever the size
// of the directory. Each page is its own snapshot: entries added or removed
// between pages may or may not be seen, but no surviving entry is skipped
// or repeated.
func (x *Index) ReadDir(ctx context.Context, dir uint64, after string, limit int) ([]DirEntry, error) {
	if limit <= 0 {
		limit = DefaultReadDirLimit
	}
	var out []DirEntry
	err := x.view(ctx, func(t *txn) error {
		d, err := t.getDir(dir)
		if err != nil {
			return err
		}
		out = make([]DirEntry, 0, min(uint64(limit), d.Size))
		prefix := u64(dir)
		start := pairKey(dir, after)
		c := t.bucket(bucketDirents).Cursor()
		k, v := c.Seek(start)
		if after != "" && bytes.Equal(k, start) {
			k, v = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			ino, typ, err := decodeDirent(v)
			if err != nil {
				return err
			}
			out = append(out, DirEntry{Name: string(k[8:]), Ino: ino, Type: typ})
		}
		return nil
	})
	return out, err
}

// DirCount returns the number of entries of dir (not counting "." and "..").
func (x *Index) DirCount(ctx context.Context, dir uint64) (uint64, error) {
	var n uint64
	err := x.view(ctx, func(t *txn) error {
		d, err := t.getDir(dir)
		n = d.Size
		return err
	})
	return n, err
}

// Create makes a new inode of n.Type named name in parent and returns it.
// Errors: ErrExist if the name is taken (O_EXCL semantics; open-or-create is
// Lookup then Create), ErrNotFound/ErrNotDir for parent, ErrInvalid or
// ErrNameTooLong for name or target, ErrInvalid for a device number on a
// type other than a device. Files get the index's chunk size; special
// inodes get size 0 and no content.
func (x *Index) Create(ctx context.Context, parent uint64, name string, n NewNode) (Attr, error) {
	if err := validName(name); err != nil {
		return Attr{}, err
	}
	if !n.Type.valid() {
		return Attr{}, fmt.Errorf("index: create %q: type %v: %w", name, n.Type, ErrInvalid)
	}
	if n.Type == TypeSymlink {
		if len(n.Target) > maxTargetLen {
			return Attr{}, fmt.Errorf("index: symlink target of %d bytes: %w", len(n.Target), ErrNameTooLong)
		}
		if n.Target == "" || strings.IndexByte(n.Target, 0) >= 0 {
			return Attr{}, fmt.Errorf("index: symlink target %q: %w", n.Target, ErrInvalid)
		}
	} else if n.Target != "" {
		return Attr{}, fmt.Errorf("index: target given for a %v: %w", n.Type, ErrInvalid)
	}
	if n.Rdev != 0 && !n.Type.IsDevice() {
		return Attr{}, fmt.Errorf("index: device number given for a %v: %w", n.Type, ErrInvalid)
	}
	var a Attr
	err := x.update(ctx, func(t *txn) (err error) {
		a, err = x.create1(t, parent, name, n)
		return err
	})
	return a, err
}

// create1 is the body of Create (n already validated).
func (x *Index) create1(t *txn, parent uint64, name string, n NewNode) (Attr, error) {
	dir, err := t.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	if _, _, err := t.lookupEntry(parent, name); err == nil {
		return Attr{}, fmt.Errorf("index: create %q in directory %d: %w", name, parent, ErrExist)
	}
	a := Attr{Type: n.Type, Mode: n.Mode & 0o7777, Uid: n.Uid, Gid: n.Gid, Nlink: 1,
		Atime: t.now, Mtime: t.now, Ctime: t.now, Generation: 1}
	switch n.Type {
	case TypeFile:
		a.ChunkSize = x.chunkSize
	case TypeDir:
		a.Nlink, a.Parent = 2, parent
	case TypeSymlink:
		a.Target, a.Size = n.Target, uint64(len(n.Target))
	case TypeCharDev, TypeBlockDev:
		a.Rdev = n.Rdev
	}
	if err := t.newInode(&a); err != nil {
		return Attr{}, err
	}
	return a, t.addEntry(&dir, name, &a)
}

// Mkdir is Create of a directory.
func (x *Index) Mkdir(ctx context.Context, parent uint64, name string, mode, uid, gid uint32) (Attr, error) {
	return x.Create(ctx, parent, name, NewNode{Type: TypeDir, Mode: mode, Uid: uid, Gid: gid})
}

// Symlink is Create of a symlink (mode 0777).
func (x *Index) Symlink(ctx context.Context, parent uint64, name, target string, uid, gid uint32) (Attr, error) {
	return x.Create(ctx, parent, name, NewNode{Type: TypeSymlink, Mode: 0o777, Uid: uid, Gid: gid, Target: target})
}

// Link adds the hard link (parent, name) to ino and returns its attributes
// (Nlink incremented). Errors: ErrIsDir for a directory, ErrNotFound if ino
// is missing or already orphaned, ErrExist if the name is taken, ErrInvalid
// at the maximum link count.
func (x *Index) Link(ctx context.Context, ino, parent uint64, name string) (Attr, error) {
	if err := validName(name); err != nil {
		return Attr{}, err
	}
	var a Attr
	err := x.update(ctx, func(t *txn) (err error) {
		if a, err = t.getInode(ino); err != nil {
			return err
		}
		switch {
		case a.Type == TypeDir:
			return fmt.Errorf("index: link directory %d: %w", ino, ErrIsDir)
		case a.Nlink == 0:
			return fmt.Errorf("index: link orphaned inode %d: %w", ino, ErrNotFound)
		case a.Nlink == ^uint32(0):
			return fmt.Errorf("index: link inode %d: too many links: %w", ino, ErrInvalid)
		}
		dir, err := t.getDir(parent)
		if err != nil {
			return err
		}
		if _, _, err := t.lookupEntry(parent, name); err == nil {
			return fmt.Errorf("index: link %q in directory %d: %w", name, parent, ErrExist)
		}
		a.Nlink++
		a.Ctime = t.now
		if err := t.putInode(&a); err != nil {
			return err
		}
		return t.addEntry(&dir, name, &a)
	})
	return a, err
}

// Unlink removes the non-directory entry (parent, name). Errors: ErrNotFound,
// ErrNotDir (parent), ErrIsDir (the entry is a directory: use Rmdir). See
// Removed for what the caller must do when the link count reaches 0.
func (x *Index) Unlink(ctx context.Context, parent uint64, name string) (Removed, error) {
	if err := validName(name); err != nil {
		return Removed{}, err
	}
	var r Removed
	err := x.update(ctx, func(t *txn) error {
		dir, err := t.getDir(parent)
		if err != nil {
			return err
		}
		child, typ, err := t.lookupEntry(parent, name)
		if err != nil {
			return err
		}
		if typ == TypeDir {
			return fmt.Errorf("index: unlink %q in directory %d: %w", name, parent, ErrIsDir)
		}
		a, err := t.childInode(child)
		if err != nil {
			return err
		}
		if err := t.removeEntry(&dir, name, &a); err != nil {
			return err
		}
		r, err = t.dropLink(&a)
		return err
	})
	return r, err
}

// Rmdir removes the empty directory (parent, name) and deletes its inode at
// once (directories hold no data). Errors: ErrNotFound, ErrNotDir (parent or
// entry), ErrNotEmpty.
func (x *Index) Rmdir(ctx context.Context, parent uint64, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	return x.update(ctx, func(t *txn) error {
		dir, err := t.getDir(parent)
		if err != nil {
			return err
		}
		child, typ, err := t.lookupEntry(parent, name)
		if err != nil {
			return err
		}
		if typ != TypeDir {
			return fmt.Errorf("index: rmdir %q in directory %d: %w", name, parent, ErrNotDir)
		}
		a, err := t.childInode(child)
		if err != nil {
			return err
		}
		if hasPrefix(t.bucket(bucketDirents), u64(child)) {
			return fmt.Errorf("index: rmdir %q in directory %d: %w", name, parent, ErrNotEmpty)
		}
		if err := t.removeEntry(&dir, name, &a); err != nil {
			return err
		}
		_, err = t.deleteInode(&a)
		return err
	})
}

// Paths returns a path (from the root, "/"-separated, no leading slash)
// for each of inos that has a directory entry; inodes without one (orphans,
// unknown numbers) are absent. A file with several links gets one of them.
// It scans every directory entry once: meant for reports such as the
// failure list of walrusfs status, not for hot paths.
func (x *Index) Paths(ctx context.Context, inos []uint64) (map[uint64]string, error) {
	type link struct {
		parent uint64
		name   string
	}
	want := make(map[uint64]bool, len(inos))
	for _, ino := range inos {
		want[ino] = true
	}
	found := map[uint64]link{}
	dirs := map[uint64]link{}
	err := x.view(ctx, func(t *txn) error {
		return t.bucket(bucketDirents).ForEach(func(k, v []byte) error {
			parent, name, err := splitPairKey(k)
			if err != nil {
				return err
			}
			child, typ, err := decodeDirent(v)
			if err != nil {
				return err
			}
			if typ == TypeDir {
				dirs[child] = link{parent, name}
			}
			if _, ok := found[child]; want[child] && !ok {
				found[child] = link{parent, name}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(found))
	for ino, l := range found {
		path := l.name
		for p, hops := l.parent, 0; p != RootIno && hops < 4096; hops++ {
			d, ok := dirs[p]
			if !ok {
				path = "?/" + path
				break
			}
			path = d.name + "/" + path
			p = d.parent
		}
		out[ino] = path
	}
	return out, nil
}
