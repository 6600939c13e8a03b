// Package directwrite stores blobs on Walrus the way the official client
// does, without a publisher (protocol notes §4.6): encode; register the
// blob on Sui with the user's wallet (reserve_space + register_blob); send
// the metadata and slivers to the storage nodes of the current committee;
// collect their signed storage confirmations, verify each, aggregate a
// quorum into a certificate; certify the blob on Sui. Nothing is trusted:
// confirmations are checked against each node's on-chain BLS key and the
// expected message, and the contract checks the certificate again.
package directwrite

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/localnet/committee"
	"github.com/walrusfs/walrusfs/onchain"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
)

// Config configures a Writer.
type Config struct {
	Chain *onchain.Client
	Sui   *sui.Client
	// Committee opens the storage-node client of the committee the chain
	// names now, with its members' BLS keys and shard weights in the same
	// (committee) order, and the epoch. It is called at New and again when
	// the epoch changes: committees change only then.
	Committee func(ctx context.Context) (*committee.Client, []certificate.Member, uint32, error)
	Encoder   *rs2.Encoder
	// Epochs is how many epochs ahead new blobs are stored for.
	Epochs    uint32
	Deletable bool
	Logger    *slog.Logger
	// ConfirmRetry is the pause before asking nodes again when their
	// confirmations do not make a quorum yet (default 1 s); ConfirmTries
	// bounds the rounds (default 10).
	ConfirmRetry time.Duration
	ConfirmTries int
	// StateDir keeps the registrations not certified yet (PendingFile);
	// "" keeps them in memory only.
	StateDir string
}

// Writer stores blobs directly on the storage nodes. It implements
// walrus.Direct together with the committee client's reads.
type Writer struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	cur        *view                      // GUARDED_BY(mu): the newest committee
	registered map[blobid.ID]registration // GUARDED_BY(mu): registered, not yet certified
	timings    Timings                    // GUARDED_BY(mu)
}

// registration is a registered blob waiting for its certificate, and what
// registering it cost.
type registration struct {
	blob     onchain.Blob
	spent    onchain.Spent
	objectID string
	stale    bool // read from disk: check against the chain before use
}

// Timings add up where the time of the writes so far went.
type Timings struct {
	Blobs    int
	Bytes    int64
	Encode   time.Duration // blob ID and metadata
	Register time.Duration // Sui: reserve_space + register_blob, until checkpointed
	Upload   time.Duration // metadata and slivers to the nodes
	Confirm  time.Duration // collecting and checking confirmations
	Certify  time.Duration // Sui: certify_blob, until checkpointed
}

// Sui is the time spent on Sui transactions.
func (t Timings) Sui() time.Duration { return t.Register + t.Certify }

// Timings returns the totals of the writes so far.
func (w *Writer) Timings() Timings {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.timings
}

