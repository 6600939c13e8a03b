package committee

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/localnet/node"
)

// maxConfirmationAnswer bounds a confirmation answer (a few hundred bytes
// of JSON).
const maxConfirmationAnswer = 64 << 10

// Confirmation asks the storage node at nodeURL for its signed storage
// confirmation of blob id: GET /v1/blobs/{id}/confirmation/permanent, or
// .../confirmation/deletable/0x{object} when deletableObject is set. It
// returns the serialized BCS message and the node's BLS signature as the
// node sent them (the TS SDK decodes both with standard base64); the
// caller checks the message against the one it expects and verifies the
// signature with the node's public key.
//
// A node of the committee is called as every other request of the Client
// is (in-process when Config.Local has it); another URL over HTTP with
// the Client's HTTP client. Errors, told apart with errors.Is:
// ErrNotRegistered (the node has not seen the registration, or the object
// is not a registered Blob of id), ErrMissingSlivers (it does not store
// everything of its shards yet), ErrRefused (any other refusal, and those
// two), ErrNodeDown (not reachable, timeout, dropped or truncated answer),
// ErrBadResponse (a success answer that does not decode), or ctx's error
// when ctx ended.
func (c *Client) Confirmation(ctx context.Context, nodeURL string, id blobid.ID, deletableObject *[32]byte) (message, signature []byte, err error) {
	info, h := c.nodeByURL(nodeURL)
	path := "/v1/blobs/" + id.String() + "/confirmation/permanent"
	what := "permanent confirmation of " + id.String()
	if deletableObject != nil {
		obj := "0x" + hex.EncodeToString(deletableObject[:])
		path = "/v1/blobs/" + id.String() + "/confirmation/deletable/" + obj
		what = "deletable confirmation of " + id.String() + " (object " + obj + ")"
	}
	b, err := c.callNode(ctx, info, h, http.MethodGet, path, nil, maxConfirmationAnswer)
	if err != nil {
		return nil, nil, classify(ctx, info.Name, what, err)
	}
	message, signature, err = decodeConfirmation(b)
	if err != nil {
		return nil, nil, fmt.Errorf("node %s: %s: %w: %w", info.Name, what, ErrBadResponse, err)
	}
	return message, signature, nil
}

// classify wraps an error of callNode for a caller that must tell a node
// that is down from one that answered.
func classify(ctx context.Context, name, what string, err error) error {
	var ne *nodeError
	switch {
	case errors.As(err, &ne):
		return fmt.Errorf("%s: %w", what, err)
	case ctx.Err() != nil:
		return fmt.Errorf("node %s: %s: %w", name, what, ctx.Err())
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("%s: %w: %w", what, ErrBadResponse, err)
	default:
		return fmt.Errorf("%s: %w: %w", what, ErrNodeDown, err)
	}
}

// decodeConfirmation decodes
// {"success":{"code":200,"data":{"signed":{"serializedMessage":"…","signature":"…"}}}}.
func decodeConfirmation(b []byte) (message, signature []byte, err error) {
	var env node.SuccessResponse[node.SignedMessage]
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, nil, fmt.Errorf("not a JSON success answer: %w", err)
	}
	s := env.Success.Data.Signed
	if env.Success.Code != http.StatusOK || s.SerializedMessage == "" || s.Signature == "" {
		return nil, nil, fmt.Errorf("not a signed confirmation: %.200q", b)
	}
	message, err = base64.StdEncoding.DecodeString(s.SerializedMessage)
	if err != nil {
		return nil, nil, fmt.Errorf("serializedMessage is not standard base64: %w", err)
	}
	signature, err = base64.StdEncoding.DecodeString(s.Signature)
	if err != nil {
		return nil, nil, fmt.Errorf("signature is not standard base64: %w", err)
	}
	return message, signature, nil
}

// nodeByURL returns the committee member at url and its in-process
// handler, or a stand-in for a node outside the committee.
func (c *Client) nodeByURL(url string) (*NodeInfo, http.Handler) {
	url = strings.TrimSuffix(url, "/")
	for i := range c.cfg.Committee {
		if strings.TrimSuffix(c.cfg.Committee[i].URL, "/") == url {
			return &c.cfg.Committee[i], c.local[i]
		}
	}
	return &NodeInfo{Name: url, URL: url}, nil
}
