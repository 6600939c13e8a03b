package node

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// This file is the chain mode of a node (Options.Registry set): the node
// acts as a storage node of a Walrus network whose blobs are registered
// on Sui, as crates/walrus-service/src/node.rs does:
//
//   - PUT metadata or a sliver of a blob that is not registered (or whose
//     registration has expired) is refused with 400 FAILED_PRECONDITION,
//     reason NOT_REGISTERED. With ?pending=true the node verifies it and
//     buffers it in memory (202 "... buffered pending registration") for a
//     bounded time and size (PendingLimits); a sliver can be buffered only
//     after the blob's metadata is (else METADATA_NOT_FOUND). Buffered
//     uploads are written to disk as soon as the registration is seen:
//     checked on every request that names the blob and by a poll while
//     the node serves (Serve).
//   - GET .../confirmation/permanent and .../confirmation/deletable/{object}
//     sign a storage confirmation (Confirmer) with the registry's current
//     epoch, once the blob is registered (NOT_REGISTERED otherwise) and
//     the node stores the metadata and both slivers of every shard it
//     holds (MISSING_SLIVERS otherwise). A deletable confirmation needs
//     the object among the registration's Blob objects (NOT_REGISTERED
//     otherwise). As in Walrus, the permanent endpoint checks only that
//     the blob ID is registered, not that a permanent Blob object exists:
//     the contract checks the kind when the certificate is used.
//     ?wait_for_registration=true&wait_millis=N long-polls (at most
//     ConfirmationMaxWait) for a registration not seen yet, but only if
//     uploads of the blob are buffered, as Walrus does.
//   - GET .../status reports the registration; GET /v1/health the epoch
//     and the BLS public key.
//
// Known differences from a Walrus node: a sliver PUT without
// ?pending=true for an unregistered blob whose metadata is buffered is
// refused (NOT_REGISTERED) where Walrus buffers it; data of an expired
// blob stays on disk (Walrus deletes it) but further uploads of it are
// refused; unknown query parameters are ignored (Walrus answers 400);
// statusEvent in the blob status is null; epochs change only through the
// Registry and shards never move.

// Registration is a blob's registration on Sui as a node sees it.
type Registration struct {
	// ObjectIDs are the live Blob objects registering the blob ID.
	ObjectIDs [][32]byte
	// Deletable and Permanent say whether deletable and permanent Blob
	// objects exist among them.
	Deletable, Permanent bool
	// EndEpoch is the first epoch at which the storage has expired: the
	// registration holds while the current epoch is below it.
	EndEpoch uint32
	// Certified is true once the blob is certified, in CertifiedEpoch.
	Certified      bool
	CertifiedEpoch uint32
}

// Registry is the node's view of the chain.
type Registry interface {
	// Registered returns the registration of id; ok is false if the blob
	// ID has no live Blob object.
	Registered(ctx context.Context, id blobid.ID) (reg Registration, ok bool, err error)
	// Epoch is the current epoch.
	Epoch() uint32
}

// Confirmer signs storage confirmations with the node's BLS protocol key:
// message is the BCS ProtocolMessage (intent 01 00 03, epoch u32 LE, blob
// ID, 00 or 01 || object ID) and signature its BLS12-381 min-pk signature
// (96 bytes). deletable is the Blob object of a deletable blob, nil for a
// permanent one.
type Confirmer interface {
	Confirm(epoch uint32, id blobid.ID, deletable *[32]byte) (message, signature []byte, err error)
}

// chain is the state of the chain mode.
type chain struct {
	reg     Registry
	conf    Confirmer
	pubKey  []byte
	pend    *pendingBuf
	maxWait time.Duration
	poll    time.Duration
	flushMu sync.Mutex // serializes flushes of the pending buffer
	started time.Time
}

func newChain(o Options) *chain {
	if o.Registry == nil {
		return nil
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	c := &chain{reg: o.Registry, conf: o.Confirmer, pubKey: slices.Clone(o.PublicKey),
		pend: newPendingBuf(o.Pending, now), maxWait: o.ConfirmationMaxWait, poll: o.PollInterval, started: time.Now()}
	if c.maxWait == 0 {
		c.maxWait = 5 * time.Second
	}
	if c.poll <= 0 {
		c.poll = 200 * time.Millisecond
	}
	return c
}

// errNotRegistered is the refusal of Walrus for a blob that is not
// registered or has expired (StoreMetadataError, StoreSliverError and
// ComputeStorageConfirmationError::NotCurrentlyRegistered).
var errNotRegistered = &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "NOT_REGISTERED",
	Msg: "the blob has not been registered or has already expired"}

