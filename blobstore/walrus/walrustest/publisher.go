package walrustest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// maxEpochsAhead is the system's max_epochs_ahead (protocol notes §5).
const maxEpochsAhead = 53

// publisherParams are the query parameters PUT /v1/blobs accepts (§4.1).
// The fake rejects any other one with 400 so that a typo in the client
// fails a test instead of being ignored.
var publisherParams = map[string]bool{
	"epochs": true, "deletable": true, "permanent": true, "force": true, "send_object_to": true,
	"share": true, "encoding_type": true, "reuse_resources": true, "quilt_version": true,
}

// servePublisher implements PUT /v1/blobs (§4.1).
func (s *Server) servePublisher(w http.ResponseWriter, r *http.Request) {
	fault := s.pub.take()
	if r.URL.Path != "/v1/blobs" {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no route "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPut {
		writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "method not allowed")
		return
	}
	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "missing or invalid bearer token")
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.lastPut = q
	s.mu.Unlock()
	epochs, deletable, err := checkPutQuery(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBlobSize+1))
	if err != nil {
		return
	}
	switch fault {
	case TooLarge:
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "the blob exceeds the publisher's limit")
		return
	case GatewayTimeout:
		writeError(w, http.StatusGatewayTimeout, "DEADLINE_EXCEEDED", "could not store the blob to enough nodes before the timeout")
		return
	case TooManyRequests:
		writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "too many requests")
		return
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the publisher is unavailable")
		return
	case GarbageJSON:
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		return
	}
	if int64(len(data)) > s.opts.MaxBlobSize {
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
			fmt.Sprintf("the blob exceeds the maximum allowed size of %d bytes", s.opts.MaxBlobSize))
		return
	}
	m, err := s.enc.ComputeMetadata(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	id := m.BlobID().String()
	var resp any
	switch fault {
	case StoreError:
		// {"error":{"blobId","failurePhase","errorMsg"}} (§4.1).
		resp = map[string]any{"error": map[string]any{"blobId": id, "failurePhase": "store", "errorMsg": "not enough confirmations"}}
	case MarkedInvalid:
		resp = map[string]any{"markedInvalid": map[string]any{"blobId": id, "event": event()}}
	default:
		resp = s.store(q, id, data, epochs, deletable, fault == ForeignBlobID)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// checkPutQuery validates the query of PUT /v1/blobs like the publisher.
func checkPutQuery(q map[string][]string) (epochs uint32, deletable bool, err error) {
	for k := range q {
		if !publisherParams[k] {
			return 0, false, fmt.Errorf("unknown query parameter %q", k)
		}
	}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	epochs = 1
	if v := get("epochs"); v != "" {
		e, err := strconv.ParseUint(v, 10, 32)
		if err != nil || e == 0 || e > maxEpochsAhead {
			return 0, false, fmt.Errorf("invalid epochs %q: want 1..%d", v, maxEpochsAhead)
		}
		epochs = uint32(e)
	}
	perm := get("permanent") == "true"
	if perm && get("deletable") == "true" {
		return 0, false, fmt.Errorf("deletable and permanent are mutually exclusive")
	}
	if get("send_object_to") != "" && get("share") == "true" {
		return 0, false, fmt.Errorf("send_object_to and share are mutually exclusive")
	}
	if v := get("encoding_type"); v != "" && v != "RS2" {
		return 0, false, fmt.Errorf("unsupported encoding type %q", v)
	}
	return epochs, !perm, nil
}

// store records the blob and returns the publisher's answer: newlyCreated,
// or alreadyCertified when a certified copy lives at least as long as
// asked (§4.1). foreign makes newlyCreated name another blob ID.
func (s *Server) store(q map[string][]string, id string, data []byte, epochs uint32, deletable, foreign bool) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	end := s.epoch + epochs
	if b, ok := s.blobs[id]; ok && s.epoch < b.end && b.end >= end && len(q["force"]) == 0 && !foreign {
		ac := map[string]any{"blobId": id, "endEpoch": b.end}
		if b.deletable {
			ac["object"] = b.objectID // an owned, deletable, certified blob
		} else {
			ac["event"] = event()
		}
		return map[string]any{"alreadyCertified": ac}
	}
	p := s.enc.Params()
	encLen, _ := p.EncodedLength(uint64(len(data)))
	units := (encLen + 1<<20 - 1) >> 20
	b := &blob{
		data: append([]byte(nil), data...), objectID: s.newObjectID(), registered: s.epoch, end: end,
		deletable: deletable, encodedLen: encLen, storageSizeMB: units,
	}
	if old, ok := s.blobs[id]; ok {
		delete(s.objects, old.objectID)
	}
	s.blobs[id] = b
	s.objects[b.objectID] = id
	shownID := id
	if foreign {
		m, _ := s.enc.ComputeMetadata(append([]byte("not "), data...))
		shownID = m.BlobID().String()
	}
	created := map[string]any{
		"blobObject": map[string]any{
			"id": b.objectID, "registeredEpoch": s.epoch, "blobId": shownID, "size": len(data),
			"encodingType": "RS2", "certifiedEpoch": s.epoch,
			"storage":   map[string]any{"id": s.newObjectID(), "startEpoch": s.epoch, "endEpoch": end, "storageSize": encLen},
			"deletable": deletable,
		},
		"resourceOperation": map[string]any{"registerFromScratch": map[string]any{"encodedLength": encLen, "epochsAhead": epochs}},
		"cost":              units*s.opts.StoragePrice*uint64(epochs) + units*s.opts.WritePrice,
	}
	return map[string]any{"newlyCreated": created}
}

// newObjectID returns a fresh Sui object ID (0x + 64 hex digits).
func (s *Server) newObjectID() string {
	s.nextObj++
	return fmt.Sprintf("0x%064x", 0xa11ce<<32+s.nextObj)
}

// event is an EventID as the publisher shows it: base58 digest, string seq.
func event() map[string]any {
	return map[string]any{"txDigest": "8ZRcJNoiVmMq3dRVvXGCq1eUq6vK8sWkGwTcqGxrJ7Qk", "eventSeq": "0"}
}
