package chain

import (
	"encoding/binary"
	"errors"

	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// The Walrus calls, after mainnet-contracts/walrus/sources (package
// version 3): system.move (entry points, version check), then
// system/system_state_inner.move, system/blob.move,
// system/storage_resource.move, system/messages.move,
// system/bls_aggregate.move, system/encoding.move + redstuff.move and
// system/events.move. Abort codes and their modules are the Move ones.

const (
	bytesPerUnit = 1 << 20 // system_state_inner.move BYTES_PER_UNIT_SIZE
	encodingRS2  = 1       // encoding.move RS2
)

func (x *exec) walType() string     { return coinPrefix + x.st.G.WALPkg + "::wal::WAL>" }
func (x *exec) blobType() string    { return x.st.G.WalrusPkg + "::blob::Blob" }
func (x *exec) storageType() string { return x.st.G.WalrusPkg + "::storage_resource::Storage" }
func (x *exec) systemType() string  { return x.st.G.WalrusPkg + "::system::System" }

func storageUnits(size uint64) uint64 { return size/bytesPerUnit + min(size%bytesPerUnit, 1) }

// encodedLength is redstuff::encoded_blob_length; ok false is the
// arithmetic abort of the u16 symbol-size cast.
func encodedLength(size uint64, n uint16) (uint64, bool) {
	f := (n - 1) / 3
	p, s := uint64(n-2*f), uint64(n-f)
	size = max(size, 1)
	ss := (size-1)/(p*s) + 1
	if ss > 0xffff {
		return 0, false
	}
	if ss%2 == 1 {
		ss++
	}
	if ss > 0xffff {
		return 0, false
	}
	meta := uint64(n)*32*2 + 32
	return uint64(n) * ((p+s)*ss + meta), true
}

// deriveBlobID is blob::derive_blob_id: blake2b256(bcs(BlobIdDerivation
// { encoding_type: u8, size: u64, root_hash: u256 })) read as a u256.
func deriveBlobID(root [32]byte, enc uint8, size uint64) [32]byte {
	return blake([]byte{enc}, binary.LittleEndian.AppendUint64(nil, size), root[:])
}

// pay is process_storage_payments / the write payment: split due from
// the WAL coin for each epoch offset in [from, to) into the ring.
func (x *exec) pay(coin *object, due uint64, from, to uint32, fn string) *failure {
	for i := from; i < to; i++ {
		bal := coinValue(coin)
		if bal < due {
			return abortIn("balance", "split", 2) // balance::ENotEnough
		}
		setCoinValue(coin, bal-due)
		a, ok := x.sys.lookup(i)
		if !ok {
			return abortIn("storage_accounting", "ring_lookup_mut", 0)
		}
		a.Rewards += due
	}
	x.sysDirt = true
	return nil
}

// reserveSpace is system::reserve_space(&mut System, u64, u32, &mut Coin<WAL>): Storage.
func (x *exec) reserveSpace(args []argument) ([]*value, *failure) {
	const fn = "reserve_space"
	if _, _, f := x.objArg(args[0], 0, x.systemType(), false, true); f != nil {
		return nil, f
	}
	amount, f := x.u64Arg(args[1], 1)
	if f != nil {
		return nil, f
	}
	epochs, f := x.u32Arg(args[2], 2)
	if f != nil {
		return nil, f
	}
	_, coin, f := x.objArg(args[3], 3, x.walType(), false, true)
	if f != nil {
		return nil, f
	}
	maxAhead := uint32(len(x.sys.Ring))
	if epochs == 0 || epochs > maxAhead {
		return nil, abortIn("system_state_inner", fn, 2) // EInvalidEpochsAhead
	}
	start := x.sys.Epoch
	due, ok := mulU64(x.sys.StoragePrice, storageUnits(amount))
	if !ok {
		return nil, &failure{msg: "ArithmeticError"}
	}
	if f := x.pay(coin, due, 0, epochs, fn); f != nil {
		return nil, f
	}
	// reserve_space_without_payment
	if amount == 0 {
		return nil, abortIn("system_state_inner", fn, 11) // EInvalidResourceSize
	}
	for i := range epochs {
		a, _ := x.sys.lookup(i)
		a.Used += amount
		if i == 0 {
			x.sys.Used = a.Used
		}
		if a.Used > x.sys.TotalCapacity {
			return nil, abortIn("system_state_inner", fn, 1) // EStorageExceeded
		}
	}
	s := storageRes{Start: start, End: start + epochs, Size: amount}
	return []*value{x.create(x.storageType(), func(id string) []byte { s.ID = id; return s.bcs(&enc{}).b })}, nil
}

// registerBlob is system::register_blob(&mut System, Storage, u256 blob_id,
// u256 root_hash, u64 size, u8 encoding_type, bool deletable, &mut Coin<WAL>): Blob.
func (x *exec) registerBlob(args []argument) ([]*value, *failure) {
	if _, _, f := x.objArg(args[0], 0, x.systemType(), false, true); f != nil {
		return nil, f
	}
	_, so, f := x.objArg(args[1], 1, x.storageType(), true, true)
	if f != nil {
		return nil, f
	}
	var blobID, root [32]byte
	b, f := x.pureArg(args[2], 2, 32)
	if f != nil {
		return nil, f
	}
	copy(blobID[:], b)
	if b, f = x.pureArg(args[3], 3, 32); f != nil {
		return nil, f
	}
	copy(root[:], b)
	size, f := x.u64Arg(args[4], 4)
	if f != nil {
		return nil, f
	}
	encB, f := x.pureArg(args[5], 5, 1)
	if f != nil {
		return nil, f
	}
	deletable, f := x.boolArg(args[6], 6)
	if f != nil {
		return nil, f
	}
	_, coin, f := x.objArg(args[7], 7, x.walType(), false, true)
	if f != nil {
		return nil, f
	}
	st, err := decodeStorageObj(so.Contents)
	if err != nil {
		return nil, &failure{msg: err.Error()}
	}
	// blob::new
	epoch := x.sys.Epoch
	if epoch < st.Start || epoch >= st.End {
		return nil, abortIn("blob", "new", 2) // EResourceBounds
	}
	if encB[0] != encodingRS2 {
		return nil, abortIn("encoding", "encoded_blob_length", 0) // EInvalidEncodingType
	}
	encoded, ok := encodedLength(size, x.st.G.NShards)
	if !ok {
		return nil, &failure{msg: "ArithmeticError"}
	}
	if encoded > st.Size {
		return nil, abortIn("blob", "new", 3) // EResourceSize
	}
	if deriveBlobID(root, encB[0], size) != blobID {
		return nil, abortIn("blob", "new", 6) // EInvalidBlobId
	}
	x.remove(so.ID, wrappedDigest)
	bl := blobObj{Registered: epoch, BlobID: blobID, Size: size, Encoding: encB[0], Storage: st, Deletable: deletable}
	v := x.create(x.blobType(), func(id string) []byte { bl.ID = id; return bl.bcs() })
	x.emit("BlobRegistered", (&enc{}).u32(epoch).raw(blobID[:]).u64(size).u8(encB[0]).u32(st.End).boolean(deletable).addr(bl.ID).b)
	// write payment: write price × units(encoded size), into epoch 0.
	due, ok := mulU64(x.sys.WritePrice, storageUnits(encoded))
	if !ok {
		return nil, &failure{msg: "ArithmeticError"}
	}
	if f := x.pay(coin, due, 0, 1, "register_blob"); f != nil {
		return nil, f
	}
	return []*value{v}, nil
}

func (x *exec) emit(name string, bcs []byte) {
	x.events = append(x.events, ledger.Event{Type: x.st.G.WalrusPkg + "::events::" + name, BCS: bcs})
}

func (x *exec) blobArg(a argument, i int, byValue bool) (*object, blobObj, *failure) {
	_, o, f := x.objArg(a, i, x.blobType(), byValue, true)
	if f != nil {
		return nil, blobObj{}, f
	}
	bl, err := decodeBlob(o.Contents)
	if err != nil {
		return nil, blobObj{}, &failure{msg: err.Error()}
	}
	return o, bl, nil
}

func (x *exec) emitCertified(bl blobObj, extension bool) {
	x.emit("BlobCertified", (&enc{}).u32(*bl.Certified).raw(bl.BlobID[:]).u32(bl.Storage.End).boolean(bl.Deletable).addr(bl.ID).boolean(extension).b)
}

// certifyBlob is system::certify_blob(&System, &mut Blob, vector<u8>
// signature, vector<u8> signers_bitmap, vector<u8> message).
func (x *exec) certifyBlob(args []argument) *failure {
	if _, _, f := x.objArg(args[0], 0, x.systemType(), false, false); f != nil {
		return f
	}
	o, bl, f := x.blobArg(args[1], 1, false)
	if f != nil {
		return f
	}
	var parts [3][]byte
	for i := range parts {
		if parts[i], f = x.pureArg(args[2+i], 2+i, -1); f != nil {
			return f
		}
	}
	sig, bitmap, msg := parts[0], parts[1], parts[2]
	// bls_aggregate::verify_quorum_in_epoch
	members := make([]CertMember, len(x.st.G.Members))
	for i, m := range x.st.G.Members {
		members[i] = CertMember{PublicKey: append([]byte(nil), m.PublicKey...), Weight: len(m.Shards)}
	}
	if err := x.check(members, sig, bitmap, msg); err != nil {
		code := uint64(1) // ESigVerification
		var ac interface{ AbortCode() uint64 }
		if errors.As(err, &ac) {
			code = ac.AbortCode()
		}
		return abortIn("bls_aggregate", "verify_certificate_and_weight", code)
	}
	// messages::new_certified_message, peeling and checking in order; a
	// short message aborts in sui::bcs (EOutOfRange).
	d := &dec{b: msg}
	intentType, intentVersion := d.u8(), d.u8()
	if d.err != nil {
		return abortIn("bcs", "peel_u8", 0)
	}
	if intentVersion != 0 {
		return abortIn("messages", "new_certified_message", 3) // EIncorrectIntentVersion
	}
	if app := d.u8(); d.err != nil {
		return abortIn("bcs", "peel_u8", 0)
	} else if app != 3 {
		return abortIn("messages", "new_certified_message", 0) // EIncorrectAppId
	}
	if certEpoch := d.u32(); d.err != nil {
		return abortIn("bcs", "peel_u32", 0)
	} else if certEpoch != x.sys.Epoch {
		// Before system_state_inner's EInvalidIdEpoch (3) can be reached:
		// the committee's epoch is the system's.
		return abortIn("messages", "new_certified_message", 1) // EIncorrectEpoch
	}
	if intentType != 1 {
		return abortIn("messages", "certify_blob_message", 2) // EInvalidMsgType
	}
	var msgID [32]byte
	copy(msgID[:], d.take(32))
	kind := d.u8()
	var objectID string
	if kind == 1 {
		objectID = d.addr()
	}
	if d.err != nil {
		return abortIn("bcs", "peel_u256", 0)
	}
	if kind > 1 {
		return abortIn("messages", "peel_blob_persistence_type", 4)
	}
	// blob::certify_with_certified_msg
	epoch := x.sys.Epoch
	switch {
	case bl.BlobID != msgID:
		return abortIn("blob", "certify_with_certified_msg", 6) // EInvalidBlobId
	case bl.Certified != nil:
		return abortIn("blob", "certify_with_certified_msg", 5) // EAlreadyCertified
	case epoch >= bl.Storage.End:
		return abortIn("blob", "certify_with_certified_msg", 2) // EResourceBounds
	case bl.Deletable != (kind == 1):
		return abortIn("blob", "certify_with_certified_msg", 9) // EInvalidBlobPersistenceType
	case bl.Deletable && objectID != bl.ID:
		return abortIn("blob", "certify_with_certified_msg", 10) // EInvalidBlobObject
	}
	bl.Certified = &epoch
	o.Contents = bl.bcs()
	x.emitCertified(bl, false)
	return nil
}

// extendBlob is system::extend_blob(&mut System, &mut Blob, u32, &mut Coin<WAL>).
func (x *exec) extendBlob(args []argument) *failure {
	const fn = "extend_blob"
	if _, _, f := x.objArg(args[0], 0, x.systemType(), false, true); f != nil {
		return f
	}
	o, bl, f := x.blobArg(args[1], 1, false)
	if f != nil {
		return f
	}
	extra, f := x.u32Arg(args[2], 2)
	if f != nil {
		return f
	}
	_, coin, f := x.objArg(args[3], 3, x.walType(), false, true)
	if f != nil {
		return f
	}
	epoch := x.sys.Epoch
	if bl.Certified == nil {
		return abortIn("blob", "assert_certified_not_expired", 0) // ENotCertified
	}
	if epoch >= bl.Storage.End {
		return abortIn("blob", "assert_certified_not_expired", 2) // EResourceBounds
	}
	from := bl.Storage.End - epoch
	to := from + extra
	if to < from {
		return &failure{msg: "ArithmeticError"}
	}
	if extra == 0 || to > uint32(len(x.sys.Ring)) {
		return abortIn("system_state_inner", fn, 2) // EInvalidEpochsAhead
	}
	due, ok := mulU64(x.sys.StoragePrice, storageUnits(bl.Storage.Size))
	if !ok {
		return &failure{msg: "ArithmeticError"}
	}
	if f := x.pay(coin, due, from, to, fn); f != nil {
		return f
	}
	for i := from; i < to; i++ {
		a, _ := x.sys.lookup(i)
		a.Used += bl.Storage.Size
		if a.Used > x.sys.TotalCapacity {
			return abortIn("system_state_inner", fn, 1) // EStorageExceeded
		}
	}
	bl.Storage.End += extra
	o.Contents = bl.bcs()
	x.emitCertified(bl, true)
	return nil
}

// deleteBlob is system::delete_blob(&System, Blob): Storage (blob::delete).
func (x *exec) deleteBlob(args []argument) ([]*value, *failure) {
	if _, _, f := x.objArg(args[0], 0, x.systemType(), false, false); f != nil {
		return nil, f
	}
	o, bl, f := x.blobArg(args[1], 1, true)
	if f != nil {
		return nil, f
	}
	epoch := x.sys.Epoch
	if !bl.Deletable {
		return nil, abortIn("blob", "delete", 1) // EBlobNotDeletable
	}
	if bl.Storage.End <= epoch {
		return nil, abortIn("blob", "delete", 2) // EResourceBounds
	}
	x.dropMetadata(o.ID)
	x.remove(o.ID, deletedDigest)
	x.emit("BlobDeleted", (&enc{}).u32(epoch).raw(bl.BlobID[:]).u32(bl.Storage.End).addr(bl.ID).boolean(bl.Certified != nil).b)
	// The Storage inside is unwrapped: it reappears under its own ID.
	st := bl.Storage
	x.objs[st.ID] = &object{ID: st.ID, Type: x.storageType(), Contents: st.bcs(&enc{}).b}
	delete(x.gone, st.ID)
	return []*value{{obj: st.ID, result: true}}, nil
}

// burn is blob::burn(Blob): the blob and its storage are destroyed.
func (x *exec) burn(args []argument) *failure {
	o, _, f := x.blobArg(args[0], 0, true)
	if f != nil {
		return f
	}
	x.dropMetadata(o.ID)
	x.remove(o.ID, deletedDigest)
	return nil
}
