package committee

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/localnet/node"
	"github.com/walrusfs/walrusfs/rs2"
)

// errNodeNotFound is a 404 from a node.
var errNodeNotFound = errors.New("not found on node")

// Errors a caller can tell apart with errors.Is (see Confirmation and
// the upload path).
var (
	// ErrRefused matches every answer of a node that is not a success
	// (a non-2xx HTTP status): the node was reached and said no.
	ErrRefused = errors.New("node refused the request")
	// ErrNotRegistered is a refusal with the Walrus reason
	// NOT_REGISTERED: the node has not seen the blob's registration on
	// Sui (yet), or it has expired.
	ErrNotRegistered = errors.New("blob not registered (or expired) as the node sees it")
	// ErrMissingSlivers is a refusal to sign a storage confirmation with
	// the reason MISSING_SLIVERS: the node does not store the metadata
	// and all slivers of its shards.
	ErrMissingSlivers = errors.New("node does not store all slivers of its shards")
	// ErrNodeDown is a node that could not be talked to: connection
	// refused or dropped, timeout, truncated answer.
	ErrNodeDown = errors.New("node unreachable")
	// ErrBadResponse is a success answer that does not decode as the
	// API says.
	ErrBadResponse = errors.New("bad response from node")
)

// nodeError is a non-2xx answer. Any other error from call is a transport
// failure (refused, timeout, truncated or oversized body).
type nodeError struct {
	node   string
	code   int
	msg    string
	reason string // Walrus ErrorInfo reason, "" if none
}

// errTooLarge marks an answer longer than the caller allows.
var errTooLarge = errors.New("answer too large")

func (e *nodeError) Error() string {
	if e.reason != "" {
		return fmt.Sprintf("node %s: HTTP %d %s: %s", e.node, e.code, e.reason, e.msg)
	}
	return fmt.Sprintf("node %s: HTTP %d: %s", e.node, e.code, e.msg)
}

func (e *nodeError) Is(t error) bool {
	switch t {
	case errNodeNotFound:
		return e.code == http.StatusNotFound
	case ErrRefused:
		return true
	case ErrNotRegistered:
		return e.reason == "NOT_REGISTERED"
	case ErrMissingSlivers:
		return e.reason == "MISSING_SLIVERS"
	}
	return false
}

// isTransport reports whether err means the node could not be talked to,
// as opposed to an answer we did not like.
func isTransport(err error) bool {
	var ne *nodeError
	return err != nil && !errors.As(err, &ne) && !errors.Is(err, rs2.ErrInvalidSliver) &&
		!errors.Is(err, rs2.ErrInvalidMetadata) && !errors.Is(err, context.Canceled)
}

// call does one request with the per-request timeout and returns the body
// of a 2xx answer, reading at most maxResp bytes of it. Nodes with an
// in-process handler (Config.Local) are called directly (callLocal).
func (c *Client) call(ctx context.Context, nd int, method, path string, body []byte, maxResp int64) ([]byte, error) {
	return c.callNode(ctx, &c.cfg.Committee[nd], c.local[nd], method, path, body, maxResp)
}

// callNode is call for the node info, in-process through h if not nil.
func (c *Client) callNode(ctx context.Context, info *NodeInfo, h http.Handler, method, path string, body []byte, maxResp int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var (
		code int
		b    []byte
		err  error
	)
	if h != nil {
		code, b, err = c.callLocal(ctx, info, h, method, path, body, maxResp)
	} else {
		code, b, err = c.callHTTP(ctx, info, method, path, body, maxResp)
	}
	if err != nil {
		return nil, err
	}
	if code/100 != 2 {
		var er node.ErrorResponse
		ne := &nodeError{node: info.Name, code: code, msg: string(b)}
		if json.Unmarshal(b, &er) == nil && er.Error.Message != "" {
			ne.msg, ne.reason = er.Error.Message, er.Reason()
		}
		return nil, ne
	}
	return b, nil
}

// newNodeRequest builds a request to node info, with body (nil: none) as
// an octet stream. The body is never nil (http.NoBody), as a server would
// give a handler: callLocal hands the request to one directly.
func newNodeRequest(ctx context.Context, info *NodeInfo, method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, info.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return req, nil
}

// callHTTP does one request over HTTP and returns the status code and
// the body: at most maxResp bytes of a 2xx answer, at most 4 KiB of
// another.
func (c *Client) callHTTP(ctx context.Context, info *NodeInfo, method, path string, body []byte, maxResp int64) (int, []byte, error) {
	req, err := newNodeRequest(ctx, info, method, path, body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("node %s: %w", info.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, b, nil
	}
	if resp.ContentLength > maxResp {
		return 0, nil, fmt.Errorf("node %s: %s %s: response of %d bytes exceeds %d: %w", info.Name, method, path, resp.ContentLength, maxResp, errTooLarge)
	}
	if resp.ContentLength >= 0 {
		// One allocation of the announced size: growing a buffer up to a
		// sliver row (hundreds of KiB) cost more than the read itself.
		// net/http never returns more than Content-Length bytes and
		// reports a shorter body as an error.
		b := make([]byte, resp.ContentLength)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return 0, nil, fmt.Errorf("node %s: %s %s: reading body: %w", info.Name, method, path, err)
		}
		return resp.StatusCode, b, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResp+1))
	if err != nil {
		return 0, nil, fmt.Errorf("node %s: %s %s: reading body: %w", info.Name, method, path, err)
	}
	if int64(len(b)) > maxResp {
		return 0, nil, fmt.Errorf("node %s: %s %s: response exceeds %d bytes: %w", info.Name, method, path, maxResp, errTooLarge)
	}
	return resp.StatusCode, b, nil
}

