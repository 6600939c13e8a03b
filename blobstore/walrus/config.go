package walrus

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/clientconf"
)

// Defaults for Config fields left zero.
const (
	DefaultNShards        = 1000
	DefaultMaxBlobSize    = 10 << 20 // public publishers' request limit (protocol notes §4.1)
	DefaultEpochs         = 1
	DefaultMaxAttempts    = 5
	DefaultBackoff        = 500 * time.Millisecond
	DefaultMaxBackoff     = 20 * time.Second
	DefaultPutTimeout     = 10 * time.Minute
	DefaultReadTimeout    = 5 * time.Minute
	DefaultStallTimeout   = 60 * time.Second
	DefaultCacheBytes     = 64 << 20
	MaxEpochsAhead        = 53 // system max_epochs_ahead (§5): the most epochs a blob can be bought for
	defaultLocationPrefix = "walrus"
)

// Network is a preset of public endpoints (protocol notes §4.1, §4.2).
type Network struct {
	Name        string
	Publisher   string // "" = no public publisher
	Aggregators []string
	NShards     int
}

// Networks are the documented public deployments. Mainnet has no public
// publisher: storing needs your own (possibly authenticated) publisher.
var Networks = map[string]Network{
	"testnet": {
		Name:        "testnet",
		Publisher:   "https://publisher.walrus-testnet.walrus.space",
		Aggregators: []string{"https://aggregator.walrus-testnet.walrus.space"},
		NShards:     1000,
	},
	"mainnet": {
		Name:        "mainnet",
		Aggregators: []string{"https://aggregator.walrus-mainnet.walrus.space"},
		NShards:     1000,
	},
}

// Config configures a Store. Zero values mean the defaults above; New
// validates and fills them in.
type Config struct {
	// Network names the deployment, for Info.Location and messages only.
	Network string
	// Publisher is the base URL of the publisher used by Put; "" makes the
	// store read-only (Put fails with ErrNoPublisher).
	Publisher string
	// Aggregators are base URLs tried in this order on every read.
	Aggregators []string
	// Epochs is how many epochs ahead storage is bought (1..53).
	Epochs int
	// Permanent stores permanent blobs; otherwise blobs are deletable
	// (sent explicitly as deletable=true, the default since publisher
	// v1.33). Permanent blobs cannot be deleted before their end epoch.
	Permanent bool
	// SendObjectTo is the Sui address that receives the Blob objects;
	// empty leaves them with the publisher's wallet.
	SendObjectTo string
	// BearerToken authenticates to a publisher that requires a JWT.
	BearerToken string
	// NShards is the network's shard count, used to compute blob IDs.
	NShards int
	// MaxBlobSize is the publisher's request-body limit; larger Puts are
	// refused before sending. The mount sizes its chunks and packs to it.
	MaxBlobSize int64
	// TrustAggregator serves ranged reads with HTTP Range requests instead
	// of fetching and verifying whole blobs. What it gives up: the bytes
	// of a range cannot be checked against the blob ID (only a whole blob
	// can be), so a lying or broken aggregator can hand the reader wrong
	// data for a range, and the size Stat reports for a blob this store
	// did not put comes from the aggregator's Content-Range unchecked.
	// Whole-blob reads are verified either way.
	TrustAggregator bool
	// DataDir holds the record of the blobs this store put (blobs.jsonl);
	// "" keeps the record in memory only.
	DataDir string
	// HTTPClient defaults to a client with no overall timeout (per-request
	// timeouts below apply).
	HTTPClient *http.Client
	// PutTimeout bounds one publisher request; ReadTimeout one aggregator
	// request; StallTimeout aborts a response body that makes no progress.
	PutTimeout, ReadTimeout, StallTimeout time.Duration
	// MaxAttempts bounds retries of transient failures (per Put, and per
	// read as rounds over all aggregators); Backoff is the first delay,
	// doubled up to MaxBackoff, with jitter.
	MaxAttempts         int
	Backoff, MaxBackoff time.Duration
	// CacheBytes bounds the in-memory LRU of verified whole blobs that
	// ranged reads are served from (default 64 MiB; < 0 disables).
	CacheBytes int64
	// Logger receives warnings (retries, lying aggregators); default silent.
	Logger *slog.Logger
	// Clock returns the current time (records' StoredAt); default time.Now.
	Clock func() time.Time
	// EpochTime, if set, converts an end epoch to the time it starts, for
	// Info.Expires (the sui package can estimate it from the Staking
	// object). Without it Info.Expires is zero (unknown).
	EpochTime func(epoch uint32) time.Time
	// Deleter, if set, deletes a deletable Blob object on Sui
	// (blob::delete_blob, a signed transaction). Without it Delete fails
	// with ErrNotSupported and changes nothing.
	Deleter func(ctx context.Context, r Record) error
	// Client, if set, is the user's Walrus CLI configuration, resolved to
	// its Sui wallet (clientconf.Resolve: context, RPC URL, keystore path,
	// address). A Config with Client and no Publisher is valid: blobs are
	// then written directly to the storage nodes, paid for from that
	// wallet, instead of through a publisher. Whoever builds the Config
	// copies the context's settings into the fields above (NShards,
	// Network); Validate checks that NShards agrees with the file.
	Client *clientconf.Resolved
	// NoRenew records that the user accepted, for a mount writing through
	// a publisher, that nothing renews its blobs (--no-renew).
	NoRenew bool
	// MaxWALPerEpoch caps what a wallet spends per epoch, in FROST (0: no
	// cap); used with Client.
	MaxWALPerEpoch uint64
	// Direct, if set, writes blobs directly to the storage nodes and
	// reads them from the nodes (see Direct); Publisher and Aggregators
	// are then not used, and MaxBlobSize defaults to what RS2 encodes.
	Direct Direct
}

