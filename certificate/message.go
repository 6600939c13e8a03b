package certificate

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
)

// ErrInvalidMessage reports bytes that are not a storage confirmation
// message.
var ErrInvalidMessage = errors.New("certificate: not a storage confirmation message")

// intent is Intent{type: BLOB_CERT_MSG (1), version: 0, app_id: Storage (3)}.
var intent = [3]byte{0x01, 0x00, 0x03}

// Message lengths: intent, epoch, blob ID, persistence tag, [object ID].
const (
	permanentMessageSize = 3 + 4 + 32 + 1
	deletableMessageSize = permanentMessageSize + 32
)

// Message returns the BCS ProtocolMessage<StorageConfirmationBody> a
// storage node signs for blob id in epoch: permanent when deletable is
// nil, else deletable with the Blob object's ID.
func Message(epoch uint32, id blobid.ID, deletable *[32]byte) []byte {
	size := permanentMessageSize
	if deletable != nil {
		size = deletableMessageSize
	}
	b := make([]byte, 0, size)
	b = append(b, intent[:]...)
	b = binary.LittleEndian.AppendUint32(b, epoch)
	b = append(b, id[:]...)
	if deletable == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	return append(b, deletable[:]...)
}

// ParseMessage decodes a storage confirmation message (the inverse of
// Message). deletable is nil for a permanent blob.
func ParseMessage(b []byte) (epoch uint32, id blobid.ID, deletable *[32]byte, err error) {
	if len(b) < permanentMessageSize {
		return 0, id, nil, fmt.Errorf("%w: %d bytes", ErrInvalidMessage, len(b))
	}
	if [3]byte(b[:3]) != intent {
		return 0, id, nil, fmt.Errorf("%w: intent %x, want %x", ErrInvalidMessage, b[:3], intent)
	}
	epoch = binary.LittleEndian.Uint32(b[3:7])
	id = blobid.ID(b[7:39])
	switch tag := b[39]; {
	case tag == 0 && len(b) == permanentMessageSize:
		return epoch, id, nil, nil
	case tag == 1 && len(b) == deletableMessageSize:
		obj := [32]byte(b[40:72])
		return epoch, id, &obj, nil
	case tag > 1:
		return 0, blobid.ID{}, nil, fmt.Errorf("%w: persistence type %d", ErrInvalidMessage, tag)
	default:
		return 0, blobid.ID{}, nil, fmt.Errorf("%w: %d bytes for persistence type %d", ErrInvalidMessage, len(b), tag)
	}
}
