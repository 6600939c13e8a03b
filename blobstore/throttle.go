package blobstore

import "context"

// Throttle lets the caller of a Store operation make it yield to other
// work on the machine: a file system's uploads give way to what its user
// is doing in the mount. A store that encodes or sends data in many steps
// (the storage-node network) calls Yield between them and uses at most
// Workers goroutines for CPU-bound work. Stores that do not know about it
// ignore it.
type Throttle interface {
	// Yield returns at once when the operation may go on at full speed,
	// or blocks while other work should go first (bounded by the
	// implementation, so the operation always progresses). It returns
	// ctx's error if ctx ends while it waits.
	Yield(ctx context.Context) error
	// Workers is how many goroutines the operation may use for CPU-bound
	// work, decided when it starts; zero or less means the store's
	// default.
	Workers() int
}

type throttleKey struct{}

// WithThrottle returns ctx carrying t for the Store operations called
// with it.
func WithThrottle(ctx context.Context, t Throttle) context.Context {
	return context.WithValue(ctx, throttleKey{}, t)
}

// ThrottleFrom returns the Throttle of ctx, or nil.
func ThrottleFrom(ctx context.Context) Throttle {
	t, _ := ctx.Value(throttleKey{}).(Throttle)
	return t
}
