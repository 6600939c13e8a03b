// Package onchain sends the Walrus transactions of one wallet: it
// registers blobs (on the wallet's own Storage objects where they serve,
// split or fused as storage_resource allows, else reserving new storage;
// see storageplan.go), certifies them with a
// storage certificate, and later extends or deletes them. It selects the
// coins, finds the gas budget by simulation, signs, executes, and waits
// until a checkpoint holds each transaction before the next step relies on
// its objects. A Client runs one transaction at a time: two transactions
// in flight on the same coin would lock it until the epoch ends
// (equivocation).
package onchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/suitx"
	"github.com/walrusfs/walrusfs/wallet"
)

// Errors a caller can act on. Both leave nothing changed on chain.
var (
	// ErrInsufficientWAL: the wallet's WAL coins cannot pay for storage.
	ErrInsufficientWAL = errors.New("not enough WAL")
	// ErrInsufficientSUI: the wallet's SUI coins cannot pay for gas.
	ErrInsufficientSUI = errors.New("not enough SUI for gas")
)

// SUIType is the coin type of SUI.
const SUIType = "0x2::sui::SUI"

// Config configures a Client.
type Config struct {
	Sui *sui.Client
	Key *wallet.Key
	// System is the Walrus System object's ID.
	System string
	// WALType is the WAL coin type ("<pkg>::wal::WAL"); "" means: find
	// it among the wallet's coins.
	WALType string
	// Owner receives new Blob objects; "" means the wallet's address.
	Owner string
	// MaxWALPerEpoch caps the WAL (in FROST) spent in one epoch, on
	// storage, writes and renewals together; 0 means no cap. BudgetFile
	// keeps the count across restarts ("" keeps it in memory).
	MaxWALPerEpoch uint64
	BudgetFile     string
	// ReuseMinEpochs is how many epochs from now an owned Storage must
	// still cover to be reused for a new blob; 0 means all the epochs the
	// blob is bought for. A mount that renews its blobs takes shorter
	// ones (the blob is extended later like any other).
	ReuseMinEpochs uint32
	Logger         *slog.Logger
}

// Client sends one wallet's Walrus transactions.
type Client struct {
	cfg Config
	log *slog.Logger

	// mu is held from reading the coins and objects a transaction uses
	// until it is in a checkpoint: two transactions on the same version
	// of a WAL coin or Blob would lock it for the epoch (equivocation).
	mu     sync.Mutex
	sender *sui.Sender // pays gas; one transaction at a time per wallet
	walrus suitx.Walrus
	budget *budget // GUARDED_BY(mu)
}

// New prepares a client; it reads the System object to learn the package
// to call.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Sui == nil || cfg.Key == nil {
		return nil, errors.New("onchain: a Sui client and a key are required")
	}
	if cfg.Owner == "" {
		cfg.Owner = cfg.Key.Address()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b, err := loadBudget(cfg.MaxWALPerEpoch, cfg.BudgetFile)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: log, sender: sui.NewSender(cfg.Sui, keySigner{cfg.Key}), budget: b}
	if err := c.refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Address is the wallet's address.
func (c *Client) Address() string { return c.cfg.Key.Address() }

// refresh reads the System object: its current package and its initial
// shared version.
func (c *Client) refresh(ctx context.Context) error {
	sys, _, err := c.cfg.Sui.SharedObject(ctx, c.cfg.System)
	if err != nil {
		return fmt.Errorf("onchain: %w", err)
	}
	st, err := c.cfg.Sui.ReadState(ctx)
	if err != nil {
		return fmt.Errorf("onchain: %w", err)
	}
	c.walrus = suitx.Walrus{Package: st.PackageID, System: sys}
	if c.cfg.WALType == "" {
		c.cfg.WALType = sui.KnownWALType(sys.ID)
	}
	return nil
}

