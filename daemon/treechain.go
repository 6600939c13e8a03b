package daemon

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
	"github.com/walrusfs/walrusfs/volkey"
)

// The tree's commits on the chain.
//
// With a wallet, the blob that holds a commit carries public attributes
// on its Sui Blob object, set in the transaction that registers it:
//
//	walrusfs.volume  the volume ID (32 hex digits)
//	walrusfs.seq     the commit's sequence number
//	walrusfs.commit  where the sealed commit record is in the blob: "off+len"
//	walrusfs.nodes   where the commit's new directory nodes start: 0 in a
//	                 blob of its own, after the files of a pack that
//	                 carries the commit
//	walrusfs.key     the wallet's wrapping of the volume key (standard
//	                 base64 of keys/wallet.age: only the wallet opens it)
//	walrusfs.writer  the data directory that wrote it (16 random hex digits)
//	walrusfs.active  Unix seconds: the writer's mount was running then
//
// Listing the wallet's Blob objects then finds every volume's latest
// commit and the wrapped key that opens it: the wallet's mnemonic alone
// recovers everything (walrusfs recover --config F). The attributes say
// which blobs are commits of which volume and when; the commits and nodes
// themselves stay sealed.
//
// Two machines writing one volume would fork its tree. A running mount
// keeps a lease, walrusfs.active on its latest commit blob, refreshed
// every LeaseRefresh and removed at a clean unmount; recover refuses a
// volume whose lease is younger than LeaseExpiry unless forced. And a
// mount commits only on top of the chain's latest commit of its volume:
// once another data directory (a recovered one) has committed, the old
// one stops committing (ErrSuperseded).

// Attribute names (see above).
const (
	AttrVolume = "walrusfs.volume"
	AttrSeq    = "walrusfs.seq"
	AttrCommit = "walrusfs.commit"
	AttrNodes  = "walrusfs.nodes"
	AttrKey    = "walrusfs.key"
	AttrWriter = "walrusfs.writer"
	AttrActive = "walrusfs.active"
)

// Lease timing: a running mount renews its lease this often (one Sui
// transaction); a lease older than LeaseExpiry is a mount that stopped
// without unmounting (crashed, or its machine is gone).
const (
	LeaseRefresh = 6 * time.Hour
	LeaseExpiry  = 2*LeaseRefresh + time.Hour
)

// WriterFile (in the data directory) holds its writer ID.
const WriterFile = "writer-id"

// ErrSuperseded: another data directory has committed the volume's tree
// after this one's last commit; committing from here would fork it.
var ErrSuperseded = errors.New("another machine has committed this volume's tree since (it was recovered elsewhere): this data directory no longer commits, so the tree does not fork; recover it again, or go on from that machine")

// ChainCommit is a commit of a volume's tree, as its blob's attributes
// tell.
type ChainCommit struct {
	Volume [16]byte
	Seq    uint64
	Loc    tree.Loc
	// Object is the Blob object that carries it.
	Object string
	// WalletKey is the wallet's wrapping of the volume key (nil if the
	// attribute is missing).
	WalletKey []byte
	Writer    string
	// Active is the lease: when the writer's mount was last known to run
	// (zero: it unmounted cleanly, or never said).
	Active time.Time
	// EndEpoch is when the blob stops being stored.
	EndEpoch uint32
}

// parseChainCommit reads a commit from a Blob object's attributes; ok
// false for a blob that is not a commit (no walrusfs.volume) or whose
// attributes are malformed.
func parseChainCommit(b sui.AttributedBlob) (c ChainCommit, ok bool) {
	a := b.Attributes
	vol, err := hex.DecodeString(a[AttrVolume])
	if err != nil || len(vol) != 16 || !b.Certified {
		return c, false
	}
	copy(c.Volume[:], vol)
	if c.Seq, err = strconv.ParseUint(a[AttrSeq], 10, 64); err != nil || c.Seq == 0 {
		return c, false
	}
	off, n, found := strings.Cut(a[AttrCommit], "+")
	if !found {
		return c, false
	}
	c.Loc.Blob = b.BlobID
	if c.Loc.Off, err = strconv.ParseUint(off, 10, 64); err != nil {
		return c, false
	}
	if c.Loc.Len, err = strconv.ParseUint(n, 10, 64); err != nil || c.Loc.Len == 0 || c.Loc.Off+c.Loc.Len > b.Size {
		return c, false
	}
	if k := a[AttrKey]; k != "" {
		if c.WalletKey, err = base64.StdEncoding.DecodeString(k); err != nil {
			c.WalletKey = nil
		}
	}
	c.Writer, c.Object, c.EndEpoch = a[AttrWriter], b.ObjectID, b.EndEpoch
	if s, err := strconv.ParseInt(a[AttrActive], 10, 64); err == nil && s > 0 {
		c.Active = time.Unix(s, 0).UTC()
	}
	return c, true
}