// New returns a Writer for the committee of the current epoch.
func New(ctx context.Context, cfg Config) (*Writer, error) {
	if cfg.Chain == nil || cfg.Sui == nil || cfg.Committee == nil || cfg.Encoder == nil {
		return nil, errors.New("directwrite: chain, Sui client, committee and encoder are required")
	}
	if cfg.ConfirmRetry <= 0 {
		cfg.ConfirmRetry = time.Second
	}
	if cfg.ConfirmTries <= 0 {
		cfg.ConfirmTries = 10
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg, err := loadPending(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	v, err := openView(ctx, cfg.Committee)
	if err != nil {
		return nil, err
	}
	return &Writer{cfg: cfg, log: log, registered: reg, cur: v}, nil
}

// Write stores data as one blob and returns its record.
func (w *Writer) Write(ctx context.Context, data []byte) (walrus.Record, error) {
	return w.WriteAttributed(ctx, data, nil)
}

// WriteAttributed is Write, and sets attrs (public, on chain) on the new
// Blob object: in the registering transaction, or, when an earlier
// attempt's registration is reused, in a transaction of its own after
// certification.
func (w *Writer) WriteAttributed(ctx context.Context, data []byte, attrs map[string]string) (walrus.Record, error) {
	var opts []rs2.PrepareOption
	if th := blobstore.ThrottleFrom(ctx); th != nil {
		opts = append(opts, rs2.WithYield(func() error { return th.Yield(ctx) }), rs2.WithJobWorkers(th.Workers()))
	}
	t0 := time.Now()
	x, err := w.cfg.Encoder.Prepare(data, opts...)
	if err != nil {
		return walrus.Record{}, fmt.Errorf("%w: %v", blobstore.ErrInvalid, err)
	}
	meta := x.Metadata()
	t1 := time.Now()
	id := meta.BlobID()
	encLen, err := w.cfg.Encoder.Params().EncodedLength(uint64(len(data)))
	if err != nil {
		return walrus.Record{}, fmt.Errorf("%w: %v", blobstore.ErrInvalid, err)
	}
	b, spent, reused, err := w.register(ctx, id, meta, encLen, attrs)
	if err != nil {
		return walrus.Record{}, err
	}
	t2 := time.Now()
	v, err := w.current(ctx)
	if err != nil {
		return walrus.Record{}, fmt.Errorf("directwrite: blob %s (registered as %s): %w", id, b.Ref.ID, err)
	}
	up, err := v.nodes.Upload(ctx, id, meta, x.Slivers)
	w.release(v)
	if err != nil {
		return walrus.Record{}, fmt.Errorf("directwrite: blob %s (registered as %s): %w", id, b.Ref.ID, err)
	}
	w.log.Debug("slivers stored", "blob", id, "shards", up.Weight)
	t3 := time.Now()
	ref, certEpoch, gas, confirm, err := w.certify(ctx, id, b)
	var abort *onchain.AbortError
	if errors.As(err, &abort) {
		// The contract refused this Blob object (expired, say): the next
		// attempt registers the blob again.
		w.mu.Lock()
		delete(w.registered, id)
		_ = w.savePending()
		w.mu.Unlock()
	}
	if err != nil {
		return walrus.Record{}, fmt.Errorf("directwrite: blob %s (registered as %s): %w", id, b.Ref.ID, err)
	}
	t4 := time.Now()
	w.mu.Lock()
	delete(w.registered, id)
	if err := w.savePending(); err != nil {
		w.log.Warn("recording a certified blob", "blob", id, "err", err)
	}
	w.timings.Blobs++
	w.timings.Bytes += int64(len(data))
	w.timings.Encode += t1.Sub(t0)
	w.timings.Register += t2.Sub(t1)
	w.timings.Upload += t3.Sub(t2)
	w.timings.Confirm += confirm
	w.timings.Certify += t4.Sub(t3) - confirm
	w.mu.Unlock()
	cost := uint64(0)
	if spent.WAL != nil && spent.WAL.IsUint64() {
		cost = spent.WAL.Uint64()
	}
	if reused && len(attrs) > 0 {
		sp, err := w.cfg.Chain.SetAttributes(ctx, ref, attrs)
		if err != nil {
			return walrus.Record{}, fmt.Errorf("directwrite: blob %s (object %s) certified, but setting its attributes: %w", id, ref.ID, err)
		}
		gas += sp.Gas
	}
	w.log.Info("blob certified", "blob", id, "object", ref.ID, "end_epoch", b.EndEpoch, "gas_mist", spent.Gas+gas)
	return walrus.Record{BlobID: id, Size: uint64(len(data)), EncodedLength: encLen, ObjectID: ref.ID,
		RegisteredEpoch: b.StartEpoch, CertifiedEpoch: certEpoch, EndEpoch: b.EndEpoch, Deletable: b.Deletable,
		Cost: cost, StoredAt: time.Now().UTC()}, nil
}

// register registers the blob, or reuses this writer's registration of
// the same blob whose upload or certification failed earlier.
func (w *Writer) register(ctx context.Context, id blobid.ID, meta *rs2.Metadata, encLen uint64, attrs map[string]string) (b onchain.Blob, spent onchain.Spent, reused bool, err error) {
	w.mu.Lock()
	r, ok := w.registered[id]
	w.mu.Unlock()
	if ok && r.stale {
		b, valid := w.refresh(ctx, r)
		w.mu.Lock()
		if valid {
			r.blob, r.stale = b, false
			w.registered[id] = r
		} else {
			delete(w.registered, id)
			_ = w.savePending()
		}
		w.mu.Unlock()
		ok = valid
	}
	if ok {
		w.log.Info("reusing the registration of an earlier attempt", "blob", id, "object", r.objectID)
		return r.blob, r.spent, true, nil
	}
	root := meta.RootHash()
	blobs, spent, err := w.cfg.Chain.Register(ctx, []onchain.NewBlob{{ID: id, Root: root, Size: meta.Length,
		EncodedSize: encLen, Deletable: w.cfg.Deletable, Attributes: attrs}}, w.cfg.Epochs)
	if err != nil {
		return onchain.Blob{}, onchain.Spent{}, false, fmt.Errorf("directwrite: registering blob %s: %w", id, err)
	}
	w.mu.Lock()
	w.registered[id] = registration{blob: blobs[0], spent: spent, objectID: blobs[0].Ref.ID}
	if err := w.savePending(); err != nil {
		w.log.Warn("recording a registration", "blob", id, "err", err)
	}
	w.mu.Unlock()
	return blobs[0], spent, false, nil
}

// certify collects confirmations for the current epoch and certifies b;
// when the epoch changes in between (the contract aborts with
// EInvalidIdEpoch, or the nodes sign another epoch), it starts over.
// It returns the new Blob ref, the certified epoch, the gas and the time
// spent collecting confirmations.
func (w *Writer) certify(ctx context.Context, id blobid.ID, b onchain.Blob) (ref sui.ObjectRef, epoch uint32, gas uint64, confirm time.Duration, err error) {
	var obj *[32]byte
	if b.Deletable {
		o, err := objectID(b.Ref.ID)
		if err != nil {
			return sui.ObjectRef{}, 0, 0, 0, err
		}
		obj = &o
	}
	var last error
	for try := 0; try < w.cfg.ConfirmTries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return sui.ObjectRef{}, 0, 0, confirm, ctx.Err()
			case <-time.After(w.cfg.ConfirmRetry):
			}
		}
		st, err := w.cfg.Sui.ReadState(ctx)
		if err != nil {
			last = err
			continue
		}
		v, err := w.current(ctx)
		if err != nil {
			last = err
			continue
		}
		msg := certificate.Message(st.Epoch, id, obj)
		tc := time.Now()
		confs := w.confirmations(ctx, v, id, obj)
		cert, rejected, err := certificate.Build(v.members, msg, confs)
		confirm += time.Since(tc)
		for _, r := range rejected {
			w.log.Warn("storage confirmation rejected", "blob", id, "node", v.nodes.Members()[r.Member].Name, "err", r.Err)
		}
		w.release(v)
		if err != nil {
			last = fmt.Errorf("confirmations for epoch %d: %w", st.Epoch, err)
			continue
		}
		newRef, spent, err := w.cfg.Chain.Certify(ctx, b, onchain.Certificate{Signature: cert.Signature, Bitmap: cert.Bitmap, Message: cert.Message})
		var abort *onchain.AbortError
		if errors.As(err, &abort) && abort.HasCode && staleEpoch(abort.Module, abort.Code) {
			w.log.Info("epoch changed before the certificate landed; asking the nodes again", "blob", id, "epoch", st.Epoch)
			last = err
			continue
		}
		if err != nil {
			return sui.ObjectRef{}, 0, 0, confirm, err
		}
		return newRef, st.Epoch, spent.Gas, confirm, nil
	}
	return sui.ObjectRef{}, 0, 0, confirm, fmt.Errorf("%w: no certificate after %d rounds: %w", blobstore.ErrUnavailable, w.cfg.ConfirmTries, last)
}

// staleEpoch reports whether certify_blob aborted because the certificate
// is for another epoch: messages::new_certified_message checks the epoch
// first (EIncorrectEpoch, 1); system_state_inner's EInvalidIdEpoch (3)
// is the same condition further on.
func staleEpoch(module string, code uint64) bool {
	return (module == "messages" && code == 1) || (module == "system_state_inner" && code == 3)
}

// confirmations asks every member at once; failures are logged and left
// out (a quorum of the others suffices).
func (w *Writer) confirmations(ctx context.Context, v *view, id blobid.ID, obj *[32]byte) map[int]certificate.Confirmation {
	members := v.nodes.Members()
	out := map[int]certificate.Confirmation{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() {
			msg, sig, err := v.nodes.Confirmation(ctx, m.URL, id, obj)
			if err != nil {
				w.log.Debug("no confirmation", "blob", id, "node", m.Name, "err", err)
				return
			}
			mu.Lock()
			out[i] = certificate.Confirmation{Message: msg, Signature: sig}
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func objectID(s string) ([32]byte, error) {
	var out [32]byte
	n, err := sui.NormalizeAddress(s)
	if err != nil {
		return out, err
	}
	_, err = hex.Decode(out[:], []byte(n[2:]))
	return out, err
}
