package rs2

import "github.com/walrusfs/walrusfs/blobid"

// ShardOffset is the rotation of a blob's sliver pairs over the n shards:
// the 32 bytes of its ID read as a big-endian integer, modulo n.
func ShardOffset(id blobid.ID, n int) int {
	var r uint64
	for _, b := range id {
		r = (r<<8 | uint64(b)) % uint64(n)
	}
	return int(r)
}

// PairShard is the shard that stores sliver pair `pair` of blob id.
func PairShard(id blobid.ID, pair, n int) int { return (pair + ShardOffset(id, n)) % n }

// ShardPair is the sliver pair of blob id stored on `shard`.
func ShardPair(id blobid.ID, shard, n int) int {
	return ((shard-ShardOffset(id, n))%n + n) % n
}
