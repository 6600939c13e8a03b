package clientconf

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/sui"
)

// doc is one parsed YAML file; its methods check the types of the known
// keys and name the file and line in every error.
type doc struct{ path string }

// parseFile reads path and returns its top-level mapping.
func parseFile(path string) (*doc, *yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("clientconf: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml.v3 errors read "yaml: line N: ...".
		return nil, nil, fmt.Errorf("clientconf: %s: %w", path, err)
	}
	d := &doc{path: path}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, nil, fmt.Errorf("clientconf: %s: empty file", path)
	}
	m := deref(root.Content[0])
	if m.Kind != yaml.MappingNode {
		return nil, nil, d.errf(m, "want a mapping of keys at the top level")
	}
	return d, m, nil
}

// errf formats an error at node n's line.
func (d *doc) errf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("clientconf: %s:%d: %s", d.path, n.Line, fmt.Sprintf(format, args...))
}

// deref follows a YAML alias (*name) to its anchor.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null (~, null).
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// fields returns the values of mapping m by key. A key given twice is an
// error (serde_yaml refuses duplicate keys too).
func (d *doc) fields(m *yaml.Node) (map[string]*yaml.Node, error) {
	out := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := deref(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, d.errf(k, "want a plain key")
		}
		if _, dup := out[k.Value]; dup {
			return nil, d.errf(k, "duplicate key %q", k.Value)
		}
		out[k.Value] = deref(m.Content[i+1])
	}
	return out, nil
}

// str returns the string at key; "" when absent or null.
func (d *doc) str(f map[string]*yaml.Node, key string) (string, error) {
	n := f[key]
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", d.errf(n, "%s: want a string, got %s", key, describe(n))
	}
	return n.Value, nil
}

// objectID returns the Sui object ID or address at key, normalised; ""
// when absent or null. Short hex such as 0x2 parses as a YAML integer, so
// any scalar is accepted and checked as an address.
func (d *doc) objectID(f map[string]*yaml.Node, key string) (string, error) {
	n := f[key]
	if isNull(n) {
		return "", nil
	}
	return d.address(n, key)
}

func (d *doc) address(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", d.errf(n, "%s: want an object ID (0x + hex), got %s", key, describe(n))
	}
	a, err := sui.NormalizeAddress(n.Value)
	if err != nil {
		return "", d.errf(n, "%s: %v", key, err)
	}
	return a, nil
}

// integer returns the integer at key, which must lie in lo..hi; 0 when
// absent or null.
func (d *doc) integer(f map[string]*yaml.Node, key string, lo, hi int64) (int, error) {
	n := f[key]
	if isNull(n) {
		return 0, nil
	}
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		return 0, d.errf(n, "%s: want an integer, got %s", key, describe(n))
	}
	if v < lo || v > hi {
		return 0, d.errf(n, "%s: %d outside %d..%d", key, v, lo, hi)
	}
	return int(v), nil
}

// seq returns the items of the sequence at key; nil when absent or null.
func (d *doc) seq(f map[string]*yaml.Node, key string) ([]*yaml.Node, error) {
	n := f[key]
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s: want a list, got %s", key, describe(n))
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out, nil
}

// strings returns the list of strings at key.
func (d *doc) strings(f map[string]*yaml.Node, key string) ([]string, error) {
	items, err := d.seq(f, key)
	var out []string
	for _, n := range items {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return nil, d.errf(n, "%s: want a string, got %s", key, describe(n))
		}
		out = append(out, n.Value)
	}
	return out, err
}

// objectIDs returns the list of object IDs at key, normalised.
func (d *doc) objectIDs(f map[string]*yaml.Node, key string) ([]string, error) {
	items, err := d.seq(f, key)
	var out []string
	for _, n := range items {
		a, err := d.address(n, key)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, err
}

// mapping returns the fields of the mapping at key; nil when absent or
// null.
func (d *doc) mapping(f map[string]*yaml.Node, key string) (map[string]*yaml.Node, *yaml.Node, error) {
	n := f[key]
	if isNull(n) {
		return nil, nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil, d.errf(n, "%s: want a mapping, got %s", key, describe(n))
	}
	m, err := d.fields(n)
	return m, n, err
}

// describe names what a node is, for type errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%s %s", n.Tag, n.Value)
	}
	return "an unexpected node"
}

// errFirst returns the first non-nil error.
func errFirst(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
