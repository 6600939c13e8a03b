package certificate

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

func TestResponseRoundTrip(t *testing.T) {
	sk := testKey(t, 20)
	msg := Message(3, blobid.ID{1, 2, 3}, nil)
	c := Confirmation{Message: msg, Signature: sk.Sign(msg)}
	body := EncodeResponse(c)
	// The shape a storage node sends (walrus-core SignedMessage, camelCase).
	var shape struct {
		Success struct {
			Code int `json:"code"`
			Data struct {
				Signed struct {
					SerializedMessage string `json:"serializedMessage"`
					Signature         string `json:"signature"`
				} `json:"signed"`
			} `json:"data"`
		} `json:"success"`
	}
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatal(err)
	}
	if shape.Success.Code != 200 || shape.Success.Data.Signed.SerializedMessage == "" || shape.Success.Data.Signed.Signature == "" {
		t.Fatalf("body %s", body)
	}
	got, err := DecodeResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Message, c.Message) || !bytes.Equal(got.Signature, c.Signature) {
		t.Fatalf("round trip: %+v", got)
	}
}

// TestDecodeResponseNode decodes a body in the exact form of a node's
// answer (standard base64 with padding).
func TestDecodeResponseNode(t *testing.T) {
	body := `{"success":{"code":200,"data":{"signed":{"serializedMessage":"AQADBQAAAAECAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==","signature":"` +
		strings.Repeat("A", 128) + `"}}}}`
	c, err := DecodeResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	epoch, id, del, err := ParseMessage(c.Message)
	if err != nil || epoch != 5 || id != (blobid.ID{1, 2, 3}) || del != nil {
		t.Fatalf("message %x: %d %v %v %v", c.Message, epoch, id, del, err)
	}
	if len(c.Signature) != SignatureSize {
		t.Fatalf("signature of %d bytes", len(c.Signature))
	}
}

func TestDecodeResponseErrorEnvelope(t *testing.T) {
	// As walrus-storage-node-client serializes Status.
	body := `{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"the blob has not been registered","details":[{"@type":"DebugInfo","stackEntries":[],"detail":"x"},{"@type":"ErrorInfo","reason":"BLOB_NOT_REGISTERED","domain":"storage-node.walrus/ComputeStorageConfirmationError","metadata":{}}]}}`
	_, err := DecodeResponse([]byte(body))
	var ne *NodeError
	if !errors.As(err, &ne) {
		t.Fatalf("err = %v, want *NodeError", err)
	}
	want := NodeError{Code: 400, Status: "FAILED_PRECONDITION", Message: "the blob has not been registered", Reason: "BLOB_NOT_REGISTERED", Domain: "storage-node.walrus/ComputeStorageConfirmationError"}
	if *ne != want {
		t.Fatalf("NodeError = %+v, want %+v", *ne, want)
	}
	if !strings.Contains(err.Error(), "BLOB_NOT_REGISTERED") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("message %q", err)
	}
	// EncodeError writes what DecodeResponse reads.
	_, err = DecodeResponse(EncodeError(&want))
	if !errors.As(err, &ne) || *ne != want {
		t.Fatalf("EncodeError round trip: %v", err)
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	sig := strings.Repeat("A", 128)
	for _, tc := range []struct{ name, body string }{
		{"empty", ``},
		{"not json", `<html>`},
		{"array", `[]`},
		{"neither", `{}`},
		{"no signed", `{"success":{"code":200,"data":{}}}`},
		{"bad base64 message", `{"success":{"code":200,"data":{"signed":{"serializedMessage":"%%","signature":"` + sig + `"}}}}`},
		{"url base64 message", `{"success":{"code":200,"data":{"signed":{"serializedMessage":"-_-_","signature":"` + sig + `"}}}}`},
		{"bad base64 signature", `{"success":{"code":200,"data":{"signed":{"serializedMessage":"AQAD","signature":"!"}}}}`},
		{"empty message", `{"success":{"code":200,"data":{"signed":{"serializedMessage":"","signature":"` + sig + `"}}}}`},
		{"empty signature", `{"success":{"code":200,"data":{"signed":{"serializedMessage":"AQAD","signature":""}}}}`},
		{"wrong type", `{"success":{"code":200,"data":{"signed":{"serializedMessage":1,"signature":"` + sig + `"}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeResponse([]byte(tc.body)); !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("err = %v, want ErrInvalidResponse", err)
			}
		})
	}
}