// Validate reports what is wrong with c, as New would.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults validates c and returns a copy with defaults filled in.
func (c Config) withDefaults() (Config, error) {
	if c.Client != nil && c.Client.Walrus.NShards != 0 {
		if c.NShards == 0 {
			c.NShards = c.Client.Walrus.NShards
		}
		if c.NShards != c.Client.Walrus.NShards {
			return c, fmt.Errorf("walrus: NShards %d disagrees with n_shards %d of %s", c.NShards, c.Client.Walrus.NShards, c.Client.Walrus.Path)
		}
	}
	if c.Network != "" {
		if n, ok := Networks[c.Network]; ok && c.NShards == 0 {
			c.NShards = n.NShards
		}
	}
	if c.NShards == 0 {
		c.NShards = DefaultNShards
	}
	if c.MaxBlobSize == 0 {
		c.MaxBlobSize = DefaultMaxBlobSize
		if c.Direct != nil || (c.Client != nil && c.Publisher == "") {
			c.MaxBlobSize = 1 << 62 // capped by RS2 (maxBlob)
		}
	}
	if c.Epochs == 0 {
		c.Epochs = DefaultEpochs
	}
	if c.Epochs < 1 || c.Epochs > MaxEpochsAhead {
		return c, fmt.Errorf("walrus: epochs %d outside 1..%d", c.Epochs, MaxEpochsAhead)
	}
	if c.MaxBlobSize < 0 {
		return c, fmt.Errorf("walrus: negative MaxBlobSize %d", c.MaxBlobSize)
	}
	if c.Publisher != "" {
		p, err := checkURL("publisher", c.Publisher)
		if err != nil {
			return c, err
		}
		c.Publisher = p
	}
	if len(c.Aggregators) == 0 && c.Direct == nil && c.Client == nil {
		return c, fmt.Errorf("walrus: no aggregator configured (give --aggregator URL or --network testnet|mainnet)")
	}
	aggs := make([]string, len(c.Aggregators))
	for i, a := range c.Aggregators {
		u, err := checkURL("aggregator", a)
		if err != nil {
			return c, err
		}
		aggs[i] = u
	}
	c.Aggregators = aggs
	if c.SendObjectTo != "" && !isSuiAddress(c.SendObjectTo) {
		return c, fmt.Errorf("walrus: send_object_to %q is not a Sui address (0x + 64 hex digits)", c.SendObjectTo)
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&c.PutTimeout, DefaultPutTimeout)
	dur(&c.ReadTimeout, DefaultReadTimeout)
	dur(&c.StallTimeout, DefaultStallTimeout)
	dur(&c.Backoff, DefaultBackoff)
	dur(&c.MaxBackoff, DefaultMaxBackoff)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c, nil
}

// checkURL accepts an http(s) base URL and strips a trailing slash.
func checkURL(what, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("walrus: %s URL %q: want http(s)://host[:port]", what, s)
	}
	return strings.TrimRight(s, "/"), nil
}

// isSuiAddress reports whether s is 0x followed by 64 hex digits.
func isSuiAddress(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// location is Info.Location: "walrus testnet" or "walrus <aggregator host>".
func (c *Config) location() string {
	if c.Network != "" {
		return defaultLocationPrefix + " " + c.Network
	}
	if c.Client != nil && c.Client.Walrus.Context != "" {
		return defaultLocationPrefix + " " + c.Client.Walrus.Context
	}
	if len(c.Aggregators) == 0 {
		return defaultLocationPrefix
	}
	if u, err := url.Parse(c.Aggregators[0]); err == nil {
		return defaultLocationPrefix + " " + u.Host
	}
	return defaultLocationPrefix
}
