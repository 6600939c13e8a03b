package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Responsiveness while uploading.
//
// One walrusfs mount (default options). Each round measures the same four
// operations twice, idle (no upload running: walrusfs sync before) and
// busy (a bigSize file written and closed just before, its upload
// running), the two phases in alternating order, and the table shows the
// medians and busy/idle:
//
//   - creating 2000 files of 4 KiB in a new directory (files/s);
//   - stat of a directory of 10k entries (readdir + lstat of each);
//   - a cold read of three stored 64 MiB files: files stored during set-up
//     and never read before (their blocks come from the storage nodes),
//     kernel page cache dropped;
//   - a read of 192 MiB of staged bytes (on the local disk): busy, the
//     last 192 MiB of the file being uploaded; idle, a 192 MiB file
//     written just before and still open for writing (so not uploaded).
//     Page cache dropped.
//
// (The reads take tens of milliseconds each; a single 64 MiB read swung
// by 3x between rounds on a shared machine.)
//
// Both phases write their file's dirty pages back (sync(2)) before the
// operations. A busy round counts only if the big file's user.walrus.state is
// "uploading" both before the first and after the last operation; the
// table says how many did.

const (
	busyBig    = 768 << 20
	busyRead   = 64 << 20 // one stored file
	busyReads  = 3        // stored files read per phase; staged bytes read: busyReads * busyRead
	busyFiles  = 2000
	busyEnts   = 10000
	busyXattr  = "user.walrus.state"
	busyPhases = 2
)

var busyKeys = []string{"create 2000 4K files/s", "stat 10k entries s", "cold read stored 3x64M MB/s", "read staged 192M MB/s"}

// runBusy runs the busy/idle rounds on a fresh walrusfs mount in work.
func runBusy(work, bin string, rounds int) {
	t := newWalrusfs(filepath.Join(work, "busy"), bin, "walrusfs")
	check(os.MkdirAll(t.root, 0o755))
	t.mount()
	defer t.unmount()
	fmt.Fprintf(os.Stderr, "== responsiveness while uploading: set-up (%d stored 64 MiB files, %d entries)\n", 2*rounds*busyReads, busyEnts)
	for i := range 2 * rounds * busyReads {
		writeFile(filepath.Join(t.root, fmt.Sprintf("stored%d.bin", i)), busyRead, false)
	}
	many := filepath.Join(t.root, "many")
	check(os.MkdirAll(many, 0o755))
	for i := range busyEnts {
		f, err := os.Create(filepath.Join(many, fmt.Sprintf("e%05d", i)))
		check(err)
		check(f.Close())
	}
	t.sync()
	syscall.Sync()
	// The upload at full speed: walrusfs sync waits for it (nothing to
	// yield to).
	full := filepath.Join(t.root, "full.bin")
	writeFile(full, busyBig, false)
	start := time.Now()
	t.sync()
	fullUpload := time.Since(start)
	fmt.Fprintf(os.Stderr, "upload of %d MiB under walrusfs sync: %.1f s\n", busyBig>>20, fullUpload.Seconds())
	check(os.Remove(full))
	t.sync()
	syscall.Sync()

	samples := map[string]map[string][]float64{"idle": {}, "busy": {}}
	overlapped, busyRounds := 0, 0
	stored := 0
	for round := range rounds {
		order := []string{"idle", "busy"}
		if round%2 == 1 {
			order = []string{"busy", "idle"}
		}
		for _, phase := range order {
			tag := fmt.Sprintf("r%d-%s", round, phase)
			var staged string
			var stagedOff int64
			var holder *os.File
			var big string
			if phase == "idle" {
				t.sync()
				syscall.Sync()
				staged = filepath.Join(t.root, tag+"-open.bin")
				holder = writeOpen(staged, busyReads*busyRead)
				// Its dirty pages must not be written back during the
				// operations (the busy phase's are part of being busy).
				syscall.Sync()
			} else {
				t.sync()
				syscall.Sync()
				big = filepath.Join(t.root, tag+"-big.bin")
				writeFile(big, busyBig, false)
				// Its dirty pages are written back before the
				// operations, as the idle phase's are: the write-back of
				// the user's own file is not the upload's cost.
				syscall.Sync()
				waitState(big, "uploading", 30*time.Second)
				staged, stagedOff = big, busyBig-busyReads*busyRead
			}
			ok := phase == "idle" || xattrState(big) == "uploading"
			var files []string
			for range busyReads {
				files = append(files, filepath.Join(t.root, fmt.Sprintf("stored%d.bin", stored)))
				stored++
			}
			v := busyOps(t.root, tag, files, many, staged, stagedOff)
			if phase == "busy" {
				end := xattrState(big)
				ok = ok && end == "uploading"
				busyRounds++
				if ok {
					overlapped++
				}
				fmt.Fprintf(os.Stderr, "round %d busy: state of the uploading file after the operations: %s (overlap %v)\n", round+1, end, ok)
			}
			for i, k := range busyKeys {
				fmt.Fprintf(os.Stderr, "round %d %s: %s %.3f\n", round+1, phase, k, v[i])
				if ok {
					samples[phase][k] = append(samples[phase][k], v[i])
				}
			}
			if holder != nil {
				check(holder.Close())
			}
			if big != "" {
				start := time.Now()
				t.sync()
				fmt.Fprintf(os.Stderr, "round %d busy: upload finished %.1f s after the operations (walrusfs sync)\n", round+1, time.Since(start).Seconds())
				check(os.Remove(big))
			}
		}
	}
	fmt.Printf("responsiveness while uploading, %s, host cores %d: medians of %d interleaved rounds;\n", time.Now().Format(time.DateOnly), numCPU(), rounds)
	fmt.Printf("busy = a %d MiB file written and closed just before, its upload running (user.walrus.state = uploading before and after the operations in %d of %d busy rounds; only those counted)\n",
		busyBig>>20, overlapped, busyRounds)
	fmt.Printf("%-28s %12s %12s %10s\n", "", "idle", "busy", "busy/idle")
	for _, k := range busyKeys {
		idle, busy := samples["idle"][k], samples["busy"][k]
		if len(idle) == 0 || len(busy) == 0 {
			fmt.Printf("%-28s %12s %12s %10s\n", k, "-", "-", "-")
			continue
		}
		mi, mb := median(idle), median(busy)
		ratio := mb / mi
		if k == "stat 10k entries s" {
			ratio = mi / mb // seconds: speed is the inverse
		}
		fmt.Printf("%-28s %12.3f %12.3f %9.2fx\n", k, mi, mb, ratio)
	}
	fmt.Printf("upload of a %d MiB file written just before, under walrusfs sync (no throttling while it waits): %.1f s, %.0f MB/s\n",
		busyBig>>20, fullUpload.Seconds(), mbps(busyBig, fullUpload))
	fmt.Println("(busy/idle is speed busy over speed idle: 1.00x means the upload costs the user nothing; for stat, idle s / busy s)")
}

