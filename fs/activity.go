package fs

import (
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/vfs"
)

// activityFS is the mount's fuse.RawFileSystem: go-fuse's node bridge,
// with every request the user's programs make counted as foreground
// activity, which background uploads yield to (vfs/foreground.go).
type activityFS struct {
	fuse.RawFileSystem
	fsys *vfs.FS
}

func (a *activityFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Lookup(c, h, name, out)
}

func (a *activityFS) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.GetAttr(c, in, out)
}

func (a *activityFS) SetAttr(c <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.SetAttr(c, in, out)
}

func (a *activityFS) Mknod(c <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Mknod(c, in, name, out)
}

func (a *activityFS) Mkdir(c <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Mkdir(c, in, name, out)
}

func (a *activityFS) Unlink(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Unlink(c, h, name)
}

func (a *activityFS) Rmdir(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Rmdir(c, h, name)
}

func (a *activityFS) Rename(c <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Rename(c, in, oldName, newName)
}

func (a *activityFS) Link(c <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Link(c, in, name, out)
}

func (a *activityFS) Symlink(c <-chan struct{}, h *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Symlink(c, h, target, name, out)
}

func (a *activityFS) Readlink(c <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Readlink(c, h)
}

func (a *activityFS) Access(c <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Access(c, in)
}

func (a *activityFS) GetXAttr(c <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.GetXAttr(c, h, attr, dest)
}

func (a *activityFS) ListXAttr(c <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.ListXAttr(c, h, dest)
}

func (a *activityFS) SetXAttr(c <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.SetXAttr(c, in, attr, data)
}

func (a *activityFS) RemoveXAttr(c <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.RemoveXAttr(c, h, attr)
}

func (a *activityFS) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Create(c, in, name, out)
}

func (a *activityFS) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Open(c, in, out)
}

func (a *activityFS) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Read(c, in, buf)
}

func (a *activityFS) Lseek(c <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Lseek(c, in, out)
}

func (a *activityFS) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	a.RawFileSystem.Release(c, in)
}

func (a *activityFS) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Write(c, in, data)
}

func (a *activityFS) Writev(c <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Writev(c, in, data)
}

func (a *activityFS) CopyFileRange(c <-chan struct{}, in *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.CopyFileRange(c, in)
}

func (a *activityFS) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Flush(c, in)
}

func (a *activityFS) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Fsync(c, in)
}

func (a *activityFS) Fallocate(c <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Fallocate(c, in)
}

func (a *activityFS) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.OpenDir(c, in, out)
}

func (a *activityFS) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.ReadDir(c, in, out)
}

func (a *activityFS) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.ReadDirPlus(c, in, out)
}

func (a *activityFS) FsyncDir(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.FsyncDir(c, in)
}

func (a *activityFS) StatFs(c <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.StatFs(c, h, out)
}

func (a *activityFS) Statx(c <-chan struct{}, in *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	a.fsys.RequestBegin()
	defer a.fsys.RequestEnd()
	return a.RawFileSystem.Statx(c, in, out)
}
