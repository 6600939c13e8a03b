package sui

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// Prices are in FROST per 1 MiB unit of encoded length; storage per epoch.
type Prices struct {
	StoragePerUnit, WritePerUnit uint64
}

// State is what the System and Staking objects say about the network now.
type State struct {
	Epoch           uint32
	NShards         int
	EpochDuration   time.Duration
	FirstEpochStart time.Time // start of epoch 1
	Prices          Prices
	PackageID       string // current walrus package (System.package_id)
	Version         uint64 // System.version, the inner state's key
}

// EpochStart estimates when epoch e starts: FirstEpochStart + (e-1) ×
// EpochDuration if that schedule is consistent with now being in the
// current epoch, else counted from now (epoch changes can run late).
func (s State) EpochStart(e uint32, now time.Time) time.Time {
	d := s.EpochDuration
	if d <= 0 {
		return time.Time{}
	}
	nominal := func(k uint32) time.Time { return s.FirstEpochStart.Add(time.Duration(int64(k)-1) * d) }
	if s.Epoch >= 1 && !now.Before(nominal(s.Epoch)) && now.Before(nominal(s.Epoch+1)) {
		return nominal(e)
	}
	return now.Add(time.Duration(int64(e)-int64(s.Epoch)) * d)
}

// Blob is a Walrus blob::Blob object (or the Blob inside a SharedBlob).
type Blob struct {
	ObjectID        string
	SharedObjectID  string // set for a SharedBlob
	BlobID          blobid.ID
	Size            uint64
	EncodingType    uint8
	RegisteredEpoch uint32
	Certified       bool
	CertifiedEpoch  uint32 // valid if Certified
	StartEpoch      uint32
	EndEpoch        uint32 // exclusive: readable while current < EndEpoch
	StorageSize     uint64 // encoded bytes reserved
	Deletable       bool
	Owner           string // address owner, if any
}

// FrostPerWAL is the number of FROST in one WAL.
const FrostPerWAL = 1_000_000_000

// UnitSize is the storage unit prices refer to: 1 MiB of encoded length
// (protocol notes §1.7, §5).
const UnitSize = 1 << 20

// Units returns ceil(encodedLen / 1 MiB).
func Units(encodedLen uint64) uint64 { return encodedLen/UnitSize + min(encodedLen%UnitSize, 1) }

// Cost returns what storing a blob of encoded length encodedLen for epochs
// epochs costs, in FROST: storage price × units × epochs + write price ×
// units (system_state_inner.move: reserve_space + register_blob), excluding
// Sui gas. It is exact (big.Int) so a huge input cannot overflow.
func Cost(encodedLen uint64, epochs uint32, p Prices) *big.Int {
	u := new(big.Int).SetUint64(Units(encodedLen))
	storage := new(big.Int).Mul(u, new(big.Int).SetUint64(p.StoragePerUnit))
	storage.Mul(storage, new(big.Int).SetUint64(uint64(epochs)))
	write := new(big.Int).Mul(u, new(big.Int).SetUint64(p.WritePerUnit))
	return storage.Add(storage, write)
}

// FormatWAL writes an amount of FROST as WAL with all nine decimals,
// trailing zeros trimmed ("0.0125 WAL", "3 WAL").
func FormatWAL(frost *big.Int) string {
	q, r := new(big.Int).QuoRem(frost, big.NewInt(FrostPerWAL), new(big.Int))
	if r.Sign() == 0 {
		return q.String() + " WAL"
	}
	frac := strings.TrimRight(fmt.Sprintf("%09d", r.Uint64()), "0")
	return q.String() + "." + frac + " WAL"
}
