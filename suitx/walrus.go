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
	// Storage, when set, is an owned Storage object that is used for the
	// blob instead of reserving new space; it must be at least as large as
	// the encoded blob and cover the epochs wanted.
	Storage *sui.ObjectRef
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

// Register builds a transaction that, for each blob in order, reserves its
// storage (system::reserve_space, unless the blob brings a Storage) and
// registers it (system::register_blob), paying from the merged WAL coin,
// then transfers all new Blob objects to r.Owner in one command.
//
// Commands: [MergeCoins] then per blob [reserve_space] register_blob, then
// TransferObjects. The Blob objects are the results of the register_blob
// calls, in the order of r.Blobs.
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
		if nb.Storage != nil {
			continue
		}
		reserves = true
		if nb.EncodedSize == 0 {
			return nil, fmt.Errorf("blob %d (%s): encoded size 0", i, nb.BlobID)
		}
		if nb.EncodedSize < nb.Size {
			return nil, fmt.Errorf("blob %d (%s): encoded size %d is smaller than the size %d", i, nb.BlobID, nb.EncodedSize, nb.Size)
		}
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
		if nb.Storage != nil {
			// A reused Storage becomes an input here, before the
			// arguments of the register_blob call below.
			if storage, err = c.object(*nb.Storage, fmt.Sprintf("Storage of blob %d (%s)", i, nb.BlobID)); err != nil {
				return nil, err
			}
		} else {
			storage = b.moveCall(c.pkg, "system", "reserve_space",
				c.systemArg(true), b.u64(nb.EncodedSize), b.u32(r.Epochs), wal)
		}
		blobs[i] = b.moveCall(c.pkg, "system", "register_blob",
			c.systemArg(true), storage, b.u256(nb.BlobID), b.u256(nb.Root),
			b.u64(nb.Size), b.u8(encodingRS2), b.bool(nb.Deletable), wal)
	}
	b.transferObjects(blobs, b.address(owner))
	return c.finish()
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
