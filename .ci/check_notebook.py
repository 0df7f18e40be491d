#!/usr/bin/env python3
"""Check an executed notebook: every code cell ran, none has an error output
(nbconvert --allow-errors keeps them) or a Go panic on stderr, every cell whose
program displays something has a display output, and the notebook displays at
least one figure (SVG/HTML with <svg, or PNG).

    check_notebook.py SOURCE.ipynb EXECUTED.ipynb

On failure it prints, for each failing cell, the notebook, the cell's index
(0-based, as in the file) and the first lines of its source, and the error,
then exits 1. Only the standard library is used.
"""
import json
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Calls that display something: a cell making one must have a display output.
DISPLAYS = re.compile(r"\b(show|showHTML|live|Display(HTML|SVG|PNG|Html|Svg|Png|Markdown)|UpdateHTML)\(")


def text(v):
    return "".join(v) if isinstance(v, list) else (v or "")


def main():
    source, executed = sys.argv[1], sys.argv[2]
    with open(executed, encoding="utf-8") as f:
        nb = json.load(f)
    problems = []
    figures = 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = text(cell.get("source"))
        if not src.strip():
            continue
        head = "\n".join("      | " + l for l in src.splitlines()[:4])
        errors = []
        displayed = False
        if cell.get("execution_count") is None and not cell.get("outputs"):
            errors.append("the cell did not run (an earlier cell stopped the kernel?)")
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                msg = "\n".join(out.get("traceback") or []) or "%s: %s" % (out.get("ename"), out.get("evalue"))
                errors.append(msg.strip())
            elif kind == "stream" and out.get("name") == "stderr":
                t = text(out.get("text"))
                if "panic:" in t or "goroutine " in t and "[running]" in t:
                    errors.append(t.strip())
            elif kind in ("display_data", "execute_result", "update_display_data"):
                displayed = True
                data = out.get("data", {})
                if "image/png" in data or "image/svg+xml" in data or "<svg" in text(data.get("text/html")):
                    figures += 1
        # The program's body is what follows GoNB's %% marker (the rest declares).
        body = src.split("%%", 1)[1] if "%%" in src else ""
        body = "\n".join(l for l in body.splitlines() if not l.lstrip().startswith("//"))
        if not errors and not displayed and DISPLAYS.search(body):
            errors.append("the cell displays something, but its executed copy has no display output (lost before the program exited?)")
        for e in errors:
            lines = ANSI.sub("", e).splitlines()
            if len(lines) > 40:
                lines = lines[:40] + ["… (%d more lines)" % (len(lines) - 40)]
            problems.append("FAIL %s: cell %d:\n%s\n    error:\n%s" % (
                source, i, head, "\n".join("      " + l for l in lines)))
    if figures == 0:
        problems.append("FAIL %s: the executed notebook displays no figure" % source)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print("ok %s: %d figures" % (source, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
