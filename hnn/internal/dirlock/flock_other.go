//go:build !unix

package dirlock

import (
	"errors"
	"os"
)

// On systems without flock the lock is a no-op.
var errWouldBlock = errors.New("would block")

func flock(*os.File) error { return nil }
func unflock(*os.File)     {}
