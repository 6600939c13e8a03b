package node

import "github.com/walrusfs/walrusfs/blobid"

// ConfirmerFunc adapts a function to Confirmer.
type ConfirmerFunc func(epoch uint32, id blobid.ID, deletable *[32]byte) (message, signature []byte, err error)

// Confirm calls f.
func (f ConfirmerFunc) Confirm(epoch uint32, id blobid.ID, deletable *[32]byte) ([]byte, []byte, error) {
	return f(epoch, id, deletable)
}

// GarbageConfirmer makes a lying node for tests of a network: it returns
// c's message with a signature of the right length whose bytes are all
// inverted, so it no longer verifies (the message stays right, so only
// signature checking catches the node).
func GarbageConfirmer(c Confirmer) Confirmer {
	return ConfirmerFunc(func(epoch uint32, id blobid.ID, deletable *[32]byte) ([]byte, []byte, error) {
		msg, sig, err := c.Confirm(epoch, id, deletable)
		if err != nil {
			return nil, nil, err
		}
		bad := make([]byte, len(sig))
		for i, b := range sig {
			bad[i] = ^b
		}
		return msg, bad, nil
	})
}

// WrongEpochConfirmer makes a node that signs confirmations for the
// epoch after the current one: the signature is valid, the message is not
// the one a client expects.
func WrongEpochConfirmer(c Confirmer) Confirmer {
	return ConfirmerFunc(func(epoch uint32, id blobid.ID, deletable *[32]byte) ([]byte, []byte, error) {
		return c.Confirm(epoch+1, id, deletable)
	})
}
