package encoding

import (
	"fmt"

	"github.com/walrusfs/walrusfs/encoding/internal/b2"
)

// VerifySliver checks an untrusted sliver against metadata that has already
// been checked against its blob ID (Metadata.Check): shape (index, symbol
// size, length) and content (the Merkle root of the expanded row or column
// must equal the hash in the metadata). It returns an error wrapping
// ErrInvalidSliver on any mismatch.
func (e *Encoder) VerifySliver(m *Metadata, s *Sliver) error {
	p := e.p
	if len(m.Hashes) != p.N {
		return fmt.Errorf("%w: metadata has %d pairs, encoder %d shards", ErrInvalidMetadata, len(m.Hashes), p.N)
	}
	ss, err := s.checkShape(p, m.Length)
	if err != nil {
		return err
	}
	var (
		want Digest
		c    *rsCode
		k, r int
	)
	switch s.Type {
	case Primary:
		want = m.Hashes[s.Index].Primary
		c, k, r = e.rows, p.S, p.F
	case Secondary:
		want = m.Hashes[p.N-1-int(s.Index)].Secondary
		c, k, r = e.cols, p.P, 2*p.F
	default:
		return fmt.Errorf("%w: unknown sliver type %d", ErrInvalidSliver, s.Type)
	}
	got, err := c.expandRoot(s.Data, k, r, ss)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%w: %s sliver %d does not match its hash in the metadata", ErrInvalidSliver, s.Type, s.Index)
	}
	return nil
}

// expandScratch holds the buffers of one expandRoot call; a few are kept
// in idleScratch between calls (a cold sequential read verifies one row
// per few hundred KiB, and allocating and zeroing them each time cost
// more than the hashing). The number kept is small and process-wide, not
// a sync.Pool nor per Encoder, so that a burst of concurrent
// verifications (the embedded network's nodes each verifying an upload)
// never leaves more than a few megabytes of scratch live.
type expandScratch struct {
	c      *rsCode
	ss     int
	l      layout
	src    [][]byte // k shards of l.size bytes
	out    [][]byte // r shards
	sc     *codeScratch
	rep    []byte // r repair symbols, ss bytes each
	msgs   [][]byte
	leaves []b2.Digest
}

func (c *rsCode) newExpandScratch(k, r, ss int) *expandScratch {
	l := newLayout(ss, 1)
	return &expandScratch{
		c: c, ss: ss, l: l,
		src: makeShards(k, l.size), out: makeShards(r, l.size),
		sc:     c.newScratch(l.size),
		rep:    make([]byte, r*ss),
		msgs:   make([][]byte, k+r),
		leaves: make([]b2.Digest, k+r),
	}
}

// idleScratch holds up to 4 idle expandScratch of any code and size (one
// of another code or size is dropped and a fresh one made).
var idleScratch = make(chan *expandScratch, 4)

// expandRoot returns the Merkle root over the k source symbols in data
// followed by their r repair symbols under code c: what the metadata
// holds for a sliver.
func (c *rsCode) expandRoot(data []byte, k, r, ss int) (Digest, error) {
	var x *expandScratch
	select {
	case x = <-idleScratch:
	default:
	}
	if x == nil || x.c != c || x.ss != ss {
		x = c.newExpandScratch(k, r, ss)
	}
	defer func() {
		select {
		case idleScratch <- x:
		default: // enough kept; let it go
		}
	}()
	for i := range k {
		x.l.clearPadding(x.src[i])
		x.l.put(x.src[i], 0, data[i*ss:(i+1)*ss])
	}
	if err := c.encode(x.src, x.out, x.sc); err != nil {
		return Digest{}, err
	}
	for i := range k {
		x.msgs[i] = data[i*ss : (i+1)*ss]
	}
	for i := range r {
		sym := x.rep[i*ss : (i+1)*ss]
		x.l.get(sym, x.out[i], 0)
		x.msgs[k+i] = sym
	}
	b2.SumPrefixed(x.leaves, leafPrefix, x.msgs)
	return merkleRoot(x.leaves), nil
}