// busyOps runs the four operations and returns files/s, s, MB/s, MB/s.
func busyOps(root, tag string, stored []string, many, staged string, stagedOff int64) [4]float64 {
	var v [4]float64
	dir := filepath.Join(root, "small-"+tag)
	check(os.MkdirAll(dir, 0o755))
	buf := make([]byte, 4096)
	start := time.Now()
	for i := range busyFiles {
		check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), buf, 0o644))
	}
	v[0] = busyFiles / time.Since(start).Seconds()

	start = time.Now()
	ents, err := os.ReadDir(many)
	check(err)
	for _, e := range ents {
		_, err := os.Lstat(filepath.Join(many, e.Name()))
		check(err)
	}
	v[1] = time.Since(start).Seconds()

	for _, f := range stored {
		dropCache(f)
	}
	start = time.Now()
	for _, f := range stored {
		readRange(f, 0, busyRead)
	}
	v[2] = mbps(int64(len(stored))*busyRead, time.Since(start))

	dropPages(staged)
	start = time.Now()
	readRange(staged, stagedOff, busyReads*busyRead)
	v[3] = mbps(busyReads*busyRead, time.Since(start))
	return v
}

// writeOpen writes n bytes to a new file and returns it still open (so
// walrusfs keeps its bytes staged and does not upload them).
func writeOpen(path string, n int64) *os.File {
	f, err := os.Create(path)
	check(err)
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + 3)
	}
	for off := int64(0); off < n; off += int64(len(buf)) {
		_, err := f.WriteAt(buf[:min(int64(len(buf)), n-off)], off)
		check(err)
	}
	return f
}

// dropPages drops the kernel's cached pages of path without fsync (an
// fsync would force the upload of a file still open for writing).
func dropPages(path string) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	check(unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
}

func readRange(path string, off, n int64) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	buf := make([]byte, 1<<20)
	for end := off + n; off < end; {
		m, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		off += int64(m)
		if err != nil {
			check(err)
		}
	}
}

func xattrState(path string) string {
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, busyXattr, buf)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(buf[:n])
}

// waitState polls the state xattr of path until it is want.
func waitState(path, want string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if xattrState(path) == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "%s: state %s, not %s, after %v\n", path, xattrState(path), want, limit)
}
