// Command benchmount measures the walrusfs mount against a go-fuse loopback
// mount and the raw disk, in one run on the same machine, and prints the
// figures and the walrusfs/loopback ratios. make bench-mount runs it (as
// root: the mounts use FUSE directly). It never fails on speed.
//
// There are two loopback mounts. "loopback FUSE", the baseline of the
// ratios, is go-fuse's loopback with its file data going through the
// daemon, like any FUSE file system that serves its own bytes
// (./tests/benchmount/loopback). "loopback passthru" is go-fuse's example
// as it ships: as root on Linux 6.9+ it hands every open file to the
// kernel (FUSE passthrough), which then reads and writes the underlying
// file itself, so its data path is the raw disk's and only its metadata
// goes through FUSE. Its ratios are printed too. (Before 2026-11-30 the
// "loopback FUSE" column was the passthrough one.)
//
// usage: go run ./tests/benchmount [-dir D] [-size 1G] [-copy 4G] [-only read|small|rss|busy|crypt] [-cold-only] [-rounds N]
//
// The figures that swing most on a shared machine (cold sequential read,
// creating 2000 small files) are measured -rounds times (5 by default),
// interleaved across the targets with the order rotated every round, so a
// burst of load from a neighbour hits every target alike; the table shows
// each target's median and the log on stderr every single figure. Before
// each measurement walrusfs's uploads are waited for (walrusfs sync) and
// dirty pages written back (sync(2)), so no target is measured while
// another's background work runs. Small files are also created on a second
// walrusfs mount with --durability close (column "walrusfs close"). The
// cold read is also measured on a third walrusfs mount whose cache holds
// half the file and is kept between rounds (column "walrusfs full"): every
// block read is a miss that evicts one, the steady state of a mount in
// use, where the "walrusfs" column starts each read with an empty cache. Each
// small-file round also times 2000 overwrites of 4 KiB, each followed by
// fdatasync, in one preallocated file (the device flush floor): a create
// that must survive a power cut once close(2) returns, as --durability
// close promises, cannot cost less than loopback's create plus one flush,
// whatever the implementation; the report prints that floor.
//
// The work directory should be on a file system that has not just deleted
// many files: ext4 scans the inode bitmap past recently deleted inodes on
// every create, which made creates 20x slower for seconds at a time on the
// development VM after a benchmark's clean-up (-dir /var/tmp/benchmount
// on a quiet part of the disk gives steadier figures).
//
// -only crypt compares an encrypted walrusfs mount (the default) with a
// plaintext one (--encrypt=false) in the same run: sequential write,
// upload, cold sequential read and small-file creation, and prints what
// encryption costs in each (target: at most 10%). make bench-crypt runs it.
// With -cold-only it measures only the write, the upload and the cold
// read. BENCHMOUNT_CPUPROFILE=DIR makes every walrusfs mount write a CPU
// profile of its daemon to DIR (<target>-<mount number>.prof; in -only
// crypt, mount 1 is the write and upload, each later one a cold read).
//
// -only read measures only the sequential write and the cold sequential
// read (no small files, no random reads, no RSS run), for quick
// before/after comparisons of the read path; -only small only the
// small-file creation and the stat run; -only rss only the peak RSS;
// -only busy only the responsiveness while uploading (busy.go: the user's
// operations idle and while a 768 MiB upload runs, and the ratios), which
// a full run prints as a second table.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	dir := flag.String("dir", ".cache/benchmount", "work directory (on the disk to measure)")
	size := flag.Int64("size", 1<<30, "bytes of the sequential write/read file")
	copySize := flag.Int64("copy", 4<<30, "bytes copied into walrusfs while its peak RSS is sampled")
	only := flag.String("only", "", `"read": measure only the sequential write and the cold sequential read; "small": only the small-file creation and the stat run; "rss": only the peak RSS run; "busy": only the responsiveness while uploading`)
	rounds := flag.Int("rounds", 5, "interleaved rounds of the cold sequential read and of the small-file creation (the table shows medians)")
	coldOnly := flag.Bool("cold-only", false, "with -only crypt: measure only the write, the upload and the cold sequential read")
	flag.Int("reads", 0, "deprecated: use -rounds")
	flag.Parse()
	if *only != "" && *only != "read" && *only != "small" && *only != "rss" && *only != "busy" && *only != "crypt" {
		fail(fmt.Errorf("-only %q: want read, small, rss, busy or crypt", *only))
	}
	if os.Geteuid() != 0 {
		fail(fmt.Errorf("run as root (the mounts use FUSE directly)"))
	}
	work, err := filepath.Abs(*dir)
	check(err)
	check(os.RemoveAll(work))
	check(os.MkdirAll(work, 0o755))
	bin := filepath.Join(work, "bin")
	check(os.MkdirAll(bin, 0o755))
	build(filepath.Join(bin, "walrusfs"), "./cmd/walrusfs")
	build(filepath.Join(bin, "passthrough"), "github.com/hanwen/go-fuse/v2/example/loopback")
	build(filepath.Join(bin, "loopback"), "./tests/benchmount/loopback")

	if *only == "busy" {
		runBusy(work, bin, max(*rounds, 1))
		_ = os.RemoveAll(work)
		return
	}
	if *only == "rss" {
		rss := peakRSS(newWalrusfs(filepath.Join(work, "rss"), bin, "walrusfs"), *copySize)
		fmt.Printf("walrusfs daemon peak RSS while copying %d MiB and uploading it: %d MiB (target <= 512 MiB)\n", *copySize>>20, rss>>20)
		_ = os.RemoveAll(work)
		return
	}
	if *only == "crypt" {
		targets := []*target{
			newWalrusfs(filepath.Join(work, "encrypted"), bin, "walrusfs"),
			newWalrusfs(filepath.Join(work, "plaintext"), bin, plaintextName, "--encrypt=false"),
		}
		for _, t := range targets {
			t.mount()
		}
		mode := *only
		if *coldOnly {
			mode = "read"
		}
		results := measure(targets, *size, max(*rounds, 1), mode)
		for _, t := range targets {
			t.unmount()
		}
		reportCrypt(results, *size, max(*rounds, 1))
		_ = os.RemoveAll(work)
		return
	}
	targets := []*target{
		{name: "raw disk", root: filepath.Join(work, "raw")},
		newLoopback(work, bin, true),
		newLoopback(work, bin, false),
		newWalrusfs(work, bin, "walrusfs"),
	}
	if *only == "" || *only == "read" {
		// A cache that is always full: half the file's size, kept across
		// rounds, so every block of a read is a miss that evicts one.
		// That is the steady state of a mount used for a while.
		full := newWalrusfs(filepath.Join(work, "fullcache"), bin, fullCacheName, "--cache-size", strconv.FormatInt(*size/2, 10))
		full.keepCache = true
		full.readOnly = true
		targets = append(targets, full)
	}
	if *only != "read" {
		// The same mount with close(2) durable (one device flush per
		// closed file), for the small-file figures only.
		closeMode := newWalrusfs(filepath.Join(work, "closemode"), bin, closeModeName, "--durability", "close")
		closeMode.smallOnly = true
		targets = append(targets, closeMode)
	}
	for _, t := range targets {
		check(os.MkdirAll(t.root, 0o755))
		if t.mount != nil {
			t.mount()
		}
	}
	results := measure(targets, *size, max(*rounds, 1), *only)
	for _, t := range targets {
		t.unmount()
	}
	rss := int64(-1)
	if *only == "" {
		rss = peakRSS(newWalrusfs(filepath.Join(work, "rss"), bin, "walrusfs"), *copySize)
	}
	report(targets, results, *size, *copySize, rss, max(*rounds, 1))
	if *only == "" {
		fmt.Println()
		runBusy(work, bin, max(*rounds, 1))
	}
	_ = os.RemoveAll(work)
}

