package fs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/sui"
)

// Defaults of the epoch watcher.
const (
	DefaultExpiryWarn    = 2                // epochs before an end epoch to warn
	DefaultEpochInterval = 10 * time.Minute // how often Sui is read
)

// StatusExpiry is the expiry part of Status, on a back end with epochs.
// It covers the recorded blobs the mount uses (referenced by the index);
// end epochs are exclusive: a blob is readable while the current epoch is
// below its end epoch.
type StatusExpiry struct {
	Epoch        uint32    `json:"current_epoch,omitzero"` // 0 = not read from Sui yet
	EpochReadAt  time.Time `json:"epoch_read_at,omitzero"`
	EpochError   string    `json:"epoch_error,omitempty"` // last failure reading Sui
	Blobs        int       `json:"blobs"`                 // blobs in use with a recorded end epoch
	Earliest     uint32    `json:"earliest_end_epoch,omitzero"`
	EarliestTime time.Time `json:"earliest_end_time,omitzero"` // estimated start of Earliest (needs Sui)
	WarnEpochs   uint32    `json:"warn_epochs"`
	Expiring     int       `json:"expiring"` // blobs ending within WarnEpochs of the current epoch (or already)
}

// epochWatcher reads the network's epoch from Sui at start and every
// interval (failures are logged, never fatal), warns once per blob in the
// log when a blob the mount uses ends within warn epochs, and answers the
// expiry questions of status and user.walrus.end_epoch from the walrus
// store's record.
type epochWatcher struct {
	log    *slog.Logger
	store  *walrus.Store
	idx    *index.Index
	client *sui.Client // nil: no Sui network known (URL-only deployment)
	warn   uint32

	mu     sync.Mutex
	state  *sui.State           // GUARDED_BY(mu); nil until read
	readAt time.Time            // GUARDED_BY(mu)
	err    string               // GUARDED_BY(mu)
	warned map[blobid.ID]uint32 // GUARDED_BY(mu); end epoch warned about
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

// endEpoch is Options.EndEpoch: the earliest recorded end epoch of ids.
func (w *epochWatcher) endEpoch(ids []blobid.ID) (uint32, bool) {
	recs := w.store.Records()
	ends := make(map[blobid.ID]uint32, len(recs))
	for _, r := range recs {
		ends[r.BlobID] = r.EndEpoch
	}
	var low uint32
	for i, id := range ids {
		e, ok := ends[id]
		if !ok {
			return 0, false
		}
		if i == 0 || e < low {
			low = e
		}
	}
	return low, len(ids) > 0
}

// status summarises the expiry of the blobs in use.
func (w *epochWatcher) status(ctx context.Context) *StatusExpiry {
	w.mu.Lock()
	s := &StatusExpiry{WarnEpochs: w.warn, EpochReadAt: w.readAt, EpochError: w.err}
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
