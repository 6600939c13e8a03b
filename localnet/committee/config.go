package committee

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// NodeInfo is one committee member: a name for logs, the base URL of its
// API and the shards it holds. It is also the format of a committee file:
// a JSON list of {"name","url","shards"} objects.
type NodeInfo struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Shards []int  `json:"shards"`
}

// Config configures a Client. Committee and DataDir are required; zero
// values of the others mean the defaults.
type Config struct {
	// Committee lists the nodes; their shards must be exactly 0..n-1,
	// each held by one node, and n is the network's shard count.
	Committee []NodeInfo
	// DataDir holds the client's state: the repair queue in DataDir/repair.
	DataDir string
	// Concurrency bounds the requests one operation has in flight
	// (default 16).
	Concurrency int
	// RequestTimeout bounds one HTTP request (default 30s).
	RequestTimeout time.Duration
	// ReadTimeout bounds a whole Read or Stat (default 2m).
	ReadTimeout time.Duration
	// RepairInterval is the period of the background repair loop
	// (default 30s); the loop also runs once at Open.
	RepairInterval time.Duration
	// RowCacheBytes bounds the memory of verified primary slivers kept
	// for later reads (default DefaultRowCacheBytes; negative: none kept,
	// concurrent reads of a row still share one fetch).
	RowCacheBytes int64
	// Location is reported in blobstore.Info (default "N nodes, n shards").
	Location string
	// HTTPClient is used for all requests (default: a client with enough
	// idle connections per host for Concurrency).
	HTTPClient *http.Client
	// Local serves some committee members in-process: a request to a
	// node whose URL is a key here calls the handler directly instead of
	// going over HTTP (the embedded network's own nodes; see callLocal).
	// The handler runs under the request's context and timeout, and a
	// panic in it (http.ErrAbortHandler is how a stopped local node
	// answers) is a transport failure, as a dropped connection would be.
	Local map[string]http.Handler
	// Logger receives liars, failures and repairs; nil discards.
	Logger *slog.Logger

	// Pending sends metadata and slivers with ?pending=true, so that
	// Walrus nodes that have not seen the blob's registration yet buffer
	// them instead of refusing (as the Rust SDK's pending uploads do; the
	// TS SDK never sets it). Nodes without a chain ignore it.
	Pending bool
	// MetadataAttempts is how many times the metadata PUT to a node is
	// tried while the node answers NOT_REGISTERED (ErrNotRegistered);
	// default 3, as the TS SDK's writeMetadataToNode. 1 disables retries.
	MetadataAttempts int
	// NotRegisteredDelay is the pause between those attempts (default
	// 1 s, as the TS SDK).
	NotRegisteredDelay time.Duration
}

// LoadCommittee reads a committee file.
func LoadCommittee(path string) ([]NodeInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c []NodeInfo
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("committee file %s: %w", path, err)
	}
	return c, nil
}

// shardMap validates the committee and returns shard -> node index.
func shardMap(c []NodeInfo) ([]int, error) {
	if len(c) == 0 {
		return nil, errors.New("network: empty committee")
	}
	total := 0
	for _, n := range c {
		total += len(n.Shards)
	}
	owner := make([]int, total)
	for i := range owner {
		owner[i] = -1
	}
	for i, n := range c {
		if n.URL == "" {
			return nil, fmt.Errorf("network: node %q has no URL", n.Name)
		}
		for _, k := range n.Shards {
			if k < 0 || k >= total {
				return nil, fmt.Errorf("network: node %q holds shard %d, but the committee has %d shards in all (shards must be 0..%d)", n.Name, k, total, total-1)
			}
			if owner[k] >= 0 {
				return nil, fmt.Errorf("network: shard %d is held by both %q and %q", k, c[owner[k]].Name, n.Name)
			}
			owner[k] = i
		}
	}
	return owner, nil
}
