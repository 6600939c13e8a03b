package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/localnet"
	"github.com/walrusfs/walrusfs/sui"
)

// daemonStore is the daemon's opened back end: the embedded network or a
// Walrus deployment (then with the epoch watcher).
type daemonStore struct {
	store    blobstore.Store
	describe string
	close    func() error
	epochs   *epochWatcher // nil for the embedded network
	nShards  int
	renew    *renewer // nil without a wallet
}

// daemonMaxBlob is the largest blob of the configured back end (rounded
// down to 4 KiB; 0 if unknown), known before the store is opened so the
// index can be opened (and locked) first with the right chunk size.
func daemonMaxBlob(cfg DaemonConfig) uint64 {
	if cfg.Walrus != nil {
		return uint64(max(walrus.MaxBlobSize(*cfg.Walrus), 0)) &^ 4095
	}
	return localnet.MaxBlobSize(cfg.DataDir, cfg.Shards) &^ 4095
}

// openDaemonStore checks the data directory's back-end record (a mismatch
// is an error; see checkBackend) and opens the back end. For Walrus, the
// store keeps its record of blobs in the data directory, and the epoch
// watcher reads Sui for the network named by cfg.Walrus.Network (at
// cfg.SuiURL if set); a deployment given by URLs only has no Sui objects
// known, so its current epoch stays unknown (logged).
func openDaemonStore(ctx context.Context, cfg DaemonConfig, idx *index.Index, log *slog.Logger) (*daemonStore, error) {
	if cfg.Walrus == nil {
		if err := checkBackend(cfg.DataDir, BackendRecord{Kind: BackendEmbedded}); err != nil {
			return nil, err
		}
		nw, err := localnet.Open(ctx, cfg.DataDir, &localnet.Options{Nodes: cfg.Nodes, Shards: cfg.Shards, Logger: log.With("component", "store")})
		if err != nil {
			return nil, fmt.Errorf("starting the embedded storage network: %w", err)
		}
		return &daemonStore{store: nw, close: nw.Close, nShards: nw.Layout.Shards,
			describe: fmt.Sprintf("embedded network (%d nodes, %d shards)", len(nw.Layout.Nodes), nw.Layout.Shards)}, nil
	}
	wc := *cfg.Walrus
	if err := checkBackend(cfg.DataDir, walrusRecord(&wc)); err != nil {
		return nil, err
	}
	wc.DataDir = cfg.DataDir
	if wc.Logger == nil {
		wc.Logger = log.With("component", "walrus")
	}
	var client *sui.Client
	var direct *directwrite.Store
	if wc.Client != nil && wc.Publisher == "" {
		if wc.Epochs == 0 {
			wc.Epochs = DefaultRenewAhead
		}
		epochs := wc.Epochs
		d, err := directwrite.Open(ctx, wc.Client, directwrite.Options{DataDir: cfg.DataDir, Epochs: uint32(epochs),
			Permanent: wc.Permanent, Owner: wc.SendObjectTo, ReuseMinEpochs: DefaultRenewMargin,
			MaxWALPerEpoch: wc.MaxWALPerEpoch, Logger: log.With("component", "walrus")})
		if err != nil {
			return nil, fmt.Errorf("connecting to Walrus with the wallet of %s: %w", wc.Client.Walrus.Path, err)
		}
		direct, client, wc.Direct = d, d.Sui, d
		// Blobs no file uses any more are deleted on Sui (their Storage
		// comes back for new blobs), after the collector's grace.
		wc.Deleter = func(ctx context.Context, r walrus.Record) error {
			_, err := d.Chain.Delete(ctx, r.ObjectID)
			return err
		}
	} else if net, ok := sui.Networks[wc.Network]; ok {
		c, err := sui.Dial(net, cfg.SuiURL)
		if err != nil {
			return nil, err
		}
		client = c
	} else {
		log.Info("no Sui network for a Walrus deployment given by URLs only: the current epoch and expiry dates are unknown (give --network)")
	}
	w := &epochWatcher{log: log.With("component", "epochs"), idx: idx, client: client, warn: uint32(cfg.ExpiryWarn),
		warned: map[blobid.ID]uint32{}}
	if cfg.ExpiryWarn <= 0 {
		w.warn = DefaultExpiryWarn
	}
	if client != nil {
		wc.EpochTime = w.epochTime
	}
	closeClients := func() error {
		if direct != nil {
			return direct.Close()
		}
		if client != nil {
			return client.Close()
		}
		return nil
	}
	s, err := walrus.New(wc)
	if err != nil {
		_ = closeClients()
		return nil, err
	}
	w.store = s
	var rn *renewer
	if direct != nil {
		rn = &renewer{direct: direct, store: s, idx: idx, ahead: uint32(max(wc.Epochs, DefaultRenewAhead)), margin: DefaultRenewMargin}
		w.renew, w.renewErr = rn.pass, rn.lastError
	}
	closeAll := func() error {
		err := s.Close()
		_ = closeClients()
		return err
	}
	c := s.Config()
	desc := "walrus " + c.Network
	if c.Network == "" {
		desc = "walrus"
	}
	pub := c.Publisher
	if pub == "" {
		pub = "none (read-only)"
	}
	if direct != nil {
		desc = fmt.Sprintf("%s, %d epochs, max blob %d", direct, c.Epochs, s.MaxBlobSize())
	} else {
		desc += fmt.Sprintf(" (publisher %s, aggregators %s, %d epochs, %d shards, max blob %d)",
			pub, strings.Join(c.Aggregators, ", "), c.Epochs, c.NShards, s.MaxBlobSize())
	}
	if direct != nil {
		log.Info("Walrus back end with a wallet: unreferenced deletable blobs are deleted on Sui after the grace period (their storage is reused), permanent ones are forgotten", "store", desc)
	} else {
		log.Info("Walrus back end: unreferenced blobs are forgotten, not deleted (deleting needs a signed Sui transaction); they stay on Walrus until their end epoch",
			"store", desc)
	}
	return &daemonStore{store: s, describe: desc, close: closeAll, epochs: w, nShards: c.NShards, renew: rn}, nil
}

// epochTime is walrus.Config.EpochTime: when epoch e starts, from the last
// state read (zero before the first read).
func (w *epochWatcher) epochTime(e uint32) time.Time {
	w.mu.Lock()
	st := w.state
	w.mu.Unlock()
	if st == nil {
		return time.Time{}
	}
	return st.EpochStart(e, time.Now())
}
