package sui

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
	"golang.org/x/crypto/blake2b"
)

// A Blob object's attributes are a walrus::metadata::Metadata { metadata:
// VecMap<String, String> } in the Blob's dynamic field named b"metadata"
// (key type vector<u8>), written by blob::insert_or_update_metadata_pair
// and removed with the Blob by delete_blob and burn
// (mainnet-contracts/walrus/sources/system/blob.move, metadata.move).
// They are read the way @mysten/walrus readBlobAttributes reads them:
// derive the field's object ID, fetch that object, decode the value.

// metadataFieldName is the BCS of the field name b"metadata": a
// vector<u8> (the same bytes as the Move String "metadata").
var metadataFieldName = append([]byte{8}, "metadata"...)

// vectorU8Tag is the BCS TypeTag of vector<u8> (Vector = 6, U8 = 1).
var vectorU8Tag = []byte{6, 1}

// attributeBatch is how many field objects one read asks for (the
// JSON-RPC multi-get limit; the SDK's gRPC client batches by 50 too).
const attributeBatch = 50

// DynamicFieldID derives the object ID of parent's dynamic field whose
// name has BCS typeTag (a Move TypeTag) and BCS value key, as Sui does
// (derive_dynamic_field_id; @mysten/sui deriveDynamicFieldID):
// blake2b256(0xf0 ‖ parent ‖ u64 LE len(key) ‖ key ‖ typeTag).
func DynamicFieldID(parent string, typeTag, key []byte) (string, error) {
	p, err := NormalizeAddress(parent)
	if err != nil {
		return "", err
	}
	pb, _ := hex.DecodeString(p[2:])
	h, _ := blake2b.New256(nil)
	h.Write([]byte{0xf0})
	h.Write(pb)
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(key))))
	h.Write(key)
	h.Write(typeTag)
	return "0x" + hex.EncodeToString(h.Sum(nil)), nil
}

// MetadataFieldID is the object ID of Blob blobObjectID's attributes
// field (b"metadata"), whether or not it exists.
func MetadataFieldID(blobObjectID string) (string, error) {
	return DynamicFieldID(blobObjectID, vectorU8Tag, metadataFieldName)
}

// BlobAttributes reads the attributes of Blob object blobObjectID. A Blob
// without attributes (never set, or deleted with the Blob) gives an empty
// map and no error; so does an ID that names no object.
func (c *Client) BlobAttributes(ctx context.Context, blobObjectID string) (map[string]string, error) {
	ms, err := c.BlobsAttributes(ctx, []string{blobObjectID})
	if err != nil {
		return nil, err
	}
	return ms[0], nil
}

// BlobsAttributes reads the attributes of several Blob objects, with one
// object read per 50 Blobs; the maps are in the order of the IDs.
func (c *Client) BlobsAttributes(ctx context.Context, blobObjectIDs []string) ([]map[string]string, error) {
	fieldIDs := make([]string, len(blobObjectIDs))
	for i, id := range blobObjectIDs {
		f, err := MetadataFieldID(id)
		if err != nil {
			return nil, fmt.Errorf("sui: attributes of Blob %q: %w", id, err)
		}
		fieldIDs[i] = f
	}
	out := make([]map[string]string, len(blobObjectIDs))
	for start := 0; start < len(fieldIDs); start += attributeBatch {
		end := min(start+attributeBatch, len(fieldIDs))
		what := fmt.Sprintf("reading the attributes of %d Blob objects from %s", end-start, blobObjectIDs[start])
		if end-start == 1 {
			what = "reading the attributes of Blob " + blobObjectIDs[start]
		}
		err := c.try(ctx, what, func(cl suiv2.Client) error {
			resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: fieldIDs[start:end],
				Include: suiv2.ObjectInclude{Content: true, ObjectBcs: true}})
			if err != nil {
				return err
			}
			if len(resp.Objects) != end-start {
				return fmt.Errorf("%d answers for %d objects", len(resp.Objects), end-start)
			}
			for j, r := range resp.Objects {
				i := start + j
				if r.Object == nil {
					if r.Error != nil && !notFound(*r.Error) {
						return fmt.Errorf("attributes field %s of Blob %s: %s", fieldIDs[i], blobObjectIDs[i], *r.Error)
					}
					out[i] = map[string]string{}
					continue
				}
				m, err := parseMetadataField(r.Object.Type, r.Object.Content)
				if err != nil {
					return fmt.Errorf("attributes field %s of Blob %s: %w", fieldIDs[i], blobObjectIDs[i], err)
				}
				out[i] = m
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// notFound reports whether a per-object error of a multi-get says the
// object does not exist (any more). The SDK keeps only a message: gRPC
// gives "NotFound: …"; its JSON-RPC client gives the node's "error" text,
// which Sui leaves empty for notExists and deleted (it sends only a code).
func notFound(msg string) bool {
	return msg == "" || strings.HasPrefix(msg, "NotFound:")
}

// parseMetadataField decodes 0x2::dynamic_field::Field<vector<u8>,
// <walrus>::metadata::Metadata> { id: UID, name: vector<u8>, value:
// Metadata { metadata: VecMap { contents: vector<Entry { key: String,
// value: String }> } } }.
func parseMetadataField(typ string, b []byte) (map[string]string, error) {
	if !strings.Contains(typ, "::dynamic_field::Field<vector<u8>,") || !strings.HasSuffix(typ, "::metadata::Metadata>") {
		return nil, fmt.Errorf("object of type %s is not a Blob's metadata field", typ)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("no BCS contents in the answer")
	}
	r := &reader{b: b}
	r.take(32)
	if name := r.take(len(metadataFieldName)); r.err == nil && string(name) != string(metadataFieldName) {
		return nil, fmt.Errorf("field name %x is not b\"metadata\"", name)
	}
	// str reads a String without allocating a corrupt length.
	str := func() []byte {
		n := r.uleb()
		if r.err == nil && n > len(r.b) {
			r.err = errShort
		}
		if r.err != nil {
			return nil
		}
		return r.take(n)
	}
	n := r.uleb()
	m := make(map[string]string, min(n, 1024))
	for i := 0; i < n && r.err == nil; i++ {
		k, v := str(), str()
		if r.err != nil {
			break
		}
		if !utf8.Valid(k) || !utf8.Valid(v) {
			return nil, fmt.Errorf("entry %d is not UTF-8", i)
		}
		if _, dup := m[string(k)]; dup {
			return nil, fmt.Errorf("key %q twice", k)
		}
		m[string(k)] = string(v)
	}
	if r.err != nil {
		return nil, fmt.Errorf("metadata: %w", r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("metadata: %d trailing bytes", len(r.b))
	}
	return m, nil
}

// AttributedBlob is a Blob object with its attributes.
type AttributedBlob struct {
	Blob
	Attributes map[string]string // empty when the Blob has none
}

// OwnedBlobsWithAttributes lists owner's Blob objects (as OwnedBlobs)
// and reads their attributes in batches of 50.
func (c *Client) OwnedBlobsWithAttributes(ctx context.Context, owner string) ([]AttributedBlob, error) {
	blobs, err := c.OwnedBlobs(ctx, owner)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(blobs))
	for i, b := range blobs {
		ids[i] = b.ObjectID
	}
	attrs, err := c.BlobsAttributes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]AttributedBlob, len(blobs))
	for i, b := range blobs {
		out[i] = AttributedBlob{Blob: b, Attributes: attrs[i]}
	}
	return out, nil
}
