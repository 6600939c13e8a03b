package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/sui"
)

// Defaults of the epoch watcher.
const (
	DefaultExpiryWarn    = 2                // epochs before an end epoch to warn
	DefaultEpochInterval = 10 * time.Minute // how often Sui is read
)

// epochWatcher reads the network's epoch from Sui at start and every
// interval (failures are logged, never fatal), warns once per blob in the
// log when a blob the mount uses ends within warn epochs, and answers the
// expiry questions of status from the walrus store's record (the store
// itself answers user.walrus.end_epoch: blobstore.EpochReporter).
type epochWatcher struct {
	log    *slog.Logger
	store  *walrus.Store
	idx    *index.Index
	client *sui.Client // nil: no Sui network known (URL-only deployment)
	warn   uint32
	// renew, if set (a wallet), runs a renewal pass; the watcher runs it
	// at the first poll and whenever the epoch changes.
	renew func(context.Context) (control.RenewResult, error)

	mu     sync.Mutex
	state  *sui.State           // GUARDED_BY(mu); nil until read
	readAt time.Time            // GUARDED_BY(mu)
	err    string               // GUARDED_BY(mu)
	warned map[blobid.ID]uint32 // GUARDED_BY(mu); end epoch warned about
	// renewErr, if set, gives the last renewal failure.
	renewErr func() string
}

// run polls until ctx ends.
func (w *epochWatcher) run(ctx context.Context, interval time.Duration) {
	if w.client == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll reads the state once and logs expiry warnings.
func (w *epochWatcher) poll(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	st, err := w.client.ReadState(rctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	if err != nil {
		w.err = err.Error()
		w.mu.Unlock()
		w.log.Warn("reading the current epoch from Sui failed (expiry warnings wait for the next try)", "err", err)
		return
	}
	first := w.state == nil || w.state.Epoch != st.Epoch
	w.state, w.readAt, w.err = &st, time.Now(), ""
	w.mu.Unlock()
	if first {
		w.log.Info("current Walrus epoch", "epoch", st.Epoch, "epoch_duration", st.EpochDuration)
		if w.renew != nil {
			w.renewNow(ctx)
		}
	}
	for _, r := range w.store.Expiring(st.Epoch, w.warn) {
		if n, err := w.idx.BlobRefs(ctx, r.BlobID); err != nil || n == 0 {
			continue
		}
		w.mu.Lock()
		done := w.warned[r.BlobID] == r.EndEpoch
		w.warned[r.BlobID] = r.EndEpoch
		w.mu.Unlock()
		if !done {
			w.log.Warn("a blob the mount uses expires soon: extend it or rewrite its files", "blob", r.BlobID.String(),
				"end_epoch", r.EndEpoch, "current_epoch", st.Epoch, "ends_at", st.EpochStart(r.EndEpoch, time.Now()).Format(time.RFC3339))
		}
	}
}

// renewNow runs a renewal pass and logs what it did.
func (w *epochWatcher) renewNow(ctx context.Context) {
	res, err := w.renew(ctx)
	if err != nil {
		w.log.Error("renewing the blobs in use failed; files expire at their blobs' end epoch unless it succeeds", "err", err)
	}
	if len(res.Renewed) > 0 {
		w.log.Info("renewed blobs in use", "blobs", len(res.Renewed), "wal_frost", res.WALFROST, "gas_mist", res.GasMIST)
	}
	if len(res.Lost) > 0 {
		w.log.Error("blobs in use have expired: their files cannot be read", "blobs", res.Lost)
	}
}

// status summarises the expiry of the blobs in use.
func (w *epochWatcher) status(ctx context.Context) *control.StatusExpiry {
	w.mu.Lock()
	s := &control.StatusExpiry{WarnEpochs: w.warn, EpochReadAt: w.readAt, EpochError: w.err}
	if w.renewErr != nil {
		s.RenewError = w.renewErr()
	}
	st := w.state
	w.mu.Unlock()
	if st != nil {
		s.Epoch = st.Epoch
	}
	for _, r := range w.store.Records() { // by end epoch
		if n, err := w.idx.BlobRefs(ctx, r.BlobID); err != nil || n == 0 {
			continue
		}
		if s.Blobs == 0 {
			s.Earliest = r.EndEpoch
		}
		s.Blobs++
		if st != nil && r.EndEpoch <= st.Epoch+w.warn {
			s.Expiring++
		}
	}
	if st != nil && s.Blobs > 0 {
		s.EarliestTime = st.EpochStart(s.Earliest, time.Now()).UTC()
	}
	return s
}
