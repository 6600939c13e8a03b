package node

import (
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// PendingLimits bound the in-memory buffer of uploads sent with
// ?pending=true for blobs whose registration the node has not seen yet
// (Walrus: pending_metadata_cache and pending_sliver_cache, config.rs).
// Zero fields take the defaults of a Walrus node.
type PendingLimits struct {
	// TTL is how long a buffered blob waits for its registration
	// (default 60 s); after it, everything buffered for it is dropped.
	TTL time.Duration
	// MaxBytes bounds the buffered metadata and slivers together
	// (default 1 GiB).
	MaxBytes int64
	// MaxBlobs bounds the number of blobs buffered (default 1024).
	MaxBlobs int
	// MaxSliverBytes is the largest sliver buffered (default 4 MiB);
	// larger ones are refused with SLIVER_TOO_LARGE.
	MaxSliverBytes int64
}

func (l PendingLimits) withDefaults() PendingLimits {
	if l.TTL <= 0 {
		l.TTL = 60 * time.Second
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 1 << 30
	}
	if l.MaxBlobs <= 0 {
		l.MaxBlobs = 1024
	}
	if l.MaxSliverBytes <= 0 {
		l.MaxSliverBytes = 4 << 20
	}
	return l
}

type pendKey struct {
	pair int
	t    rs2.SliverType
}

// pendingBlob is what was buffered for one blob: its verified metadata
// and the slivers verified against it.
type pendingBlob struct {
	added   time.Time
	meta    []byte
	m       *rs2.Metadata
	slivers map[pendKey][]byte
	size    int64
}

// pendingBuf is the buffer of uploads pending registration. Every
// method is safe for concurrent use.
type pendingBuf struct {
	lim PendingLimits
	now func() time.Time

	mu       sync.Mutex
	blobs    map[blobid.ID]*pendingBlob
	flushing map[blobid.ID]bool // taken by a flush that has not finished
	bytes    int64
}

func newPendingBuf(lim PendingLimits, now func() time.Time) *pendingBuf {
	return &pendingBuf{lim: lim.withDefaults(), now: now, blobs: map[blobid.ID]*pendingBlob{}, flushing: map[blobid.ID]bool{}}
}

// expireLocked drops blobs buffered longer than the TTL.
func (p *pendingBuf) expireLocked() {
	now := p.now()
	for id, b := range p.blobs {
		if now.Sub(b.added) >= p.lim.TTL {
			p.bytes -= b.size
			delete(p.blobs, id)
		}
	}
}

// errCacheSaturated and errSliverTooLarge are the refusals of a full
// buffer, with the reasons of Walrus.
var (
	errCacheSaturated = &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "CACHE_SATURATED",
		Msg: "pending upload cache is saturated; retry once the node catches up"}
	errSliverTooLarge = &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "SLIVER_TOO_LARGE",
		Msg: "pending upload cache rejected sliver; too large for cache"}
)

// putMeta buffers verified metadata m (BCS body) of id. inserted is
// false if metadata of id is already buffered.
func (p *pendingBuf) putMeta(id blobid.ID, body []byte, m *rs2.Metadata) (inserted bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	if _, ok := p.blobs[id]; ok {
		return false, nil
	}
	if len(p.blobs) >= p.lim.MaxBlobs || p.bytes+int64(len(body)) > p.lim.MaxBytes {
		return false, errCacheSaturated
	}
	p.blobs[id] = &pendingBlob{added: p.now(), meta: body, m: m, slivers: map[pendKey][]byte{}, size: int64(len(body))}
	p.bytes += int64(len(body))
	return true, nil
}

// meta returns the buffered metadata of id, if any.
func (p *pendingBuf) meta(id blobid.ID) (*rs2.Metadata, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	b, ok := p.blobs[id]
	if !ok {
		return nil, false
	}
	return b.m, true
}

// putSliver buffers a verified sliver of id, whose metadata must be
// buffered. inserted is false if it already was.
func (p *pendingBuf) putSliver(id blobid.ID, pair int, t rs2.SliverType, body []byte) (inserted bool, err error) {
	if int64(len(body)) > p.lim.MaxSliverBytes {
		return false, errSliverTooLarge
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	b, ok := p.blobs[id]
	if !ok {
		return false, errMissingMetadata(id)
	}
	k := pendKey{pair, t}
	if _, ok := b.slivers[k]; ok {
		return false, nil
	}
	if p.bytes+int64(len(body)) > p.lim.MaxBytes {
		return false, errCacheSaturated
	}
	b.slivers[k] = body
	b.size += int64(len(body))
	p.bytes += int64(len(body))
	return true, nil
}

// hasSliver reports whether the sliver is buffered.
func (p *pendingBuf) hasSliver(id blobid.ID, pair int, t rs2.SliverType) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	b, ok := p.blobs[id]
	if !ok {
		return false
	}
	_, ok = b.slivers[pendKey{pair, t}]
	return ok
}

// busy reports whether anything is buffered for id or being flushed.
func (p *pendingBuf) busy(id blobid.ID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	return p.blobs[id] != nil || p.flushing[id]
}

// ids returns the blobs buffered now.
func (p *pendingBuf) ids() []blobid.ID {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	out := make([]blobid.ID, 0, len(p.blobs))
	for id := range p.blobs {
		out = append(out, id)
	}
	return out
}

// take removes and returns what is buffered for id (nil if nothing) and
// marks id as being flushed until done is called.
func (p *pendingBuf) take(id blobid.ID) *pendingBlob {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.blobs[id]
	if !ok {
		return nil
	}
	delete(p.blobs, id)
	p.bytes -= b.size
	p.flushing[id] = true
	return b
}

func (p *pendingBuf) done(id blobid.ID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.flushing, id)
}

// usage returns the number of blobs and bytes buffered.
func (p *pendingBuf) usage() (blobs int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	return len(p.blobs), p.bytes
}
