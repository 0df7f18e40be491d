#!/usr/bin/env python3
"""Check an executed notebook: every code cell ran, none has an error output
(nbconvert --allow-errors keeps them) or a Go panic on stderr, and the notebook
displays at least one figure (SVG/HTML with <svg, or PNG).

    check_notebook.py SOURCE.ipynb EXECUTED.ipynb

On failure it prints, for each failing cell, the notebook, the cell's index
(0-based, as in the file) and the first lines of its source, and the error,
then exits 1. Only the standard library is used.
"""
import json
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
                data = out.get("data", {})
                if "image/png" in data or "image/svg+xml" in data or "<svg" in text(data.get("text/html")):
                    figures += 1
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
