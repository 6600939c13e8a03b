package walrus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file holds what both directions of HTTP share: error values and
// envelopes, retry backoff, and the stalled-body watchdog.

var (
	// ErrNotSupported is returned by Delete when no Config.Deleter is
	// set: deleting a Walrus blob is a Sui transaction (blob::delete_blob)
	// signed by the Blob object's owner, which this store does not hold.
	ErrNotSupported = errors.New("not supported")
	// ErrNoPublisher is returned by Put on a store without a publisher.
	ErrNoPublisher = errors.New("no publisher configured")
	// ErrMismatch means a service answered with a blob ID, or bytes, that
	// do not match what was computed locally from the content.
	ErrMismatch = errors.New("content does not match the blob ID")
)

// HTTPError is a non-success answer of a publisher or aggregator, with the
// message of the Walrus error envelope (protocol notes §4 "General").
type HTTPError struct {
	Service string // "publisher https://..." or "aggregator https://..."
	Code    int    // HTTP status code
	Status  string // envelope status, e.g. BLOB_NOT_FOUND; may be empty
	Message string // envelope message, or the start of a non-JSON body
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s: %d %s", e.Service, e.Code, http.StatusText(e.Code))
	if e.Status != "" {
		s += " " + e.Status
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// retryable reports whether the same request may succeed later:
// 429, 500, 502, 503 and 504 (§4.1, §4.2).
func (e *HTTPError) retryable() bool {
	switch e.Code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// envelope is {"error":{"code","status","message","details"}}.
type envelope struct {
	Error *struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// readHTTPError builds an HTTPError from a failed response, reading at
// most 64 KiB of its body.
func readHTTPError(service string, resp *http.Response) *HTTPError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &HTTPError{Service: service, Code: resp.StatusCode}
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Status, e.Message = env.Error.Status, env.Error.Message
	} else {
		e.Message = snippet(body)
	}
	return e
}

// snippet returns the start of a body as one printable line.
func snippet(b []byte) string {
	const max = 120
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(b))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// backoff returns the delay before attempt (1 = the first retry): Backoff
// doubled per attempt, capped at MaxBackoff, with "equal jitter" (a random
// point in the upper half) so that many clients do not retry in step.
func (c *Config) backoff(attempt int) time.Duration {
	d := c.Backoff
	for i := 1; i < attempt && d < c.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header in seconds, capped at MaxBackoff;
// 0 when absent or malformed.
func (c *Config) retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, c.MaxBackoff)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errorsIsCtx reports a cancellation or deadline of a context.
func errorsIsCtx(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// errStalled is the cancel cause when a body makes no progress.
var errStalled = errors.New("response body stalled")

// stallReader cancels its request when no byte arrives for timeout.
type stallReader struct {
	r       interface{ Read([]byte) (int, error) }
	timer   *time.Timer
	timeout time.Duration
}

// watch returns a reader over body that calls cancel(errStalled) after
// timeout without progress, and a stop function.
func watch(body interface{ Read([]byte) (int, error) }, timeout time.Duration, cancel context.CancelCauseFunc) (*stallReader, func()) {
	sr := &stallReader{r: body, timeout: timeout}
	sr.timer = time.AfterFunc(timeout, func() { cancel(errStalled) })
	return sr, func() { sr.timer.Stop() }
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.timeout)
	}
	return n, err
}