// findWALType looks for the WAL coin type among the wallet's coins. A
// wrong type could not pay: the chain checks the Move types.
func (c *Client) findWALType(ctx context.Context) (string, error) {
	types, err := c.cfg.Sui.CoinTypes(ctx, c.Address())
	if err != nil {
		return "", fmt.Errorf("onchain: %w", err)
	}
	var found []string
	for _, t := range types {
		if strings.HasSuffix(t, "::wal::WAL") {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("onchain: %w: wallet %s holds no WAL", ErrInsufficientWAL, c.Address())
	}
	return "", fmt.Errorf("onchain: wallet %s holds several coin types named wal::WAL (%s); give the WAL type", c.Address(), strings.Join(found, ", "))
}

// Balances returns what the wallet holds in coins: SUI in MIST, WAL in
// FROST (0 when it holds no WAL).
func (c *Client) Balances(ctx context.Context) (suiMIST, walFROST uint64, err error) {
	b, err := c.cfg.Sui.Balance(ctx, c.Address(), SUIType)
	if err != nil {
		return 0, 0, fmt.Errorf("onchain: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.WALType == "" {
		t, err := c.findWALType(ctx)
		if errors.Is(err, ErrInsufficientWAL) {
			return b.Coins, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
		c.cfg.WALType = t
	}
	w, err := c.cfg.Sui.Balance(ctx, c.Address(), c.cfg.WALType)
	if err != nil {
		return 0, 0, fmt.Errorf("onchain: %w", err)
	}
	return b.Coins, w.Coins, nil
}

// NewBlob is a blob to register.
type NewBlob struct {
	ID          blobid.ID
	Root        [32]byte
	Size        uint64 // unencoded
	EncodedSize uint64
	Deletable   bool
	// Attributes are set on the new Blob object in the register
	// transaction (in key order). They are public.
	Attributes map[string]string
}

// Blob is a registered (and maybe certified) Blob object.
type Blob struct {
	Ref       sui.ObjectRef
	BlobID    blobid.ID
	Size      uint64
	Deletable bool
	// StartEpoch and EndEpoch bound its storage; EndEpoch is exclusive.
	StartEpoch, EndEpoch uint32
	EncodedSize          uint64
}

// Spent is what a transaction cost: WAL in FROST, gas in MIST.
type Spent struct {
	WAL *big.Int
	Gas uint64
	// Transactions is the number of transactions executed.
	Transactions int
}

// Register registers blobs in one transaction. Their storage comes from
// the wallet's own Storage objects where they last long enough (whole,
// split or fused, see storageplan.go), else it is reserved for epochs
// epochs. It checks first that the wallet can pay for what is bought.
func (c *Client) Register(ctx context.Context, blobs []NewBlob, epochs uint32) ([]Blob, Spent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.cfg.Sui.ReadState(ctx)
	if err != nil {
		return nil, Spent{}, fmt.Errorf("onchain: %w", err)
	}
	minEpochs := epochs
	if c.cfg.ReuseMinEpochs > 0 {
		minEpochs = min(epochs, c.cfg.ReuseMinEpochs)
	}
	reuse, err := c.reusable(ctx, st.Epoch, minEpochs)
	if err != nil {
		return nil, Spent{}, err
	}
	// WAL is needed only for what is bought: new storage, and the write
	// fee of every blob; reused storage is paid for.
	need := new(big.Int)
	nb := make([]suitx.NewBlob, len(blobs))
	plan := newStoragePlan(reuse)
	for i, b := range blobs {
		nb[i] = suitx.NewBlob{BlobID: b.ID, Root: b.Root, Size: b.Size, EncodedSize: b.EncodedSize, Deletable: b.Deletable,
			Attributes: attributes(b.Attributes)}
		bs := plan.add(b.EncodedSize)
		if bs.kind == buy {
			need.Add(need, sui.Cost(b.EncodedSize, epochs, st.Prices))
			continue
		}
		need.Add(need, new(big.Int).SetUint64(sui.Units(b.EncodedSize)*st.Prices.WritePerUnit))
		if bs.kind == whole {
			c.log.Info("reusing a Storage object", "blob", b.ID, "how", bs.kind, "storage", bs.storage.Ref.ID,
				"size", bs.storage.Size, "end_epoch", bs.storage.EndEpoch)
			continue
		}
		pl := plan.pools[bs.pool]
		c.log.Info("reusing a Storage object", "blob", b.ID, "how", bs.kind, "storage", pl.objectIDs(),
			"size", pl.size, "takes", bs.take, "end_epoch", pl.objs[0].EndEpoch)
	}
	pools := plan.apply(nb)
	for _, pl := range plan.pools {
		if pl.left > 0 {
			c.log.Info("Storage left after reuse", "storage", pl.objs[0].Ref.ID, "size", pl.left, "end_epoch", pl.objs[0].EndEpoch)
		}
	}
	if err := c.budget.check(st.Epoch, need); err != nil {
		return nil, Spent{}, err
	}
	walCoins, err := c.payWAL(ctx, need)
	if err != nil {
		return nil, Spent{}, err
	}
	r := suitx.Register{WAL: walCoins, Epochs: epochs, Blobs: nb, Pools: pools, Owner: c.cfg.Owner}
	eff, err := c.send(ctx, "register", func(g suitx.Gas) ([]byte, error) { return c.walrus.Register(c.Address(), g, r) })
	if err != nil {
		return nil, Spent{}, err
	}
	if err := c.budget.add(st.Epoch, need); err != nil {
		c.log.Warn("recording WAL spent", "err", err)
	}
	out := make([]Blob, 0, len(blobs))
	for _, ch := range eff.Created {
		if !strings.HasSuffix(ch.Type, "::blob::Blob") {
			continue
		}
		ob, err := c.cfg.Sui.Blob(ctx, ch.Ref.ID)
		if err != nil {
			return nil, Spent{}, fmt.Errorf("onchain: reading new Blob object: %w", err)
		}
		out = append(out, Blob{Ref: ch.Ref, BlobID: ob.BlobID, Size: ob.Size, Deletable: ob.Deletable,
			StartEpoch: ob.StartEpoch, EndEpoch: ob.EndEpoch, EncodedSize: ob.StorageSize})
	}
	if len(out) != len(blobs) {
		return nil, Spent{}, fmt.Errorf("onchain: register transaction %s created %d Blob objects for %d blobs", eff.Digest, len(out), len(blobs))
	}
	// Put them in the order asked for.
	byID := map[blobid.ID][]Blob{}
	for _, b := range out {
		byID[b.BlobID] = append(byID[b.BlobID], b)
	}
	for i, b := range blobs {
		l := byID[b.ID]
		if len(l) == 0 {
			return nil, Spent{}, fmt.Errorf("onchain: register transaction %s created no Blob for %s", eff.Digest, b.ID)
		}
		out[i], byID[b.ID] = l[0], l[1:]
	}
	return out, Spent{WAL: need, Gas: gasSpent(eff.Gas), Transactions: 1}, nil
}

// reusable lists the wallet's Storage objects that a new blob can use
// instead of reserving space: valid now and lasting at least epochs more
// epochs.
func (c *Client) reusable(ctx context.Context, current, epochs uint32) ([]sui.Storage, error) {
	all, err := c.cfg.Sui.OwnedStorage(ctx, c.Address())
	if err != nil {
		return nil, fmt.Errorf("onchain: %w", err)
	}
	var out []sui.Storage
	for _, s := range all {
		if s.StartEpoch <= current && s.EndEpoch >= current+epochs {
			out = append(out, s)
		}
	}
	return out, nil
}

// takeStorage removes from *pool and returns the smallest Storage of the
// right size for encoded bytes (at least that, at most a quarter and one
// MiB more, so that a small blob does not use up a large reservation), or
// nil.
func takeStorage(pool *[]sui.Storage, encoded uint64) *sui.Storage {
	best := -1
	for i, s := range *pool {
		if s.Size < encoded || s.Size > encoded+encoded/4+sui.UnitSize {
			continue
		}
		if best < 0 || s.Size < (*pool)[best].Size || (s.Size == (*pool)[best].Size && s.EndEpoch < (*pool)[best].EndEpoch) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	s := (*pool)[best]
	*pool = append((*pool)[:best], (*pool)[best+1:]...)
	return &s
}

// Certificate is a storage certificate for one blob.
type Certificate struct {
	Signature, Bitmap, Message []byte
}

// Certify certifies a registered blob and returns its new object ref.
func (c *Client) Certify(ctx context.Context, b Blob, cert Certificate) (sui.ObjectRef, Spent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := []suitx.Certify{{Blob: b.Ref, Signature: cert.Signature, Bitmap: cert.Bitmap, Message: cert.Message}}
	eff, err := c.send(ctx, "certify", func(g suitx.Gas) ([]byte, error) { return c.walrus.Certify(c.Address(), g, cs) })
	if err != nil {
		return sui.ObjectRef{}, Spent{}, err
	}
	for _, ch := range eff.Mutated {
		if ch.Ref.ID == b.Ref.ID {
			return ch.Ref, Spent{WAL: new(big.Int), Gas: gasSpent(eff.Gas), Transactions: 1}, nil
		}
	}
	return sui.ObjectRef{}, Spent{}, fmt.Errorf("onchain: certify transaction %s did not change Blob %s", eff.Digest, b.Ref.ID)
}

// Extension asks for a Blob object to last Epochs epochs longer.
type Extension struct {
	ObjectID string
	Epochs   uint32
}

// Extend extends certified blobs of the wallet in one transaction (its
// WAL paid from one &mut coin), after checking the wallet can pay:
// storage price × units of each blob's storage × epochs.
func (c *Client) Extend(ctx context.Context, ext []Extension) (Spent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ext) == 0 {
		return Spent{WAL: new(big.Int)}, nil
	}
	st, err := c.cfg.Sui.ReadState(ctx)
	if err != nil {
		return Spent{}, fmt.Errorf("onchain: %w", err)
	}
	need := new(big.Int)
	es := make([]suitx.Extend, len(ext))
	for i, e := range ext {
		bl, err := c.cfg.Sui.Blob(ctx, e.ObjectID)
		if err != nil {
			return Spent{}, fmt.Errorf("onchain: %w", err)
		}
		ref, err := c.cfg.Sui.ObjectRef(ctx, e.ObjectID)
		if err != nil {
			return Spent{}, fmt.Errorf("onchain: %w", err)
		}
		u := new(big.Int).SetUint64(sui.Units(bl.StorageSize))
		u.Mul(u, new(big.Int).SetUint64(st.Prices.StoragePerUnit))
		need.Add(need, u.Mul(u, new(big.Int).SetUint64(uint64(e.Epochs))))
		es[i] = suitx.Extend{Blob: ref, Epochs: e.Epochs}
	}
	if err := c.budget.check(st.Epoch, need); err != nil {
		return Spent{}, err
	}
	walCoins, err := c.payWAL(ctx, need)
	if err != nil {
		return Spent{}, err
	}
	eff, err := c.send(ctx, "extend", func(g suitx.Gas) ([]byte, error) { return c.walrus.Extend(c.Address(), g, walCoins, es) })
	if err != nil {
		return Spent{}, err
	}
	if err := c.budget.add(st.Epoch, need); err != nil {
		c.log.Warn("recording WAL spent", "err", err)
	}
	return Spent{WAL: need, Gas: gasSpent(eff.Gas), Transactions: 1}, nil
}

// Delete deletes a deletable Blob object of the wallet; its Storage comes
// back to the wallet, for Register to reuse.
func (c *Client) Delete(ctx context.Context, objectID string) (Spent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ref, err := c.cfg.Sui.ObjectRef(ctx, objectID)
	if err != nil {
		return Spent{}, fmt.Errorf("onchain: %w", err)
	}
	eff, err := c.send(ctx, "delete", func(g suitx.Gas) ([]byte, error) {
		return c.walrus.Delete(c.Address(), g, []sui.ObjectRef{ref}, c.Address())
	})
	if err != nil {
		return Spent{}, err
	}
	return Spent{WAL: new(big.Int), Gas: gasSpent(eff.Gas), Transactions: 1}, nil
}

// payWAL selects WAL coins worth at least need.
func (c *Client) payWAL(ctx context.Context, need *big.Int) ([]sui.ObjectRef, error) {
	if c.cfg.WALType == "" {
		t, err := c.findWALType(ctx)
		if err != nil {
			return nil, err
		}
		c.cfg.WALType = t
	}
	coins, err := c.cfg.Sui.Coins(ctx, c.Address(), c.cfg.WALType)
	if err != nil {
		return nil, fmt.Errorf("onchain: %w", err)
	}
	var sel []sui.Coin
	if need.IsUint64() {
		sel, err = sui.SelectCoins(coins, need.Uint64(), nil)
	}
	if sel == nil {
		msg := ""
		if b, berr := c.cfg.Sui.Balance(ctx, c.Address(), c.cfg.WALType); berr == nil && b.Address > 0 {
			msg = fmt.Sprintf(" (%s more is held as an address balance, which walrusfs cannot spend yet)", sui.FormatWAL(new(big.Int).SetUint64(b.Address)))
		}
		return nil, fmt.Errorf("onchain: %w: storing needs %s, wallet %s has %s in coins%s (%v)", ErrInsufficientWAL,
			sui.FormatWAL(need), c.Address(), sui.FormatWAL(total(coins)), msg, err)
	}
	refs := make([]sui.ObjectRef, len(sel))
	for i, s := range sel {
		refs[i] = s.Ref
	}
	return refs, nil
}

func total(coins []sui.Coin) *big.Int {
	t := new(big.Int)
	for _, c := range coins {
		t.Add(t, new(big.Int).SetUint64(c.Balance))
	}
	return t
}

func gasSpent(g sui.GasCost) uint64 {
	return g.Computation + g.Storage - min(g.Rebate, g.Computation+g.Storage)
}

// send runs one transaction through the wallet's Sender: dry run for the
// budget, gas coins, signature, execution, checkpoint. A transaction that
// aborts is an *AbortError.
func (c *Client) send(ctx context.Context, what string, build func(suitx.Gas) ([]byte, error)) (sui.Effects, error) {
	eff, err := c.sender.Send(ctx, func(gas []sui.ObjectRef, price, budget uint64) ([]byte, error) {
		return build(suitx.Gas{Payment: gas, Price: price, Budget: budget})
	}, nil)
	switch {
	case err == nil:
		return eff, nil
	case eff.HasAbort || (eff.Digest != "" && !eff.Success):
		return eff, &AbortError{What: what, Digest: eff.Digest, Module: eff.AbortModule, Code: eff.AbortCode, HasCode: eff.HasAbort, Msg: eff.Error}
	case errors.Is(err, sui.ErrInsufficientCoins):
		return eff, fmt.Errorf("onchain: %s transaction: %w: wallet %s: %v", what, ErrInsufficientSUI, c.Address(), err)
	}
	return eff, fmt.Errorf("onchain: %s transaction: %w", what, err)
}

// AbortError is a transaction that the chain executed and aborted.
type AbortError struct {
	What    string // "register", "certify", ...
	Digest  string // "" when the dry run failed and nothing was submitted
	Module  string
	Code    uint64
	HasCode bool // a Move abort (Module, Code)
	Msg     string
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("onchain: %s transaction %s aborted: %s", e.What, e.Digest, e.Msg)
}

// Is makes an abort in balance::split (ENotEnough) an ErrInsufficientWAL.
func (e *AbortError) Is(target error) bool {
	return target == ErrInsufficientWAL && e.Module == "balance"
}

// keySigner adapts a wallet key to sui.Signer.
type keySigner struct{ k *wallet.Key }

func (s keySigner) Address() string { return s.k.Address() }

func (s keySigner) SignTransaction(tx []byte) ([]byte, error) { return s.k.SignTransaction(tx), nil }
