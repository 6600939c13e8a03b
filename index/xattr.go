package index

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// XattrFlags are setxattr(2)'s flags; the values equal Linux's.
type XattrFlags uint32

const (
	XattrCreate  XattrFlags = 1 // fail with ErrExist if the attribute exists
	XattrReplace XattrFlags = 2 // fail with ErrNotFound if it does not
)

// Limits on extended attributes (ErrInvalid beyond them).
const (
	MaxXattrName  = 255
	MaxXattrValue = 64 << 10
)

// Read-only attributes computed for every regular file. They are listed by
// ListXattr; setting or removing them is ErrInvalid.
const (
	XattrState   = "user.walrus.state"    // UploadState.Visible(): staged, uploading, stored
	XattrBlobIDs = "user.walrus.blob_ids" // distinct blob IDs of stored chunks, newline-separated, chunk order
	// XattrEncryption says how the stored chunks are kept: "encrypted"
	// (all sealed), "plaintext" (none: a plaintext mount, an imported
	// blob), "mixed", or "none" while no chunk is stored.
	XattrEncryption = "user.walrus.encryption"
)

const reservedXattrPrefix = "user.walrus."

func validXattrName(name string) error {
	if name == "" || len(name) > MaxXattrName || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("index: xattr name %q (%d bytes): %w", name, len(name), ErrInvalid)
	}
	return nil
}

// GetXattr returns a copy of the value of name on ino. A missing attribute
// is ErrNotFound (fs maps it to ENODATA); the namespace is not interpreted.
func (x *Index) GetXattr(ctx context.Context, ino uint64, name string) ([]byte, error) {
	if err := validXattrName(name); err != nil {
		return nil, err
	}
	var val []byte
	err := x.view(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil {
			return err
		}
		if a.Type == TypeFile && (name == XattrState || name == XattrBlobIDs || name == XattrEncryption) {
			st, err := t.fileState(&a)
			if err != nil {
				return err
			}
			switch name {
			case XattrState:
				val = []byte(st.State.Visible())
				return nil
			case XattrEncryption:
				val = []byte(st.Encryption())
				return nil
			}
			ids := make([]string, len(st.Blobs))
			for i, id := range st.Blobs {
				ids[i] = id.String()
			}
			val = []byte(strings.Join(ids, "\n"))
			return nil
		}
		v := t.bucket(bucketXattrs).Get(pairKey(ino, name))
		if v == nil {
			return fmt.Errorf("index: xattr %q on inode %d: %w", name, ino, ErrNotFound)
		}
		val = bytes.Clone(v)
		if val == nil {
			val = []byte{}
		}
		return nil
	})
	return val, err
}

// SetXattr sets name to value on ino, honouring XattrCreate/XattrReplace,
// and updates ctime. Errors: ErrInvalid (limits, flags, reserved name),
// ErrExist, ErrNotFound.
func (x *Index) SetXattr(ctx context.Context, ino uint64, name string, value []byte, flags XattrFlags) error {
	if err := validXattrName(name); err != nil {
		return err
	}
	switch {
	case len(value) > MaxXattrValue:
		return fmt.Errorf("index: xattr %q value of %d bytes: %w", name, len(value), ErrInvalid)
	case flags&^(XattrCreate|XattrReplace) != 0 || flags == XattrCreate|XattrReplace:
		return fmt.Errorf("index: xattr flags %#x: %w", uint32(flags), ErrInvalid)
	case strings.HasPrefix(name, reservedXattrPrefix):
		return fmt.Errorf("index: xattr %q is read-only: %w", name, ErrInvalid)
	}
	return x.update(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil {
			return err
		}
		b := t.bucket(bucketXattrs)
		k := pairKey(ino, name)
		exists := b.Get(k) != nil
		if exists && flags&XattrCreate != 0 {
			return fmt.Errorf("index: xattr %q on inode %d: %w", name, ino, ErrExist)
		}
		if !exists && flags&XattrReplace != 0 {
			return fmt.Errorf("index: xattr %q on inode %d: %w", name, ino, ErrNotFound)
		}
		if err := b.Put(k, value); err != nil {
			return err
		}
		a.Ctime = t.now
		return t.putInode(&a)
	})
}

// ListXattr returns the stored attribute names of ino in byte order,
// followed, for regular files, by the read-only XattrBlobIDs,
// XattrEncryption and XattrState.
func (x *Index) ListXattr(ctx context.Context, ino uint64) ([]string, error) {
	var names []string
	err := x.view(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil {
			return err
		}
		prefix := u64(ino)
		c := t.bucket(bucketXattrs).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			names = append(names, string(k[8:]))
		}
		if a.Type == TypeFile {
			names = append(names, XattrBlobIDs, XattrEncryption, XattrState)
		}
		return nil
	})
	return names, err
}

// RemoveXattr deletes name from ino (ErrNotFound if absent) and updates ctime.
func (x *Index) RemoveXattr(ctx context.Context, ino uint64, name string) error {
	if err := validXattrName(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, reservedXattrPrefix) {
		return fmt.Errorf("index: xattr %q is read-only: %w", name, ErrInvalid)
	}
	return x.update(ctx, func(t *txn) error {
		a, err := t.getInode(ino)
		if err != nil {
			return err
		}
		b := t.bucket(bucketXattrs)
		k := pairKey(ino, name)
		if b.Get(k) == nil {
			return fmt.Errorf("index: xattr %q on inode %d: %w", name, ino, ErrNotFound)
		}
		if err := b.Delete(k); err != nil {
			return err
		}
		a.Ctime = t.now
		return t.putInode(&a)
	})
}