func notRegistered(id blobid.ID) *Error {
	e := *errNotRegistered
	e.Msg = fmt.Sprintf("blob %s: %s", id, e.Msg)
	return &e
}

func errMissingMetadata(id blobid.ID) *Error {
	return &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "METADATA_NOT_FOUND",
		Msg: fmt.Sprintf("blob %s: blob metadata is required but missing", id)}
}

func errMissingSlivers(id blobid.ID, what string) *Error {
	return &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "MISSING_SLIVERS",
		Msg: fmt.Sprintf("blob %s: the required slivers are not all stored (%s)", id, what)}
}

// registryError is a failure to ask the chain.
func registryError(id blobid.ID, err error) *Error {
	return &Error{Code: 503, Status: "UNAVAILABLE", Reason: "UNAVAILABLE",
		Msg: fmt.Sprintf("blob %s: reading the registration: %v", id, err)}
}

// registered returns the registration of id if it holds in the current
// epoch.
func (c *chain) registered(ctx context.Context, id blobid.ID) (Registration, bool, error) {
	reg, ok, err := c.reg.Registered(ctx, id)
	if err != nil {
		return Registration{}, false, registryError(id, err)
	}
	if !ok || reg.EndEpoch <= c.reg.Epoch() {
		return Registration{}, false, nil
	}
	return reg, true, nil
}

// flushPending writes what is buffered for id to disk if the blob is now
// registered. A request that finds a flush of id under way waits for it,
// so that it sees the flushed data.
func (n *Node) flushPending(ctx context.Context, id blobid.ID) error {
	c := n.chain
	if !c.pend.busy(id) {
		return nil
	}
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	if _, ok := c.pend.meta(id); !ok {
		return nil // flushed or expired meanwhile
	}
	if _, ok, err := c.registered(ctx, id); err != nil || !ok {
		return err
	}
	b := c.pend.take(id)
	if b == nil {
		return nil
	}
	defer c.pend.done(id)
	if _, err := n.PutMetadata(id, b.meta); err != nil {
		return fmt.Errorf("blob %s: writing buffered metadata: %w", id, err)
	}
	for k, body := range b.slivers {
		if _, err := n.PutSliver(id, b.m, k.pair, k.t, body); err != nil {
			return fmt.Errorf("blob %s: writing buffered %s sliver of pair %d: %w", id, k.t, k.pair, err)
		}
	}
	n.log.Debug("buffered upload written after its registration", "blob", id, "slivers", len(b.slivers))
	return nil
}

// pollPending flushes the buffered blobs that got registered and drops
// expired ones, every poll interval until ctx is done.
func (n *Node) pollPending(ctx context.Context) {
	t := time.NewTicker(n.chain.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, id := range n.chain.pend.ids() {
			if err := n.flushPending(ctx, id); err != nil && ctx.Err() == nil {
				n.log.Warn("writing a buffered upload failed", "blob", id, "err", err)
			}
		}
	}
}

// FullyStored reports whether the node stores valid metadata of id and
// both slivers of every shard it holds (unchecked), the condition of
// Walrus for signing a storage confirmation (is_stored_at_all_shards).
// what names the first missing piece.
func (n *Node) FullyStored(id blobid.ID) (ok bool, what string, err error) {
	if _, err := n.Metadata(id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return false, "no metadata", nil
		}
		return false, "", err
	}
	for _, k := range n.shards {
		pair := rs2.ShardPair(id, k, n.n)
		for _, t := range []rs2.SliverType{rs2.Primary, rs2.Secondary} {
			_, err := os.Stat(n.sliverPath(id, k, t))
			if errors.Is(err, os.ErrNotExist) {
				return false, fmt.Sprintf("no %s sliver of pair %d (shard %d)", t, pair, k), nil
			}
			if err != nil {
				return false, "", err
			}
		}
	}
	return true, "", nil
}

