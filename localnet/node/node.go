package node

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/rs2"
)

// Options configure a Node.
type Options struct {
	// NShards is the number of shards of the whole network (required).
	NShards int
	// Shards are the shards this node holds (required, each < NShards).
	Shards []int
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// NoSync skips fsync. Only for tests and benchmarks that measure CPU
	// paths; a node without fsync is not durable.
	NoSync bool

	// Registry makes the node behave as a storage node of a Walrus
	// network on Sui (see chain.go): uploads are accepted only for
	// registered blobs (or buffered with ?pending=true), blob status and
	// health report the chain's view, and storage confirmations are
	// served. nil is the embedded mode without a chain, where all of this
	// is off.
	Registry Registry
	// Confirmer signs storage confirmations (the node's BLS protocol
	// key). With a Registry but no Confirmer, confirmation requests fail
	// with 500.
	Confirmer Confirmer
	// PublicKey is the node's BLS12-381 protocol public key (48 bytes),
	// reported by GET /v1/health as standard base64, as fastcrypto
	// serializes it in JSON.
	PublicKey []byte
	// Pending bounds the buffer of uploads sent with ?pending=true before
	// their registration is seen; zero fields mean the defaults of a
	// Walrus node (60 s, 1 GiB, 1024 blobs, 4 MiB per sliver).
	Pending PendingLimits
	// ConfirmationMaxWait caps the long poll of
	// GET .../confirmation/...?wait_for_registration=true (default 5 s,
	// as Walrus; negative disables it).
	ConfirmationMaxWait time.Duration
	// PollInterval is how often a serving node checks the registration
	// of buffered uploads and drops expired ones (default 200 ms).
	PollInterval time.Duration
	// Now is the clock of the pending buffer (default time.Now).
	Now func() time.Time
}

// Node stores the metadata and slivers of the shards it holds under one
// directory. It is safe for concurrent use: every file is replaced
// atomically, so concurrent writers of the same file leave one complete
// version (both are verified, so both are correct). Only the buffer of
// uploads pending registration (chain mode) has a mutex.
type Node struct {
	dir    string
	n      int
	shards []int
	holds  []bool // holds[k]: shard k is ours; read-only after Open
	enc    *rs2.Encoder
	log    *slog.Logger
	sync   bool
	chain  *chain // nil in the embedded mode
}

// Open opens (creating if needed) the node directory dir.
func Open(dir string, o Options) (*Node, error) {
	enc, err := rs2.NewEncoder(o.NShards)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if len(o.Shards) == 0 {
		return nil, errors.New("node: no shards given")
	}
	holds := make([]bool, o.NShards)
	for _, k := range o.Shards {
		if k < 0 || k >= o.NShards {
			return nil, fmt.Errorf("node: shard %d out of range for %d shards", k, o.NShards)
		}
		holds[k] = true
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, sub := range []string{"metadata", "shards"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("node: %w", err)
		}
	}
	if err := removeTemps(dir); err != nil {
		return nil, fmt.Errorf("node: removing temporary files: %w", err)
	}
	shards := slices.Clone(o.Shards)
	slices.Sort(shards)
	nd := &Node{dir: dir, n: o.NShards, shards: slices.Compact(shards), holds: holds, enc: enc, log: log, sync: !o.NoSync}
	nd.chain = newChain(o)
	return nd, nil
}

// NShards is the shard count of the network.
func (n *Node) NShards() int { return n.n }

// Shards returns the sorted shards this node holds.
func (n *Node) Shards() []int { return slices.Clone(n.shards) }

// Holds reports whether the node holds shard k.
func (n *Node) Holds(k int) bool { return k >= 0 && k < n.n && n.holds[k] }

