package certificate

import (
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

// BenchmarkBuild100 builds a certificate over a committee of 100 members
// (10 shards each, all confirming): the fast path verifies the aggregate
// once; with bad signatures Build verifies halves of the set until it
// has found them.
func BenchmarkBuild100(b *testing.B) {
	weights := make([]int, 100)
	for i := range weights {
		weights[i] = 10
	}
	members, keys := committee(b, weights...)
	msg := Message(3, blobid.ID{3}, nil)
	all := make([]int, len(members))
	for i := range all {
		all[i] = i
	}
	good := confirm(keys, msg, all...)
	oneBad := confirm(keys, msg, all...)
	oneBad[42] = Confirmation{Message: msg, Signature: keys[41].Sign(msg)}
	tenBad := confirm(keys, msg, all...)
	for i := 5; i < 100; i += 10 {
		tenBad[i] = Confirmation{Message: msg, Signature: keys[i].Sign(nil)}
	}
	for _, bc := range []struct {
		name     string
		confs    map[int]Confirmation
		rejected int
	}{
		{"fast path", good, 0},
		{"one bad signature", oneBad, 1},
		{"ten bad signatures", tenBad, 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_, rej, err := Build(members, msg, bc.confs)
				if err != nil || len(rej) != bc.rejected {
					b.Fatalf("Build: %v, rejected %v", err, rej)
				}
			}
		})
	}
}
