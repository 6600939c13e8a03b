package rs2

import "testing"

func TestShardRotation(t *testing.T) {
	for _, v := range []struct {
		data   []byte
		n, off int
	}{
		{[]byte("hello walrus"), 10, 7},
		{[]byte("hello walrus"), 1000, 898},
		{pattern(1 << 20), 1000, 558},
	} {
		if (testing.Short() || raceEnabled) && len(v.data) > 100 && v.n == 1000 {
			continue
		}
		e, _ := NewEncoder(v.n)
		m, err := e.ComputeMetadata(v.data)
		if err != nil {
			t.Fatal(err)
		}
		id := m.BlobID()
		if got := ShardOffset(id, v.n); got != v.off {
			t.Errorf("n=%d: offset %d, want %d", v.n, got, v.off)
		}
		for pair := range v.n {
			shard := PairShard(id, pair, v.n)
			if shard != (pair+v.off)%v.n || ShardPair(id, shard, v.n) != pair {
				t.Fatalf("pair %d <-> shard %d", pair, shard)
			}
		}
	}
}
