package main

import (
	"context"
	"errors"
)

// These commands belong to the blob store issue; they are being built in
// blobstore/ and will replace these placeholders.
var errNotBuilt = errors.New("not built yet")

func runStore(context.Context, *cliEnv, []string) error { return errNotBuilt }
func runRead(context.Context, *cliEnv, []string) error  { return errNotBuilt }
func runNode(context.Context, *cliEnv, []string) error  { return errNotBuilt }
func runScrub(context.Context, *cliEnv, []string) error { return errNotBuilt }
