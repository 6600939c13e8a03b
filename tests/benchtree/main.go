// Command benchtree measures the tree on the network (packages tree and
// treebuild, vfs.FS.CommitTree) for a modelled photo library of -files
// regular files (layout.go):
//
//	commit    bytes of the first commit (directory nodes and commit
//	          record, the blob CommitTree stores) per file, and of three
//	          incremental commits: one file rewritten deep in the tree, one
//	          file's mode changed, 1,000 files added to one album
//	recover   reading the last commit and rebuilding an empty index from it
//	          (treebuild.Restore into a new index file, what walrusfs
//	          recover does), from an in-memory store
//	share     walking a 10,000-file subfolder (one year) with a fresh
//	          tree.Reader, what a share mount reads before it shows the tree
//
// The store is in memory (blobstore/mem, blob IDs of a 1000-shard
// network); tree blobs are read whole and verified once, then served from
// memory, as the Walrus store does. -latency and -bandwidth add a
// simulated network to every whole-blob fetch.
//
// Usage: go run ./tests/benchtree [-files 100000] [-work DIR] [-latency D -bandwidth B]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

func main() {
	var c config
	flag.IntVar(&c.Files, "files", 100_000, "regular files of the modelled library")
	flag.StringVar(&c.Work, "work", "", "work directory (default: a new temporary one, removed at the end)")
	flag.DurationVar(&c.Latency, "latency", 0, "simulated network: time to first byte of each whole-blob fetch (0: none)")
	flag.Float64Var(&c.Bandwidth, "bandwidth", 0, "simulated network: bytes per second of each fetch (0: unlimited)")
	flag.Uint64Var(&c.Seed, "seed", 1, "seed of the modelled library")
	flag.IntVar(&c.Shards, "shards", 1000, "shards of the network whose blob IDs the store derives and readers verify")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	c.Log = os.Stderr
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	if c.Work == "" {
		d, err := os.MkdirTemp("", "benchtree")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(d)
		c.Work = d
	}
	r, err := run(context.Background(), c)
	if err != nil {
		fail(err)
	}
	r.print(os.Stdout)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtree:", err)
	os.Exit(1)
}

// print writes the figures as the table of docs/benchmarks.md.
func (r *report) print(w io.Writer) {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(w, "%s, %d CPUs, Go %s, load average %s\n", time.Now().UTC().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.Version(), firstFields(string(load), 3))
	fmt.Fprintf(w, "library: %d files (%d videos) in %d directories, %d symlinks; %.1f GB in %d data blobs; set up in %v\n\n",
		r.Files, r.Videos, r.Dirs, r.Symlinks, float64(r.DataBytes)/1e9, r.DataBlobs, r.Setup.Round(time.Millisecond))
	fmt.Fprintln(w, "| commit | nodes written | bytes | per file | time | CPU | heap growth |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, c := range r.Commits {
		per := "-"
		if c.Files > 0 {
			per = fmt.Sprintf("%.1f B", float64(c.Bytes)/float64(c.Files))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %v | %v | %s |\n", c.Name, c.Nodes, bytesStr(c.Bytes), per, c.Time.Round(time.Millisecond), c.CPU.Round(time.Millisecond), mib(c.PeakHeap))
	}
	fmt.Fprintf(w, "\nfirst commit: %.1f bytes of tree per file (design estimate ~90 B); directory nodes %s, commit record %d B\n",
		float64(r.Commits[0].Bytes)/float64(r.Files), bytesStr(r.Commits[0].Bytes-r.Commits[0].Record), r.Commits[0].Record)
	fmt.Fprint(w, "nodes on the path of a deep change:")
	for i, n := range r.PathNodes {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s (%d entries) %s", sep, n.Path, n.Entries, bytesStr(n.Bytes))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\n| read | entries | files | blob fetches | bytes fetched | time | CPU | of which blob verification | heap growth |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range []readFigures{r.ReadAll, r.Recover, r.Share} {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %v | %v | %v | %s |\n", x.Name, x.Entries, x.Files, x.Fetches, bytesStr(x.Fetched),
			x.Time.Round(time.Millisecond), x.CPU.Round(time.Millisecond), x.Verify.Round(time.Millisecond), mib(x.PeakHeap))
	}
	fmt.Fprintf(w, "\nrecover: reading and opening the nodes %v, writing the index %v (of which closing it, a checkpoint: %v)\n",
		r.ReadAll.Time.Round(time.Millisecond), (r.Recover.Time - r.ReadAll.Time).Round(time.Millisecond), r.RecoverClose.Round(time.Millisecond))
	if r.Latency > 0 || r.Bandwidth > 0 {
		fmt.Fprintf(w, "simulated network: %v to first byte, %s/s per fetch\n", r.Latency, bytesStr(uint64(r.Bandwidth)))
	}
}

func firstFields(s string, n int) string {
	out, f := "", 0
	for _, c := range s {
		if c == ' ' {
			if f++; f == n {
				break
			}
		}
		out += string(c)
	}
	return out
}

func bytesStr(n uint64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func mib(n uint64) string { return fmt.Sprintf("%d MiB", n>>20) }
