package suitx

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/sui"
)

// MaxEpochsAhead is the longest storage period, in Walrus epochs, that
// reserve_space and extend_blob accept (max_epochs_ahead on Mainnet and
// Testnet); the contract aborts with EInvalidEpochsAhead beyond it or at 0.
const MaxEpochsAhead = 53

// SignatureSize is the size of an aggregated BLS12-381 (min-pk) signature,
// a compressed G2 point, as certify_blob takes it.
const SignatureSize = 96

// encodingRS2 is the encoding_type register_blob takes for RedStuff over
// Reed-Solomon, the only encoding walrusfs writes.
const encodingRS2 = 1

// certIntent starts every certified-blob message: intent type BLOB_CERT
// (1), intent version 0, app ID Walrus (3). The message then holds the
// epoch (u32), the blob ID (32 bytes) and the persistence type (at least
// one byte).
var certIntent = []byte{1, 0, 3}

const minCertMessage = 3 + 4 + 32 + 1

// Gas is the gas part of a transaction.
type Gas struct {
	// Owner pays for gas; "" means the sender.
	Owner string
	// Payment lists the SUI coins that pay. It may be empty to build a
	// transaction for a dry run (simulation), never for execution. The
	// coins must not be inputs of the transaction itself.
	Payment []sui.ObjectRef
	// Price is the gas price in MIST per unit (the reference gas price).
	Price uint64
	// Budget is the most MIST the transaction may spend on gas.
	Budget uint64
}

// Walrus names the on-chain Walrus deployment that transactions call.
type Walrus struct {
	// Package is the package the calls go to: the System object's current
	// package_id (published-at), which changes with upgrades; not the
	// original package ID that Walrus type names use.
	Package string
	// System is the shared System object.
	System sui.SharedObject
}

// NewBlob is one blob to register.
type NewBlob struct {
	BlobID blobid.ID
	// Root is the Merkle root of the blob's metadata (the bytes the blob
	// ID commits to); the contract re-derives the blob ID from it.
	Root [32]byte
	// Size is the unencoded length in bytes.
	Size uint64
	// EncodedSize is the encoded length in bytes (metadata and all
	// slivers for the committee's shard count), the storage reserved for
	// the blob when Storage is nil; unused otherwise.
	EncodedSize uint64
	// Deletable makes the blob deletable by its owner before it expires.
	Deletable bool
	// Storage, when set, is an owned Storage object that is used whole for
	// the blob instead of reserving new space; it must be at least as
	// large as the encoded blob and cover the epochs wanted.
	Storage *sui.ObjectRef
	// Pool, when positive, takes the blob's storage from
	// Register.Pools[Pool-1] instead: Take bytes of it (0 means
	// EncodedSize, the least register_blob accepts). Not with Storage.
	Pool int
	Take uint64
	// Attributes are set on the new Blob object in the same transaction
	// (blob::insert_or_update_metadata_pair per pair, in order, before
	// the Blob is transferred).
	Attributes []Attribute
}

// StoragePool is owned Storage that blobs of one Register take their
// storage from, so that Storage objects left by deleted blobs or bought
// ahead are used up before new space is bought.
//
// Where the pool is first used, Objects[1:] are fused into Objects[0]
// (storage_resource::fuse_amount, which aborts with EIncompatibleEpochs
// unless all cover the same start and end epochs). Each blob then gets its
// share split off (storage_resource::split_by_size(Objects[0], rest), which
// leaves rest bytes in Objects[0] and returns the share as a new Storage).
// Objects[0] stays the sender's with what no blob took; a blob that takes
// all that is left is registered with Objects[0] itself.
type StoragePool struct {
	Objects []sui.ObjectRef
	// Size is the storage size (bytes) of the objects together, as read
	// from the chain; the shares are computed from it.
	Size uint64
}

// Register is a transaction that registers blobs, reserving their storage.
type Register struct {
	// WAL are the WAL coins that pay. Extra coins are merged into the
	// first one, which then pays for every call by &mut.
	WAL []sui.ObjectRef
	// Epochs is how many epochs ahead the new storage lasts (1 to
	// MaxEpochsAhead), for blobs without a Storage. It is not used (and
	// may be 0) when every blob brings its Storage.
	Epochs uint32
	Blobs  []NewBlob
	// Pools are the owned Storage that blobs name by NewBlob.Pool.
	Pools []StoragePool
	// Owner receives the new Blob objects; "" means the sender.
	Owner string
}

// Certify certifies one registered blob with a quorum certificate.
type Certify struct {
	Blob sui.ObjectRef
	// Signature is the aggregated BLS signature (SignatureSize bytes) of
	// the signers over Message.
	Signature []byte
	// Bitmap has bit i%8 of byte i/8 set for each signing committee
	// member i.
	Bitmap []byte
	// Message is the certified-blob message the nodes signed.
	Message []byte
}

