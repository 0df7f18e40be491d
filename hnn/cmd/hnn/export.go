package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/export"
)

func init() {
	register("export", command{
		summary: "write a trained model as a NumPy .npz file (weights and metadata; hnn/export/hnn_model.py reads it)",
		run:     runExport,
	})
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stdout)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: hnn export --model DIR --out FILE.npz\n\n"+
			"Writes the learned Hamiltonian of the run in DIR as a NumPy .npz file: its weights and a\n"+
			"metadata record (schema \"hnnlab-model\" version 1: architecture, activation, state layout,\n"+
			"dt, integrator, bias correction). hnn/export/hnn_model.py evaluates H, ∇H and the vector\n"+
			"field of such a file with NumPy alone.\n\n")
		fs.PrintDefaults()
	}
	dir := fs.String("model", "", "directory of a trained model (hnn train --out)")
	out := fs.String("out", "", "output .npz file (written atomically)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return usagef("--model: a model directory is required")
	case *out == "":
		return usagef("--out: an output file FILE.npz is required")
	case !strings.HasSuffix(strings.ToLower(*out), ".npz"):
		return usagef("--out %s: the file must end in .npz", *out)
	}
	if _, err := os.Stat(*dir); err != nil {
		return usagef("--model: %v", err)
	}
	m, err := hnn.Load(*dir)
	if err != nil {
		return asUsage(err)
	}
	if err := export.WriteFile(m, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %s, d = %d (schema %s v%d)\n", *out, m.Hamiltonian, m.Spec.System, m.Dim(), export.Schema, export.Version)
	return nil
}
