package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/vfs"
)

// The modelled volume: a photo library as a phone or camera import leaves
// it, Photos/<year>/<year-mm-dd>/IMG_nnnnn.jpg, 100 files per album and
// 100 albums per year (so a year holds 10,000 files). Sizes are
// log-uniform between 50 kB and 5 MB; one file in 100 is a video
// (VID_nnnnn.mp4, 20-200 MB). Each file is stored the way a mount of the
// default configuration stores it: chunks of 16 MiB, sealed (a fresh
// 32-byte key per chunk, wrapped in the index); a file of at most 1 MiB
// sits in a pack blob of 16 MiB with the files written before and after
// it, a larger one has a blob per chunk. Every 50th file has a tag
// (user.xdg.tags); every album a comment; each year a symlink to its
// first photo, and the root one to the last year.
const (
	perAlbum      = 100
	albumsPerYear = 100
	perYear       = perAlbum * albumsPerYear
	firstYear     = 2016
	chunkSize     = index.DefaultChunkSize
	packThreshold = vfs.DefaultPackThreshold
	packMax       = vfs.DefaultPackMax
	owner         = 1000
)

// fakeClock is the source index's clock: it advances by 1-3 ms (not a
// round number of nanoseconds) on every reading, as a copy of many files
// does.
type fakeClock struct {
	mu  sync.Mutex
	t   time.Time
	rng *rand.Rand
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{t: t, rng: rand.New(rand.NewPCG(7, 11))}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond + time.Duration(c.rng.Int64N(int64(2*time.Millisecond))))
	return c.t
}

// library writes modelled files into an index.
type library struct {
	x     *index.Index
	crypt vfs.Crypt
	rng   *rand.Rand
	// The pack being filled and its size.
	pack     blobid.ID
	packUsed uint64
	blobs    map[blobid.ID]bool
	number   int // the camera's file counter
	// Albums by position: inode and path.
	albums     []uint64
	albumPaths []string
	years      []uint64
}

func newLibrary(x *index.Index, crypt vfs.Crypt, seed uint64) *library {
	return &library{x: x, crypt: crypt, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), blobs: map[blobid.ID]bool{}, number: 1234}
}

func (l *library) newBlob() blobid.ID {
	var id blobid.ID
	for i := 0; i < len(id); i += 8 {
		v := l.rng.Uint64()
		for j := range 8 {
			id[i+j] = byte(v >> (8 * j))
		}
	}
	l.blobs[id] = true
	return id
}

func (l *library) newKey() (index.WrappedKey, error) {
	var k seal.Key
	for i := 0; i < len(k); i += 8 {
		v := l.rng.Uint64()
		for j := range 8 {
			k[i+j] = byte(v >> (8 * j))
		}
	}
	return l.crypt.WrapChunkKey(k)
}

// size draws a file size: log-uniform in [lo, hi).
func (l *library) size(lo, hi float64) uint64 {
	return uint64(math.Exp(math.Log(lo) + l.rng.Float64()*(math.Log(hi)-math.Log(lo))))
}

// chunks places a file of size bytes the way the mount stores it.
func (l *library) chunks(size uint64) (map[uint64]index.ChunkState, error) {
	out := map[uint64]index.ChunkState{}
	if size <= packThreshold {
		sealed := uint64(seal.SealedSize(int64(size)))
		if l.packUsed == 0 || l.packUsed+sealed > packMax {
			l.pack, l.packUsed = l.newBlob(), 0
		}
		k, err := l.newKey()
		if err != nil {
			return nil, err
		}
		out[0] = index.ChunkState{Kind: index.ChunkStored, Len: size, Extent: index.Extent{Blob: l.pack, Offset: l.packUsed, Length: sealed, Key: k}}
		l.packUsed += sealed
		return out, nil
	}
	for i := uint64(0); i*chunkSize < size; i++ {
		n := min(chunkSize, size-i*chunkSize)
		k, err := l.newKey()
		if err != nil {
			return nil, err
		}
		out[i] = index.ChunkState{Kind: index.ChunkStored, Len: n,
			Extent: index.Extent{Blob: l.newBlob(), Length: uint64(seal.SealedSize(int64(n))), Key: k}}
	}
	return out, nil
}

