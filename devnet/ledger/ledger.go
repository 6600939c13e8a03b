// Package ledger is the contract between the devnet's simulated Sui chain
// (devnet/chain, which executes transactions) and the transports that
// serve it (devnet/suirpc, the Sui gRPC API). It holds types only.
package ledger

import (
	"context"
	"errors"
)

// Ledger is what a Sui full node answers from. Object contents are the BCS
// of the Move struct, as a real node serves them.
type Ledger interface {
	// Objects returns the newest version of each object, nil for an ID
	// that does not exist (or was deleted).
	Objects(ctx context.Context, ids []string) ([]*Object, error)
	// OwnedObjects lists the objects owned by address owner whose type
	// is typ ("" for any). typ may name a struct without its type
	// parameters ("0x2::coin::Coin" matches every coin) or in full
	// ("0x2::coin::Coin<0x...::wal::WAL>"). Order is stable (by ID).
	OwnedObjects(ctx context.Context, owner, typ string) ([]*Object, error)
	// DynamicFields lists the dynamic fields of object parent.
	DynamicFields(ctx context.Context, parent string) ([]Field, error)
	// Epoch returns the Sui epoch and its reference gas price.
	Epoch(ctx context.Context) (Epoch, error)
	// Balance returns the total of owner's coins of coin type coinType
	// ("0x2::sui::SUI" or "<pkg>::wal::WAL") and the address balance.
	Balance(ctx context.Context, owner, coinType string) (Balance, error)
	// Execute verifies the signatures and executes a signed
	// TransactionData (BCS). A transaction that aborts still returns a
	// Result (Success false, gas charged); an error means it was not
	// executed at all (bad signature, unknown or stale object version,
	// object locked by another transaction, gas budget below minimum).
	Execute(ctx context.Context, txData []byte, signatures [][]byte) (*Result, error)
	// Simulate executes txData without signatures and without changing
	// state. The gas payment may be empty (a dry run).
	Simulate(ctx context.Context, txData []byte) (*Result, error)
	// Transaction returns an executed transaction by digest;
	// ErrNotFound if there is none.
	Transaction(ctx context.Context, digest string) (*Result, error)
}

// ErrNotFound is returned for an unknown transaction digest.
var ErrNotFound = errors.New("not found")

// Owner is an object's owner.
type Owner struct {
	Address              string // address owner, if owned
	Shared               bool
	InitialSharedVersion uint64 // if Shared
	Immutable            bool
}

// Object is one version of an object.
type Object struct {
	ID       string // 0x + 64 hex
	Version  uint64
	Digest   string // base58
	Type     string // full Move type, e.g. "0x2::coin::Coin<0x2::sui::SUI>"
	Owner    Owner
	Contents []byte // BCS of the Move struct (starts with the 32-byte UID)
	// Balance is the coin value for Coin<T> objects (also in Contents).
	Balance uint64
}

// Field is one dynamic field of a parent object.
type Field struct {
	NameType  string // Move type of the key, e.g. "u64"
	NameBCS   []byte // BCS of the key
	FieldID   string // ID of the Field object
	ValueType string
}

// Epoch is the Sui epoch.
type Epoch struct {
	Epoch             uint64
	ReferenceGasPrice uint64 // MIST per gas unit
}

// Balance is what an address holds of one coin type.
type Balance struct {
	CoinType       string
	CoinBalance    uint64 // sum of Coin<T> objects
	AddressBalance uint64 // funds held as address balance (not spendable as coins)
}

// GasCost is a transaction's gas summary, in MIST.
type GasCost struct {
	Computation, Storage, Rebate, NonRefundableStorageFee uint64
}

// Operation is what a transaction did to an object.
type Operation int

const (
	Mutated Operation = iota
	Created
	Deleted
)

// Changed is one object a transaction changed. For Deleted, Version and
// Digest are the deletion's; Type and Owner are the last ones.
type Changed struct {
	ID      string
	Op      Operation
	Version uint64
	Digest  string
	Type    string
	Owner   Owner
}

// Event is one Move event.
type Event struct {
	Type string // e.g. "<walrus>::events::BlobRegistered"
	BCS  []byte
}

// Result is an executed (or simulated) transaction.
type Result struct {
	Digest  string // base58(blake2b256("TransactionData::" || txData))
	TxData  []byte
	Success bool
	// Error describes a failure as Sui does, e.g.
	// "MoveAbort(MoveLocation { module: ModuleId { address: <pkg>, name: Identifier(\"system\") }, function: 3, instruction: 0, function_name: Some(\"reserve_space\") }, 2) in command 1"
	// or "InsufficientGas"; AbortCode/AbortModule are set for Move aborts.
	Error       string
	AbortModule string // e.g. "blob", "system_state_inner", "balance"
	AbortCode   uint64
	HasAbort    bool
	Gas         GasCost
	GasObject   Changed
	Changed     []Changed
	Events      []Event
	Checkpoint  uint64 // 0 until a checkpoint includes it
}