// Error is a request failure with the HTTP code and AIP-193 status it maps
// to. The node's methods return *Error for everything the caller did wrong.
type Error struct {
	Code   int
	Status string
	Msg    string
	// Reason is the machine-readable reason of the Walrus API
	// (ErrorInfo.reason, e.g. "NOT_REGISTERED"); empty for errors that
	// only walrusfs gives.
	Reason string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, args ...any) *Error {
	return &Error{Code: 400, Status: "INVALID_ARGUMENT", Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Code: 404, Status: "NOT_FOUND", Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound is matched by errors.Is for every 404 *Error.
var ErrNotFound = errors.New("not found")

// Is makes errors.Is(err, ErrNotFound) work for 404 errors.
func (e *Error) Is(target error) bool { return target == ErrNotFound && e.Code == 404 }

func (n *Node) metaPath(id blobid.ID) string {
	return filepath.Join(n.dir, "metadata", id.String())
}

func (n *Node) sliverPath(id blobid.ID, shard int, t rs2.SliverType) string {
	return filepath.Join(n.dir, "shards", strconv.Itoa(shard), id.String()+"."+t.String())
}

// MaxMetadataBody is the largest valid BCS BlobMetadata for n shards.
func MaxMetadataBody(n int) int64 { return 1 + 1 + 8 + 5 + int64(n)*66 }

// MaxSliverBody is the largest valid BCS SliverData of type t for blobs
// described by m.
func (n *Node) MaxSliverBody(m *rs2.Metadata, t rs2.SliverType) (int64, error) {
	p := n.enc.Params()
	ss, err := p.SymbolSize(m.Length)
	if err != nil {
		return 0, err
	}
	l := p.PrimarySliverLen(ss)
	if t == rs2.Secondary {
		l = p.SecondarySliverLen(ss)
	}
	return int64(l) + 5 + 4, nil
}

// Metadata returns the stored metadata of id, checked against the ID. A
// stored file that does not check (a corrupted disk) is reported as not
// found, with a warning, so that a correct copy can replace it.
func (n *Node) Metadata(id blobid.ID) (*rs2.Metadata, error) {
	b, err := os.ReadFile(n.metaPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("blob %s: no metadata stored", id)
	}
	if err != nil {
		return nil, err
	}
	m, err := rs2.UnmarshalMetadata(b)
	if err == nil {
		err = m.Check(id, n.n)
	}
	if err != nil {
		n.log.Warn("stored metadata is corrupt", "blob", id, "err", err)
		return nil, notFound("blob %s: stored metadata is corrupt", id)
	}
	return m, nil
}

// RawMetadata returns the stored BCS BlobMetadata bytes of id as they are
// on disk, without checking them: readers check.
func (n *Node) RawMetadata(id blobid.ID) ([]byte, error) {
	b, err := os.ReadFile(n.metaPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("blob %s: no metadata stored", id)
	}
	return b, err
}

// PutMetadata stores BCS BlobMetadata body for id after checking that it
// hashes to id. created is false if an identical valid copy was stored.
func (n *Node) PutMetadata(id blobid.ID, body []byte) (created bool, err error) {
	if _, err := n.CheckMetadata(id, body); err != nil {
		return false, err
	}
	// Registration (chain mode) is checked by the handler before this.
	if old, err := os.ReadFile(n.metaPath(id)); err == nil && bytes.Equal(old, body) {
		return false, nil
	}
	if err := writeFileAtomic(n.metaPath(id), body, n.sync); err != nil {
		return false, fmt.Errorf("storing metadata of %s: %w", id, err)
	}
	return true, nil
}

// CheckMetadata parses BCS BlobMetadata body and checks that it hashes
// to id.
func (n *Node) CheckMetadata(id blobid.ID, body []byte) (*rs2.Metadata, error) {
	m, err := rs2.UnmarshalMetadata(body)
	if err == nil {
		err = m.Check(id, n.n)
	}
	if err != nil {
		return nil, &Error{Code: 400, Status: "INVALID_ARGUMENT", Reason: "INVALID_METADATA", Msg: fmt.Sprintf("blob %s: %v", id, err)}
	}
	return m, nil
}

// CheckPair validates a pair index and that this node holds its shard for
// blob id; it returns the shard.
func (n *Node) CheckPair(id blobid.ID, pair int) (int, error) {
	if pair < 0 || pair >= n.n {
		return 0, badRequest("sliver pair index %d out of range 0-%d", pair, n.n-1)
	}
	shard := rs2.PairShard(id, pair, n.n)
	if !n.holds[shard] {
		return 0, &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "SHARD_NOT_ASSIGNED", Msg: fmt.Sprintf(
			"wrong shard: pair %d of blob %s is on shard %d, which this node does not hold (it holds %s)",
			pair, id, shard, FormatShardList(n.shards))}
	}
	return shard, nil
}

// Sliver returns the stored BCS SliverData of (id, pair, t), unchecked.
func (n *Node) Sliver(id blobid.ID, pair int, t rs2.SliverType) ([]byte, error) {
	shard, err := n.CheckPair(id, pair)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(n.sliverPath(id, shard, t))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("blob %s: %s sliver of pair %d not stored", id, t, pair)
	}
	return b, err
}

