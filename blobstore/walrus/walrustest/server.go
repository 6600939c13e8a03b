package walrustest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/rs2"
)

// Options configure a fake. Zero values mean the defaults shown.
type Options struct {
	NShards     int    // shard count the blob IDs are computed for (10)
	Epoch       uint32 // current Walrus epoch (100)
	Aggregators int    // number of aggregators (1)
	// MaxBlobSize is the publisher's request-body limit; larger bodies
	// get 413 (10 MiB, what public publishers allow, §4.1).
	MaxBlobSize int64
	// Token, if set, makes the publisher authenticated: PUT without
	// "Authorization: Bearer <Token>" gets 401 (§4.1).
	Token string
	// StoragePrice and WritePrice are FROST per 1 MiB unit of encoded
	// length (per epoch for storage), used for the cost field (§5).
	// Defaults 10 000 and 20 000, arbitrary values of the right shape.
	StoragePrice, WritePrice uint64
	// StallDelay is how long a SlowBody fault stalls mid-body (5s).
	StallDelay time.Duration
}

// Fault makes the publisher or an aggregator misbehave.
type Fault int

// Faults. The comment says who honours each one and what it does.
const (
	None Fault = iota
	// WrongBytes (aggregator): 200 with the right length but one byte
	// flipped, as a lying or broken aggregator would serve.
	WrongBytes
	// Truncated (aggregator): the full Content-Length is announced but
	// only half the body is sent before the connection is dropped.
	Truncated
	// Unavailable (both): 503 with status BLOB_UNAVAILABLE.
	Unavailable
	// NotFound (aggregator): 404 BLOB_NOT_FOUND even for stored blobs.
	NotFound
	// SlowBody (aggregator): headers and half the body, then a stall of
	// Options.StallDelay before the rest.
	SlowBody
	// TooLarge (publisher): 413 PAYLOAD_TOO_LARGE.
	TooLarge
	// GatewayTimeout (publisher): 504, "could not store to enough nodes".
	GatewayTimeout
	// TooManyRequests (both): 429 RESOURCE_EXHAUSTED.
	TooManyRequests
	// GarbageJSON (publisher): 200 with a body that is not JSON.
	GarbageJSON
	// ForeignBlobID (publisher): stores the blob but answers newlyCreated
	// with the blob ID of different bytes.
	ForeignBlobID
	// StoreError (publisher): 200 with the {"error":{...}} variant.
	StoreError
	// MarkedInvalid (publisher): 200 with the markedInvalid variant.
	MarkedInvalid
)

// Server is a fake publisher plus aggregators over one shared blob set.
type Server struct {
	opts Options
	enc  *rs2.Encoder

	mu      sync.Mutex
	epoch   uint32            // GUARDED_BY(mu)
	blobs   map[string]*blob  // GUARDED_BY(mu); by blob ID text
	objects map[string]string // GUARDED_BY(mu); object ID -> blob ID text
	nextObj uint64            // GUARDED_BY(mu)
	lastPut url.Values        // GUARDED_BY(mu); query of the last PUT

	pub  *endpoint
	aggs []*endpoint
}

// blob is one stored blob and its (single) Sui Blob object.
type blob struct {
	data                      []byte
	objectID                  string
	registered, end           uint32
	deletable                 bool
	encodedLen, storageSizeMB uint64
}

// endpoint is one HTTP service with its fault state and request count.
type endpoint struct {
	srv      *httptest.Server
	mu       sync.Mutex
	fault    Fault // GUARDED_BY(mu)
	times    int   // GUARDED_BY(mu); requests left to fail, < 0 = forever
	requests int   // GUARDED_BY(mu)
}

// take counts a request and returns the fault to apply to it.
func (e *endpoint) take() Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests++
	if e.fault == None || e.times == 0 {
		return None
	}
	if e.times > 0 {
		e.times--
	}
	return e.fault
}

func (e *endpoint) set(f Fault, times int) {
	e.mu.Lock()
	e.fault, e.times = f, times
	e.mu.Unlock()
}

