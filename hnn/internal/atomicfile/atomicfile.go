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

// ErrUnusable is matched (errors.Is) by the errors of Write and WriteFile
// for a path that cannot be written at all: a directory or another file that
// is not a regular file or a device, or one whose directory cannot be
// created or written (permission, a read-only or virtual file system). The
// message names path, never the temporary file. A failure while writing
// (a full disk) does not match it.
var ErrUnusable = errors.New("unusable output path")

// unusable marks err as ErrUnusable without changing its message.
type unusable struct{ err error }

func (e unusable) Error() string   { return e.err.Error() }
func (e unusable) Unwrap() []error { return []error{ErrUnusable, e.err} }

// cannot returns the error of writing path that failed with err, naming
// path instead of the file err names (the temporary file, a parent).
func cannot(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot write %s: %w", path, err)
}

// writing returns the error of a write to path that failed with err, with
// the temporary file tmp that err may name replaced by path (the user never
// named it); err's cause (such as syscall.ENOSPC) is kept.
func writing(path, tmp string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == tmp {
		err = pe.Err
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

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
		return unusable{cannot(path, err)}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+TempInfix+"*")
	if err != nil {
		return unusable{cannot(path, err)}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return writing(path, tmp.Name(), err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return cannot(path, err)
	}
	if err = tmp.Sync(); err != nil {
		return writing(path, tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return writing(path, tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() { // made a directory meanwhile
			return unusable{fmt.Errorf("%s is a directory; give a file path", path)}
		}
		return cannot(path, err)
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
		return unusable{fmt.Errorf("%s is %s; give a file path", path, kind)}
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return unusable{cannot(path, err)}
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
