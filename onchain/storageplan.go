package onchain

import (
	"cmp"
	"slices"

	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
)

// Storage reuse. A wallet gets Storage objects back when it deletes
// blobs, and keeps what is left of one after a blob took a part of it.
// Register uses them before it buys space (walrus::storage_resource, see
// suitx.StoragePool):
//
//	(a) an object of about the encoded size (takeStorage), whole;
//	(b) a share split off a larger object, or off what an earlier blob of
//	    the same Register left of one (split_by_size);
//	(c) several objects of the same start and end epochs fused into one
//	    (fuse_amount) whose sum covers the blob, the excess split off;
//	(d) only then reserve_space.
//
// register_blob takes a Storage of at least the encoded size and gives the
// blob its end epoch; extend_blob later charges for the whole Storage
// size, which is why shares are split to the encoded size instead of
// taking a whole large object.

// reuseKind says how a blob's storage was found.
type reuseKind int

const (
	buy   reuseKind = iota // reserve_space
	whole                  // (a)
	split                  // (b)
	fused                  // (c)
)

func (k reuseKind) String() string {
	return [...]string{"reserve_space", "whole Storage", "split off a Storage", "fused Storage objects"}[k]
}

// storagePlan is where each blob of one Register gets its storage.
type storagePlan struct {
	free  []sui.Storage // owned objects not used yet
	pools []pool
	blobs []blobStorage // one per blob, in order
}

// pool is owned Storage that blobs take shares of: objs[1:] are fused
// into objs[0].
type pool struct {
	objs []sui.Storage
	size uint64 // the objects together
	left uint64 // not yet given to a blob
}

type blobStorage struct {
	kind    reuseKind
	storage *sui.Storage // whole
	pool    int          // split, fused: index in pools
	take    uint64       // split, fused: bytes of the pool
}

func newStoragePlan(reusable []sui.Storage) *storagePlan {
	return &storagePlan{free: slices.Clone(reusable)}
}

// slack is how much more than encoded bytes a blob may take rather than
// leave a remainder too small to be worth an object (the same margin as
// takeStorage's close fit).
func slack(encoded uint64) uint64 { return encoded/4 + sui.UnitSize }

// add plans the storage of the next blob, of encoded bytes.
func (p *storagePlan) add(encoded uint64) blobStorage {
	bs := p.plan(encoded)
	p.blobs = append(p.blobs, bs)
	return bs
}

func (p *storagePlan) plan(encoded uint64) blobStorage {
	// (a) a close fit, whole.
	if s := takeStorage(&p.free, encoded); s != nil {
		return blobStorage{kind: whole, storage: s}
	}
	// (b) the smallest pool remainder or free object that covers it.
	bestPool, bestFree := -1, -1
	var bestSize uint64
	var bestEnd uint32
	better := func(size uint64, end uint32) bool {
		return (bestPool < 0 && bestFree < 0) || size < bestSize || (size == bestSize && end < bestEnd)
	}
	for i, pl := range p.pools {
		if pl.left >= encoded && better(pl.left, pl.objs[0].EndEpoch) {
			bestPool, bestFree, bestSize, bestEnd = i, -1, pl.left, pl.objs[0].EndEpoch
		}
	}
	for i, s := range p.free {
		if s.Size >= encoded && better(s.Size, s.EndEpoch) {
			bestPool, bestFree, bestSize, bestEnd = -1, i, s.Size, s.EndEpoch
		}
	}
	if bestFree >= 0 {
		bestPool = p.open([]int{bestFree})
	}
	if bestPool >= 0 {
		return p.share(bestPool, encoded, split)
	}
	// (c) free objects of one period whose sum covers it, the largest
	// first; the period that wastes least.
	var pick []int
	var pickSum uint64
	var pickEnd uint32
	for _, group := range p.periods() {
		slices.SortStableFunc(group, func(a, b int) int { return cmp.Compare(p.free[b].Size, p.free[a].Size) })
		var sum uint64
		for n, i := range group {
			sum += p.free[i].Size
			if sum >= encoded {
				end := p.free[i].EndEpoch
				if pick == nil || sum < pickSum || (sum == pickSum && end < pickEnd) {
					pick, pickSum, pickEnd = group[:n+1], sum, end
				}
				break
			}
		}
	}
	if pick != nil {
		return p.share(p.open(pick), encoded, fused)
	}
	return blobStorage{kind: buy}
}

// periods groups the free objects by (start, end) epoch, in a fixed order.
func (p *storagePlan) periods() [][]int {
	type period struct{ start, end uint32 }
	idx := map[period]int{}
	var groups [][]int
	for i, s := range p.free {
		k := period{s.StartEpoch, s.EndEpoch}
		g, ok := idx[k]
		if !ok {
			g = len(groups)
			idx[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// open moves the free objects at idx (indexes into p.free) into a new
// pool and returns its index.
func (p *storagePlan) open(idx []int) int {
	var pl pool
	for _, i := range idx {
		pl.objs = append(pl.objs, p.free[i])
		pl.size += p.free[i].Size
	}
	pl.left = pl.size
	taken := map[int]bool{}
	for _, i := range idx {
		taken[i] = true
	}
	kept := p.free[:0:0]
	for i, s := range p.free {
		if !taken[i] {
			kept = append(kept, s)
		}
	}
	p.free = kept
	p.pools = append(p.pools, pl)
	return len(p.pools) - 1
}

// share gives the blob encoded bytes of pool i, or all that is left when
// the rest would be within slack.
func (p *storagePlan) share(i int, encoded uint64, kind reuseKind) blobStorage {
	pl := &p.pools[i]
	take := encoded
	if pl.left-encoded <= slack(encoded) {
		take = pl.left
	}
	pl.left -= take
	return blobStorage{kind: kind, pool: i, take: take}
}

// apply fills the storage fields of the suitx blobs and returns the pools.
func (p *storagePlan) apply(nb []suitx.NewBlob) []suitx.StoragePool {
	for i, bs := range p.blobs {
		switch bs.kind {
		case whole:
			nb[i].Storage = &bs.storage.Ref
		case split, fused:
			nb[i].Pool, nb[i].Take = bs.pool+1, bs.take
		}
	}
	out := make([]suitx.StoragePool, len(p.pools))
	for i, pl := range p.pools {
		for _, s := range pl.objs {
			out[i].Objects = append(out[i].Objects, s.Ref)
		}
		out[i].Size = pl.size
	}
	return out
}

// objectIDs lists the IDs of a pool's objects, for logs.
func (pl pool) objectIDs() []string {
	ids := make([]string, len(pl.objs))
	for i, s := range pl.objs {
		ids[i] = s.Ref.ID
	}
	return ids
}
