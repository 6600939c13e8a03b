package chain

import (
	"encoding/binary"

	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// object is one version of a Sui object in the store.
type object struct {
	ID       string
	Version  uint64
	Type     string
	Owner    ledger.Owner
	Contents []byte // BCS of the Move struct
	// ObjectOwner marks an object owned by another object (dynamic
	// fields, ObjectTable entries): Owner.Address is then the parent's ID.
	ObjectOwner bool
	// Rebate is the storage rebate paid back when this version is
	// overwritten or deleted (MIST).
	Rebate uint64
	// Dynamic field metadata, if this is a 0x2::dynamic_field::Field.
	Parent    string `json:",omitempty"`
	NameType  string `json:",omitempty"`
	NameBCS   []byte `json:",omitempty"`
	ValueType string `json:",omitempty"`
}

// digest is deterministic: base58(blake2b256(contents ‖ version ‖ type)).
func (o *object) digest() string {
	return base58(digestBytes(o))
}

func digestBytes(o *object) []byte {
	d := blake(o.Contents, binary.LittleEndian.AppendUint64(nil, o.Version), []byte(o.Type))
	return d[:]
}

func (o *object) clone() *object {
	c := *o
	c.Contents = append([]byte(nil), o.Contents...)
	c.NameBCS = append([]byte(nil), o.NameBCS...)
	return &c
}

func (o *object) ledger() *ledger.Object {
	lo := &ledger.Object{ID: o.ID, Version: o.Version, Digest: o.digest(), Type: o.Type, Owner: o.Owner,
		Contents: append([]byte(nil), o.Contents...)}
	if isCoinType(o.Type) && len(o.Contents) == 40 {
		lo.Balance = binary.LittleEndian.Uint64(o.Contents[32:])
	}
	return lo
}

// Type names.
const (
	suiCoinType = "0x2::coin::Coin<0x2::sui::SUI>"
	coinPrefix  = "0x2::coin::Coin<"
	fieldPrefix = "0x2::dynamic_field::Field<"
)

func isCoinType(t string) bool { return len(t) > len(coinPrefix) && t[:len(coinPrefix)] == coinPrefix }

// --- Move structs the devnet mutates ---

// coin is 0x2::coin::Coin<T> { id: UID, balance: Balance<T> { value: u64 } }.
func coinBCS(id string, value uint64) []byte { return (&enc{}).addr(id).u64(value).b }

func coinValue(o *object) uint64 { return binary.LittleEndian.Uint64(o.Contents[32:40]) }

func setCoinValue(o *object, v uint64) { binary.LittleEndian.PutUint64(o.Contents[32:40], v) }

// storageRes is storage_resource::Storage { id: UID, start_epoch: u32,
// end_epoch: u32, storage_size: u64 } (system/storage_resource.move).
type storageRes struct {
	ID         string
	Start, End uint32
	Size       uint64
}

func (s storageRes) bcs(e *enc) *enc { return e.addr(s.ID).u32(s.Start).u32(s.End).u64(s.Size) }

func decodeStorage(d *dec) storageRes {
	return storageRes{ID: d.addr(), Start: d.u32(), End: d.u32(), Size: d.u64()}
}

// blobObj is blob::Blob { id: UID, registered_epoch: u32, blob_id: u256,
// size: u64, encoding_type: u8, certified_epoch: Option<u32>, storage:
// Storage, deletable: bool } (system/blob.move).
type blobObj struct {
	ID         string
	Registered uint32
	BlobID     [32]byte // u256 little-endian = the blob ID bytes
	Size       uint64
	Encoding   uint8
	Certified  *uint32
	Storage    storageRes
	Deletable  bool
}

func (b blobObj) bcs() []byte {
	e := (&enc{}).addr(b.ID).u32(b.Registered).raw(b.BlobID[:]).u64(b.Size).u8(b.Encoding)
	if b.Certified != nil {
		e.uleb(1).u32(*b.Certified)
	} else {
		e.uleb(0)
	}
	return b.Storage.bcs(e).boolean(b.Deletable).b
}

func decodeBlob(b []byte) (blobObj, error) {
	d := &dec{b: b}
	bl := blobObj{ID: d.addr(), Registered: d.u32()}
	copy(bl.BlobID[:], d.take(32))
	bl.Size, bl.Encoding = d.u64(), d.u8()
	switch n := d.uleb(); n {
	case 0:
	case 1:
		v := d.u32()
		bl.Certified = &v
	default:
		d.fail("Option length %d", n)
	}
	bl.Storage = decodeStorage(d)
	bl.Deletable = d.boolean()
	return bl, d.done("blob::Blob")
}

func decodeStorageObj(b []byte) (storageRes, error) {
	d := &dec{b: b}
	s := decodeStorage(d)
	return s, d.done("storage_resource::Storage")
}

// --- object IDs ---

// deriveID is a created object's ID: blake2b256(0xf1 ‖ tx digest ‖ u64
// creation number), as Sui derives it (ObjectID::derive_id).
func deriveID(txDigest []byte, n uint64) string {
	h := blake([]byte{0xf1}, txDigest, binary.LittleEndian.AppendUint64(nil, n))
	return hexAddr(h[:])
}

// fieldID is a dynamic field object's ID: blake2b256(0xf0 ‖ parent ‖ u64
// len(key) ‖ key ‖ key type), after Sui's derive_dynamic_field_id (the
// key type is hashed as its BCS TypeTag for u64 and vector<u8>, exactly
// as Sui and the SDKs derive it; as its name otherwise).
func fieldID(parent string, nameType string, key []byte) string {
	tag := []byte(nameType)
	switch nameType {
	case "u64":
		tag = []byte{2}
	case "vector<u8>":
		tag = []byte{6, 1}
	}
	h := blake([]byte{0xf0}, addrBytes(parent), binary.LittleEndian.AppendUint64(nil, uint64(len(key))), key, tag)
	return hexAddr(h[:])
}

// genesisID names a genesis object by label.
func genesisID(label string) string {
	h := blake([]byte("walrusfs devnet genesis\x00"), []byte(label))
	return hexAddr(h[:])
}

// addField stores a dynamic field Field<K, V> { id, name, value } of
// parent, owned by parent, and returns its ID.
func (s *state) addField(parent, nameType string, name []byte, valueType string, value []byte) string {
	id := fieldID(parent, nameType, name)
	contents := (&enc{}).addr(id).raw(name).raw(value).b
	s.Objects[id] = &object{
		ID: id, Version: 1, Type: fieldPrefix + nameType + ", " + valueType + ">",
		Owner: ledger.Owner{Address: parent}, ObjectOwner: true, Contents: contents,
		Parent: parent, NameType: nameType, NameBCS: append([]byte(nil), name...), ValueType: valueType,
	}
	return id
}

// extendedField creates walrus::extended_field::ExtendedField<T> { id }
// whose value lives in a dynamic field keyed by Key() (a struct without
// fields, BCS one dummy bool byte) and returns the BCS of the struct.
func (s *state) extendedField(label, valueType string, value []byte) []byte {
	uid := genesisID(label)
	s.addField(uid, s.G.WalrusPkg+"::extended_field::Key", []byte{0}, valueType, value)
	return addrBytes(uid)
}