func metaPath(id blobid.ID) string { return "/v1/blobs/" + id.String() + "/metadata" }

func sliverPath(id blobid.ID, pair int, t rs2.SliverType) string {
	return "/v1/blobs/" + id.String() + "/slivers/" + strconv.Itoa(pair) + "/" + t.String()
}

// getMetadata fetches and checks the metadata of id from node nd.
func (c *Client) getMetadata(ctx context.Context, nd int, id blobid.ID) (*rs2.Metadata, error) {
	b, err := c.call(ctx, nd, "GET", metaPath(id), nil, 32+node.MaxMetadataBody(c.p.N))
	if err != nil {
		return nil, err
	}
	gotID, m, err := rs2.UnmarshalMetadataWithID(b)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", c.cfg.Committee[nd].Name, err)
	}
	if gotID != id {
		return nil, fmt.Errorf("node %s: %w: answered with blob ID %s", c.cfg.Committee[nd].Name, rs2.ErrInvalidMetadata, gotID)
	}
	if err := m.Check(id, c.p.N); err != nil {
		return nil, fmt.Errorf("node %s: %w", c.cfg.Committee[nd].Name, err)
	}
	return m, nil
}

// getSliver fetches and verifies one sliver.
func (c *Client) getSliver(ctx context.Context, id blobid.ID, m *rs2.Metadata, pair int, t rs2.SliverType) (*rs2.Sliver, error) {
	nd := c.shardNode[rs2.PairShard(id, pair, c.p.N)]
	ss, err := c.p.SymbolSize(m.Length)
	if err != nil {
		return nil, err
	}
	limit := int64(c.p.PrimarySliverLen(ss)) + 9
	if t == rs2.Secondary {
		limit = int64(c.p.SecondarySliverLen(ss)) + 9
	}
	hint, err := c.call(ctx, nd, "GET", sliverPath(id, pair, t)+"/leaves", nil, int64(64*c.p.F))
	if err != nil {
		if isTransport(err) && !errors.Is(err, errTooLarge) {
			return nil, err // the sliver request would fail the same way
		}
		hint = nil // no hint (e.g. a node without the extension): verify in full
	}
	b, err := c.call(ctx, nd, "GET", sliverPath(id, pair, t), nil, limit)
	if err != nil {
		return nil, err
	}
	name := c.cfg.Committee[nd].Name
	s, err := rs2.UnmarshalSliver(t, b)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	if s.PairIndex(c.p.N) != pair {
		return nil, fmt.Errorf("node %s: %w: asked for pair %d, got %s sliver %d", name, rs2.ErrInvalidSliver, pair, t, s.Index)
	}
	// The node's repair leaves, if it sent them, are a Merkle proof that
	// spares expanding the sliver; a wrong one falls back to the full
	// check, so the node is trusted for nothing.
	if err := c.enc.VerifySliverHinted(m, s, hint); err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return s, nil
}

type nodeListEntry struct {
	BlobID blobid.ID `json:"blobId"`
	Size   int64     `json:"size"`
}

// listNode fetches a node's blob list (walrusfs extension GET /v1/blobs).
func (c *Client) listNode(ctx context.Context, nd int) ([]nodeListEntry, error) {
	b, err := c.call(ctx, nd, "GET", "/v1/blobs", nil, 256<<20)
	if err != nil {
		return nil, err
	}
	var env node.SuccessResponse[[]nodeListEntry]
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("node %s: bad blob list: %w", c.cfg.Committee[nd].Name, err)
	}
	return env.Success.Data, nil
}

// put sends a PUT and checks that the answer is a success envelope with
// 200, 201 or 202: a node that answers anything else did not store it.
func (c *Client) put(ctx context.Context, nd int, path string, body []byte) error {
	b, err := c.call(ctx, nd, "PUT", path, body, 1<<16)
	if err != nil {
		return err
	}
	var env node.SuccessResponse[json.RawMessage]
	if err := json.Unmarshal(b, &env); err != nil || env.Success.Code < 200 || env.Success.Code > 202 {
		return fmt.Errorf("node %s: PUT %s: not a success answer: %.100q", c.cfg.Committee[nd].Name, path, b)
	}
	return nil
}

// putQuery is the query of upload PUTs: ?pending=true with
// Config.Pending.
func (c *Client) putQuery() string {
	if c.cfg.Pending {
		return "?pending=true"
	}
	return ""
}

// putMetadata PUTs the metadata of id to node nd, trying again
// (Config.MetadataAttempts, Config.NotRegisteredDelay apart) while the
// node answers that the blob is not registered: its view of the chain
// may lag behind the registration, as the TS SDK allows for.
func (c *Client) putMetadata(ctx context.Context, nd int, id blobid.ID, body []byte) error {
	for attempt := 1; ; attempt++ {
		err := c.put(ctx, nd, metaPath(id)+c.putQuery(), body)
		if err == nil || !errors.Is(err, ErrNotRegistered) || attempt >= c.cfg.MetadataAttempts {
			return err
		}
		c.log.Debug("node has not seen the registration yet; retrying", "blob", id, "node", c.cfg.Committee[nd].Name, "attempt", attempt)
		t := time.NewTimer(c.cfg.NotRegisteredDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("node %s: metadata of %s: %w", c.cfg.Committee[nd].Name, id, ctx.Err())
		}
	}
}
