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
	"sort"
	"strings"
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

// newFlagSet returns a flag set for subcommand name that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("hnn "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and turns any flag error into a usage error. It
// rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
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
	fmt.Fprintln(w, "\nRun 'hnn <command> -h' for the flags of a command.")
}

// run dispatches args (without the program name) and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		printHelp(stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "hnn: unknown command %q (valid: %s)\n", name, strings.Join(names(), ", "))
		return 2
	}
	err := runRecovered(c, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "hnn %s: %v\n", name, err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// runRecovered runs c, turning a panic (a bug, or a GoMLX failure outside an
// executor) into an error so that no panic trace reaches the user.
func runRecovered(c command, args []string, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v (set HNN_TRACE=1 to see where)", r)
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
