package index

import (
	"fmt"
	"testing"
)

// BenchmarkCreate measures one file Create (one bbolt commit, NoSync) in a
// growing directory.
func BenchmarkCreate(b *testing.B) {
	x := TestIndex(b)
	i := 0
	for b.Loop() {
		if _, err := x.Create(b.Context(), RootIno, fmt.Sprintf("f%08d", i), NewNode{Type: TypeFile, Mode: 0o644}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
