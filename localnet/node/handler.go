package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// ErrorResponse is the JSON error envelope of every Walrus service
// (AIP-193 style, walrus-storage-node-client api/errors.rs):
//
//	{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"...",
//	  "details":[{"@type":"ErrorInfo","reason":"NOT_REGISTERED","domain":"storage.walrus.space","metadata":{}}]}}
//
// Details carry the machine-readable reason; the TS SDK tells a blob that
// is not registered by details[0].reason == "NOT_REGISTERED".
type ErrorResponse struct {
	Error struct {
		Code    int           `json:"code"`
		Status  string        `json:"status"`
		Message string        `json:"message"`
		Details []ErrorDetail `json:"details,omitempty"`
	} `json:"error"`
}

// ErrorDetail is one entry of ErrorResponse details (an ErrorInfo).
type ErrorDetail struct {
	Type     string         `json:"@type"`
	Reason   string         `json:"reason"`
	Domain   string         `json:"domain"`
	Metadata map[string]any `json:"metadata"`
}

// Reason returns the reason of the first ErrorInfo detail, or "".
func (e *ErrorResponse) Reason() string {
	for _, d := range e.Error.Details {
		if d.Type == "ErrorInfo" {
			return d.Reason
		}
	}
	return ""
}

// Error domains of the Walrus API (api/errors.rs).
const (
	storageNodeErrorDomain = "storage.walrus.space"
	globalErrorDomain      = "global"
)

// SuccessResponse is the JSON success envelope: {"success":{"code":200,"data":...}}.
type SuccessResponse[T any] struct {
	Success struct {
		Code int `json:"code"`
		Data T   `json:"data"`
	} `json:"success"`
}

// Health is the data of GET /v1/health. Epoch, PublicKey and NodeStatus
// mirror Walrus; NShards and Shards are walrusfs extensions that let a
// client check a committee file against the node.
//
// In chain mode Epoch is the registry's, PublicKey the BLS public key in
// standard base64 (fastcrypto's JSON form; storage_openapi.yaml calls it
// Base58 but the serializer writes base64), and Uptime, EventProgress and
// ShardSummary are filled in as ServiceHealthInfo has them (no events are
// processed here, so their counts are 0; every shard is ready).
type Health struct {
	Epoch         uint32         `json:"epoch"`
	PublicKey     string         `json:"publicKey"`
	NodeStatus    string         `json:"nodeStatus"`
	NShards       int            `json:"nShards"`
	Shards        string         `json:"shards"`
	Uptime        *Uptime        `json:"uptime,omitempty"`
	EventProgress *EventProgress `json:"eventProgress,omitempty"`
	ShardSummary  *ShardSummary  `json:"shardSummary,omitempty"`
}

// Uptime is a Rust Duration as serde writes it.
type Uptime struct {
	Secs  uint64 `json:"secs"`
	Nanos uint32 `json:"nanos"`
}

// EventProgress is the Sui event progress of a Walrus node.
type EventProgress struct {
	Persisted                 uint64  `json:"persisted"`
	Pending                   uint64  `json:"pending"`
	HighestFinishedEventIndex *uint64 `json:"highestFinishedEventIndex"`
}

// ShardSummary summarizes the shards of a Walrus node.
type ShardSummary struct {
	Owned            int `json:"owned"`
	OwnedShardStatus struct {
		Unknown    int `json:"unknown"`
		Ready      int `json:"ready"`
		InTransfer int `json:"inTransfer"`
		InRecovery int `json:"inRecovery"`
	} `json:"ownedShardStatus"`
	ReadOnly int `json:"readOnly"`
}

const contentTypeBCS = "application/octet-stream"

