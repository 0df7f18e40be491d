package notebook

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The CI checker (.ci/check_notebook.py) names the notebook, the failing
// cell's index and source, and the error of an executed notebook, and
// accepts a clean one.
func TestCheckNotebookScript(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", ".ci", "check_notebook.py"))
	figure := map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"text/html": []string{"<div><svg></svg></div>"}}}
	cell := func(src string, outputs ...any) map[string]any {
		if outputs == nil {
			outputs = []any{}
		}
		return map[string]any{"cell_type": "code", "execution_count": 1, "metadata": map[string]any{}, "source": src, "outputs": outputs}
	}
	write := func(name string, cells ...any) string {
		p := filepath.Join(t.TempDir(), name)
		b, _ := json.Marshal(map[string]any{"cells": cells, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(p string) (string, bool) {
		out, err := exec.Command(py, script, "notebooks/x.ipynb", p).CombinedOutput()
		return string(out), err == nil
	}

	ok := write("ok.ipynb", map[string]any{"cell_type": "markdown", "source": "# t", "metadata": map[string]any{}},
		cell("%%\nfmt.Println(1)", map[string]any{"output_type": "stream", "name": "stdout", "text": "1\n"}), cell("show()", figure))
	if out, passed := run(ok); !passed || !strings.Contains(out, "1 figures") {
		t.Errorf("clean notebook rejected: %s", out)
	}

	compileErr := map[string]any{"output_type": "error", "ename": "ERROR", "evalue": "failed to run go build",
		"traceback": []string{"failed to run \"go build\"", "./main.go:12:2: undefined: nope"}}
	bad := write("bad.ipynb", cell("%%\nfmt.Println(1)", figure), cell("%%\nnope()\n// second line", compileErr),
		cell("%%\npanic(1)", map[string]any{"output_type": "stream", "name": "stderr", "text": "panic: 1\n\ngoroutine 1 [running]:\n"}))
	out, passed := run(bad)
	if passed {
		t.Fatalf("failing notebook accepted:\n%s", out)
	}
	for _, want := range []string{"FAIL notebooks/x.ipynb: cell 1:", "| nope()", "undefined: nope", "FAIL notebooks/x.ipynb: cell 2:", "panic: 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	noFig := write("nofig.ipynb", cell("%%\nfmt.Println(1)"))
	if out, passed := run(noFig); passed || !strings.Contains(out, "displays no figure") {
		t.Errorf("notebook without figures: %s", out)
	}
	lost := write("lost.ipynb", cell("show()", figure), cell("func f() { show(nil) }\n%%\nfmt.Println(1)"), cell("var x = 1\n%%\nshow(fig) // lost"))
	if out, passed := run(lost); passed || !strings.Contains(out, "cell 2:") || strings.Contains(out, "cell 1:") || !strings.Contains(out, "no display output") {
		t.Errorf("notebook with a lost display: %s", out)
	}
	notRun := write("notrun.ipynb", cell("show()", figure), map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{}, "source": "%%\nx()", "outputs": []any{}})
	if out, passed := run(notRun); passed || !strings.Contains(out, "did not run") {
		t.Errorf("notebook with a cell that did not run: %s", out)
	}
}
