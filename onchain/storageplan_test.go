package onchain

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
)

const mib = 1 << 20

func stor(id string, size uint64, start, end uint32) sui.Storage {
	return sui.Storage{Ref: sui.ObjectRef{ID: id}, Size: size, StartEpoch: start, EndEpoch: end}
}

// describe renders a blob's plan as "kind objects take".
func describe(p *storagePlan, bs blobStorage) string {
	switch bs.kind {
	case buy:
		return "buy"
	case whole:
		return "whole " + bs.storage.Ref.ID
	}
	kind := map[reuseKind]string{split: "split", fused: "fused"}[bs.kind]
	return fmt.Sprintf("%s %s %d", kind, strings.Join(p.pools[bs.pool].objectIDs(), "+"), bs.take/mib)
}

func TestStoragePlan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		free    []sui.Storage
		encoded []uint64 // MiB
		want    []string // per blob: describe
		left    []uint64 // MiB left in each pool
	}{
		{name: "a freed 10 MiB serves 2 MiB and keeps 8",
			free: []sui.Storage{stor("s10", 10*mib, 1, 9)}, encoded: []uint64{2},
			want: []string{"split s10 2"}, left: []uint64{8}},
		{name: "a close fit comes first",
			free: []sui.Storage{stor("s10", 10*mib, 1, 9), stor("s2", 2*mib+mib/4, 1, 9)}, encoded: []uint64{2},
			want: []string{"whole s2"}},
		{name: "the remainder serves the next blob",
			free: []sui.Storage{stor("s10", 10*mib, 1, 9)}, encoded: []uint64{2, 3},
			want: []string{"split s10 2", "split s10 3"}, left: []uint64{5}},
		{name: "a share takes a rest too small to keep",
			free: []sui.Storage{stor("s10", 10*mib, 1, 9)}, encoded: []uint64{4, 5},
			want: []string{"split s10 4", "split s10 6"}, left: []uint64{0}},
		{name: "the smallest that covers, pool remainder or object",
			free: []sui.Storage{stor("s20", 20*mib, 1, 9), stor("s10", 10*mib, 1, 9)}, encoded: []uint64{5, 4, 3},
			want: []string{"split s10 5", "split s10 5", "split s20 3"}, left: []uint64{0, 17}},
		{name: "equal sizes: the earlier end first",
			free: []sui.Storage{stor("late", 10*mib, 1, 12), stor("early", 10*mib, 1, 9)}, encoded: []uint64{3},
			want: []string{"split early 3"}, left: []uint64{7}},
		{name: "objects of one period are fused, the largest first",
			free:    []sui.Storage{stor("a", 3*mib, 1, 9), stor("b", 4*mib, 1, 9), stor("c", 5*mib, 1, 9), stor("d", 6*mib, 1, 12)},
			encoded: []uint64{7},
			want:    []string{"fused c+b 9"}, left: []uint64{0}},
		{name: "fused with the excess split off",
			free:    []sui.Storage{stor("a", 10*mib, 1, 9), stor("b", 10*mib, 1, 9), stor("c", 10*mib, 1, 9)},
			encoded: []uint64{15, 2},
			want:    []string{"fused a+b 15", "split a+b 2"}, left: []uint64{3}},
		{name: "the period that wastes least",
			free:    []sui.Storage{stor("x", 6*mib, 1, 9), stor("y", 5*mib, 1, 9), stor("p", 5*mib, 1, 12), stor("q", 4*mib, 1, 12)},
			encoded: []uint64{9},
			want:    []string{"fused p+q 9"}, left: []uint64{0}},
		{name: "different periods are not fused",
			free:    []sui.Storage{stor("a", 5*mib, 1, 9), stor("b", 5*mib, 1, 12), stor("c", 5*mib, 2, 9)},
			encoded: []uint64{8},
			want:    []string{"buy"}},
		{name: "nothing owned",
			encoded: []uint64{1, 2}, want: []string{"buy", "buy"}},
		{name: "used up, then bought",
			free: []sui.Storage{stor("s4", 4*mib, 1, 9)}, encoded: []uint64{3, 3},
			want: []string{"whole s4", "buy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newStoragePlan(tc.free)
			var got []string
			for _, e := range tc.encoded {
				got = append(got, describe(p, p.add(e*mib)))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("plan %q, want %q", got, tc.want)
			}
			var left []uint64
			for _, pl := range p.pools {
				left = append(left, pl.left/mib)
			}
			if !slices.Equal(left, tc.left) {
				t.Fatalf("left in the pools %v MiB, want %v", left, tc.left)
			}
			// No object twice, and suitx accepts the plan.
			seen := map[string]bool{}
			use := func(id string) {
				if seen[id] {
					t.Fatalf("%s used twice", id)
				}
				seen[id] = true
			}
			for _, pl := range p.pools {
				for _, id := range pl.objectIDs() {
					use(id)
				}
			}
			for _, bs := range p.blobs {
				if bs.kind == whole {
					use(bs.storage.Ref.ID)
				}
			}
			checkAccepted(t, p, tc.encoded)
		})
	}
}

// checkAccepted builds the plan with suitx (which checks the shares).
func checkAccepted(t *testing.T, p *storagePlan, encoded []uint64) {
	t.Helper()
	nb := make([]suitx.NewBlob, len(encoded))
	for i, e := range encoded {
		nb[i] = suitx.NewBlob{BlobID: [32]byte{byte(i + 1)}, Size: 1, EncodedSize: e * mib}
	}
	pools := p.apply(nb)
	n := 0
	ref := func(r *sui.ObjectRef) {
		n++
		r.ID = fmt.Sprintf("0x%x", 0x5000+n)
		r.Version = 1
		r.Digest = "11111111111111111111111111111111"
	}
	for i := range nb {
		if nb[i].Storage != nil {
			s := *nb[i].Storage
			ref(&s)
			nb[i].Storage = &s
		}
	}
	for i := range pools {
		pools[i].Objects = slices.Clone(pools[i].Objects)
		for j := range pools[i].Objects {
			ref(&pools[i].Objects[j])
		}
	}
	w := suitx.Walrus{Package: "0x9", System: sui.SharedObject{ID: "0x8", InitialVersion: 1}}
	wal := sui.ObjectRef{ID: "0x7", Version: 1, Digest: "11111111111111111111111111111111"}
	gas := suitx.Gas{Price: 1000, Budget: 1e9}
	if _, err := w.Register("0x1", gas, suitx.Register{WAL: []sui.ObjectRef{wal}, Epochs: 3, Blobs: nb, Pools: pools}); err != nil {
		t.Fatalf("suitx refuses the plan: %v", err)
	}
}