// OpenSliver opens the stored BCS SliverData of (id, pair, t),
// unchecked, for streaming; it returns the open file and its size. The
// caller closes the file.
func (n *Node) OpenSliver(id blobid.ID, pair int, t rs2.SliverType) (*os.File, int64, error) {
	shard, err := n.CheckPair(id, pair)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(n.sliverPath(id, shard, t))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, notFound("blob %s: %s sliver of pair %d not stored", id, t, pair)
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// HasSliver reports whether the sliver file exists (unchecked).
func (n *Node) HasSliver(id blobid.ID, pair int, t rs2.SliverType) (bool, error) {
	shard, err := n.CheckPair(id, pair)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(n.sliverPath(id, shard, t))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// PutSliver stores BCS SliverData body as the t sliver of pair for blob
// id, with m the blob's stored metadata. The sliver must belong to the
// pair (primary index = pair, secondary index = n-1-pair) and verify
// against m. created is false if an identical copy was already stored; a
// different stored copy (corrupt) is replaced.
func (n *Node) PutSliver(id blobid.ID, m *rs2.Metadata, pair int, t rs2.SliverType, body []byte) (created bool, err error) {
	shard, leaves, err := n.checkSliver(id, m, pair, t, body)
	if err != nil {
		return false, err
	}
	path := n.sliverPath(id, shard, t)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, body) {
		// Already stored: its leaves may be missing (stored before they
		// existed, or lost).
		if have, err := os.ReadFile(path + leavesSuffix); err != nil || !bytes.Equal(have, leaves) {
			n.storeLeaves(path, leaves)
		}
		return false, nil
	}
	if err := writeFileAtomic(path, body, n.sync); err != nil {
		return false, fmt.Errorf("storing %s sliver %d of %s: %w", t, pair, id, err)
	}
	n.storeLeaves(path, leaves)
	return true, nil
}

// CheckSliver verifies BCS SliverData body as the t sliver of pair for
// blob id against its metadata m, as PutSliver does, without storing it.
func (n *Node) CheckSliver(id blobid.ID, m *rs2.Metadata, pair int, t rs2.SliverType, body []byte) error {
	_, _, err := n.checkSliver(id, m, pair, t, body)
	return err
}

// checkSliver verifies a sliver and returns its shard and repair leaves.
func (n *Node) checkSliver(id blobid.ID, m *rs2.Metadata, pair int, t rs2.SliverType, body []byte) (shard int, leaves []byte, err error) {
	shard, err = n.CheckPair(id, pair)
	if err != nil {
		return 0, nil, err
	}
	s, err := rs2.UnmarshalSliver(t, body)
	if err != nil {
		return 0, nil, &Error{Code: 400, Status: "INVALID_ARGUMENT", Reason: "INVALID_SLIVER", Msg: fmt.Sprintf("blob %s pair %d: %v", id, pair, err)}
	}
	if got := s.PairIndex(n.n); got != pair {
		return 0, nil, &Error{Code: 400, Status: "INVALID_ARGUMENT", Reason: "SLIVER_INDEX_MISMATCH",
			Msg: fmt.Sprintf("blob %s: %s sliver index %d belongs to pair %d, not %d", id, t, s.Index, got, pair)}
	}
	leaves, err = n.enc.RepairLeaves(m, s)
	if err != nil {
		return 0, nil, &Error{Code: 400, Status: "INVALID_ARGUMENT", Reason: "INVALID_SLIVER", Msg: fmt.Sprintf("blob %s pair %d: %v", id, pair, err)}
	}
	return shard, leaves, nil
}

// leavesSuffix names the file of a sliver's repair leaves (see
// SliverLeaves): <sliver file><leavesSuffix>.
const leavesSuffix = ".leaves"

// storeLeaves keeps the repair leaves of the sliver stored at path, a
// hint for readers (see SliverLeaves). It is written after the sliver and
// without fsync or atomic rename: a missing, partial or stale file only
// makes readers verify the sliver the long way, so a failure is logged
// and otherwise ignored.
func (n *Node) storeLeaves(path string, leaves []byte) {
	if err := os.WriteFile(path+leavesSuffix, leaves, 0o644); err != nil {
		n.log.Warn("cannot store the repair leaves of a sliver; readers will verify it in full", "path", path, "err", err)
	}
}

// SliverLeaves returns the stored repair leaves of (id, pair, t): the
// Merkle leaf hashes of the symbols the sliver's code adds to it
// (rs2.Encoder.RepairLeaves), computed when the sliver was accepted.
// They are unchecked: a reader uses them as a Merkle proof
// (rs2.Encoder.VerifySliverHinted), which a wrong hint fails, never
// as a substitute for verification. A walrusfs extension.
func (n *Node) SliverLeaves(id blobid.ID, pair int, t rs2.SliverType) ([]byte, error) {
	shard, err := n.CheckPair(id, pair)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(n.sliverPath(id, shard, t) + leavesSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("blob %s: no repair leaves of the %s sliver of pair %d", id, t, pair)
	}
	return b, err
}

// Delete removes everything stored for id. found is false if nothing was.
// This is a walrusfs extension: Walrus nodes drop data when the blob's
// storage expires or its deletable Blob object is deleted on Sui.
func (n *Node) Delete(id blobid.ID) (found bool, err error) {
	var dirs []string
	for _, k := range n.shards {
		for _, t := range []rs2.SliverType{rs2.Primary, rs2.Secondary} {
			p := n.sliverPath(id, k, t)
			if err := os.Remove(p + leavesSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return found, err
			}
			if err := os.Remove(p); err == nil {
				found = true
				dirs = append(dirs, filepath.Dir(p))
			} else if !errors.Is(err, fs.ErrNotExist) {
				return found, err
			}
		}
	}
	if err := os.Remove(n.metaPath(id)); err == nil {
		found = true
		dirs = append(dirs, filepath.Dir(n.metaPath(id)))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return found, err
	}
	if n.sync {
		for _, d := range slices.Compact(dirs) {
			if err := atomicfile.SyncDir(d); err != nil {
				return found, err
			}
		}
	}
	return found, nil
}

// ListEntry is one blob in a node's listing.
type ListEntry struct {
	BlobID blobid.ID `json:"blobId"`
	// Size is the unencoded length from the stored metadata, or -1 when
	// the stored metadata does not check.
	Size int64 `json:"size"`
}

// List calls fn for every blob whose metadata file is present.
func (n *Node) List(fn func(ListEntry) error) error {
	ents, err := os.ReadDir(filepath.Join(n.dir, "metadata"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		id, err := blobid.Parse(e.Name())
		if err != nil {
			continue // temporary or foreign file
		}
		le := ListEntry{BlobID: id, Size: -1}
		if m, err := n.Metadata(id); err == nil {
			le.Size = int64(m.Length)
		}
		if err := fn(le); err != nil {
			return err
		}
	}
	return nil
}
