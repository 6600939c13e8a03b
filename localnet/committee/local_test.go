package committee

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLocalAnswers checks callLocal against what call makes of the same
// answers over HTTP: bounded bodies, short bodies, error envelopes,
// aborted handlers and timeouts.
func TestLocalAnswers(t *testing.T) {
	const url = "http://local.invalid"
	handlers := map[string]http.HandlerFunc{
		"/ok": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.Copy(w, strings.NewReader("hello")) // ReadFrom with a known length
		},
		"/unannounced": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, io.LimitReader(strings.NewReader(strings.Repeat("x", 10_000)), 9000))
		},
		"/big-announced": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "20000")
			w.Write(make([]byte, 20000))
		},
		"/big": func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, 20000))
		},
		"/short": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			w.Write([]byte("abc"))
		},
		"/missing": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":{"code":404,"status":"NOT_FOUND","message":"no such sliver"}}`, 404)
		},
		"/abort": func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) },
		"/panic": func(w http.ResponseWriter, r *http.Request) { panic("bug") },
		"/hang": func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			time.Sleep(50 * time.Millisecond)
			w.Write([]byte("too late"))
		},
		"/echo": func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %d", r.Method, r.Header.Get("Content-Type"), len(b))
		},
	}
	mux := http.NewServeMux()
	for p, h := range handlers {
		mux.Handle(p, h)
	}
	c := open(t, Config{Committee: []NodeInfo{{Name: "n0", URL: url, Shards: []int{0, 1, 2, 3}}},
		// Long enough that no answer but /hang's runs into it on a slow
		// machine under -race.
		Local: map[string]http.Handler{url: mux}, RequestTimeout: 2 * time.Second})
	ctx := context.Background()
	call := func(path string, body []byte) ([]byte, error) { return c.call(ctx, 0, "GET", path, body, 10_000) }

	if b, err := call("/ok", nil); err != nil || string(b) != "hello" {
		t.Fatalf("/ok: %q, %v", b, err)
	}
	if b, err := call("/unannounced", nil); err != nil || len(b) != 9000 {
		t.Fatalf("/unannounced: %d bytes, %v", len(b), err)
	}
	for _, p := range []string{"/big-announced", "/big"} {
		if _, err := call(p, nil); err == nil || !strings.Contains(err.Error(), "exceeds") || !isTransport(err) {
			t.Fatalf("%s: %v, want a too-large transport failure", p, err)
		}
	}
	if _, err := call("/short", nil); !errors.Is(err, io.ErrUnexpectedEOF) || !isTransport(err) {
		t.Fatalf("/short: %v, want a truncated body", err)
	}
	var ne *nodeError
	if _, err := call("/missing", nil); !errors.As(err, &ne) || !errors.Is(err, errNodeNotFound) || ne.msg != "no such sliver" {
		t.Fatalf("/missing: %v", err)
	}
	for _, p := range []string{"/abort", "/panic"} {
		if _, err := call(p, nil); !errors.Is(err, errLocalAborted) || !isTransport(err) {
			t.Fatalf("%s: %v, want an aborted transport failure", p, err)
		}
	}
	start := time.Now()
	if _, err := call("/hang", nil); !errors.Is(err, context.DeadlineExceeded) || !isTransport(err) {
		t.Fatalf("/hang: %v, want the request timeout", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("/hang took %v", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.call(cctx, 0, "GET", "/hang", nil, 10); !errors.Is(err, context.Canceled) || isTransport(err) {
		t.Fatalf("cancelled: %v", err)
	}
	if b, err := c.call(ctx, 0, "PUT", "/echo", bytes.Repeat([]byte{1}, 77), 100); err != nil || string(b) != "PUT application/octet-stream 77" {
		t.Fatalf("/echo: %q, %v", b, err)
	}
}
