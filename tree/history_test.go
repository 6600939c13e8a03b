package tree

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
)

// chain seals commits into f (blob 500), each the parent of the next as
// given by parents (an index into the returned slice, -1 for none), and
// returns their locations.
func chain(t *testing.T, f *memFetcher, k Keys, commits []Commit, parents []int) []Loc {
	t.Helper()
	locs := make([]Loc, len(commits))
	for i, c := range commits {
		if p := parents[i]; p >= 0 {
			pl := locs[p]
			c.Parent = &pl
		}
		sealed, err := SealCommit(k.Commit, c)
		if err != nil {
			t.Fatal(err)
		}
		locs[i] = f.add(testBlob(500), sealed)
	}
	return locs
}

func histCommit(seq uint64) Commit {
	return Commit{Volume: [16]byte{1, 2, 3}, Seq: seq, Time: int64(seq) * 1e9, Root: Loc{Blob: testBlob(9), Off: seq, Len: 100}}
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	k := DeriveKeys(testKey(40))
	f := newMemFetcher()
	locs := chain(t, f, k, []Commit{histCommit(1), histCommit(2), histCommit(3)}, []int{-1, 0, 1})
	r := NewReader(f, nil)

	var seqs []uint64
	var seen []Loc
	if err := r.History(ctx, locs[2], k.Commit, func(l Loc, c Commit) error {
		seqs, seen = append(seqs, c.Seq), append(seen, l)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint64{3, 2, 1}) || !slices.Equal(seen, []Loc{locs[2], locs[1], locs[0]}) {
		t.Fatalf("History visited %v at %v", seqs, seen)
	}

	seqs = nil
	if err := r.History(ctx, locs[2], k.Commit, func(l Loc, c Commit) error {
		seqs = append(seqs, c.Seq)
		if c.Seq == 2 {
			return fs.SkipAll
		}
		return nil
	}); err != nil || !slices.Equal(seqs, []uint64{3, 2}) {
		t.Fatalf("SkipAll at 2: visited %v, %v", seqs, err)
	}

	boom := errors.New("boom")
	if err := r.History(ctx, locs[1], k.Commit, func(Loc, Commit) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
	if err := r.History(ctx, locs[2], k.Root, func(Loc, Commit) error { return nil }); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
	if err := r.History(ctx, Loc{}, k.Commit, func(Loc, Commit) error { return nil }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero location: %v", err)
	}
}

func TestHistoryCorrupt(t *testing.T) {
	ctx := context.Background()
	k := DeriveKeys(testKey(41))
	other := histCommit(1)
	other.Volume[0] = 9
	for _, tc := range []struct {
		name    string
		commits []Commit
		parents []int
	}{
		{"gap in sequence numbers", []Commit{histCommit(1), histCommit(3)}, []int{-1, 0}},
		{"parent newer than child", []Commit{histCommit(5), histCommit(4)}, []int{-1, 0}},
		{"first commit not 1", []Commit{histCommit(2), histCommit(3)}, []int{-1, 0}},
		{"commit 1 with a parent", []Commit{histCommit(1), histCommit(1)}, []int{-1, 0}},
		{"another volume", []Commit{other, histCommit(2)}, []int{-1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMemFetcher()
			locs := chain(t, f, k, tc.commits, tc.parents)
			n := 0
			err := NewReader(f, nil).History(ctx, locs[len(locs)-1], k.Commit, func(Loc, Commit) error { n++; return nil })
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("History = %v after %d commits, want ErrCorrupt", err, n)
			}
		})
	}
	// A loop: two records naming each other (sealed in two passes, the
	// second record's location being predictable in the in-memory blob).
	f := newMemFetcher()
	a, b := histCommit(3), histCommit(2)
	sb, err := SealCommit(k.Commit, b) // b without a parent yet: only to learn its size
	if err != nil {
		t.Fatal(err)
	}
	la := Loc{Blob: testBlob(600), Off: 0}
	lb := Loc{Blob: testBlob(600), Off: 1, Len: uint64(len(sb))}
	for range 4 { // sizes depend on the locations' varints: iterate to a fixed point
		a.Parent = &lb
		sa, err := SealCommit(k.Commit, a)
		if err != nil {
			t.Fatal(err)
		}
		la.Len = uint64(len(sa))
		lb.Off = la.Len
		b.Parent = &la
		if sb, err = SealCommit(k.Commit, b); err != nil {
			t.Fatal(err)
		}
		lb.Len = uint64(len(sb))
	}
	a.Parent = &lb
	sa, _ := SealCommit(k.Commit, a)
	if f.add(testBlob(600), sa) != la || f.add(testBlob(600), sb) != lb {
		t.Fatal("locations did not settle")
	}
	if err := NewReader(f, nil).History(ctx, la, k.Commit, func(Loc, Commit) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("loop: %v", err)
	}
}
