//go:build unix

package bench

import (
	"runtime"
	"syscall"
)

// maxRSS returns getrusage(RUSAGE_SELF).ru_maxrss in bytes.
func maxRSS() (int64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), nil // bytes
	}
	return int64(ru.Maxrss) * 1024, nil // kilobytes
}