// Handler returns the HTTP API of the node:
//
//	GET|PUT /v1/blobs/{id}/metadata             BCS BlobMetadataWithId / BlobMetadata
//	GET     /v1/blobs/{id}/metadata/status      "stored" | "nonexistent"
//	GET|PUT /v1/blobs/{id}/slivers/{pair}/{type} BCS SliverData
//	GET     /v1/blobs/{id}/slivers/{pair}/{type}/status
//	GET     /v1/blobs/{id}/slivers/{pair}/{type}/leaves walrusfs extension: repair leaves (Node.SliverLeaves)
//	GET     /v1/blobs/{id}/status
//	GET     /v1/health
//	DELETE  /v1/blobs/{id}                       walrusfs extension: remove a blob
//	GET     /v1/blobs                            walrusfs extension: list blobs
//
//	GET     /v1/blobs/{id}/confirmation/permanent           chain mode only (chain.go)
//	GET     /v1/blobs/{id}/confirmation/deletable/{object}  chain mode only
//
// PUT bodies must be application/octet-stream and are size-limited before
// they are read. In chain mode (Options.Registry) PUTs take ?pending=true.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", n.getHealth)
	mux.HandleFunc("GET /v1/blobs", n.listBlobs)
	mux.HandleFunc("GET /v1/blobs/{id}/metadata", n.getMetadata)
	mux.HandleFunc("PUT /v1/blobs/{id}/metadata", n.putMetadata)
	mux.HandleFunc("GET /v1/blobs/{id}/metadata/status", n.metadataStatus)
	mux.HandleFunc("GET /v1/blobs/{id}/slivers/{pair}/{type}", n.getSliver)
	mux.HandleFunc("PUT /v1/blobs/{id}/slivers/{pair}/{type}", n.putSliver)
	mux.HandleFunc("GET /v1/blobs/{id}/slivers/{pair}/{type}/status", n.sliverStatus)
	mux.HandleFunc("GET /v1/blobs/{id}/slivers/{pair}/{type}/leaves", n.getSliverLeaves)
	mux.HandleFunc("GET /v1/blobs/{id}/status", n.blobStatus)
	mux.HandleFunc("GET /v1/blobs/{id}/confirmation/permanent", n.getConfirmation)
	mux.HandleFunc("GET /v1/blobs/{id}/confirmation/deletable/{object}", n.getConfirmation)
	mux.HandleFunc("DELETE /v1/blobs/{id}", n.deleteBlob)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// Serve serves the node's API on ln until ctx is done, then shuts down
// gracefully (in-flight requests get a few seconds).
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelDebug)}
	if n.chain != nil {
		pctx, stop := context.WithCancel(ctx)
		defer stop()
		go n.pollPending(pctx)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}()
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func writeJSON(w http.ResponseWriter, code int, data any) {
	var env SuccessResponse[any]
	env.Success.Code = code
	env.Success.Data = data
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(env)
}

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: 500, Status: "INTERNAL", Msg: err.Error(), Reason: "INTERNAL_ERROR"}
	}
	var env ErrorResponse
	env.Error.Code, env.Error.Status, env.Error.Message = e.Code, e.Status, e.Msg
	if e.Reason != "" {
		domain := storageNodeErrorDomain
		if e.Reason == "INTERNAL_ERROR" {
			domain = globalErrorDomain
		}
		env.Error.Details = []ErrorDetail{{Type: "ErrorInfo", Reason: e.Reason, Domain: domain, Metadata: map[string]any{}}}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Code)
	json.NewEncoder(w).Encode(env)
}

func writeBCS(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", contentTypeBCS)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func parseID(r *http.Request) (blobid.ID, error) {
	id, err := blobid.Parse(r.PathValue("id"))
	if err != nil {
		return id, badRequest("%v", err)
	}
	return id, nil
}

// parseSliverPath parses and range-checks {id}/{pair}/{type} and checks
// the shard; nothing touches the disk before this passes.
func (n *Node) parseSliverPath(r *http.Request) (blobid.ID, int, rs2.SliverType, error) {
	id, err := parseID(r)
	if err != nil {
		return id, 0, 0, err
	}
	t, err := rs2.ParseSliverType(r.PathValue("type"))
	if err != nil {
		return id, 0, 0, badRequest("%v (want primary or secondary)", err)
	}
	pair, err := strconv.Atoi(r.PathValue("pair"))
	if err != nil {
		return id, 0, 0, badRequest("sliver pair index %q is not a number", r.PathValue("pair"))
	}
	if _, err := n.CheckPair(id, pair); err != nil {
		return id, 0, 0, err
	}
	return id, pair, t, nil
}

