package suitx

import (
	"encoding/hex"
	"fmt"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/sui"
)

// Limits of the Sui protocol that a transaction built here must respect
// (protocol config max_programmable_tx_commands, max_tx_size_bytes,
// max_gas_payment_objects).
const (
	MaxCommands      = 1024
	MaxTxBytes       = 128 << 10
	MaxGasPayment    = 256
	objectDigestSize = 32
)

// wrap gives the errors of a public builder one prefix naming the
// transaction, and turns a panic of sui-go-sdk (which panics on input it
// cannot encode, all of which validation should have refused) into an
// error instead of a crash of the daemon.
func wrap(err *error, op string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("building transaction: %v", r)
	}
	if *err != nil {
		*err = fmt.Errorf("suitx: %s: %w", op, *err)
	}
}

// builder wraps one sui-go-sdk Transaction and is the only place that
// touches its generic Pure and Object entry points. Every helper takes a
// value that is already validated; the conversion helpers (parseAddress,
// objectRef, sharedRef) return errors for bad input.
type builder struct {
	tx *transaction.Transaction
	// owned records every owned object used as an input, so that an
	// object given twice (two blobs naming one Storage, a gas coin that
	// is also paid with) is refused instead of becoming two inputs.
	owned map[models.SuiAddressBytes]string
	// commands counts the commands, to check MaxCommands before encoding.
	commands int
}

func newBuilder() *builder {
	return &builder{tx: transaction.NewTransaction(), owned: map[models.SuiAddressBytes]string{}}
}

func (b *builder) u8(v uint8) transaction.Argument   { return b.tx.Pure(v) }
func (b *builder) u32(v uint32) transaction.Argument { return b.tx.Pure(v) }
func (b *builder) u64(v uint64) transaction.Argument { return b.tx.Pure(v) }
func (b *builder) bool(v bool) transaction.Argument  { return b.tx.Pure(v) }

// u256 takes the 32 bytes of a Move u256 in BCS order (little-endian).
func (b *builder) u256(le [32]byte) transaction.Argument { return b.tx.Pure(le) }

// bytes is a vector<u8> (ULEB128 length, then the bytes).
func (b *builder) bytes(v []byte) transaction.Argument { return b.tx.Pure(v) }

// address is a Move address: its 32 bytes, never the string form.
func (b *builder) address(a models.SuiAddressBytes) transaction.Argument {
	return b.tx.Pure([32]byte(a))
}

// shared adds (or reuses) a shared object input. Asking for it mutable
// once makes the single input mutable, as both SDKs do.
func (b *builder) shared(o transaction.SharedObjectRef, mutable bool) transaction.Argument {
	o.Mutable = mutable
	return b.tx.Object(transaction.CallArg{Object: &transaction.ObjectArg{SharedObject: &o}})
}

// ownedObject adds an owned (or immutable) object input. what names the object
// in the error if it is already an input.
func (b *builder) ownedObject(ref transaction.SuiObjectRef, what string) (transaction.Argument, error) {
	if prev, ok := b.owned[ref.ObjectId]; ok {
		return transaction.Argument{}, fmt.Errorf("object %s is both %s and %s", idString(ref.ObjectId), prev, what)
	}
	b.owned[ref.ObjectId] = what
	return b.tx.Object(transaction.CallArg{Object: &transaction.ObjectArg{ImmOrOwnedObject: &ref}}), nil
}

func (b *builder) moveCall(pkg models.SuiAddressBytes, module, function string, args ...transaction.Argument) transaction.Argument {
	b.commands++
	return b.tx.MoveCall(transaction.ConvertSuiAddressBytesToString(pkg), module, function, nil, args)
}

func (b *builder) mergeCoins(dst transaction.Argument, srcs []transaction.Argument) {
	b.commands++
	b.tx.MergeCoins(dst, srcs)
}

func (b *builder) transferObjects(objs []transaction.Argument, to transaction.Argument) {
	b.commands++
	b.tx.TransferObjects(objs, to)
}

