package sui

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/block-vision/sui-go-sdk/common/grpcconn"
	"github.com/block-vision/sui-go-sdk/common/httpconn"
	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Network names the Sui objects of one Walrus deployment (protocol notes
// §5 table) and a public full node serving both gRPC and JSON-RPC.
type Network struct {
	Name          string
	URL           string // Sui full node
	SystemObject  string
	StakingObject string
	// TypeOrigin is the walrus package's original ID, used in type strings
	// such as <TypeOrigin>::blob::Blob.
	TypeOrigin string
}

// Networks are the documented deployments.
var Networks = map[string]Network{
	"mainnet": {
		Name: "mainnet", URL: "https://fullnode.mainnet.sui.io:443",
		SystemObject:  "0x2134d52768ea07e8c43570ef975eb3e4c27a39fa6396bef985b5abc58d03ddd2",
		StakingObject: "0x10b9d30c28448939ce6c4d6c6e0ffce4a7f8a4ada8248bdad09ef8b70e4a3904",
		TypeOrigin:    "0xfdc88f7d7cf30afab2f82e8380d11ee8f70efb90e863d1de8616fae1bb09ea77",
	},
	"testnet": {
		Name: "testnet", URL: "https://fullnode.testnet.sui.io:443",
		SystemObject:  "0x6c2547cbbc38025cf3adac45f63cb0a8d12ecf777cdc75a4971612bf97fdf6af",
		StakingObject: "0xbe46180321c30aab2f8b3501e24048377287fa708018a5b7c2792b35fe339ee3",
		TypeOrigin:    "0xd84704c17fc870b8764832c535aa6b11f21a95cd6f5bb38a9b07d2cf42220c66",
	},
}

// backend is one transport of the SDK's v2 client.
type backend struct {
	name string
	c    suiv2.Client
}

// Client reads Walrus objects from a Sui full node, over gRPC first and
// JSON-RPC (deprecated by Sui) when gRPC fails.
type Client struct {
	net      Network
	backends []backend
	closers  []func() error
	grpc     *grpcconn.SuiGrpcClient // for the calls the SDK's v2 client cannot express (tx.go)
}

// Dial prepares a client for network n at the full node rawURL ("" = the
// network's public node). http:// URLs use gRPC without TLS (tests, local
// nodes). No connection is made until the first call.
func Dial(n Network, rawURL string) (*Client, error) {
	if rawURL == "" {
		rawURL = n.URL
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sui: full node URL %q: want http(s)://host[:port]", rawURL)
	}
	target := u.Host
	if u.Port() == "" {
		target += map[string]string{"http": ":80", "https": ":443"}[u.Scheme]
	}
	var opts []grpcconn.GrpcConnOption
	if u.Scheme == "https" {
		opts = append(opts, grpcconn.WithDialOptions(grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}))))
	}
	gc := grpcconn.NewSuiGrpcClient(target, opts...)
	// The SDK sets its service clients on first use without a lock; set
	// them now, before concurrent use. This dials lazily: no I/O yet.
	if err := gc.Connect(context.Background()); err != nil {
		return nil, fmt.Errorf("sui: full node %s: %w", rawURL, err)
	}
	g, err := suiv2.NewClient(suiv2.ClientOptions{GrpcClient: gc})
	if err != nil {
		return nil, fmt.Errorf("sui: %w", err)
	}
	j, err := suiv2.NewClient(suiv2.ClientOptions{HttpConn: httpconn.NewHttpConn(strings.TrimRight(rawURL, "/"), nil)})
	if err != nil {
		return nil, fmt.Errorf("sui: %w", err)
	}
	return &Client{net: n, backends: []backend{{"gRPC", g}, {"JSON-RPC", j}}, closers: []func() error{gc.Close}, grpc: gc}, nil
}

// Close releases the gRPC connection.
func (c *Client) Close() error {
	var errs []error
	for _, f := range c.closers {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

// try runs op on each transport in order until one succeeds.
func (c *Client) try(ctx context.Context, what string, op func(suiv2.Client) error) error {
	return c.tryBackend(ctx, what, func(b backend) error { return op(b.c) })
}

// tryBackend is try for operations that need to know the transport.
func (c *Client) tryBackend(ctx context.Context, what string, op func(backend) error) error {
	var errs []string
	for _, b := range c.backends {
		err := op(b)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		errs = append(errs, b.name+": "+err.Error())
	}
	return fmt.Errorf("sui: %s: %s", what, strings.Join(errs, "; "))
}

// object fetches one object's Move struct BCS and type. ObjectBcs is asked
// for too because the JSON-RPC backend fills Content only from showBcs.
func object(ctx context.Context, cl suiv2.Client, id string) (content []byte, typ, owner string, err error) {
	resp, err := cl.GetObjects(ctx, suiv2.GetObjectsOptions{ObjectIds: []string{id}, Include: suiv2.ObjectInclude{Content: true, ObjectBcs: true}})
	if err != nil {
		return nil, "", "", err
	}
	if len(resp.Objects) != 1 {
		return nil, "", "", fmt.Errorf("object %s: %d results", id, len(resp.Objects))
	}
	o := resp.Objects[0]
	if o.Error != nil || o.Object == nil {
		msg := "no object"
		if o.Error != nil {
			msg = *o.Error
		}
		return nil, "", "", fmt.Errorf("object %s: %s", id, msg)
	}
	if len(o.Object.Content) == 0 {
		return nil, "", "", fmt.Errorf("object %s: no BCS contents in the answer", id)
	}
	return o.Object.Content, o.Object.Type, o.Object.Owner.AddressOwner, nil
}

// inner reads the dynamic field of parent keyed by u64 version: the
// versioned inner state of System and Staking (§5).
func inner(ctx context.Context, cl suiv2.Client, parent string, version uint64) ([]byte, error) {
	key := binary.LittleEndian.AppendUint64(nil, version)
	var cursor *string
	for {
		resp, err := cl.ListDynamicFields(ctx, suiv2.ListDynamicFieldsOptions{ParentId: parent, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, f := range resp.DynamicFields {
			if string(f.Name.BCS) == string(key) || (len(resp.DynamicFields) == 1 && !resp.HasNextPage && cursor == nil) {
				b, _, _, err := object(ctx, cl, f.FieldId)
				return b, err
			}
		}
		if !resp.HasNextPage || resp.Cursor == nil {
			return nil, fmt.Errorf("object %s has no dynamic field for version %d", parent, version)
		}
		cursor = resp.Cursor
	}
}