// readBody reads at most limit bytes of a PUT body with the BCS content
// type; larger bodies are refused with 413 without being buffered.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != contentTypeBCS {
		return nil, &Error{Code: 400, Status: "INVALID_CONTENT_TYPE", Msg: fmt.Sprintf("content type %q, want %s", ct, contentTypeBCS)}
	}
	if r.ContentLength > limit {
		return nil, &Error{Code: 413, Status: "RESOURCE_EXHAUSTED", Msg: fmt.Sprintf("body of %d bytes exceeds the limit of %d", r.ContentLength, limit)}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &Error{Code: 413, Status: "RESOURCE_EXHAUSTED", Msg: fmt.Sprintf("body exceeds the limit of %d bytes", limit)}
	}
	if err != nil {
		return nil, badRequest("reading body: %v", err)
	}
	return b, nil
}

func (n *Node) getHealth(w http.ResponseWriter, r *http.Request) {
	h := Health{NodeStatus: "Active", NShards: n.n, Shards: FormatShardList(n.shards)}
	if n.chain != nil {
		h.Epoch = n.chain.reg.Epoch()
		if len(n.chain.pubKey) > 0 {
			h.PublicKey = base64.StdEncoding.EncodeToString(n.chain.pubKey)
		}
		up := time.Since(n.chain.started)
		h.Uptime = &Uptime{Secs: uint64(up / time.Second), Nanos: uint32(up % time.Second)}
		h.EventProgress = &EventProgress{}
		h.ShardSummary = &ShardSummary{Owned: len(n.shards)}
		h.ShardSummary.OwnedShardStatus.Ready = len(n.shards)
	}
	writeJSON(w, 200, h)
}

func (n *Node) listBlobs(w http.ResponseWriter, r *http.Request) {
	list := []ListEntry{}
	if err := n.List(func(e ListEntry) error { list = append(list, e); return nil }); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, list)
}

