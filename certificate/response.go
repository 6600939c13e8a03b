package certificate

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalidResponse reports a confirmation response body that is neither
// the success nor the error envelope of a storage node.
var ErrInvalidResponse = errors.New("certificate: invalid storage node response")

// Confirmation is one storage node's signed confirmation: the BCS message
// it signed and its 96-byte signature.
type Confirmation struct {
	Message, Signature []byte
}

// NodeError is the error envelope of a storage node's REST API
// (walrus-storage-node-client api/errors.rs Status):
// {"error":{"code":400,"status":"FAILED_PRECONDITION","message":…,"details":[{"@type":"ErrorInfo","reason":…,"domain":…,"metadata":{}}]}}.
type NodeError struct {
	Code    int    // HTTP status code
	Status  string // UPPER_SNAKE_CASE status, e.g. FAILED_PRECONDITION
	Message string // human-readable message
	Reason  string // ErrorInfo reason, e.g. BLOB_NOT_REGISTERED ("" if absent)
	Domain  string // ErrorInfo domain ("" if absent)
}

func (e *NodeError) Error() string {
	s := fmt.Sprintf("storage node error %d %s", e.Code, e.Status)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

type signedJSON struct {
	SerializedMessage string `json:"serializedMessage"`
	Signature         string `json:"signature"`
}

type successJSON struct {
	Code int `json:"code"`
	Data struct {
		Signed *signedJSON `json:"signed"`
	} `json:"data"`
}

type errorDetailJSON struct {
	Type     string         `json:"@type"`
	Reason   string         `json:"reason,omitempty"`
	Domain   string         `json:"domain,omitempty"`
	Metadata map[string]any `json:"metadata"`
}

type errorJSON struct {
	Code    int               `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []errorDetailJSON `json:"details"`
}

type envelopeJSON struct {
	Success *successJSON `json:"success,omitempty"`
	Error   *errorJSON   `json:"error,omitempty"`
}

// DecodeResponse decodes a storage node's answer to a confirmation
// request. The error envelope is returned as a *NodeError; anything else
// that is not a well-formed signed confirmation wraps ErrInvalidResponse.
// The message and signature are decoded (standard base64) but not
// checked; Build does that.
func DecodeResponse(body []byte) (Confirmation, error) {
	var env envelopeJSON
	if err := json.Unmarshal(body, &env); err != nil {
		return Confirmation{}, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	if env.Error != nil {
		ne := &NodeError{Code: env.Error.Code, Status: env.Error.Status, Message: env.Error.Message}
		for _, d := range env.Error.Details {
			if d.Type == "ErrorInfo" {
				ne.Reason, ne.Domain = d.Reason, d.Domain
				break
			}
		}
		return Confirmation{}, ne
	}
	if env.Success == nil {
		return Confirmation{}, fmt.Errorf("%w: neither success nor error", ErrInvalidResponse)
	}
	signed := env.Success.Data.Signed
	if signed == nil {
		return Confirmation{}, fmt.Errorf("%w: no signed confirmation in the success body", ErrInvalidResponse)
	}
	msg, err := base64.StdEncoding.DecodeString(signed.SerializedMessage)
	if err != nil {
		return Confirmation{}, fmt.Errorf("%w: serializedMessage: %v", ErrInvalidResponse, err)
	}
	sig, err := base64.StdEncoding.DecodeString(signed.Signature)
	if err != nil {
		return Confirmation{}, fmt.Errorf("%w: signature: %v", ErrInvalidResponse, err)
	}
	if len(msg) == 0 {
		return Confirmation{}, fmt.Errorf("%w: empty serializedMessage", ErrInvalidResponse)
	}
	if len(sig) == 0 {
		return Confirmation{}, fmt.Errorf("%w: empty signature", ErrInvalidResponse)
	}
	return Confirmation{Message: msg, Signature: sig}, nil
}

// EncodeResponse returns the JSON body a storage node answers (HTTP 200)
// with the signed confirmation c.
func EncodeResponse(c Confirmation) []byte {
	var s successJSON
	s.Code = 200
	s.Data.Signed = &signedJSON{
		SerializedMessage: base64.StdEncoding.EncodeToString(c.Message),
		Signature:         base64.StdEncoding.EncodeToString(c.Signature),
	}
	b, err := json.Marshal(envelopeJSON{Success: &s})
	if err != nil {
		panic(err) // plain strings and ints always marshal
	}
	return b
}

// EncodeError returns the JSON error envelope a storage node answers
// with e (served with HTTP status e.Code).
func EncodeError(e *NodeError) []byte {
	ej := errorJSON{Code: e.Code, Status: e.Status, Message: e.Message, Details: []errorDetailJSON{}}
	if e.Reason != "" || e.Domain != "" {
		ej.Details = append(ej.Details, errorDetailJSON{Type: "ErrorInfo", Reason: e.Reason, Domain: e.Domain, Metadata: map[string]any{}})
	}
	b, err := json.Marshal(envelopeJSON{Error: &ej})
	if err != nil {
		panic(err)
	}
	return b
}