// Extend extends one certified blob's storage.
type Extend struct {
	Blob sui.ObjectRef
	// Epochs is how many epochs to add (1 to MaxEpochsAhead; the contract
	// also limits the new end to MaxEpochsAhead epochs from now).
	Epochs uint32
}

// call holds what every Walrus transaction needs, validated.
type call struct {
	b      *builder
	pkg    models.SuiAddressBytes
	system transaction.SharedObjectRef
	sender models.SuiAddressBytes
	gas    gasData
}

// begin checks the sender and gas of a transaction.
func begin(sender string, gas Gas) (*call, error) {
	c := &call{b: newBuilder()}
	var err error
	if c.sender, err = parseAddress(sender, "sender"); err != nil {
		return nil, err
	}
	if c.gas, err = gas.resolve(c.sender); err != nil {
		return nil, err
	}
	return c, nil
}

func (w Walrus) start(sender string, gas Gas) (*call, error) {
	c, err := begin(sender, gas)
	if err != nil {
		return nil, err
	}
	if c.pkg, err = parseAddress(w.Package, "Walrus package"); err != nil {
		return nil, err
	}
	if c.system, err = sharedRef(w.System, "Walrus System object"); err != nil {
		return nil, err
	}
	return c, nil
}

// wal adds the WAL coins and, for more than one, merges them into the
// first; it returns the argument of the coin that pays.
func (c *call) wal(coins []sui.ObjectRef) (transaction.Argument, error) {
	if len(coins) == 0 {
		return transaction.Argument{}, errors.New("no WAL coin to pay with")
	}
	args := make([]transaction.Argument, len(coins))
	for i, coin := range coins {
		what := fmt.Sprintf("WAL coin %d", i)
		ref, err := objectRef(coin, what)
		if err != nil {
			return transaction.Argument{}, err
		}
		if args[i], err = c.b.ownedObject(ref, what); err != nil {
			return transaction.Argument{}, err
		}
	}
	if len(args) > 1 {
		c.b.mergeCoins(args[0], args[1:])
	}
	return args[0], nil
}

// object adds one owned object input.
func (c *call) object(r sui.ObjectRef, what string) (transaction.Argument, error) {
	ref, err := objectRef(r, what)
	if err != nil {
		return transaction.Argument{}, err
	}
	return c.b.ownedObject(ref, what)
}

func (c *call) systemArg(mutable bool) transaction.Argument { return c.b.shared(c.system, mutable) }

func (c *call) recipient(owner, what string) (models.SuiAddressBytes, error) {
	if owner == "" {
		return c.sender, nil
	}
	return parseAddress(owner, what)
}

func (c *call) finish() ([]byte, error) { return c.b.finish(c.sender, c.gas) }

func checkEpochs(e uint32, what string) error {
	if e == 0 || e > MaxEpochsAhead {
		return fmt.Errorf("%s: %d epochs, want 1 to %d", what, e, MaxEpochsAhead)
	}
	return nil
}