// target is one place files are written to: a plain folder or a mount.
type target struct {
	name   string
	root   string // where the benchmark's files go
	mount  func()
	cold   func(files ...string) // make the next reads of files come from the back end
	umount func()
	sync   func() // wait until the back end has everything (walrusfs uploads)
	pid    func() int
	// smallOnly: measured only in the small-file creation and stat runs.
	smallOnly bool
	// readOnly: measured only in the sequential write and cold read runs.
	readOnly bool
	// keepCache: walrusfs's cold keeps the read cache (remount only).
	keepCache bool
}

func (t *target) unmount() {
	if t.umount != nil {
		t.umount()
	}
}

// newLoopback is a go-fuse loopback mount of a folder in work: the
// example as go-fuse ships it (passthrough) or, with classic, the one of
// ./tests/benchmount/loopback, whose file data goes through the daemon.
func newLoopback(work, bin string, classic bool) *target {
	name, dir, args := passthroughName, "passthrough", []string{"-q", "-directmount"}
	if classic {
		name, dir, args = loopbackName, "loopback", nil
	}
	orig := filepath.Join(work, dir+"-orig")
	mnt := filepath.Join(work, dir)
	check(os.MkdirAll(orig, 0o755))
	t := &target{name: name, root: mnt}
	var cmd *exec.Cmd
	t.mount = func() {
		check(os.MkdirAll(mnt, 0o755))
		cmd = exec.Command(filepath.Join(bin, dir), append(args, mnt, orig)...)
		check(cmd.Start())
		waitMounted(mnt)
	}
	t.umount = func() { stopDaemon(cmd, mnt) }
	t.cold = func(files ...string) {
		t.umount()
		for _, f := range files {
			dropCache(filepath.Join(orig, strings.TrimPrefix(f, mnt)))
		}
		t.mount()
	}
	return t
}

