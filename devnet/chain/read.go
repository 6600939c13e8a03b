package chain

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"github.com/walrusfs/walrusfs/sui"
)

// normType writes the framework addresses of a type string short
// ("0x000…002::coin::Coin" → "0x2::coin::Coin").
func normType(t string) string {
	for _, n := range []string{"1", "2", "3"} {
		t = strings.ReplaceAll(t, "0x"+strings.Repeat("0", 63)+n+"::", "0x"+n+"::")
	}
	return t
}

// Objects returns the newest version of each object (nil if absent).
func (c *Chain) Objects(ctx context.Context, ids []string) ([]*ledger.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*ledger.Object, len(ids))
	for i, id := range ids {
		n, err := sui.NormalizeAddress(id)
		if err != nil {
			return nil, fmt.Errorf("chain: %w", err)
		}
		if o := c.st.Objects[n]; o != nil {
			out[i] = o.ledger()
		}
	}
	return out, nil
}

// OwnedObjects lists owner's objects of type typ ("" any; a struct name
// without type parameters matches every instance), by ID.
func (c *Chain) OwnedObjects(ctx context.Context, owner, typ string) ([]*ledger.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	owner, err := sui.NormalizeAddress(owner)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	typ = normType(typ)
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*ledger.Object
	for _, o := range c.st.Objects {
		if o.ObjectOwner || o.Owner.Address != owner {
			continue
		}
		if typ == "" || o.Type == typ || strings.HasPrefix(o.Type, typ+"<") {
			out = append(out, o.ledger())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DynamicFields lists the dynamic fields of parent, by field ID.
func (c *Chain) DynamicFields(ctx context.Context, parent string) ([]ledger.Field, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	parent, err := sui.NormalizeAddress(parent)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []ledger.Field
	for _, o := range c.st.Objects {
		if o.Parent == parent {
			out = append(out, ledger.Field{NameType: o.NameType, NameBCS: append([]byte(nil), o.NameBCS...), FieldID: o.ID, ValueType: o.ValueType})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FieldID < out[j].FieldID })
	return out, nil
}

// Epoch returns the Sui epoch (it advances with the Walrus epoch) and the
// reference gas price.
func (c *Chain) Epoch(ctx context.Context) (ledger.Epoch, error) {
	if err := ctx.Err(); err != nil {
		return ledger.Epoch{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return ledger.Epoch{Epoch: c.st.SuiEpoch, ReferenceGasPrice: c.st.G.ReferenceGasPrice}, nil
}

// Balance sums owner's coins of coinType. The devnet has no address
// balances.
func (c *Chain) Balance(ctx context.Context, owner, coinType string) (ledger.Balance, error) {
	objs, err := c.OwnedObjects(ctx, owner, coinPrefix+normType(coinType)+">")
	if err != nil {
		return ledger.Balance{}, err
	}
	b := ledger.Balance{CoinType: coinType}
	for _, o := range objs {
		b.CoinBalance += o.Balance
	}
	return b, nil
}

// Transaction returns an executed transaction; its Checkpoint stays 0
// until Options.CheckpointDelay has passed since execution.
func (c *Chain) Transaction(ctx context.Context, digest string) (*ledger.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checkpoints() {
		if err := c.save(); err != nil {
			return nil, err
		}
	}
	rec, ok := c.st.Txs[digest]
	if !ok {
		return nil, fmt.Errorf("chain: transaction %s: %w", digest, ledger.ErrNotFound)
	}
	return copyResult(&rec.Result), nil
}

// checkpoints puts the transactions whose delay has passed into
// checkpoints, in execution order. REQUIRES mu.
func (c *Chain) checkpoints() bool {
	now := c.o.Clock()
	changed := false
	for c.st.CPDone < len(c.st.Order) {
		rec := c.st.Txs[c.st.Order[c.st.CPDone]]
		if now.Sub(rec.Executed) < c.o.CheckpointDelay {
			break
		}
		c.st.NextCP++
		rec.Result.Checkpoint = c.st.NextCP
		c.st.CPDone++
		if rec.Result.Success {
			c.st.recordEvents(rec.Result.Events)
		}
		changed = true
	}
	return changed
}

// recordEvents keeps the blob registry storage nodes would build from
// the BlobRegistered/BlobCertified/BlobDeleted events.
func (s *state) recordEvents(evs []ledger.Event) {
	for _, e := range evs {
		d := &dec{b: e.BCS}
		switch e.Type[strings.LastIndex(e.Type, "::")+2:] {
		case "BlobRegistered":
			d.u32()
			var info BlobInfo
			copy(info.BlobID[:], d.take(32))
			d.u64()
			d.u8()
			info.EndEpoch, info.Deletable, info.ObjectID = d.u32(), d.boolean(), d.addr()
			s.Blobs[info.ObjectID] = &info
		case "BlobCertified":
			d.u32()
			d.take(32)
			end, _, id := d.u32(), d.boolean(), d.addr()
			if b := s.Blobs[id]; b != nil {
				b.Certified, b.EndEpoch = true, end
			}
		case "BlobDeleted":
			d.u32()
			d.take(32)
			d.u32()
			delete(s.Blobs, d.addr())
		}
	}
}

// Registered lists the blob objects registered for blob id that are not
// deleted and not expired, as storage nodes learn them from the events of
// checkpointed transactions: a registration shows only once its
// transaction is in a checkpoint (Options.CheckpointDelay), and a burned
// Blob object still counts (burning emits no event).
func (c *Chain) Registered(ctx context.Context, id blobid.ID) ([]BlobInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checkpoints() {
		if err := c.save(); err != nil {
			return nil, err
		}
	}
	var out []BlobInfo
	for _, b := range c.st.Blobs {
		if b.BlobID == id && b.EndEpoch > c.st.Sys.Epoch {
			out = append(out, *b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ObjectID < out[j].ObjectID })
	return out, nil
}

// Fund creates a Coin<SUI> of suiMIST and a Coin<WAL> of walFROST (each
// only if non-zero) owned by address.
func (c *Chain) Fund(address string, suiMIST, walFROST uint64) error {
	addr, err := sui.NormalizeAddress(address)
	if err != nil {
		return fmt.Errorf("chain: fund: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, coin := range []struct {
		typ string
		v   uint64
	}{{suiCoinType, suiMIST}, {coinPrefix + c.st.G.WALPkg + "::wal::WAL>", walFROST}} {
		if coin.v == 0 {
			continue
		}
		c.st.Created++
		seed := blake([]byte("walrusfs devnet fund"), binary.LittleEndian.AppendUint64(nil, c.st.Created))
		id := deriveID(seed[:], 0)
		o := &object{ID: id, Version: 1, Type: coin.typ, Owner: ledger.Owner{Address: addr}, Contents: coinBCS(id, coin.v)}
		o.Rebate = storageCost(o)
		c.st.Objects[id] = o
	}
	return c.save()
}

// AdvanceEpoch moves the Walrus epoch (and the Sui epoch, releasing
// equivocation locks) on by n and returns the new Walrus epoch. Storage
// and blobs whose end epoch is reached expire.
func (c *Chain) AdvanceEpoch(n int) (uint32, error) {
	if n <= 0 {
		return 0, fmt.Errorf("chain: advance epoch by %d: want at least 1", n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.o.Clock()
	for range n {
		c.st.Sys.advance()
		c.st.Sys.EpochChangeDoneMs = uint64(now.UnixMilli())
		c.st.SuiEpoch++
	}
	c.st.Locks = map[string]string{}
	sysF, stkF := c.st.innerFields(&c.st.Sys)
	c.st.Objects[c.st.G.SystemField].Contents = sysF
	c.st.Objects[c.st.G.StakingField].Contents = stkF
	var v uint64
	ids := []string{c.st.G.System, c.st.G.Staking, c.st.G.SystemField, c.st.G.StakingField}
	for _, id := range ids {
		v = max(v, c.st.Objects[id].Version)
	}
	for _, id := range ids {
		c.st.Objects[id].Version = v + 1
	}
	for id, b := range c.st.Blobs {
		if b.EndEpoch <= c.st.Sys.Epoch {
			delete(c.st.Blobs, id)
		}
	}
	if err := c.save(); err != nil {
		return 0, err
	}
	c.log.Info("advanced the Walrus epoch", "epoch", c.st.Sys.Epoch)
	return c.st.Sys.Epoch, nil
}

// WalrusEpoch is the current Walrus epoch (Epoch is the ledger's Sui epoch).
func (c *Chain) WalrusEpoch() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.Sys.Epoch
}

// Committee returns the members in committee order.
func (c *Chain) Committee() []Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Member(nil), c.st.G.Members...)
}

// NodeIDs returns the members' node (staking pool) IDs in committee order.
func (c *Chain) NodeIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.st.G.NodeIDs...)
}

// WALType is the WAL coin type, <wal package>::wal::WAL.
func (c *Chain) WALType() string { return c.st.G.WALPkg + "::wal::WAL" }

// PackageID is the walrus package (original and current).
func (c *Chain) PackageID() string { return c.st.G.WalrusPkg }

// SystemObject is the shared System object.
func (c *Chain) SystemObject() sui.SharedObject {
	return sui.SharedObject{ID: c.st.G.System, InitialVersion: 1}
}

// StakingObject is the shared Staking object.
func (c *Chain) StakingObject() sui.SharedObject {
	return sui.SharedObject{ID: c.st.G.Staking, InitialVersion: 1}
}

// VerifyEd25519 checks a serialized ed25519 signature (0x00 ‖ sig64 ‖
// pk32) over blake2b256(00 00 00 ‖ txData) and returns the address
// blake2b256(0x00 ‖ pk).
func VerifyEd25519(txData, sig []byte) (string, error) {
	if len(sig) != 1+ed25519.SignatureSize+ed25519.PublicKeySize || sig[0] != 0 {
		return "", errors.New("not an ed25519 signature (want 0x00 ‖ 64-byte signature ‖ 32-byte key)")
	}
	msg := blake([]byte{0, 0, 0}, txData)
	pk := ed25519.PublicKey(sig[65:])
	if !ed25519.Verify(pk, msg[:], sig[1:65]) {
		return "", errors.New("ed25519 signature does not verify")
	}
	a := blake([]byte{0}, pk)
	return hexAddr(a[:]), nil
}

// CallStats counts the successful transactions executed so far that call
// the Move function module::function (e.g. "system", "extend_blob"), and
// the calls in them. Tests use it to check that work is batched.
func (c *Chain) CallStats(module, function string) (txs, calls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ds := range c.st.Order {
		rec := c.st.Txs[ds]
		if rec == nil || !rec.Result.Success {
			continue
		}
		tx, err := decodeTxData(rec.Result.TxData)
		if err != nil {
			continue
		}
		n := 0
		for _, cmd := range tx.Commands {
			if cmd.Module == module && cmd.Function == function {
				n++
			}
		}
		if n > 0 {
			txs++
			calls += n
		}
	}
	return txs, calls
}
