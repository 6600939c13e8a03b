package suirpc

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// mask is a parsed read mask: field name to the mask of its sub-message;
// a nil value keeps the whole field.
type mask map[string]mask

// parseMask checks the paths of fm (or def when fm has none) against the
// fields of message m, as the Sui node does, and returns them as a tree.
func parseMask(m proto.Message, fm *fieldmaskpb.FieldMask, def string) (mask, error) {
	paths := fm.GetPaths()
	if len(paths) == 0 {
		paths = strings.Split(def, ",")
	}
	root := mask{}
	for _, p := range paths {
		if err := root.add(m.ProtoReflect().Descriptor(), strings.Split(p, "."), p); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func (t mask) add(md protoreflect.MessageDescriptor, parts []string, path string) error {
	fd := md.Fields().ByName(protoreflect.Name(parts[0]))
	if fd == nil {
		return fmt.Errorf("read_mask path %q: %s has no field %q", path, md.FullName(), parts[0])
	}
	sub, seen := t[parts[0]]
	if len(parts) == 1 {
		t[parts[0]] = nil // the whole field, whatever was asked before
		return nil
	}
	if fd.Message() == nil || fd.IsMap() {
		return fmt.Errorf("read_mask path %q: %s is not a message", path, fd.FullName())
	}
	if seen && sub == nil {
		return nil // already whole
	}
	if sub == nil {
		sub = mask{}
		t[parts[0]] = sub
	}
	return sub.add(fd.Message(), parts[1:], path)
}

// apply clears every field of m the mask does not keep.
func (t mask) apply(m proto.Message) {
	if m == nil {
		return
	}
	t.applyReflect(m.ProtoReflect())
}

func (t mask) applyReflect(m protoreflect.Message) {
	var drop []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		sub, ok := t[string(fd.Name())]
		switch {
		case !ok:
			drop = append(drop, fd)
		case sub == nil:
		case fd.IsList():
			for i := range v.List().Len() {
				sub.applyReflect(v.List().Get(i).Message())
			}
		default:
			sub.applyReflect(v.Message())
		}
		return true
	})
	for _, fd := range drop {
		m.Clear(fd)
	}
}