// mkdir makes a directory owned by the user.
func (l *library) mkdir(ctx context.Context, parent uint64, name string) (uint64, error) {
	a, err := l.x.Create(ctx, parent, name, index.NewNode{Type: index.TypeDir, Mode: 0o755, Uid: owner, Gid: owner})
	if err != nil {
		return 0, fmt.Errorf("mkdir %s: %w", name, err)
	}
	return a.Ino, nil
}

// albumTime is the day an album was taken.
func albumTime(year, album int) time.Time {
	return time.Date(firstYear+year, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, album*365/albumsPerYear)
}

// build writes the directories and n files.
func (l *library) build(ctx context.Context, n int) error {
	photos, err := l.mkdir(ctx, index.RootIno, "Photos")
	if err != nil {
		return err
	}
	nAlbums := (n + perAlbum - 1) / perAlbum
	for a := range nAlbums {
		y, ya := a/albumsPerYear, a%albumsPerYear
		if ya == 0 {
			ino, err := l.mkdir(ctx, photos, fmt.Sprint(firstYear+y))
			if err != nil {
				return err
			}
			l.years = append(l.years, ino)
		}
		name := albumTime(y, ya).Format("2006-01-02")
		ino, err := l.mkdir(ctx, l.years[y], name)
		if err != nil {
			return err
		}
		if err := l.x.SetXattr(ctx, ino, "user.xdg.comment", fmt.Appendf(nil, "Album %d of %d", ya+1, firstYear+y), 0); err != nil {
			return err
		}
		l.albums = append(l.albums, ino)
		l.albumPaths = append(l.albumPaths, fmt.Sprintf("Photos/%d/%s", firstYear+y, name))
		first := ""
		for i := range min(perAlbum, n-a*perAlbum) {
			fn, err := l.file(ctx, ino, albumTime(y, ya).Add(time.Duration(i)*97*time.Second))
			if err != nil {
				return err
			}
			if i == 0 {
				first = fn
			}
		}
		if ya == 0 {
			if _, err := l.x.Create(ctx, l.years[y], "cover.jpg", index.NewNode{Type: index.TypeSymlink, Mode: 0o777, Uid: owner, Gid: owner, Target: name + "/" + first}); err != nil {
				return err
			}
		}
	}
	_, err = l.x.Create(ctx, index.RootIno, "Latest", index.NewNode{Type: index.TypeSymlink, Mode: 0o777, Uid: owner, Gid: owner,
		Target: fmt.Sprintf("Photos/%d", firstYear+len(l.years)-1)})
	return err
}

// file writes the next modelled file into dir, taken at t, and returns
// its name.
func (l *library) file(ctx context.Context, dir uint64, t time.Time) (string, error) {
	l.number = l.number%99999 + 1
	name, size := fmt.Sprintf("IMG_%05d.jpg", l.number), l.size(50e3, 5e6)
	if l.number%100 == 57 {
		name, size = fmt.Sprintf("VID_%05d.mp4", l.number), l.size(20e6, 200e6)
	}
	cs, err := l.chunks(size)
	if err != nil {
		return "", err
	}
	a, err := l.x.RestoreFile(ctx, dir, name, index.NewNode{Type: index.TypeFile, Mode: 0o644, Uid: owner, Gid: owner}, chunkSize, size, cs)
	if err != nil {
		return "", fmt.Errorf("file %s: %w", name, err)
	}
	if _, err := l.x.SetAttr(ctx, a.Ino, index.AttrUpdate{Mtime: &t}); err != nil {
		return "", err
	}
	if l.number%50 == 0 {
		if err := l.x.SetXattr(ctx, a.Ino, "user.xdg.tags", []byte("family,holiday"), 0); err != nil {
			return "", err
		}
	}
	return name, nil
}
