package suitx

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/sui"
)

// MaxPureArg is the largest pure argument Sui accepts, in BCS bytes
// (protocol config max_pure_argument_size); it bounds an attribute's key
// and value.
const MaxPureArg = 16 << 10

// Attribute is one key-value pair of a Blob object's attributes: the
// walrus::metadata::Metadata (a VecMap<String, String>) that
// blob::insert_or_update_metadata_pair keeps in the Blob's dynamic field
// named b"metadata". Key and Value are Move Strings: valid UTF-8.
type Attribute struct {
	Key, Value string
}

// checkString checks a Move String pure argument.
func checkString(s, what string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8 (Move String)", what)
	}
	if n := ulebLen(len(s)) + len(s); n > MaxPureArg {
		return fmt.Errorf("%s is %d bytes, more than Sui's limit of %d for a pure argument", what, len(s), MaxPureArg-ulebLen(len(s)))
	}
	return nil
}

func ulebLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// checkAttributes checks the pairs set on one blob: non-empty keys, each
// key once, valid Move Strings.
func checkAttributes(as []Attribute, what string) error {
	seen := make(map[string]bool, len(as))
	for j, a := range as {
		if a.Key == "" {
			return fmt.Errorf("%s: attribute %d: empty key", what, j)
		}
		if seen[a.Key] {
			return fmt.Errorf("%s: attribute key %q given twice", what, a.Key)
		}
		seen[a.Key] = true
		if err := checkString(a.Key, fmt.Sprintf("%s: attribute %d key", what, j)); err != nil {
			return err
		}
		if err := checkString(a.Value, fmt.Sprintf("%s: attribute %q value", what, a.Key)); err != nil {
			return err
		}
	}
	return nil
}

// str is a Move String: its BCS is that of vector<u8> (never the
// sui-go-sdk's Pure(string), which reads short strings as addresses).
func (b *builder) str(s string) transaction.Argument { return b.tx.Pure([]byte(s)) }

// setAttributes adds one blob::insert_or_update_metadata_pair call per
// pair, in order, on the Blob argument blob (&mut Blob).
func (c *call) setAttributes(blob transaction.Argument, as []Attribute) {
	for _, a := range as {
		c.b.moveCall(c.pkg, "blob", "insert_or_update_metadata_pair", blob, c.b.str(a.Key), c.b.str(a.Value))
	}
}

// SetAttributes builds a transaction that sets and removes attributes of
// one owned Blob object: blob::insert_or_update_metadata_pair for each
// pair of set in order (the first creates the metadata field if the blob
// has none; updating a key moves it to the end of the map, as
// metadata::insert_or_update removes and re-inserts it), then
// blob::remove_metadata_pair_if_exists for each key of remove (a key or
// metadata that is absent is no error). The chain refuses a Blob the
// sender does not own. No WAL is paid and no System object is used.
//
// Commands: one MoveCall per pair of set, then one per key of remove.
func (w Walrus) SetAttributes(sender string, gas Gas, blob sui.ObjectRef, set []Attribute, remove []string) (_ []byte, err error) {
	defer wrap(&err, "set attributes")
	c, err := begin(sender, gas)
	if err != nil {
		return nil, err
	}
	if c.pkg, err = parseAddress(w.Package, "Walrus package"); err != nil {
		return nil, err
	}
	if len(set) == 0 && len(remove) == 0 {
		return nil, errors.New("no attributes to set or remove")
	}
	what := "Blob " + blob.ID
	if err := checkAttributes(set, what); err != nil {
		return nil, err
	}
	setKeys := make(map[string]bool, len(set))
	for _, a := range set {
		setKeys[a.Key] = true
	}
	removed := make(map[string]bool, len(remove))
	for j, k := range remove {
		switch {
		case k == "":
			return nil, fmt.Errorf("%s: key %d to remove is empty", what, j)
		case setKeys[k]:
			return nil, fmt.Errorf("%s: attribute %q both set and removed", what, k)
		case removed[k]:
			return nil, fmt.Errorf("%s: attribute %q removed twice", what, k)
		}
		removed[k] = true
		if err := checkString(k, fmt.Sprintf("%s: key %d to remove", what, j)); err != nil {
			return nil, err
		}
	}
	arg, err := c.object(blob, "Blob")
	if err != nil {
		return nil, err
	}
	c.setAttributes(arg, set)
	for _, k := range remove {
		c.b.moveCall(c.pkg, "blob", "remove_metadata_pair_if_exists", arg, c.b.str(k))
	}
	return c.finish()
}
