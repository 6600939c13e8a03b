package rs2

import (
	"fmt"

	"github.com/walrusfs/walrusfs/rs2/internal/b2"
)

// VerifySliver checks an untrusted sliver against metadata that has already
// been checked against its blob ID (Metadata.Check): shape (index, symbol
// size, length) and content (the Merkle root of the expanded row or column
// must equal the hash in the metadata). It returns an error wrapping
// ErrInvalidSliver on any mismatch.
func (e *Encoder) VerifySliver(m *Metadata, s *Sliver) error {
	_, err := e.verifyFull(m, s, false)
	return err
}

// RepairLeaves checks s like VerifySliver and returns the Merkle leaf
// hashes of its repair symbols (the r symbols its code adds to its k
// source symbols when the sliver is expanded), concatenated, 32 bytes
// each. A node that stores s can keep them and serve them with it as a
// proof (see VerifySliverHinted); computing them costs nothing beyond the
// verification a node does anyway when it accepts a sliver.
func (e *Encoder) RepairLeaves(m *Metadata, s *Sliver) ([]byte, error) {
	return e.verifyFull(m, s, true)
}

// VerifySliverHinted checks s against m like VerifySliver, helped by
// hint: the claimed leaf hashes of its repair symbols, as RepairLeaves
// returns them, from an untrusted source. Only the k symbols of s are
// hashed; the Merkle root is computed from those leaves and the hinted
// ones and compared with the hash in the metadata. The root commits to
// every leaf, so a match proves the symbols of s exactly as a Merkle
// proof does (the hint plays the part of the sibling hashes; the tree's
// shape is fixed by the shard count, and leaves and inner nodes are
// hashed with distinct prefixes). That skips the Reed-Solomon expansion
// and a third of the hashing of a primary sliver, most of the CPU of a
// cold read. A hint of the wrong length, or one that does not lead to the
// committed root, is ignored and s is verified in full: a bad hint costs
// time, never a good sliver.
func (e *Encoder) VerifySliverHinted(m *Metadata, s *Sliver, hint []byte) error {
	ck, err := e.checkOf(m, s)
	if err != nil {
		return err
	}
	if ck.hinted(s, hint) {
		return nil
	}
	_, err = ck.full(s, false)
	return err
}

// sliverCheck is what a sliver is checked against: its hash in the
// metadata, its code with k source and r repair symbols, and its symbol
// size.
type sliverCheck struct {
	want     Digest
	c        *rsCode
	k, r, ss int
}

// checkOf returns what s is checked against, after checking its shape.
func (e *Encoder) checkOf(m *Metadata, s *Sliver) (sliverCheck, error) {
	p := e.p
	if len(m.Hashes) != p.N {
		return sliverCheck{}, fmt.Errorf("%w: metadata has %d pairs, encoder %d shards", ErrInvalidMetadata, len(m.Hashes), p.N)
	}
	var ck sliverCheck
	switch s.Type {
	case Primary:
		ck.c, ck.k, ck.r = e.rows, p.S, p.F
	case Secondary:
		ck.c, ck.k, ck.r = e.cols, p.P, 2*p.F
	default:
		return sliverCheck{}, fmt.Errorf("%w: unknown sliver type %d", ErrInvalidSliver, s.Type)
	}
	ss, err := s.checkShape(p, m.Length)
	if err != nil {
		return sliverCheck{}, err
	}
	ck.ss = ss
	if s.Type == Primary {
		ck.want = m.Hashes[s.Index].Primary
	} else {
		ck.want = m.Hashes[p.N-1-int(s.Index)].Secondary
	}
	return ck, nil
}

// verifyFull checks s by expanding it; with leaves it also returns the
// leaf hashes of the repair symbols (see RepairLeaves).
func (e *Encoder) verifyFull(m *Metadata, s *Sliver, leaves bool) ([]byte, error) {
	ck, err := e.checkOf(m, s)
	if err != nil {
		return nil, err
	}
	return ck.full(s, leaves)
}

// full checks s (of the shape ck was made for) by expanding it.
func (ck sliverCheck) full(s *Sliver, leaves bool) ([]byte, error) {
	var rep []byte
	if leaves {
		rep = make([]byte, 0, ck.r*len(Digest{}))
	}
	got, rep, err := ck.c.expandRoot(s.Data, ck.k, ck.r, ck.ss, rep)
	if err != nil {
		return nil, err
	}
	if got != ck.want {
		return nil, fmt.Errorf("%w: %s sliver %d does not match its hash in the metadata", ErrInvalidSliver, s.Type, s.Index)
	}
	return rep, nil
}

// verifyHint reports whether the leaves of the symbols of s and the
// hinted repair leaves give the root in m. A shape error is returned as
// is (the sliver is invalid whatever the hint).
func (e *Encoder) verifyHint(m *Metadata, s *Sliver, hint []byte) (bool, error) {
	ck, err := e.checkOf(m, s)
	if err != nil {
		return false, err
	}
	return ck.hinted(s, hint), nil
}

// hinted reports whether the leaves of the symbols of s and hint, the
// claimed repair leaves, give ck's root.
func (ck sliverCheck) hinted(s *Sliver, hint []byte) bool {
	if len(hint) != ck.r*len(Digest{}) {
		return false
	}
	leaves := make([]b2.Digest, ck.k+ck.r)
	msgs := make([][]byte, ck.k)
	for i := range ck.k {
		msgs[i] = s.Data[i*ck.ss : (i+1)*ck.ss]
	}
	b2.SumPrefixed(leaves[:ck.k], leafPrefix, msgs)
	for i := range ck.r {
		copy(leaves[ck.k+i][:], hint[i*len(Digest{}):])
	}
	return merkleRoot(leaves) == ck.want
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
// holds for a sliver. If rep is not nil, the leaf hashes of the repair
// symbols are appended to it and returned.
func (c *rsCode) expandRoot(data []byte, k, r, ss int, rep []byte) (Digest, []byte, error) {
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
		return Digest{}, rep, err
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
	if rep != nil {
		for _, l := range x.leaves[k:] {
			rep = append(rep, l[:]...)
		}
	}
	return merkleRoot(x.leaves), rep, nil
}