// ChainCommits lists the commits of every volume among owner's Blob
// objects, by volume then sequence number.
func ChainCommits(ctx context.Context, c *sui.Client, owner string) ([]ChainCommit, error) {
	blobs, err := c.OwnedBlobsWithAttributes(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("listing the wallet's blobs: %w", err)
	}
	var out []ChainCommit
	for _, b := range blobs {
		if cc, ok := parseChainCommit(b); ok {
			out = append(out, cc)
		}
	}
	slices.SortFunc(out, func(a, b ChainCommit) int {
		return cmp.Or(slices.Compare(a.Volume[:], b.Volume[:]), cmp.Compare(a.Seq, b.Seq))
	})
	return out, nil
}

// LatestCommits returns the latest commit of each volume in cs (sorted as
// ChainCommits sorts).
func LatestCommits(cs []ChainCommit) []ChainCommit {
	var out []ChainCommit
	for i, c := range cs {
		if i+1 == len(cs) || cs[i+1].Volume != c.Volume {
			out = append(out, c)
		}
	}
	return out
}

// LeaseHeld reports whether c's lease says its writer's mount may still
// run at now.
func (c ChainCommit) LeaseHeld(now time.Time) bool {
	return !c.Active.IsZero() && now.Sub(c.Active) < LeaseExpiry
}

