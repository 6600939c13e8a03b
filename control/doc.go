// Package control is the control socket of a walrusfs daemon: HTTP over
// the unix socket <data-dir>/walrusfs.sock (mode 0600). Serve answers
// status, sync, import and unmount requests for a Daemon, the narrow
// interface the daemon implements; Client is what `walrusfs status`,
// `sync`, `umount`, `import` and mount.walrusfs use. The protocol is
// described at the top of control.go.
//
// The package knows neither the kernel bridge nor any back end: a Daemon
// is four methods.
package control
