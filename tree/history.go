package tree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/walrusfs/walrusfs/seal"
)

// History calls fn for the commit record at last (opened with the commit
// key k) and then for each of its ancestors, following Parent, newest
// first. It stops after the first commit (no parent), or when fn returns
// fs.SkipAll (History then returns nil); any other error of fn stops it and
// is returned. A chain that comes back to a record already seen, or whose
// sequence numbers do not go down by one from each commit to its parent
// (down to 1 for the first), is ErrCorrupt; so is a commit of another
// volume than last's.
func (r *Reader) History(ctx context.Context, last Loc, k seal.Key, fn func(Loc, Commit) error) error {
	seen := map[Loc]bool{}
	var vol [16]byte
	var prevSeq uint64
	for loc, first := last, true; ; first = false {
		if seen[loc] {
			return fmt.Errorf("tree: history: commit record %s appears twice in the chain: %w", loc, ErrCorrupt)
		}
		seen[loc] = true
		c, err := r.Commit(ctx, loc, k)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if first {
			vol = c.Volume
		} else {
			if c.Volume != vol {
				return fmt.Errorf("tree: history: commit %d at %s belongs to another volume: %w", c.Seq, loc, ErrCorrupt)
			}
			if c.Seq+1 != prevSeq {
				return fmt.Errorf("tree: history: commit %d at %s is the parent of commit %d: %w", c.Seq, loc, prevSeq, ErrCorrupt)
			}
		}
		if c.Parent == nil && c.Seq != 1 {
			return fmt.Errorf("tree: history: commit %d at %s has no parent: %w", c.Seq, loc, ErrCorrupt)
		}
		if c.Parent != nil && c.Seq <= 1 {
			return fmt.Errorf("tree: history: commit %d at %s has a parent: %w", c.Seq, loc, ErrCorrupt)
		}
		if err := fn(loc, c); err != nil {
			if errors.Is(err, fs.SkipAll) {
				return nil
			}
			return err
		}
		if c.Parent == nil {
			return nil
		}
		prevSeq, loc = c.Seq, *c.Parent
	}
}