// Confirm returns the signed storage confirmation of id (deletable: its
// Blob object, nil for permanent), or the *Error Walrus would answer.
func (n *Node) Confirm(ctx context.Context, id blobid.ID, deletable *[32]byte) (message, signature []byte, err error) {
	c := n.chain
	if c == nil {
		return nil, nil, notFound("blob %s: this node has no chain and signs no confirmations", id)
	}
	reg, ok, err := c.registered(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, notRegistered(id)
	}
	if err := n.flushPending(ctx, id); err != nil {
		return nil, nil, err
	}
	full, what, err := n.FullyStored(id)
	if err != nil {
		return nil, nil, err
	}
	if !full {
		return nil, nil, errMissingSlivers(id, what)
	}
	if deletable != nil && !slices.Contains(reg.ObjectIDs, *deletable) {
		e := notRegistered(id)
		e.Msg = fmt.Sprintf("blob %s: object 0x%x is not a registered Blob object of it: %s", id, deletable[:], errNotRegistered.Msg)
		return nil, nil, e
	}
	if c.conf == nil {
		return nil, nil, &Error{Code: 500, Status: "INTERNAL", Reason: "INTERNAL_ERROR", Msg: "this node has no protocol key to sign with"}
	}
	msg, sig, err := c.conf.Confirm(c.reg.Epoch(), id, deletable)
	if err != nil {
		return nil, nil, fmt.Errorf("blob %s: signing the confirmation: %w", id, err)
	}
	return msg, sig, nil
}

// SignedMessage is the data of a confirmation answer,
// {"signed":{"serializedMessage":"<base64>","signature":"<base64>"}}
// (walrus-core StorageConfirmation::Signed; both fields standard base64).
type SignedMessage struct {
	Signed struct {
		SerializedMessage string `json:"serializedMessage"`
		Signature         string `json:"signature"`
	} `json:"signed"`
}

// parseBoolQuery reads an optional boolean query parameter as serde does
// ("true" or "false").
func parseBoolQuery(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, badRequest("query parameter %s=%q: want true or false", name, v)
	}
}

// parseObjectID parses a Sui object ID: 0x and up to 64 hex digits
// (shorter ones are left-padded, as Sui does), or 64 hex digits.
func parseObjectID(s string) ([32]byte, error) {
	var out [32]byte
	h, had := strings.CutPrefix(strings.ToLower(s), "0x")
	if h == "" || len(h) > 64 || (!had && len(h) != 64) {
		return out, badRequest("object ID %q: want 0x and up to 64 hex digits", s)
	}
	b, err := hex.DecodeString(strings.Repeat("0", 64-len(h)) + h)
	if err != nil {
		return out, badRequest("object ID %q: want 0x and up to 64 hex digits", s)
	}
	copy(out[:], b)
	return out, nil
}

func (n *Node) getConfirmation(w http.ResponseWriter, r *http.Request) {
	if n.chain == nil {
		writeError(w, notFound("no such endpoint: %s %s (this node has no chain)", r.Method, r.URL.Path))
		return
	}
	id, err := parseID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var obj *[32]byte
	if s := r.PathValue("object"); s != "" {
		o, err := parseObjectID(s)
		if err != nil {
			writeError(w, err)
			return
		}
		obj = &o
	}
	wait, err := parseBoolQuery(r, "wait_for_registration")
	if err != nil {
		writeError(w, err)
		return
	}
	waitFor := n.chain.maxWait
	if s := r.URL.Query().Get("wait_millis"); s != "" {
		ms, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			writeError(w, badRequest("query parameter wait_millis=%q: want a number of milliseconds", s))
			return
		}
		waitFor = min(waitFor, time.Duration(min(ms, uint64(1<<40)))*time.Millisecond)
	}
	msg, sig, err := n.Confirm(r.Context(), id, obj)
	if isNotRegistered(err) && wait && waitFor > 0 && n.chain.pend.busy(id) {
		if n.waitRegistered(r.Context(), id, waitFor) {
			msg, sig, err = n.Confirm(r.Context(), id, obj)
		}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	var out SignedMessage
	out.Signed.SerializedMessage = base64.StdEncoding.EncodeToString(msg)
	out.Signed.Signature = base64.StdEncoding.EncodeToString(sig)
	writeJSON(w, 200, out)
}

func isNotRegistered(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == "NOT_REGISTERED"
}

