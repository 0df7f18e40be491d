package dirlock_test

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/internal/dirlock"
)

func TestLockExcludesOtherProcesses(t *testing.T) {
	if os.Getenv("DIRLOCK_CHILD") != "" {
		l, err := dirlock.Acquire(os.Getenv("DIRLOCK_CHILD"))
		if err == nil {
			l.Unlock()
			os.Stdout.WriteString("acquired")
			return
		}
		os.Stdout.WriteString(err.Error())
		return
	}
	dir := t.TempDir()
	l, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	child := func() string {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestLockExcludesOtherProcesses$")
		cmd.Env = append(os.Environ(), "DIRLOCK_CHILD="+dir)
		out, _ := cmd.Output()
		return string(out)
	}
	if out := child(); !strings.Contains(out, "in use by another process") || !strings.Contains(out, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("a second process acquired the locked directory: %q", out)
	}
	l.Unlock()
	l.Unlock() // twice is fine
	if out := child(); !strings.HasPrefix(out, "acquired") {
		t.Errorf("after Unlock a second process could not lock: %q", out)
	}
	var nilLock *dirlock.Lock
	nilLock.Unlock()
	// Within one process a second Acquire of a held directory fails too (flock
	// locks are per open file description).
	l2, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Unlock()
	if _, err := dirlock.Acquire(dir); !errors.Is(err, dirlock.ErrLocked) {
		t.Errorf("second Acquire in the same process: %v, want ErrLocked", err)
	}
}
