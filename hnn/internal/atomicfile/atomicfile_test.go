package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.txt")
	if err := atomicfile.WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("content %q, want two", b)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// A failing fill leaves the old content and no temporary file.
	boom := errors.New("boom")
	err := atomicfile.Write(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("content after a failed write %q, want two", b)
	}
	if n := names(t, filepath.Dir(path)); len(n) != 1 {
		t.Errorf("directory holds %v, want only out.txt", n)
	}
}

func TestWriteNeverReplacesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := atomicfile.WriteFile(dir, []byte("x")); !errors.Is(err, atomicfile.ErrUnusable) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("writing over a directory: %v, want an error naming it a directory", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no mkfifo:", err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := atomicfile.WriteFile(fifo, []byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("reader got %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced by a %v", fi.Mode())
	}
	if fi, err := os.Stat("/dev/null"); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		if err := atomicfile.WriteFile("/dev/null", []byte("x")); err != nil {
			t.Errorf("/dev/null: %v", err)
		}
		if fi, _ := os.Stat("/dev/null"); fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatal("/dev/null is no longer a device")
		}
	}
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".a.json" + atomicfile.TempInfix + "123", "keep.json", ".hidden", "b" + atomicfile.TempInfix + "1"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	n, err := atomicfile.CleanTemp(dir)
	if err != nil || n != 1 {
		t.Fatalf("removed %d (%v), want 1", n, err)
	}
	if got := strings.Join(names(t, dir), ","); got != ".hidden,b"+atomicfile.TempInfix+"1,keep.json" {
		t.Errorf("left %s", got)
	}
	if n, err := atomicfile.CleanTemp(filepath.Join(dir, "missing")); n != 0 || err != nil {
		t.Errorf("missing dir: %d, %v", n, err)
	}
}

// A path that cannot be written is named in the error, never the temporary
// file, and the error matches ErrUnusable.
func TestUnusablePathIsNamed(t *testing.T) {
	for _, path := range []string{"/proc/hnn-atomicfile-test.csv", "/proc/version/x.csv", filepath.Join(t.TempDir(), "file", "x.csv")} {
		if strings.HasPrefix(path, "/tmp") || strings.Contains(path, "TestUnusable") {
			os.WriteFile(filepath.Dir(path), []byte("a file, not a directory"), 0o644)
		}
		err := atomicfile.WriteFile(path, []byte("x"))
		if !errors.Is(err, atomicfile.ErrUnusable) || !strings.Contains(err.Error(), "cannot write "+path+": ") || strings.Contains(err.Error(), atomicfile.TempInfix) {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// A write that fails (a full disk) names the path, not the temporary file,
// keeps the cause, and is not ErrUnusable (a runtime failure).
func TestWriteFailureNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	err := atomicfile.Write(path, func(w io.Writer) error {
		return &os.PathError{Op: "write", Path: w.(*os.File).Name(), Err: syscall.ENOSPC}
	})
	if !errors.Is(err, syscall.ENOSPC) || errors.Is(err, atomicfile.ErrUnusable) || err.Error() != "writing "+path+": no space left on device" {
		t.Errorf("err = %v", err)
	}
}
