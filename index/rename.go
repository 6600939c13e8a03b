package index

import (
	"context"
	"errors"
	"fmt"
)

// RenameFlags select rename variants; the values equal Linux's
// RENAME_NOREPLACE and RENAME_EXCHANGE so fs can pass them through.
type RenameFlags uint32

const (
	RenameNoReplace RenameFlags = 1 << 0 // fail with ErrExist if the target exists
	RenameExchange  RenameFlags = 1 << 1 // atomically swap two existing entries
)

// Rename moves (srcParent, srcName) to (dstParent, dstName) in one
// transaction, with rename(2)/renameat2(2) semantics:
//
//   - An existing target is replaced atomically: a non-directory by a
//     non-directory, an empty directory by a directory. Otherwise ErrIsDir
//     (directory target, non-directory source), ErrNotDir (the reverse) or
//     ErrNotEmpty.
//   - RenameNoReplace: ErrExist if the target exists.
//   - RenameExchange: both must exist (ErrNotFound) and are swapped; types
//     may differ.
//   - A directory cannot move into itself or its own subtree: ErrInvalid.
//   - If source and target are links to the same inode nothing happens.
//
// The result names the replaced inode, if any (Ino 0 otherwise). A replaced
// directory is deleted at once; a replaced file whose link count reached 0
// is Orphaned and the caller must DropOrphan it once no handle holds it.
func (x *Index) Rename(ctx context.Context, srcParent uint64, srcName string, dstParent uint64, dstName string, flags RenameFlags) (Removed, error) {
	if err := validName(srcName); err != nil {
		return Removed{}, err
	}
	if err := validName(dstName); err != nil {
		return Removed{}, err
	}
	if flags&^(RenameNoReplace|RenameExchange) != 0 || flags == RenameNoReplace|RenameExchange {
		return Removed{}, fmt.Errorf("index: rename flags %#x: %w", uint32(flags), ErrInvalid)
	}
	var r Removed
	err := x.update(ctx, func(t *txn) (err error) {
		r, err = t.rename(srcParent, srcName, dstParent, dstName, flags)
		return err
	})
	return r, err
}

func (t *txn) rename(srcParent uint64, srcName string, dstParent uint64, dstName string, flags RenameFlags) (Removed, error) {
	// sdir and ddir alias when the parents are the same inode, so that
	// every update lands on one copy.
	s, err := t.getDir(srcParent)
	if err != nil {
		return Removed{}, err
	}
	sdir, ddir := &s, &s
	if dstParent != srcParent {
		d, err := t.getDir(dstParent)
		if err != nil {
			return Removed{}, err
		}
		ddir = &d
	}
	src, _, err := t.lookupEntry(srcParent, srcName)
	if err != nil {
		return Removed{}, err
	}
	sa, err := t.childInode(src)
	if err != nil {
		return Removed{}, err
	}
	dst, _, err := t.lookupEntry(dstParent, dstName)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Removed{}, err
	}
	if exists && flags&RenameNoReplace != 0 {
		return Removed{}, fmt.Errorf("index: rename to %q in directory %d: %w", dstName, dstParent, ErrExist)
	}
	if exists && dst == src {
		return Removed{}, nil // same inode (or same entry): POSIX says do nothing
	}
	if sa.Type == TypeDir {
		if err := t.checkNotInside(src, dstParent); err != nil {
			return Removed{}, err
		}
	}
	if flags&RenameExchange != 0 {
		if !exists {
			return Removed{}, fmt.Errorf("index: exchange with %q in directory %d: %w", dstName, dstParent, ErrNotFound)
		}
		return Removed{}, t.exchange(sdir, srcName, &sa, ddir, dstName, dst)
	}
	var r Removed
	if exists {
		da, err := t.childInode(dst)
		if err != nil {
			return r, err
		}
		switch {
		case sa.Type == TypeDir && da.Type != TypeDir:
			return r, fmt.Errorf("index: rename directory over %v %q: %w", da.Type, dstName, ErrNotDir)
		case sa.Type != TypeDir && da.Type == TypeDir:
			return r, fmt.Errorf("index: rename %v over directory %q: %w", sa.Type, dstName, ErrIsDir)
		case da.Type == TypeDir && hasPrefix(t.bucket(bucketDirents), u64(dst)):
			return r, fmt.Errorf("index: rename over directory %q: %w", dstName, ErrNotEmpty)
		}
		if err := t.removeEntry(ddir, dstName, &da); err != nil {
			return r, err
		}
		if da.Type == TypeDir {
			r.Ino = dst
			if _, err := t.deleteInode(&da); err != nil {
				return r, err
			}
		} else if r, err = t.dropLink(&da); err != nil {
			return r, err
		}
	}
	if err := t.removeEntry(sdir, srcName, &sa); err != nil {
		return r, err
	}
	if err := t.addEntry(ddir, dstName, &sa); err != nil {
		return r, err
	}
	sa.Ctime = t.now
	return r, t.putInode(&sa)
}

// exchange swaps the entries (sdir, sname) -> sa and (ddir, dname) -> dst.
func (t *txn) exchange(sdir *Attr, sname string, sa *Attr, ddir *Attr, dname string, dst uint64) error {
	da, err := t.childInode(dst)
	if err != nil {
		return err
	}
	if da.Type == TypeDir {
		if err := t.checkNotInside(dst, sdir.Ino); err != nil {
			return err
		}
	}
	dents := t.bucket(bucketDirents)
	if err := dents.Put(pairKey(sdir.Ino, sname), direntValue(da.Ino, da.Type)); err != nil {
		return err
	}
	if err := dents.Put(pairKey(ddir.Ino, dname), direntValue(sa.Ino, sa.Type)); err != nil {
		return err
	}
	if sdir != ddir {
		if sa.Type == TypeDir {
			sdir.Nlink--
			ddir.Nlink++
			sa.Parent = ddir.Ino
		}
		if da.Type == TypeDir {
			ddir.Nlink--
			sdir.Nlink++
			da.Parent = sdir.Ino
		}
	}
	sa.Ctime, da.Ctime = t.now, t.now
	for _, d := range []*Attr{sdir, ddir} {
		d.Mtime, d.Ctime = t.now, t.now
	}
	for _, a := range []*Attr{sa, &da, sdir, ddir} {
		if err := t.putInode(a); err != nil {
			return err
		}
	}
	return nil
}

// checkNotInside fails with ErrInvalid if dir is target or one of target's
// ancestors, i.e. moving directory dir under target would create a cycle.
func (t *txn) checkNotInside(dir, target uint64) error {
	for i := 0; ; i++ {
		if target == dir {
			return fmt.Errorf("index: cannot move directory %d into its own subtree: %w", dir, ErrInvalid)
		}
		if target == RootIno {
			return nil
		}
		a, err := t.getDir(target)
		if err != nil {
			return err
		}
		if i > 1<<20 {
			return fmt.Errorf("index: parent chain of directory %d does not reach the root: %w", target, ErrCorrupt)
		}
		target = a.Parent
	}
}