// finish sets sender and gas data and encodes the TransactionData. The
// gas coins must not be inputs of the transaction.
func (b *builder) finish(sender models.SuiAddressBytes, gas gasData) ([]byte, error) {
	if b.commands > MaxCommands {
		return nil, fmt.Errorf("%d commands, more than Sui's limit of %d", b.commands, MaxCommands)
	}
	for i, ref := range gas.payment {
		if prev, ok := b.owned[ref.ObjectId]; ok {
			return nil, fmt.Errorf("gas payment %d (%s) is also %s", i, idString(ref.ObjectId), prev)
		}
	}
	payment := append([]transaction.SuiObjectRef{}, gas.payment...)
	price, budget := gas.price, gas.budget
	v1 := b.tx.Data.V1
	v1.Sender = &sender
	v1.GasData.Owner = &gas.owner
	v1.GasData.Payment = &payment
	v1.GasData.Price = &price
	v1.GasData.Budget = &budget
	data, err := b.tx.Data.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encoding TransactionData: %w", err)
	}
	if len(data) > MaxTxBytes {
		return nil, fmt.Errorf("transaction is %d bytes, more than Sui's limit of %d", len(data), MaxTxBytes)
	}
	return data, nil
}

// gasData is Gas after validation.
type gasData struct {
	owner         models.SuiAddressBytes
	payment       []transaction.SuiObjectRef
	price, budget uint64
}

func (g Gas) resolve(sender models.SuiAddressBytes) (gasData, error) {
	d := gasData{owner: sender, price: g.Price, budget: g.Budget}
	if g.Owner != "" {
		o, err := parseAddress(g.Owner, "gas owner")
		if err != nil {
			return d, err
		}
		d.owner = o
	}
	if g.Price == 0 {
		return d, fmt.Errorf("gas price is 0 (use the reference gas price)")
	}
	if g.Budget == 0 {
		return d, fmt.Errorf("gas budget is 0")
	}
	if len(g.Payment) > MaxGasPayment {
		return d, fmt.Errorf("%d gas coins, more than Sui's limit of %d", len(g.Payment), MaxGasPayment)
	}
	seen := map[models.SuiAddressBytes]bool{}
	for i, p := range g.Payment {
		ref, err := objectRef(p, fmt.Sprintf("gas payment %d", i))
		if err != nil {
			return d, err
		}
		if seen[ref.ObjectId] {
			return d, fmt.Errorf("gas payment %d (%s) is listed twice", i, idString(ref.ObjectId))
		}
		seen[ref.ObjectId] = true
		d.payment = append(d.payment, ref)
	}
	return d, nil
}

// parseAddress reads a Sui address or object ID; what names it in errors.
func parseAddress(s, what string) (models.SuiAddressBytes, error) {
	var a models.SuiAddressBytes
	n, err := sui.NormalizeAddress(s)
	if err != nil {
		return a, fmt.Errorf("%s: %w", what, err)
	}
	if _, err := hex.Decode(a[:], []byte(n[2:])); err != nil {
		return a, fmt.Errorf("%s %q: %w", what, s, err)
	}
	return a, nil
}

// objectRef converts and checks an owned object reference.
func objectRef(r sui.ObjectRef, what string) (transaction.SuiObjectRef, error) {
	var ref transaction.SuiObjectRef
	id, err := parseAddress(r.ID, what+" ID")
	if err != nil {
		return ref, err
	}
	if r.Version == 0 {
		return ref, fmt.Errorf("%s %s: version 0 (object versions start at 1)", what, r.ID)
	}
	d, err := base58.Decode(r.Digest)
	if err != nil || len(d) != objectDigestSize {
		return ref, fmt.Errorf("%s %s: digest %q is not base58 of %d bytes", what, r.ID, r.Digest, objectDigestSize)
	}
	return transaction.SuiObjectRef{ObjectId: id, Version: r.Version, Digest: models.ObjectDigestBytes(d)}, nil
}

// sharedRef converts and checks a shared object; the mutability is set
// where it is used.
func sharedRef(s sui.SharedObject, what string) (transaction.SharedObjectRef, error) {
	var ref transaction.SharedObjectRef
	id, err := parseAddress(s.ID, what+" ID")
	if err != nil {
		return ref, err
	}
	if s.InitialVersion == 0 {
		return ref, fmt.Errorf("%s %s: initial shared version 0", what, s.ID)
	}
	return transaction.SharedObjectRef{ObjectId: id, InitialSharedVersion: s.InitialVersion}, nil
}

func idString(a models.SuiAddressBytes) string { return "0x" + hex.EncodeToString(a[:]) }