// Register builds a transaction that, for each blob in order, gets its
// storage (system::reserve_space; or an owned Storage; or a share of a
// StoragePool) and registers it (system::register_blob), paying from the
// merged WAL coin, then transfers all new Blob objects to r.Owner in one
// command.
//
// Commands: [MergeCoins] then per blob [reserve_space] or, for a pool's
// first blob, one fuse_amount per extra pool object, then for a pool share
// [split_by_size] (none for the share that empties the pool); then
// register_blob; then one blob::insert_or_update_metadata_pair per
// attribute of the blob; then TransferObjects. An owned Storage becomes an input
// where it is first used. The Blob objects are the results of the
// register_blob calls, in the order of r.Blobs.
func (w Walrus) Register(sender string, gas Gas, r Register) (_ []byte, err error) {
	defer wrap(&err, "register")
	c, err := w.start(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(r.Blobs) == 0 {
		return nil, errors.New("no blobs")
	}
	reserves := false
	for i, nb := range r.Blobs {
		if nb.BlobID.IsZero() {
			return nil, fmt.Errorf("blob %d: zero blob ID", i)
		}
		if err := checkAttributes(nb.Attributes, fmt.Sprintf("blob %d (%s)", i, nb.BlobID)); err != nil {
			return nil, err
		}
		if nb.Pool == 0 && nb.Take != 0 {
			return nil, fmt.Errorf("blob %d (%s): Take without a pool", i, nb.BlobID)
		}
		if nb.Storage != nil {
			if nb.Pool != 0 {
				return nil, fmt.Errorf("blob %d (%s): both a Storage and a pool", i, nb.BlobID)
			}
			continue
		}
		reserves = reserves || nb.Pool == 0
		if nb.EncodedSize == 0 {
			return nil, fmt.Errorf("blob %d (%s): encoded size 0", i, nb.BlobID)
		}
		if nb.EncodedSize < nb.Size {
			return nil, fmt.Errorf("blob %d (%s): encoded size %d is smaller than the size %d", i, nb.BlobID, nb.EncodedSize, nb.Size)
		}
	}
	pools, err := planPools(r)
	if err != nil {
		return nil, err
	}
	if reserves {
		if err := checkEpochs(r.Epochs, "storage"); err != nil {
			return nil, err
		}
	}
	owner, err := c.recipient(r.Owner, "blob owner")
	if err != nil {
		return nil, err
	}
	wal, err := c.wal(r.WAL)
	if err != nil {
		return nil, err
	}
	b := c.b
	blobs := make([]transaction.Argument, len(r.Blobs))
	for i, nb := range r.Blobs {
		var storage transaction.Argument
		switch {
		case nb.Storage != nil:
			// A reused Storage becomes an input here, before the
			// arguments of the register_blob call below.
			if storage, err = c.object(*nb.Storage, fmt.Sprintf("Storage of blob %d (%s)", i, nb.BlobID)); err != nil {
				return nil, err
			}
		case nb.Pool != 0:
			k := nb.Pool - 1
			if storage, err = c.poolShare(&pools[k], r.Pools[k], k); err != nil {
				return nil, err
			}
		default:
			storage = b.moveCall(c.pkg, "system", "reserve_space",
				c.systemArg(true), b.u64(nb.EncodedSize), b.u32(r.Epochs), wal)
		}
		blobs[i] = b.moveCall(c.pkg, "system", "register_blob",
			c.systemArg(true), storage, b.u256(nb.BlobID), b.u256(nb.Root),
			b.u64(nb.Size), b.u8(encodingRS2), b.bool(nb.Deletable), wal)
		c.setAttributes(blobs[i], nb.Attributes)
	}
	b.transferObjects(blobs, b.address(owner))
	return c.finish()
}

// poolState follows one StoragePool through the transaction.
type poolState struct {
	arg    *transaction.Argument // Objects[0], once the pool is first used
	left   uint64                // bytes still in Objects[0]
	shares []uint64              // the shares still to take, in order
}

// planPools checks the pools and the shares the blobs take from them.
func planPools(r Register) ([]poolState, error) {
	ps := make([]poolState, len(r.Pools))
	for i, p := range r.Pools {
		if len(p.Objects) == 0 {
			return nil, fmt.Errorf("storage pool %d: no Storage objects", i)
		}
		if p.Size == 0 {
			return nil, fmt.Errorf("storage pool %d: size 0", i)
		}
		ps[i].left = p.Size
	}
	for i, nb := range r.Blobs {
		if nb.Pool == 0 {
			continue
		}
		if nb.Pool < 0 || nb.Pool > len(r.Pools) {
			return nil, fmt.Errorf("blob %d (%s): pool %d, want 1 to %d (Register.Pools index + 1)", i, nb.BlobID, nb.Pool, len(r.Pools))
		}
		p := &ps[nb.Pool-1]
		take := nb.Take
		if take == 0 {
			take = nb.EncodedSize
		}
		if take < nb.EncodedSize {
			return nil, fmt.Errorf("blob %d (%s): takes %d bytes of storage, less than its encoded size %d", i, nb.BlobID, take, nb.EncodedSize)
		}
		if take > p.left {
			if p.left == 0 {
				return nil, fmt.Errorf("blob %d (%s): storage pool %d is used up by earlier blobs", i, nb.BlobID, nb.Pool-1)
			}
			return nil, fmt.Errorf("blob %d (%s): takes %d bytes of storage, storage pool %d has %d left", i, nb.BlobID, take, nb.Pool-1, p.left)
		}
		p.left -= take
		p.shares = append(p.shares, take)
	}
	for i := range ps {
		if len(ps[i].shares) == 0 {
			return nil, fmt.Errorf("storage pool %d: no blob takes from it", i)
		}
		ps[i].left = r.Pools[i].Size
	}
	return ps, nil
}

// poolShare returns the Storage argument for the next share of pool p,
// fusing the pool's objects at its first use.
func (c *call) poolShare(p *poolState, pool StoragePool, index int) (transaction.Argument, error) {
	b := c.b
	take := p.shares[0]
	p.shares = p.shares[1:]
	if p.arg == nil {
		first, err := c.object(pool.Objects[0], fmt.Sprintf("Storage 0 of pool %d", index))
		if err != nil {
			return transaction.Argument{}, err
		}
		for j, o := range pool.Objects[1:] {
			other, err := c.object(o, fmt.Sprintf("Storage %d of pool %d", j+1, index))
			if err != nil {
				return transaction.Argument{}, err
			}
			b.moveCall(c.pkg, "storage_resource", "fuse_amount", first, other)
		}
		p.arg = &first
	}
	p.left -= take
	if p.left == 0 {
		return *p.arg, nil // the last share: Objects[0] itself
	}
	// split_by_size keeps its amount in the &mut Storage and returns the
	// rest, which is the share here.
	return b.moveCall(c.pkg, "storage_resource", "split_by_size", *p.arg, b.u64(p.left)), nil
}

// Certify builds a transaction that certifies each blob in order
// (system::certify_blob, with the System object immutable).
func (w Walrus) Certify(sender string, gas Gas, cs []Certify) (_ []byte, err error) {
	defer wrap(&err, "certify")
	c, err := w.start(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, errors.New("no blobs")
	}
	for i, ct := range cs {
		switch {
		case len(ct.Signature) != SignatureSize:
			return nil, fmt.Errorf("blob %d (%s): signature is %d bytes, want %d", i, ct.Blob.ID, len(ct.Signature), SignatureSize)
		case len(ct.Bitmap) == 0:
			return nil, fmt.Errorf("blob %d (%s): empty signers bitmap", i, ct.Blob.ID)
		case len(ct.Message) < minCertMessage || !bytes.HasPrefix(ct.Message, certIntent):
			return nil, fmt.Errorf("blob %d (%s): message of %d bytes is not a certified-blob message (want at least %d bytes starting %x)", i, ct.Blob.ID, len(ct.Message), minCertMessage, certIntent)
		}
	}
	b := c.b
	for i, ct := range cs {
		system := c.systemArg(false) // first use of an input fixes its position
		blob, err := c.object(ct.Blob, fmt.Sprintf("Blob %d", i))
		if err != nil {
			return nil, err
		}
		b.moveCall(c.pkg, "system", "certify_blob",
			system, blob, b.bytes(ct.Signature), b.bytes(ct.Bitmap), b.bytes(ct.Message))
	}
	return c.finish()
}

// Extend builds a transaction that extends each blob's storage in order
// (system::extend_blob), paying from the merged WAL coins.
//
// Commands: [MergeCoins] then one extend_blob per blob.
func (w Walrus) Extend(sender string, gas Gas, walCoins []sui.ObjectRef, es []Extend) (_ []byte, err error) {
	defer wrap(&err, "extend")
	c, err := w.start(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, errors.New("no blobs")
	}
	for i, e := range es {
		if err := checkEpochs(e.Epochs, fmt.Sprintf("blob %d (%s)", i, e.Blob.ID)); err != nil {
			return nil, err
		}
	}
	wal, err := c.wal(walCoins)
	if err != nil {
		return nil, err
	}
	b := c.b
	for i, e := range es {
		system := c.systemArg(true)
		blob, err := c.object(e.Blob, fmt.Sprintf("Blob %d", i))
		if err != nil {
			return nil, err
		}
		b.moveCall(c.pkg, "system", "extend_blob", system, blob, b.u32(e.Epochs), wal)
	}
	return c.finish()
}

// Delete builds a transaction that deletes deletable blobs
// (system::delete_blob, System immutable as the function takes &System)
// and transfers the Storage objects they free to owner ("" = sender) in
// one command, so that they can be reused for new blobs.
//
// Commands: one delete_blob per blob, then TransferObjects.
func (w Walrus) Delete(sender string, gas Gas, blobs []sui.ObjectRef, owner string) (_ []byte, err error) {
	defer wrap(&err, "delete")
	c, err := w.start(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(blobs) == 0 {
		return nil, errors.New("no blobs")
	}
	to, err := c.recipient(owner, "storage owner")
	if err != nil {
		return nil, err
	}
	b := c.b
	storages := make([]transaction.Argument, len(blobs))
	for i, r := range blobs {
		system := c.systemArg(false)
		blob, err := c.object(r, fmt.Sprintf("Blob %d", i))
		if err != nil {
			return nil, err
		}
		storages[i] = b.moveCall(c.pkg, "system", "delete_blob", system, blob)
	}
	b.transferObjects(storages, b.address(to))
	return c.finish()
}

// Burn builds a transaction that destroys Blob objects (blob::burn). The
// data of a permanent blob stays stored until its end epoch; burning only
// gives up the object (and with it any way to extend it).
func (w Walrus) Burn(sender string, gas Gas, blobs []sui.ObjectRef) (_ []byte, err error) {
	defer wrap(&err, "burn")
	c, err := w.start(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(blobs) == 0 {
		return nil, errors.New("no blobs")
	}
	for i, r := range blobs {
		blob, err := c.object(r, fmt.Sprintf("Blob %d", i))
		if err != nil {
			return nil, err
		}
		c.b.moveCall(c.pkg, "blob", "burn", blob)
	}
	return c.finish()
}