// writerID returns the data directory's writer ID, making it the first
// time.
func writerID(dataDir string) (string, error) {
	p := filepath.Join(dataDir, WriterFile)
	b, err := os.ReadFile(p)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if _, err := hex.DecodeString(id); err != nil || len(id) != 16 {
			return "", fmt.Errorf("%s: malformed writer ID", p)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var r [8]byte
	_, _ = rand.Read(r[:])
	id := hex.EncodeToString(r[:])
	if err := atomicfile.WriteFile(p, []byte(id+"\n"), &atomicfile.Options{Perm: 0o600}); err != nil {
		return "", err
	}
	return id, nil
}

// chainTree keeps a mount's commits on the chain: the attributes of new
// commit blobs, the check against forks and the lease.
type chainTree struct {
	direct    *directwrite.Store
	volume    [16]byte
	writer    string
	walletKey []byte // nil: the volume has no wallet unlock
	log       *slog.Logger
	now       func() time.Time
	// lastSeq returns the sequence number of this data directory's last
	// commit (0: none).
	lastSeq func() (uint64, error)

	mu     sync.Mutex
	leased string // the Blob object this mount set its lease on
	// notCommits holds the wallet's Blob objects whose attributes were
	// read and name no volume: attributes are set when a commit blob is
	// registered, so such a blob never becomes a commit and its attributes
	// are not read again (latest). GUARDED_BY(mu)
	notCommits map[string]bool
}

func newChainTree(dataDir string, direct *directwrite.Store, volume [16]byte, lastSeq func() (uint64, error), log *slog.Logger) (*chainTree, error) {
	w, err := writerID(dataDir)
	if err != nil {
		return nil, fmt.Errorf("writer ID: %w", err)
	}
	wk, _, err := volkey.WalletWrapped(dataDir)
	if err != nil {
		return nil, err
	}
	return &chainTree{direct: direct, volume: volume, writer: w, walletKey: wk, log: log, now: time.Now, lastSeq: lastSeq}, nil
}

// label is vfs.TreeOptions.Label.
func (t *chainTree) label(c tree.Commit, nodes, off, n uint64) map[string]string {
	a := map[string]string{
		AttrNodes:  strconv.FormatUint(nodes, 10),
		AttrVolume: hex.EncodeToString(t.volume[:]),
		AttrSeq:    strconv.FormatUint(c.Seq, 10),
		AttrCommit: fmt.Sprintf("%d+%d", off, n),
		AttrWriter: t.writer,
		AttrActive: strconv.FormatInt(t.now().Unix(), 10),
	}
	if t.walletKey != nil {
		a[AttrKey] = base64.StdEncoding.EncodeToString(t.walletKey)
	}
	return a
}

// latest returns the chain's latest commit of the volume, ok false if it
// has none. It lists the wallet's Blob objects and reads the attributes
// of those not known to be other blobs (notCommits): with many data
// blobs, a commit costs the listing and the commit blobs' attributes, not
// every blob's.
func (t *chainTree) latest(ctx context.Context) (ChainCommit, bool, error) {
	blobs, err := t.direct.Sui.OwnedBlobs(ctx, t.direct.Key.Address())
	if err != nil {
		return ChainCommit{}, false, fmt.Errorf("listing the wallet's blobs: %w", err)
	}
	t.mu.Lock()
	var ask []sui.Blob
	for _, b := range blobs {
		if !t.notCommits[b.ObjectID] {
			ask = append(ask, b)
		}
	}
	t.mu.Unlock()
	ids := make([]string, len(ask))
	for i, b := range ask {
		ids[i] = b.ObjectID
	}
	attrs, err := t.direct.Sui.BlobsAttributes(ctx, ids)
	if err != nil {
		return ChainCommit{}, false, fmt.Errorf("reading the wallet's blob attributes: %w", err)
	}
	var last ChainCommit
	found := false
	t.mu.Lock()
	defer t.mu.Unlock()
	// Forget blobs the wallet no longer owns.
	owned := make(map[string]bool, len(t.notCommits))
	for _, b := range blobs {
		if t.notCommits[b.ObjectID] {
			owned[b.ObjectID] = true
		}
	}
	t.notCommits = owned
	for i, b := range ask {
		if _, ok := attrs[i][AttrVolume]; !ok {
			t.notCommits[b.ObjectID] = true
			continue
		}
		c, ok := parseChainCommit(sui.AttributedBlob{Blob: b, Attributes: attrs[i]})
		// Of two commits with one number (a fork), another writer's
		// wins: check then refuses to commit over it.
		if ok && c.Volume == t.volume && (!found || c.Seq > last.Seq || c.Seq == last.Seq && c.Writer != t.writer) {
			last, found = c, true
		}
	}
	return last, found, nil
}

// check is vfs.TreeOptions.Check: commit seq may be written only if the
// chain has no commit of the volume at seq or later.
// A later commit of this data directory (stored, then a crash before the
// state file recorded it) is returned to build on.
func (t *chainTree) check(ctx context.Context, seq uint64) (*vfs.TreeHead, error) {
	last, ok, err := t.latest(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking the volume's latest commit on the chain: %w", err)
	}
	if !ok || last.Seq < seq {
		return nil, nil
	}
	if last.Writer == t.writer {
		return &vfs.TreeHead{Seq: last.Seq, Loc: last.Loc}, nil
	}
	return nil, fmt.Errorf("commit %d on the chain (data directory %s) is at or after this one (%d): %w", last.Seq, last.Writer, seq, ErrSuperseded)
}

// takeLease sets the lease on the volume's latest commit (at start, and
// every LeaseRefresh) unless another data directory has committed after
// this one's last commit: that is logged as an error, and this mount will
// not commit (check). A recovered data directory, whose last commit is
// the one it was recovered from, takes the lease on it.
func (t *chainTree) takeLease(ctx context.Context) error {
	last, ok, err := t.latest(ctx)
	if err != nil || !ok {
		return err
	}
	mine, err := t.lastSeq()
	if err != nil {
		return err
	}
	if last.Seq > mine && last.Writer != t.writer {
		t.log.Error("the volume's tree has a later commit from another data directory: this mount keeps working locally but does not commit", "chain_seq", last.Seq, "local_seq", mine, "writer", last.Writer)
		return nil
	}
	return t.setLease(ctx, last.Object, true)
}

func (t *chainTree) setLease(ctx context.Context, object string, on bool) error {
	ref := sui.ObjectRef{ID: object}
	var err error
	if on {
		_, err = t.direct.Chain.SetAttributes(ctx, ref, map[string]string{AttrActive: strconv.FormatInt(t.now().Unix(), 10)})
	} else {
		_, err = t.direct.Chain.SetAttributes(ctx, ref, nil, AttrActive)
	}
	if err != nil {
		return fmt.Errorf("lease on commit blob %s: %w", object, err)
	}
	if on {
		t.mu.Lock()
		t.leased = object
		t.mu.Unlock()
	}
	return nil
}

// run renews the lease until ctx ends.
func (t *chainTree) run(ctx context.Context) {
	if err := t.takeLease(ctx); err != nil && ctx.Err() == nil {
		t.log.Warn("taking the volume's lease", "err", err)
	}
	tick := time.NewTicker(LeaseRefresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := t.takeLease(ctx); err != nil && ctx.Err() == nil {
				t.log.Warn("renewing the volume's lease", "err", err)
			}
		}
	}
}

// release removes the lease (clean unmount, after the last commit).
func (t *chainTree) release(ctx context.Context) {
	last, ok, err := t.latest(ctx)
	t.mu.Lock()
	leased := t.leased
	t.mu.Unlock()
	if err != nil || !ok || last.Active.IsZero() || (last.Writer != t.writer && last.Object != leased) {
		return
	}
	if err := t.setLease(ctx, last.Object, false); err != nil {
		t.log.Warn("releasing the volume's lease", "err", err)
	}
}