func newWalrusfs(work, bin, name string, flags ...string) *target {
	check(os.MkdirAll(work, 0o755))
	data := filepath.Join(work, "walrusfs-data")
	mnt := filepath.Join(work, "walrusfs")
	t := &target{name: name, root: mnt}
	var cmd *exec.Cmd
	mounts := 0
	t.mount = func() {
		check(os.MkdirAll(mnt, 0o755))
		args := append(append([]string{"mount", "--data-dir", data}, flags...), mnt)
		if dir := os.Getenv("BENCHMOUNT_CPUPROFILE"); dir != "" {
			// One CPU profile of the daemon per mount, for go tool pprof.
			mounts++
			prof := filepath.Join(dir, fmt.Sprintf("%s-%d.prof", strings.ReplaceAll(name, " ", "-"), mounts))
			args = append([]string{args[0], "--cpuprofile", prof}, args[1:]...)
		}
		cmd = exec.Command(filepath.Join(bin, "walrusfs"), args...)
		cmd.Stderr, _ = os.OpenFile(filepath.Join(work, "walrusfs.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		check(cmd.Start())
		waitMounted(mnt)
	}
	t.umount = func() { stopDaemon(cmd, mnt) }
	t.sync = func() {
		out, err := exec.Command(filepath.Join(bin, "walrusfs"), "sync", "--data-dir", data).CombinedOutput()
		if err != nil {
			fail(fmt.Errorf("walrusfs sync: %v\n%s", err, out))
		}
	}
	colds := 0
	t.cold = func(...string) {
		t.sync()
		t.umount()
		if t.keepCache {
			t.mount()
			return
		}
		// The cache is moved aside, not deleted: ext4 makes every create
		// scan past inodes deleted in the last minute or so, and deleting
		// the thousand block files of the previous round just before this
		// one made each block file the daemon then created cost ~0.4 ms
		// (a quarter of the read's CPU). The old caches are deleted when
		// the benchmark ends (with the work directory).
		colds++
		check(os.Rename(filepath.Join(data, "cache"), filepath.Join(work, fmt.Sprintf("old-cache-%d", colds))))
		t.mount()
	}
	t.pid = func() int { return cmd.Process.Pid }
	return t
}

// quiesceAll waits for every target's background work (walrusfs uploads,
// the kernel's write-back), so that the next measurement runs on a quiet
// machine.
func quiesceAll(targets []*target) {
	for _, t := range targets {
		if t.sync != nil {
			t.sync()
		}
	}
	// Dirty pages of the previous measurement (any target's) would be
	// written back during the next one.
	syscall.Sync()
}

// rotated returns targets starting at index r mod len(targets).
func rotated(targets []*target, r int) []*target {
	if len(targets) == 0 {
		return nil
	}
	r %= len(targets)
	return append(append([]*target{}, targets[r:]...), targets[:r]...)
}

// measure runs every workload on every target and returns named figures
// per target name. The noisy ones run in interleaved rounds (medians).
func measure(all []*target, size int64, rounds int, only string) map[string]map[string]float64 {
	r := map[string]map[string]float64{}
	samples := map[string]map[string][]float64{}
	var targets []*target      // all but the small-file-only ones
	var smallTargets []*target // all but the read-only ones
	for _, t := range all {
		r[t.name] = map[string]float64{}
		samples[t.name] = map[string][]float64{}
		if !t.smallOnly {
			targets = append(targets, t)
		}
		if !t.readOnly {
			smallTargets = append(smallTargets, t)
		}
	}
	bigOf := func(t *target) string { return filepath.Join(t.root, "big.bin") }
	if only == "small" {
		targets = nil // no big file
	}
	for _, t := range targets {
		quiesceAll(all)
		start := time.Now()
		writeFile(bigOf(t), size, true)
		r[t.name]["seq write+fsync MB/s"] = mbps(size, time.Since(start))
		if t.sync != nil {
			// walrusfs's write lands in local staging; the upload to the
			// storage nodes is measured on its own.
			start = time.Now()
			t.sync()
			r[t.name]["upload after write MB/s"] = mbps(size, time.Since(start))
		}
	}
	for round := range rounds {
		for _, t := range rotated(targets, round) {
			coldOf(t, bigOf(t))
			quiesceAll(all)
			cpu0 := busyCPU()
			start := time.Now()
			readAll(bigOf(t))
			v := mbps(size, time.Since(start))
			cpu := (busyCPU() - cpu0) / (float64(size) / (1 << 30))
			fmt.Fprintf(os.Stderr, "round %d: %s: cold seq read %.1f MB/s, %.2f CPU s/GiB\n", round+1, t.name, v, cpu)
			samples[t.name][coldKey] = append(samples[t.name][coldKey], v)
			samples[t.name][coldCPUKey] = append(samples[t.name][coldCPUKey], cpu)
		}
	}
	if only != "read" {
		for _, t := range targets {
			if t.readOnly || only == "crypt" {
				continue
			}
			big := bigOf(t)
			coldOf(t, big)
			quiesceAll(all)
			offs := make([]int64, 300)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range offs {
				offs[i] = rng.Int64N(size/4096) * 4096
			}
			cold := randomReads(big, offs)
			cached := randomReads(big, offs)
			r[t.name]["4K random read cold p50 ms"], r[t.name]["4K random read cold p95 ms"] = cold[0], cold[1]
			r[t.name]["4K random read cached p50 ms"], r[t.name]["4K random read cached p95 ms"] = cached[0], cached[1]
		}

		const smallKey = "create 2000 4K files s"
		buf := make([]byte, 4096)
		settleCreates(filepath.Join(all[0].root, "settle"))
		for round := range rounds {
			// The floor of any create that makes each closed file
			// durable: one device flush per file, in the same rounds.
			quiesceAll(all)
			v := flushFloor(filepath.Join(all[0].root, "flushfloor"), 2000)
			fmt.Fprintf(os.Stderr, "round %d: raw disk: 2000 x (4K pwrite + fdatasync) %.3f s\n", round+1, v)
			samples[all[0].name][flushKey] = append(samples[all[0].name][flushKey], v)
			for _, t := range rotated(smallTargets, round) {
				small := filepath.Join(t.root, fmt.Sprintf("small%d", round))
				check(os.MkdirAll(small, 0o755))
				quiesceAll(all)
				start := time.Now()
				for i := range 2000 {
					check(os.WriteFile(filepath.Join(small, fmt.Sprintf("f%05d", i)), buf, 0o644))
				}
				v := time.Since(start).Seconds()
				fmt.Fprintf(os.Stderr, "round %d: %s: create 2000 4K files %.3f s\n", round+1, t.name, v)
				samples[t.name][smallKey] = append(samples[t.name][smallKey], v)
			}
		}

		for _, t := range smallTargets {
			if only == "crypt" {
				break
			}
			many := filepath.Join(t.root, "many")
			check(os.MkdirAll(many, 0o755))
			for i := range 10000 {
				f, err := os.Create(filepath.Join(many, fmt.Sprintf("e%05d", i)))
				check(err)
				check(f.Close())
			}
			quiesceAll(all)
			start := time.Now()
			ents, err := os.ReadDir(many)
			check(err)
			for _, e := range ents {
				_, err := os.Lstat(filepath.Join(many, e.Name()))
				check(err)
			}
			r[t.name]["stat 10k entries s"] = time.Since(start).Seconds()
		}
	}
	for name, m := range samples {
		for k, v := range m {
			r[name][k] = median(v)
		}
	}
	return r
}

func median(v []float64) float64 {
	s := append([]float64{}, v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func coldOf(t *target, f string) {
	if t.cold != nil {
		t.cold(f)
	} else {
		dropCache(f)
	}
}

// peakRSS copies n bytes into a fresh walrusfs mount, waits for the
// uploads, and returns the daemon's peak RSS in bytes (VmHWM).
func peakRSS(t *target, n int64) int64 {
	fmt.Fprintf(os.Stderr, "== walrusfs peak RSS while copying %d MiB\n", n>>20)
	check(os.MkdirAll(t.root, 0o755))
	t.mount()
	writeFile(filepath.Join(t.root, "copy.bin"), n, false)
	t.sync()
	hwm := statusKB(t.pid(), "VmHWM") * 1024
	t.unmount()
	return hwm
}

func report(targets []*target, res map[string]map[string]float64, size, copySize int64, rss int64, rounds int) {
	keys := []string{"seq write+fsync MB/s", "upload after write MB/s", "cold seq read MB/s", "4K random read cold p50 ms", "4K random read cold p95 ms",
		"4K random read cached p50 ms", "4K random read cached p95 ms", "create 2000 4K files s", "stat 10k entries s"}
	fmt.Printf("mount benchmark, %s, %d MiB file, host cores %d, medians of %d interleaved rounds for cold seq read and create\n",
		time.Now().Format(time.DateOnly), size>>20, numCPU(), rounds)
	fmt.Printf("%-30s", "")
	for _, t := range targets {
		fmt.Printf(" %17s", t.name)
	}
	fmt.Printf(" %18s %18s\n", "walrusfs/loopback", "walrusfs/passthru")
	for _, k := range keys {
		if _, ok := res["walrusfs"][k]; !ok {
			continue // not measured (-only)
		}
		fmt.Printf("%-30s", k)
		for _, t := range targets {
			if v, ok := res[t.name][k]; ok {
				fmt.Printf(" %17.3f", v)
			} else {
				fmt.Printf(" %17s", "-")
			}
		}
		if lb, ok := res[loopbackName][k]; ok {
			fmt.Printf(" %17.2fx", res["walrusfs"][k]/lb)
		} else {
			fmt.Printf(" %18s", "-")
		}
		if pt, ok := res[passthroughName][k]; ok {
			fmt.Printf(" %17.2fx", res["walrusfs"][k]/pt)
		} else {
			fmt.Printf(" %18s", "-")
		}
		if v, ok := res[closeModeName][k]; ok {
			fmt.Printf(" (close mode %.2fx, %.2fx)", v/res[loopbackName][k], v/res[passthroughName][k])
		}
		if v, ok := res[fullCacheName][k]; ok && k == coldKey {
			fmt.Printf(" (full cache %.2fx, %.2fx)", v/res[loopbackName][k], v/res[passthroughName][k])
		}
		fmt.Println()
	}
	if v, ok := res["raw disk"][flushKey]; ok {
		lb := res[loopbackName]["create 2000 4K files s"]
		fmt.Printf("device flush floor: 2000 x (4 KiB pwrite + fdatasync) in one preallocated file on the same disk: %.3f s.\n", v)
		fmt.Printf("  A create that makes every closed file durable (--durability close) costs at least\n")
		fmt.Printf("  loopback + that: %.3f s = %.2fx loopback on this machine (walrusfs --durability close: %.2fx of that floor).\n",
			lb+v, (lb+v)/lb, res[closeModeName]["create 2000 4K files s"]/(lb+v))
		fmt.Printf("  walrusfs default (--durability fsync) creates small files at %.2fx the loopback's speed.\n",
			lb/res["walrusfs"]["create 2000 4K files s"])
	}
	if rss >= 0 {
		fmt.Printf("walrusfs daemon peak RSS while copying %d MiB and uploading it: %d MiB (target <= 512 MiB)\n", copySize>>20, rss>>20)
	}
}

// plaintextName is the walrusfs target without encryption (-only crypt).
const plaintextName = "walrusfs plaintext"

// reportCrypt prints what encryption costs: the encrypted mount against
// the plaintext one, per figure.
func reportCrypt(res map[string]map[string]float64, size int64, rounds int) {
	fmt.Printf("encryption benchmark, %s, %d MiB file, host cores %d, medians of %d interleaved rounds for cold seq read and create\n",
		time.Now().Format(time.DateOnly), size>>20, numCPU(), rounds)
	fmt.Printf("%-26s %14s %14s %16s\n", "", "encrypted", "plaintext", "cost of encryption")
	for _, k := range []string{"seq write+fsync MB/s", "upload after write MB/s", coldKey, coldCPUKey, "create 2000 4K files s"} {
		enc, plain := res["walrusfs"][k], res[plaintextName][k]
		cost := plain/enc - 1 // MB/s: higher is better
		if strings.HasSuffix(k, " s") || k == coldCPUKey {
			cost = enc/plain - 1 // seconds: lower is better
		}
		fmt.Printf("%-26s %14.3f %14.3f %15.1f%%\n", k, enc, plain, 100*cost)
	}
	fmt.Println("(target: at most 10% each; a negative cost is noise in encryption's favour)")
}

// loopbackName is the FUSE baseline: go-fuse's loopback with file data
// through the daemon (./tests/benchmount/loopback). passthroughName is the
// go-fuse example as shipped, which as root hands open files to the
// kernel (FUSE passthrough, Linux 6.9+): its reads and writes never reach
// the daemon, so its data path is the raw disk's.
const (
	loopbackName    = "loopback FUSE"
	passthroughName = "loopback passthru"
)

// closeModeName is the walrusfs target with --durability close.
const closeModeName = "walrusfs close"

// fullCacheName is the walrusfs target whose cache is always full (it
// holds half the file and is kept between rounds).
const fullCacheName = "walrusfs full"

// coldCPUKey names the CPU time the whole machine spent on a cold
// sequential read (every process and the kernel: the daemon, its storage
// nodes and the reader), per GiB read.
const coldCPUKey = "cold seq read CPU s/GiB"

// busyCPU returns the CPU seconds the machine has spent busy (not idle or
// waiting for I/O) since boot, from /proc/stat; 0 if it cannot be read.
func busyCPU() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy float64
	for i, s := range f[1:] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0
		}
		if i != 3 && i != 4 && i < 8 { // user nice system [idle iowait] irq softirq steal
			busy += v
		}
	}
	return busy / 100 // USER_HZ
}

// coldKey names the cold sequential read figure.
const coldKey = "cold seq read MB/s"

// flushKey names the flush-floor figure (see flushFloor).
const flushKey = "2000 x (4K pwrite + fdatasync) s"

// flushFloor returns the seconds n overwrites of 4 KiB, each followed by
// fdatasync, take in one preallocated file at path: the device flushes a
// create costs if every closed file must survive a power cut, with no
// file system metadata to commit (walrusfs's own journal is such a
// file).
func flushFloor(path string, n int) float64 {
	f, err := os.Create(path)
	check(err)
	defer os.Remove(path)
	defer f.Close()
	buf := make([]byte, 4096)
	check(f.Truncate(int64(n) * 4096))
	for i := range n {
		_, err := f.WriteAt(buf, int64(i)*4096)
		check(err)
	}
	check(f.Sync())
	start := time.Now()
	for i := range n {
		_, err := f.WriteAt(buf, int64(i)*4096)
		check(err)
		check(unix.Fdatasync(int(f.Fd())))
	}
	return time.Since(start).Seconds()
}

// settleCreates waits until creating files on the disk of dir is as fast
// as it gets. After many files were deleted (say, a previous benchmark's
// clean-up; this one moves its old caches aside instead), ext4 creates on
// the development VM were 5-20x slower for minutes. That slows loopback
// and the raw disk, whose files are ext4 files, much more than walrusfs,
// whose small files live in its index, so small-file figures taken then
// flatter walrusfs. It probes every 10 s with 2000 creates (kept, not
// deleted) and stops after two probes in a row at <= 40 us a file, or
// three in a row within 10% of each other (a disk whose steady state is
// slower), or after 5 minutes; each probe is logged on stderr.
func settleCreates(dir string) {
	buf := make([]byte, 4096)
	var probes []time.Duration
	start := time.Now()
	for i := 0; ; i++ {
		d := filepath.Join(dir, strconv.Itoa(i))
		check(os.MkdirAll(d, 0o755))
		t0 := time.Now()
		for j := range 2000 {
			check(os.WriteFile(filepath.Join(d, strconv.Itoa(j)), buf, 0o644))
		}
		per := time.Since(t0) / 2000
		probes = append(probes, per)
		fmt.Fprintf(os.Stderr, "ext4 create probe %d: %v a file\n", i+1, per)
		n := len(probes)
		fast := n >= 2 && probes[n-1] <= 40*time.Microsecond && probes[n-2] <= 40*time.Microsecond
		steady := n >= 3 && slices.Max(probes[n-3:])*10 <= slices.Min(probes[n-3:])*11
		if fast || steady || time.Since(start) > 5*time.Minute {
			return
		}
		time.Sleep(10 * time.Second)
	}
}

// --- helpers ---

func writeFile(path string, size int64, fsync bool) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	// Seeded by the path: files of the same size must not hold the same
	// bytes (they would be the same blobs, and a "cold" read of one would
	// be served from the cache blocks of another).
	h := fnv.New64a()
	h.Write([]byte(path))
	rng := rand.New(rand.NewPCG(uint64(size), h.Sum64()))
	for left := size; left > 0; {
		for i := 0; i+8 <= len(buf); i += 8 {
			v := rng.Uint64()
			for k := range 8 {
				buf[i+k] = byte(v >> (8 * k))
			}
		}
		n := min(left, int64(len(buf)))
		_, err := w.Write(buf[:n])
		check(err)
		left -= n
	}
	check(w.Flush())
	if fsync {
		check(f.Sync())
	}
	check(f.Close())
}

