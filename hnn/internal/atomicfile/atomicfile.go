// Package atomicfile writes files so that a reader, or a process killed in
// the middle, never sees a partial one: the content goes to a temporary file
// in the destination's directory, is synced, and is renamed over the
// destination. It is the one file writer of the project (checkpoints, data,
// metrics, tables, figures).
//
// A destination that exists and is not a regular file is never replaced: a
// character device or a named pipe (/dev/stdout, a FIFO) is written to
// directly, since renaming over it would turn the device node into a plain
// file; a directory or any other kind of file is an error.
//
// Temporary files are named "." + base + TempInfix + random suffix, so that
// CleanTemp can remove what a killed write left behind.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempInfix marks the temporary files of this package: a write to dir/name
// goes through dir/.name.tmp-XXXX.
const TempInfix = ".tmp-"

// WriteFile writes data to path atomically (see the package doc), with
// permissions 0644, creating missing parent directories.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write calls fill with a writer whose content replaces path atomically when
// fill returns nil; when fill (or the write) fails, path is left as it was
// and the temporary file is removed.
func Write(path string, fill func(w io.Writer) error) (err error) {
	if path == "" {
		return errors.New("atomicfile: empty path")
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return writeSpecial(path, fi, fill)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+TempInfix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// writeSpecial writes to an existing non-regular file: a device or a pipe
// directly, anything else is refused.
func writeSpecial(path string, fi fs.FileInfo, fill func(w io.Writer) error) error {
	m := fi.Mode()
	if m&(fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeDevice) == 0 {
		kind := "not a regular file"
		if m.IsDir() {
			kind = "a directory"
		}
		return fmt.Errorf("%s is %s; give a file path", path, kind)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// CleanTemp removes the temporary files that writes into dir left behind
// when their process was killed (names containing TempInfix after a leading
// dot), and returns how many it removed. A missing dir is not an error.
// Call it only on a directory no other writer is using at the time (e.g. a
// run directory its owner has locked): it cannot tell a killed write from a
// running one.
func CleanTemp(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(name, ".") && strings.Contains(name, TempInfix) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
