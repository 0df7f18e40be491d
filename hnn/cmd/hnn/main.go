// Command hnn generates Hamiltonian trajectory data, learns Hamiltonians with the
// fully implicit symplectic integrator in the loss, and evaluates them.
//
// Each subcommand lives in its own file and registers itself in init with
// register. Exit status: 0 on success, 2 for usage and input errors
// (bad flags, malformed files), 1 for runtime failures.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/dirlock"
	"github.com/hnnlab/hnnlab/hnn/reproduce"
)

// command is one subcommand of hnn.
type command struct {
	// summary is the one-line description shown by `hnn help`.
	summary string
	// run executes the subcommand with its arguments (after the subcommand name).
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name string, c command) {
	if _, dup := commands[name]; dup {
		panic("hnn: subcommand registered twice: " + name)
	}
	commands[name] = c
}

// usageError marks an error caused by bad user input (flags, files): exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// asUsage wraps err (if non-nil) as a usage error.
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// newFlagSet returns a flag set for subcommand name that reports errors
// instead of exiting. Its help (-h) goes to stdout; a bad flag is one line
// on stderr (parseFlags), without the flag package's usage dump.
func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("hnn "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return fs
}

// parseFlags parses args and turns any flag error into a one-line usage
// error that points to the command's help. It rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print the error and the whole usage
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		if fs.Usage != nil {
			fs.Usage()
		} else {
			fmt.Fprintf(out, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return err
	case err != nil:
		return usagef("%v (see %s -h)", err, fs.Name())
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (see %s -h)", fs.Arg(0), fs.Name())
	}
	return nil
}

func names() []string {
	ns := make([]string, 0, len(commands))
	for n := range commands {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: hnn <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range names() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "show this help, or a command's: hnn help COMMAND")
	fmt.Fprintf(w, "  %-10s %s\n", "version", "print the version of hnn and of its toolchain")
	fmt.Fprintln(w, "\nRun 'hnn help <command>' or 'hnn <command> -h' for the flags of a command.")
	fmt.Fprintln(w, "Exit status: 0 success, 2 a usage or input error (flag, file, environment), 1 a runtime failure.")
}

// version describes this build: the module version (or the VCS revision of
// a source build) and the Go toolchain.
func version() string {
	v := "(devel)"
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
			if s.Key == "vcs.modified" && s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return fmt.Sprintf("hnn %s, %s %s/%s, GOEXPERIMENT=%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, goexperiment())
}

func goexperiment() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				return s.Value
			}
		}
	}
	return "none"
}

// run dispatches args (without the program name) and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help":
		if len(args) > 2 {
			fmt.Fprintf(stderr, "hnn help: unexpected argument %q (usage: hnn help [COMMAND])\n", args[2])
			return 2
		}
		if len(args) > 1 {
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "-h"}, stdout, stderr)
			}
			switch args[1] {
			case "help", "-h", "--help":
				printHelp(stdout)
				return 0
			case "version", "--version":
				fmt.Fprintln(stdout, "usage: hnn version\n\nPrints the version of hnn (module version or VCS revision) and of its Go toolchain; it takes no flags or arguments.")
				return 0
			}
			fmt.Fprintf(stderr, "hnn help: unknown command %q (valid: %s)\n", args[1], strings.Join(names(), ", "))
			return 2
		}
		printHelp(stdout)
		return 0
	case "version", "--version":
		if len(args) > 1 {
			if args[1] == "-h" || args[1] == "--help" || args[1] == "-help" {
				return run([]string{"help", "version"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "hnn version: unexpected argument %q (hnn version takes no flags or arguments)\n", args[1])
			return 2
		}
		fmt.Fprintln(stdout, version())
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "hnn: unknown command %q (valid: %s; see hnn help)\n", name, strings.Join(names(), ", "))
		return 2
	}
	err := runRecovered(c, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "hnn %s: %s\n", name, message(err))
	if isUsage(err) {
		return 2
	}
	return 1
}

// message is err's text on one line, without the "hnn: " prefix of the
// facade's errors (the command's name is printed before it).
func message(err error) string {
	msg := strings.TrimPrefix(err.Error(), "hnn: ")
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
}

// isUsage reports whether err is a usage or input error (exit status 2):
// marked by the command, or one of the facade's input errors (an invalid
// spec field, a directory that holds a run or is in use, a resume with
// other data, a GoMLX backend that cannot be created, an output path that
// cannot be written at all).
func isUsage(err error) bool {
	var ue usageError
	var fe *hnn.FieldError
	return errors.As(err, &ue) || errors.As(err, &fe) ||
		errors.Is(err, hnn.ErrRunExists) || errors.Is(err, hnn.ErrOutputDir) || errors.Is(err, hnn.ErrResumeMismatch) ||
		errors.Is(err, hnn.ErrBackend) || errors.Is(err, dirlock.ErrLocked) || errors.Is(err, reproduce.ErrOtherRun) || errors.Is(err, reproduce.ErrBadResults) ||
		errors.Is(err, checkpoint.ErrInvalid) || errors.Is(err, data.ErrTooLarge) || errors.Is(err, atomicfile.ErrUnusable)
}

// runRecovered runs c, turning a panic (a bug, or a GoMLX failure outside an
// executor) into an error so that no panic trace reaches the user.
func runRecovered(c command, args []string, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v (please report it; set HNN_TRACE=1 to see where)", r)
			if os.Getenv("HNN_TRACE") == "1" {
				panic(r)
			}
		}
	}()
	return c.run(args, stdout, stderr)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
