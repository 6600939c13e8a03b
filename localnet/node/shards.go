package node

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseShardList parses a shard list like "0-13,20,21" for a network of n
// shards. The result is sorted and free of duplicates.
func ParseShardList(s string, n int) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("shard list %q: empty element", s)
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("shard list %q: %q is not a shard number", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("shard list %q: %q is not a shard number", s, hi)
			}
		}
		if a < 0 || b < a || b >= n {
			return nil, fmt.Errorf("shard list %q: %q is not within 0-%d", s, part, n-1)
		}
		for k := a; k <= b; k++ {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// FormatShardList is the inverse of ParseShardList for a sorted list.
func FormatShardList(shards []int) string {
	var b strings.Builder
	for i := 0; i < len(shards); {
		j := i
		for j+1 < len(shards) && shards[j+1] == shards[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j == i {
			fmt.Fprintf(&b, "%d", shards[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", shards[i], shards[j])
		}
		i = j + 1
	}
	return b.String()
}