func (e *endpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// NewServer starts a fake publisher and opts.Aggregators aggregators on
// 127.0.0.1; they are closed when the test ends. opts may be nil.
func NewServer(t testing.TB, opts *Options) *Server {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.NShards, 10)
	def(&o.Aggregators, 1)
	if o.Epoch == 0 {
		o.Epoch = 100
	}
	if o.MaxBlobSize == 0 {
		o.MaxBlobSize = 10 << 20
	}
	if o.StoragePrice == 0 {
		o.StoragePrice = 10_000
	}
	if o.WritePrice == 0 {
		o.WritePrice = 20_000
	}
	if o.StallDelay == 0 {
		o.StallDelay = 5 * time.Second
	}
	enc, err := rs2.NewEncoder(o.NShards)
	if err != nil {
		t.Fatalf("walrustest: %v", err)
	}
	s := &Server{opts: o, enc: enc, epoch: o.Epoch, blobs: map[string]*blob{}, objects: map[string]string{}}
	s.pub = &endpoint{}
	s.pub.srv = httptest.NewServer(http.HandlerFunc(s.servePublisher))
	t.Cleanup(s.pub.srv.Close)
	for range o.Aggregators {
		a := &endpoint{}
		a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveAggregator(a, w, r) }))
		t.Cleanup(a.srv.Close)
		s.aggs = append(s.aggs, a)
	}
	return s
}

// NShards is the shard count blob IDs are computed for.
func (s *Server) NShards() int { return s.opts.NShards }

// PublisherURL is the publisher's base URL.
func (s *Server) PublisherURL() string { return s.pub.srv.URL }

// AggregatorURL is the base URL of aggregator i.
func (s *Server) AggregatorURL(i int) string { return s.aggs[i].srv.URL }

// AggregatorURLs lists every aggregator's base URL in order.
func (s *Server) AggregatorURLs() []string {
	var out []string
	for _, a := range s.aggs {
		out = append(out, a.srv.URL)
	}
	return out
}

// FailPublisher applies f to the next times publisher requests (times < 0:
// until changed; f == None clears).
func (s *Server) FailPublisher(f Fault, times int) { s.pub.set(f, times) }

// FailAggregator applies f to the next times requests of aggregator i.
func (s *Server) FailAggregator(i int, f Fault, times int) { s.aggs[i].set(f, times) }

// PublisherRequests counts the requests the publisher received.
func (s *Server) PublisherRequests() int { return s.pub.count() }

// AggregatorRequests counts the requests aggregator i received.
func (s *Server) AggregatorRequests(i int) int { return s.aggs[i].count() }

// Epoch returns the current epoch; SetEpoch moves it (blobs whose end
// epoch is reached stop being served, §5 "Lifetime rules").
func (s *Server) Epoch() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch
}

// SetEpoch sets the current epoch.
func (s *Server) SetEpoch(e uint32) {
	s.mu.Lock()
	s.epoch = e
	s.mu.Unlock()
}

// Has reports whether blob id (text form) is stored and not expired.
func (s *Server) Has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[id]
	return ok && s.epoch < b.end
}

// LastPutQuery returns the query parameters of the last PUT /v1/blobs.
func (s *Server) LastPutQuery() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPut
}

// DeleteObject plays the Sui transaction blob::delete_blob for the Blob
// object objectID: only deletable blobs can be deleted (§5), after which
// aggregators answer 404.
func (s *Server) DeleteObject(objectID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.objects[objectID]
	if !ok {
		return fmt.Errorf("walrustest: no Blob object %s", objectID)
	}
	if !s.blobs[id].deletable {
		return fmt.Errorf("walrustest: Blob object %s is permanent", objectID)
	}
	delete(s.objects, objectID)
	delete(s.blobs, id)
	return nil
}

// writeError writes the AIP-193 error envelope every Walrus service uses
// (protocol notes §4 "General").
func writeError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "status": status, "message": msg,
		"details": []any{map[string]any{"@type": "ErrorInfo", "reason": status, "domain": "walrus.space", "metadata": map[string]string{}}},
	}})
}