func (n *Node) getMetadata(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := n.servable(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	b, err := n.RawMetadata(id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeBCS(w, append(id[:], b...))
}

func (n *Node) putMetadata(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	pending, err := parseBoolQuery(r, "pending")
	if err != nil && n.chain != nil {
		writeError(w, err)
		return
	}
	body, err := readBody(w, r, MaxMetadataBody(n.n))
	if err != nil {
		writeError(w, err)
		return
	}
	if n.chain != nil {
		m, err := n.CheckMetadata(id, body)
		if err != nil {
			writeError(w, err)
			return
		}
		code, msg, err := n.putMetadataChain(r.Context(), id, body, m, pending)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, code, msg)
		return
	}
	created, err := n.PutMetadata(id, body)
	switch {
	case err != nil:
		writeError(w, err)
	case created:
		writeJSON(w, 201, "metadata stored")
	default:
		writeJSON(w, 200, "metadata already stored")
	}
}

func (n *Node) metadataStatus(w http.ResponseWriter, r *http.Request) {
	if !n.hasMetadata(w, r) {
		return
	}
	writeJSON(w, 200, "stored")
}

func (n *Node) getSliver(w http.ResponseWriter, r *http.Request) {
	id, pair, t, err := n.parseSliverPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := n.servable(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	// Streamed from the file (sendfile on TCP), not read into memory:
	// slivers are the bulk of every read.
	f, size, err := n.OpenSliver(id, pair, t)
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentTypeBCS)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, _ = io.CopyN(w, f, size)
}

func (n *Node) getSliverLeaves(w http.ResponseWriter, r *http.Request) {
	id, pair, t, err := n.parseSliverPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := n.SliverLeaves(id, pair, t)
	if err != nil {
		writeError(w, err)
		return
	}
	writeBCS(w, b)
}

func (n *Node) putSliver(w http.ResponseWriter, r *http.Request) {
	id, pair, t, err := n.parseSliverPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var (
		code int
		msg  string
	)
	if n.chain != nil {
		code, msg, err = n.putSliverChain(w, r, id, pair, t)
	} else {
		code, msg, err = n.putSliverStored(w, r, id, pair, t)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, code, msg)
}

// putSliverStored stores a sliver of a blob whose metadata is stored.
func (n *Node) putSliverStored(w http.ResponseWriter, r *http.Request, id blobid.ID, pair int, t rs2.SliverType) (int, string, error) {
	m, err := n.Metadata(id)
	if errors.Is(err, ErrNotFound) {
		err = &Error{Code: 400, Status: "FAILED_PRECONDITION", Reason: "METADATA_NOT_FOUND", Msg: fmt.Sprintf("blob %s: no valid metadata stored; PUT the metadata first", id)}
	}
	if err != nil {
		return 0, "", err
	}
	limit, err := n.MaxSliverBody(m, t)
	if err != nil {
		return 0, "", err
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return 0, "", err
	}
	created, err := n.PutSliver(id, m, pair, t, body)
	switch {
	case err != nil:
		return 0, "", err
	case created:
		return 201, "sliver stored", nil
	default:
		return 200, "sliver already stored", nil
	}
}

func (n *Node) sliverStatus(w http.ResponseWriter, r *http.Request) {
	id, pair, t, err := n.parseSliverPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if n.chain != nil {
		if err := n.flushPending(r.Context(), id); err != nil {
			writeError(w, err)
			return
		}
	}
	ok, err := n.HasSliver(id, pair, t)
	if err != nil {
		writeError(w, err)
		return
	}
	switch {
	case ok:
		writeJSON(w, 200, "stored")
	case n.chain != nil && n.chain.pend.hasSliver(id, pair, t):
		writeJSON(w, 200, "buffered")
	default:
		writeJSON(w, 200, "nonexistent")
	}
}

// blobStatus answers like Walrus: in chain mode from the registration
// (blobStatusChain); without a chain "nonexistent", or a permanent blob
// that is not certified (no epochs or certification).
func (n *Node) blobStatus(w http.ResponseWriter, r *http.Request) {
	if n.chain != nil {
		id, err := parseID(r)
		if err != nil {
			writeError(w, err)
			return
		}
		st, err := n.blobStatusChain(r.Context(), id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, 200, st)
		return
	}
	if !n.hasMetadata(w, r) {
		return
	}
	// In chain mode (blobStatusChain) they come from the registration.
	writeJSON(w, 200, map[string]any{"permanent": map[string]any{
		"endEpoch": 0, "isCertified": false, "statusEvent": nil, "initialCertifiedEpoch": nil,
		"deletableCounts": map[string]int{"count_deletable_total": 0, "count_deletable_certified": 0},
	}})
}

func (n *Node) deleteBlob(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	found, err := n.Delete(id)
	if n.chain != nil && n.chain.pend.take(id) != nil {
		n.chain.pend.done(id)
		found = true
	}
	switch {
	case err != nil:
		writeError(w, err)
	case !found:
		writeError(w, notFound("blob %s: nothing stored", id))
	default:
		writeJSON(w, 200, "deleted")
	}
}

// hasMetadata parses the request's blob ID and reports whether this node
// stores its metadata. When it does not, it has already answered:
// "nonexistent" for an unknown blob, an error envelope otherwise.
func (n *Node) hasMetadata(w http.ResponseWriter, r *http.Request) bool {
	id, err := parseID(r)
	if err != nil {
		writeError(w, err)
		return false
	}
	if n.chain != nil {
		if err := n.flushPending(r.Context(), id); err != nil {
			writeError(w, err)
			return false
		}
	}
	if _, err := n.Metadata(id); err != nil {
		if errors.Is(err, ErrNotFound) {
			writeJSON(w, 200, "nonexistent")
		} else {
			writeError(w, err)
		}
		return false
	}
	return true
}
