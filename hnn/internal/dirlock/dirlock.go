// Package dirlock gives one process at a time a directory: an advisory
// lock (flock) on the file .lock inside it, held until Unlock or the
// process's exit (the kernel releases it even after SIGKILL, so a stale
// lock never blocks a later run).
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileName is the lock file inside a locked directory.
const FileName = ".lock"

// ErrLocked is returned (wrapped) by Lock when another process holds the directory.
var ErrLocked = errors.New("directory in use by another process")

// Lock is a held directory lock.
type Lock struct {
	f *os.File
}

// Acquire locks dir (creating it if needed) for this process, or returns an
// error wrapping ErrLocked that names the holder's pid when another process
// holds it.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := flock(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			holder := strings.TrimSpace(string(b))
			if _, perr := strconv.Atoi(holder); perr != nil {
				holder = "unknown"
			}
			return nil, fmt.Errorf("%s: %w (pid %s): wait for it to finish or use another directory", dir, ErrLocked, holder)
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
}

// Unlock releases the lock (the lock file stays). It is safe to call on nil
// and more than once.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	unflock(l.f)
	l.f.Close()
	l.f = nil
}
