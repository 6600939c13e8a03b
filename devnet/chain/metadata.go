package chain

import (
	"unicode/utf8"
)

// Blob attributes, after mainnet-contracts/walrus/sources/system/blob.move
// (=== Metadata ===) and metadata.move: a walrus::metadata::Metadata
// { metadata: VecMap<String, String> } kept in the Blob's dynamic field
// named b"metadata" (key type vector<u8>), created by the first
// insert_or_update_metadata_pair and removed with the Blob by delete_blob
// and burn. VecMap is sui::vec_map (insertion order; remove shifts the
// rest down; metadata::insert_or_update removes an existing key and
// inserts it again, so an updated key moves to the end).

// metadataName is the BCS of the field name b"metadata" (vector<u8>).
var metadataName = (&enc{}).str("metadata").b

const metadataNameType = "vector<u8>"

func (x *exec) metadataType() string { return x.st.G.WalrusPkg + "::metadata::Metadata" }

// pair is one VecMap entry.
type pair struct{ Key, Value string }

func metadataBCS(ps []pair) []byte {
	e := (&enc{}).uleb(len(ps))
	for _, p := range ps {
		e.str(p.Key).str(p.Value)
	}
	return e.b
}

func decodeMetadata(b []byte) ([]pair, error) {
	d := &dec{b: b}
	n := d.uleb()
	var ps []pair
	for i := 0; i < n && d.err == nil; i++ {
		ps = append(ps, pair{d.str(), d.str()})
	}
	return ps, d.done("metadata::Metadata")
}

// live returns the working copy of object id, nil if it does not exist
// or was removed in this transaction.
func (x *exec) live(id string) *object {
	if _, gone := x.gone[id]; gone {
		return nil
	}
	return x.get(id)
}

// metadataField returns the Blob's metadata field object (working copy)
// and its pairs; nil if the Blob has none.
func (x *exec) metadataField(blobID string) (*object, []pair, *failure) {
	o := x.live(fieldID(blobID, metadataNameType, metadataName))
	if o == nil {
		return nil, nil, nil
	}
	ps, err := decodeMetadata(o.Contents[32+len(metadataName):])
	if err != nil {
		return nil, nil, &failure{msg: err.Error()}
	}
	return o, ps, nil
}

// setMetadata writes the pairs into the field object, creating it (owned
// by the Blob) when o is nil.
func (x *exec) setMetadata(blobID string, o *object, ps []pair) {
	if o == nil {
		id := fieldID(blobID, metadataNameType, metadataName)
		o = &object{ID: id, Type: fieldPrefix + metadataNameType + ", " + x.metadataType() + ">",
			ObjectOwner: true, Parent: blobID, NameType: metadataNameType,
			NameBCS: append([]byte(nil), metadataName...), ValueType: x.metadataType()}
		o.Owner.Address = blobID
		delete(x.gone, id)
		x.objs[id] = o
	}
	o.Contents = (&enc{}).addr(o.ID).raw(metadataName).raw(metadataBCS(ps)).b
}

// dropMetadata is dynamic_field::remove_opt<_, Metadata>(&mut id, b"metadata")
// of blob::delete and blob::burn.
func (x *exec) dropMetadata(blobID string) {
	id := fieldID(blobID, metadataNameType, metadataName)
	if x.live(id) != nil {
		x.remove(id, deletedDigest)
	}
}

// stringArg returns argument i as a Move String: BCS vector<u8> holding
// UTF-8 (Sui checks the UTF-8 when it deserializes the pure argument).
func (x *exec) stringArg(a argument, i int) (string, *failure) {
	b, f := x.pureArg(a, i, -1)
	if f != nil {
		return "", f
	}
	if !utf8.Valid(b) {
		return "", argError(i, "InvalidBCSBytes")
	}
	return string(b), nil
}

func findPair(ps []pair, key string) int {
	for i, p := range ps {
		if p.Key == key {
			return i
		}
	}
	return -1
}

// insertOrUpdateMetadataPair is blob::insert_or_update_metadata_pair(&mut
// Blob, String, String): metadata_or_create, then metadata::insert_or_update.
func (x *exec) insertOrUpdateMetadataPair(args []argument) *failure {
	o, _, f := x.blobArg(args[0], 0, false)
	if f != nil {
		return f
	}
	key, f := x.stringArg(args[1], 1)
	if f != nil {
		return f
	}
	value, f := x.stringArg(args[2], 2)
	if f != nil {
		return f
	}
	field, ps, f := x.metadataField(o.ID)
	if f != nil {
		return f
	}
	x.setMetadata(o.ID, field, insertOrUpdate(ps, key, value))
	return nil
}

// insertOrUpdate is metadata::insert_or_update: an existing key is removed
// (vec_map::remove shifts the rest down) and the pair appended.
func insertOrUpdate(ps []pair, key, value string) []pair {
	if i := findPair(ps, key); i >= 0 {
		ps = append(ps[:i], ps[i+1:]...)
	}
	return append(ps, pair{key, value})
}

