package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
)

// Member is one storage node of the genesis committee.
type Member struct {
	Name, NetworkAddress string
	PublicKey            []byte   // BLS12-381 G1, 48 bytes compressed
	NetworkPublicKey     []byte   // stored as given (the contract wants 33 bytes)
	Shards               []uint16 // shard indices the node holds
}

// CertMember is one BlsCommittee member as certificate checks see it.
type CertMember struct {
	PublicKey []byte // 48 bytes compressed G1
	Weight    int    // shards
}

// Options configure a new chain; Open takes the same functions (the
// numbers then come from the saved state).
type Options struct {
	NShards int
	Members []Member
	// StoragePricePerUnit and WritePricePerUnit are FROST per MiB unit.
	StoragePricePerUnit, WritePricePerUnit uint64
	MaxEpochsAhead                         uint32        // default 53
	EpochDuration                          time.Duration // default 1 h
	ReferenceGasPrice                      uint64        // default 1000
	TotalCapacity                          uint64        // bytes, default 1 PiB
	CheckpointDelay                        time.Duration
	// VerifySignature checks one serialized signature over txData and
	// returns the signer's address; nil means VerifyEd25519.
	VerifySignature func(txData, sig []byte) (address string, err error)
	// CheckCertificate checks a BLS certificate as bls_aggregate.move
	// does (bitmap, quorum weight, signature). Its error should carry the
	// abort code (an error with an AbortCode() uint64 method: 0
	// EInvalidBitmap, 1 ESigVerification, 2 ENotEnoughStake); other
	// errors count as ESigVerification. Required.
	CheckCertificate func(members []CertMember, sig, bitmap, msg []byte) error
	Clock            func() time.Time // default time.Now
	Logger           *slog.Logger
}

// genesisInfo is fixed at genesis.
type genesisInfo struct {
	WalrusPkg, WALPkg         string
	System, Staking           string
	SystemField, StakingField string
	PoolsTable                string
	NShards                   uint16
	Members                   []Member
	NodeIDs                   []string
	MaxEpochsAhead            uint32
	EpochDurationMs           uint64
	FirstEpochStartMs         uint64
	ReferenceGasPrice         uint64
	CheckpointDelay           time.Duration
}

// accounting is storage_accounting::FutureAccounting { epoch: u32,
// used_capacity: u64, rewards_to_distribute: Balance<WAL> }.
type accounting struct {
	Epoch   uint32
	Used    uint64
	Rewards uint64
}

// sysInner is the mutable part of SystemStateInnerV1 and StakingInnerV1.
type sysInner struct {
	Epoch                    uint32
	TotalCapacity, Used      uint64
	StoragePrice, WritePrice uint64
	RingIndex                uint32
	Ring                     []accounting
	EpochChangeDoneMs        uint64
}

// txRecord is an executed transaction.
type txRecord struct {
	Result   ledger.Result
	Executed time.Time
}

// BlobInfo is what storage nodes learn about a blob object from events.
type BlobInfo struct {
	ObjectID  string
	BlobID    [32]byte
	Deletable bool
	Certified bool
	EndEpoch  uint32
}

// state is everything saved to disk.
type state struct {
	G        genesisInfo
	Sys      sysInner
	SuiEpoch uint64
	Objects  map[string]*object
	Locks    map[string]string    // "id@version" -> tx digest
	Txs      map[string]*txRecord `json:"-"` // in txLogFile
	Order    []string             // digests in execution order
	NextCP   uint64               // next checkpoint sequence number
	Blobs    map[string]*BlobInfo
	Created  uint64 // coins created by Fund so far
	CPDone   int    // transactions of Order already in a checkpoint
}

const stateFile = "chain.json"

// Chain is a simulated Sui chain with the Walrus package. It is safe for
// concurrent use.
type Chain struct {
	dir string
	o   Options
	log *slog.Logger
	mu  sync.Mutex
	st  *state // GUARDED_BY(mu)
}

var _ ledger.Ledger = (*Chain)(nil)

func (o *Options) defaults() {
	if o.MaxEpochsAhead == 0 {
		o.MaxEpochsAhead = 53
	}
	if o.EpochDuration == 0 {
		o.EpochDuration = time.Hour
	}
	if o.ReferenceGasPrice == 0 {
		o.ReferenceGasPrice = 1000
	}
	if o.TotalCapacity == 0 {
		o.TotalCapacity = 1 << 50
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.VerifySignature == nil {
		o.VerifySignature = VerifyEd25519
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// New creates a chain in dir (which must not hold one yet): the walrus and
// WAL packages, the shared System and Staking objects with their inner
// states at Walrus epoch 1, and one staking pool per member.
func New(dir string, o Options) (*Chain, error) {
	o.defaults()
	if o.CheckCertificate == nil {
		return nil, errors.New("chain: Options.CheckCertificate is required")
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		return nil, fmt.Errorf("chain: %s already holds a chain (use Open)", dir)
	}
	if err := os.Remove(filepath.Join(dir, txLogFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chain: %w", err)
	}
	st, err := genesis(o)
	if err != nil {
		return nil, fmt.Errorf("chain: genesis: %w", err)
	}
	c := &Chain{dir: dir, o: o, log: o.Logger, st: st}
	if err := c.save(); err != nil {
		return nil, err
	}
	return c, nil
}

// Open loads the chain saved in dir. Only the functions, the clock, the
// logger and a non-zero CheckpointDelay of o are used; the rest comes
// from the saved genesis.
func Open(dir string, o Options) (*Chain, error) {
	o.defaults()
	if o.CheckCertificate == nil {
		return nil, errors.New("chain: Options.CheckCertificate is required")
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("chain: %s: %w", filepath.Join(dir, stateFile), err)
	}
	if st.Objects[st.G.System] == nil || st.Objects[st.G.Staking] == nil {
		return nil, fmt.Errorf("chain: %s: no System/Staking object", filepath.Join(dir, stateFile))
	}
	if err := loadTxs(dir, st); err != nil {
		return nil, err
	}
	if o.CheckpointDelay == 0 {
		o.CheckpointDelay = st.G.CheckpointDelay
	}
	return &Chain{dir: dir, o: o, log: o.Logger, st: st}, nil
}

// save writes the state atomically. REQUIRES mu held (or no sharing yet).
func (c *Chain) save() error {
	b, err := json.Marshal(c.st)
	if err != nil {
		return fmt.Errorf("chain: encoding state: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(c.dir, stateFile), b, &atomicfile.Options{MkdirAll: true}); err != nil {
		return fmt.Errorf("chain: saving state: %w", err)
	}
	return nil
}

// Close does nothing: every change is saved when made.
func (c *Chain) Close() error { return nil }
