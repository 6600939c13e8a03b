package vfs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention says which commits of the tree stay as snapshots, as restic's
// forget policy does: every commit younger than All, then the newest
// commit of each of the last Hourly hours, Daily days, Weekly weeks (ISO
// weeks) and Monthly months that have commits (UTC). The latest commit is always
// kept. A kept snapshot keeps its blobs: the blobs of files deleted or
// overwritten since stay stored and renewed until no kept snapshot names
// them, so old versions cost what the policy says.
type Retention struct {
	All                            time.Duration
	Hourly, Daily, Weekly, Monthly int
}

// DefaultRetention keeps every commit for two days, then one a day for
// two weeks, one a week for two months and one a month for a year.
var DefaultRetention = Retention{All: 48 * time.Hour, Daily: 14, Weekly: 8, Monthly: 12}

// DefaultWalrusRetention is the default with a wallet on Walrus, where
// every kept commit blob is paid for (its encoded metadata alone is about
// 64 MB at 1000 shards): the newest commit of each of the last 24 hours
// instead of every commit of two days, then as DefaultRetention.
var DefaultWalrusRetention = Retention{Hourly: 24, Daily: 14, Weekly: 8, Monthly: 12}

// String gives the policy in ParseRetention's form.
func (r Retention) String() string {
	if r == (Retention{}) {
		return "latest"
	}
	var parts []string
	if r.All > 0 {
		parts = append(parts, "all="+fmtDuration(r.All))
	}
	for _, p := range []struct {
		k string
		n int
	}{{"hourly", r.Hourly}, {"daily", r.Daily}, {"weekly", r.Weekly}, {"monthly", r.Monthly}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", p.k, p.n))
		}
	}
	return strings.Join(parts, ",")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// ParseRetention parses "all=48h,daily=14,weekly=8,monthly=12" (any
// subset: the others are 0; all also takes days, "2d"), or "latest" (only
// the latest commit).
func ParseRetention(s string) (Retention, error) {
	var r Retention
	s = strings.TrimSpace(s)
	if s == "latest" {
		return r, nil
	}
	if s == "" {
		return r, fmt.Errorf("empty retention policy (want e.g. %s, or latest)", DefaultRetention)
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return r, fmt.Errorf("retention %q: %q is not key=value", s, part)
		}
		if k == "all" {
			d, err := parseDays(v)
			if err != nil || d < 0 {
				return r, fmt.Errorf("retention %q: all=%s: want a duration such as 48h or 2d", s, v)
			}
			r.All = d
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return r, fmt.Errorf("retention %q: %s=%s: want a count", s, k, v)
		}
		switch k {
		case "hourly":
			r.Hourly = n
		case "daily":
			r.Daily = n
		case "weekly":
			r.Weekly = n
		case "monthly":
			r.Monthly = n
		default:
			return r, fmt.Errorf("retention %q: unknown key %q (want all, hourly, daily, weekly, monthly)", s, k)
		}
	}
	return r, nil
}

func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * 24 * time.Hour, err
	}
	if v == "0" {
		return 0, nil
	}
	return time.ParseDuration(v)
}

// keep reports, for commits in order (oldest first), which the policy
// keeps at now.
func (r Retention) keep(commits []TreeCommit, now time.Time) []bool {
	out := make([]bool, len(commits))
	if len(commits) == 0 {
		return out
	}
	out[len(commits)-1] = true
	type bucket struct {
		n    int
		seen map[string]bool
		key  func(t time.Time) string
	}
	buckets := []*bucket{
		{n: r.Hourly, key: func(t time.Time) string { return t.Format("2006-01-02T15") }},
		{n: r.Daily, key: func(t time.Time) string { return t.Format("2006-01-02") }},
		{n: r.Weekly, key: func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) }},
		{n: r.Monthly, key: func(t time.Time) string { return t.Format("2006-01") }},
	}
	for _, b := range buckets {
		b.seen = map[string]bool{}
	}
	for i := len(commits) - 1; i >= 0; i-- { // newest first
		t := commits[i].Time.UTC()
		if now.Sub(t) < r.All {
			out[i] = true
		}
		for _, b := range buckets {
			k := b.key(t)
			if !b.seen[k] && len(b.seen) < b.n {
				b.seen[k] = true
				out[i] = true
			}
		}
	}
	return out
}