// waitRegistered polls the registry until id is registered or d passes.
func (n *Node) waitRegistered(ctx context.Context, id blobid.ID, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t := time.NewTicker(min(n.chain.poll, 50*time.Millisecond))
	defer t.Stop()
	for {
		if _, ok, err := n.chain.registered(ctx, id); err == nil && ok {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// putMetadataChain stores or buffers checked metadata in chain mode and
// returns the HTTP code and message of the answer.
func (n *Node) putMetadataChain(ctx context.Context, id blobid.ID, body []byte, m *rs2.Metadata, pending bool) (int, string, error) {
	c := n.chain
	if err := n.flushPending(ctx, id); err != nil {
		return 0, "", err
	}
	_, ok, err := c.registered(ctx, id)
	if err != nil {
		return 0, "", err
	}
	if ok {
		created, err := n.PutMetadata(id, body)
		switch {
		case err != nil:
			return 0, "", err
		case created:
			return 201, "metadata stored", nil
		default:
			return 200, "metadata already stored", nil
		}
	}
	if !pending {
		return 0, "", notRegistered(id)
	}
	inserted, err := c.pend.putMeta(id, body, m)
	if err != nil {
		return 0, "", err
	}
	// The registration may have arrived since it was checked.
	if err := n.flushPending(ctx, id); err != nil {
		return 0, "", err
	}
	if !inserted {
		return 200, "metadata already stored", nil
	}
	return 202, "metadata buffered pending registration", nil
}

// putSliverChain is putSliver in chain mode.
func (n *Node) putSliverChain(w http.ResponseWriter, r *http.Request, id blobid.ID, pair int, t rs2.SliverType) (int, string, error) {
	c := n.chain
	pending, err := parseBoolQuery(r, "pending")
	if err != nil {
		return 0, "", err
	}
	ctx := r.Context()
	if err := n.flushPending(ctx, id); err != nil {
		return 0, "", err
	}
	_, ok, err := c.registered(ctx, id)
	if err != nil {
		return 0, "", err
	}
	if ok {
		return n.putSliverStored(w, r, id, pair, t)
	}
	m, buffered := c.pend.meta(id)
	switch {
	case !pending:
		return 0, "", notRegistered(id)
	case !buffered:
		return 0, "", errMissingMetadata(id)
	}
	limit, err := n.MaxSliverBody(m, t)
	if err != nil {
		return 0, "", err
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return 0, "", err
	}
	if err := n.CheckSliver(id, m, pair, t, body); err != nil {
		return 0, "", err
	}
	inserted, err := c.pend.putSliver(id, pair, t, body)
	if err != nil {
		return 0, "", err
	}
	if err := n.flushPending(ctx, id); err != nil {
		return 0, "", err
	}
	if !inserted {
		return 200, "sliver already stored", nil
	}
	return 202, "sliver buffered pending registration", nil
}

// blobStatusChain answers GET .../status from the registration, as
// BlobInfo::to_blob_status does: "nonexistent" when not registered or
// expired, else permanent (endEpoch, isCertified, deletableCounts,
// initialCertifiedEpoch) or deletable. statusEvent (the Sui event behind
// the status) is not known here and is null. The deletable counts are
// derived from the Blob objects: all of them for a deletable-only blob,
// all but one when a permanent object exists too.
func (n *Node) blobStatusChain(ctx context.Context, id blobid.ID) (any, error) {
	if err := n.flushPending(ctx, id); err != nil {
		return nil, err
	}
	reg, ok, err := n.chain.registered(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return "nonexistent", nil
	}
	var certEpoch *uint32
	if reg.Certified {
		certEpoch = &reg.CertifiedEpoch
	}
	del := 0
	if reg.Deletable {
		del = len(reg.ObjectIDs)
		if reg.Permanent {
			del = max(del-1, 1)
		}
	}
	delCert := 0
	if reg.Certified && !reg.Permanent {
		delCert = del
	}
	counts := map[string]int{"count_deletable_total": del, "count_deletable_certified": delCert}
	if reg.Permanent {
		return map[string]any{"permanent": map[string]any{
			"endEpoch": reg.EndEpoch, "isCertified": reg.Certified, "statusEvent": nil,
			"deletableCounts": counts, "initialCertifiedEpoch": certEpoch,
		}}, nil
	}
	return map[string]any{"deletable": map[string]any{
		"initialCertifiedEpoch": certEpoch, "deletableCounts": counts,
	}}, nil
}

// servable refuses, in chain mode, to serve a blob that is not registered
// in the current epoch (expired, deleted or never registered), as a Walrus
// node that has dropped its data does: 404.
func (n *Node) servable(ctx context.Context, id blobid.ID) error {
	if n.chain == nil {
		return nil
	}
	_, ok, err := n.chain.registered(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("blob %s is not stored here: it expired, was deleted or was never registered", id)
	}
	return nil
}