func readAll(path string) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		if n == 0 || err != nil {
			return
		}
	}
}

// randomReads returns p50 and p95 latency in ms of 4 KiB preads.
func randomReads(path string, offs []int64) [2]float64 {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	buf := make([]byte, 4096)
	lat := make([]float64, len(offs))
	for i, off := range offs {
		start := time.Now()
		_, err := f.ReadAt(buf, off)
		check(err)
		lat[i] = float64(time.Since(start).Nanoseconds()) / 1e6
	}
	sort.Float64s(lat)
	return [2]float64{lat[len(lat)/2], lat[len(lat)*95/100]}
}

func dropCache(path string) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	check(f.Sync())
	check(unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

func build(out, pkg string) {
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		fail(fmt.Errorf("go build %s: %v\n%s", pkg, err, b))
	}
}

func waitMounted(mnt string) {
	for range 600 {
		var st, parent syscall.Stat_t
		if syscall.Stat(mnt, &st) == nil && syscall.Stat(filepath.Dir(mnt), &parent) == nil && st.Dev != parent.Dev {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fail(fmt.Errorf("%s did not get mounted", mnt))
}

func stopDaemon(cmd *exec.Cmd, mnt string) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
	}
	_ = syscall.Unmount(mnt, syscall.MNT_DETACH)
}

func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			check(err)
			return v
		}
	}
	fail(fmt.Errorf("no %s in /proc/%d/status", field, pid))
	return 0
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchmount:", err)
	os.Exit(1)
}