// removeResult is what metadata::remove(_if_exists) returns for removed
// pair p (nil when the key was absent): (String, String) or
// Option<String>.
func removeResult(p *pair, ifExists bool) []*value {
	switch {
	case !ifExists:
		return []*value{{pure: (&enc{}).str(p.Key).b}, {pure: (&enc{}).str(p.Value).b}}
	case p == nil:
		return []*value{{pure: []byte{0}}}
	}
	return []*value{{pure: (&enc{}).uleb(1).str(p.Value).b}}
}

// removeMetadataPair is blob::remove_metadata_pair(&mut Blob, &String):
// (String, String) (ifExists false: aborts with EMissingMetadata (8) in
// blob::metadata without metadata, EKeyDoesNotExist (1) in
// vec_map::get_idx without the key) and
// blob::remove_metadata_pair_if_exists(&mut Blob, &String): Option<String>.
func (x *exec) removeMetadataPair(args []argument, ifExists bool) ([]*value, *failure) {
	o, _, f := x.blobArg(args[0], 0, false)
	if f != nil {
		return nil, f
	}
	key, f := x.stringArg(args[1], 1)
	if f != nil {
		return nil, f
	}
	field, ps, f := x.metadataField(o.ID)
	if f != nil {
		return nil, f
	}
	if field == nil {
		if ifExists {
			return removeResult(nil, true), nil
		}
		return nil, abortIn("blob", "metadata", 8) // EMissingMetadata
	}
	i := findPair(ps, key)
	if i < 0 {
		if ifExists {
			return removeResult(nil, true), nil
		}
		return nil, abortIn("vec_map", "get_idx", 1) // EKeyDoesNotExist
	}
	p := ps[i]
	x.setMetadata(o.ID, field, append(ps[:i], ps[i+1:]...))
	return removeResult(&p, ifExists), nil
}

// metaArg resolves argument i as a Metadata value; byValue moves it.
func (x *exec) metaArg(a argument, i int, byValue bool) (*value, *failure) {
	v, f := x.arg(a)
	if f != nil {
		return nil, f
	}
	if v.meta == nil {
		return nil, argError(i, "TypeMismatch")
	}
	if v.moved {
		return nil, argError(i, "InvalidValueUsage")
	}
	if byValue {
		v.moved = true
	}
	return v, nil
}

// blobMetadata is blob::add_metadata(&mut Blob, Metadata) (aborts with
// EDuplicateMetadata (7) if the Blob has metadata),
// add_or_replace_metadata(&mut Blob, Metadata): Option<Metadata> and
// take_metadata(&mut Blob): Metadata (aborts with EMissingMetadata (8)).
// The Option<Metadata> result is kept as its BCS: the devnet runs no
// call that takes it.
func (x *exec) blobMetadata(fn string, args []argument) ([]*value, *failure) {
	o, _, f := x.blobArg(args[0], 0, false)
	if f != nil {
		return nil, f
	}
	var m *value
	if fn != "take_metadata" {
		if m, f = x.metaArg(args[1], 1, true); f != nil {
			return nil, f
		}
	}
	field, ps, f := x.metadataField(o.ID)
	if f != nil {
		return nil, f
	}
	switch fn {
	case "add_metadata":
		if field != nil {
			return nil, abortIn("blob", "add_metadata", 7) // EDuplicateMetadata
		}
		x.setMetadata(o.ID, nil, *m.meta)
		return nil, nil
	case "add_or_replace_metadata":
		old := []byte{0}
		if field != nil {
			old = append([]byte{1}, metadataBCS(ps)...)
			x.remove(field.ID, deletedDigest)
		}
		x.setMetadata(o.ID, nil, *m.meta)
		return []*value{{pure: old}}, nil
	}
	if field == nil {
		return nil, abortIn("blob", "take_metadata", 8) // EMissingMetadata
	}
	x.remove(field.ID, deletedDigest)
	return []*value{{meta: &ps, result: true}}, nil
}

// metadataValue runs the functions of walrus::metadata on a Metadata
// value: new(): Metadata, insert_or_update(&mut Metadata, String,
// String), remove(&mut Metadata, &String): (String, String) (aborts in
// vec_map::get_idx with EKeyDoesNotExist (1)) and
// remove_if_exists(&mut Metadata, &String): Option<String>.
func (x *exec) metadataValue(fn string, args []argument) ([]*value, *failure) {
	if fn == "new" {
		return []*value{{meta: &[]pair{}, result: true}}, nil
	}
	m, f := x.metaArg(args[0], 0, false)
	if f != nil {
		return nil, f
	}
	key, f := x.stringArg(args[1], 1)
	if f != nil {
		return nil, f
	}
	if fn == "insert_or_update" {
		value, f := x.stringArg(args[2], 2)
		if f != nil {
			return nil, f
		}
		*m.meta = insertOrUpdate(*m.meta, key, value)
		return nil, nil
	}
	i := findPair(*m.meta, key)
	if i < 0 {
		if fn == "remove_if_exists" {
			return removeResult(nil, true), nil
		}
		return nil, abortIn("vec_map", "get_idx", 1) // EKeyDoesNotExist
	}
	p := (*m.meta)[i]
	*m.meta = append((*m.meta)[:i], (*m.meta)[i+1:]...)
	return removeResult(&p, fn == "remove_if_exists"), nil
}
