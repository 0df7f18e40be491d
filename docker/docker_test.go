package docker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/notebook"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case, e.g. "RUN"
	Args string
	Line int
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("%s: the last instruction ends with a line continuation", path)
	}
	return out
}

// envOf returns the variables set by ENV instructions (KEY=VALUE form).
func envOf(t *testing.T, ins []instruction) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range ins {
		if in.Cmd != "ENV" {
			continue
		}
		for _, f := range strings.Fields(in.Args) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				t.Fatalf("Dockerfile:%d: ENV %q: use the KEY=VALUE form", in.Line, in.Args)
			}
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

func only(t *testing.T, ins []instruction, cmd string) instruction {
	t.Helper()
	var found []instruction
	for _, in := range ins {
		if in.Cmd == cmd {
			found = append(found, in)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Dockerfile: %d %s instructions, want 1", len(found), cmd)
	}
	return found[0]
}

// parseYAML parses the block-style YAML subset compose files use here:
// nested maps, lists of scalars, comments, quoted scalars.
func parseYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		indent int
		text   string
		no     int
	}
	var lines []line
	for i, l := range strings.Split(string(b), "\n") {
		if k := strings.Index(l, " #"); k >= 0 {
			l = l[:k]
		}
		if strings.HasPrefix(strings.TrimSpace(l), "#") || strings.TrimSpace(l) == "" {
			continue
		}
		if strings.Contains(l, "\t") {
			t.Fatalf("%s:%d: tab in indentation", path, i+1)
		}
		lines = append(lines, line{indent: len(l) - len(strings.TrimLeft(l, " ")), text: strings.TrimSpace(l), no: i + 1})
	}
	scalar := func(s string) string { return strings.Trim(strings.TrimSpace(s), `"'`) }
	pos := 0
	var block func(indent int) any
	block = func(indent int) any {
		if pos < len(lines) && strings.HasPrefix(lines[pos].text, "- ") {
			var list []any
			for pos < len(lines) && lines[pos].indent == indent && strings.HasPrefix(lines[pos].text, "- ") {
				list = append(list, scalar(strings.TrimPrefix(lines[pos].text, "- ")))
				pos++
			}
			return list
		}
		m := map[string]any{}
		for pos < len(lines) && lines[pos].indent == indent {
			l := lines[pos]
			k, v, ok := strings.Cut(l.text, ":")
			if !ok {
				t.Fatalf("%s:%d: expected key: value, got %q", path, l.no, l.text)
			}
			pos++
			if strings.TrimSpace(v) != "" {
				m[k] = scalar(v)
				continue
			}
			if pos < len(lines) && lines[pos].indent > indent {
				m[k] = block(lines[pos].indent)
			} else {
				m[k] = nil
			}
		}
		if pos < len(lines) && lines[pos].indent > indent {
			t.Fatalf("%s:%d: unexpected indentation", path, lines[pos].no)
		}
		return m
	}
	top, ok := block(0).(map[string]any)
	if !ok || pos != len(lines) {
		t.Fatalf("%s: could not parse line %d", path, lines[min(pos, len(lines)-1)].no)
	}
	return top
}

func get(t *testing.T, m any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("compose.yaml: %s is not a map", k)
		}
		if m, ok = mm[k]; !ok {
			t.Fatalf("compose.yaml: missing key %s", strings.Join(keys, "."))
		}
	}
	return m
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustMatch(t *testing.T, what, re, s string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s: no match for %s", what, re)
	}
	return m
}

func TestDockerSetup(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := read(t, filepath.Join(root, "go.mod"))
	ins := parseDockerfile(t, "Dockerfile")
	env := envOf(t, ins)

	// The base image is a public GoMLX JupyterLab image, pinned to a version
	// tag (not latest) equal to go.mod's GoMLX version, or to a digest.
	from := only(t, ins, "FROM").Args
	image, tag, _ := strings.Cut(from, ":")
	gomlx := mustMatch(t, "go.mod", `(?m)^\s*github\.com/gomlx/gomlx (v\S+)`, gomod)[1]
	switch {
	case strings.Contains(from, "@sha256:"):
	case tag == "" || tag == "latest":
		t.Errorf("FROM %s: pin the base image to a version tag or a digest", from)
	case image == "janpfeifer/gomlx_jupyterlab" && tag != gomlx:
		t.Errorf("FROM %s: the tag should be go.mod's GoMLX version %s", from, gomlx)
	}
	if image != "janpfeifer/gomlx_jupyterlab" && image != "janpfeifer/gonb_jupyterlab" {
		t.Errorf("FROM %s: expected one of the public GoNB/GoMLX JupyterLab images", from)
	}

	// Versions agree with go.mod and with the CI notebook runner.
	toolchain := mustMatch(t, "go.mod", `(?m)^toolchain (\S+)`, gomod)[1]
	if env["GOTOOLCHAIN"] != toolchain {
		t.Errorf("ENV GOTOOLCHAIN=%s, go.mod's toolchain is %s", env["GOTOOLCHAIN"], toolchain)
	}
	ci := read(t, filepath.Join(root, ".ci", "notebooks"))
	gonb := mustMatch(t, ".ci/notebooks", `gonb_version=(v\S+)`, ci)[1]
	goimports := mustMatch(t, ".ci/notebooks", `goimports@(v\S+)`, ci)[1]
	runs := ""
	for _, in := range ins {
		if in.Cmd == "RUN" {
			runs += in.Args + "\n"
		}
	}
	if !strings.Contains(runs, "github.com/janpfeifer/gonb@"+gonb) {
		t.Errorf("Dockerfile does not install GoNB %s (the version .ci/notebooks uses)", gonb)
	}
	if !strings.Contains(runs, "goimports@"+goimports) {
		t.Errorf("Dockerfile does not install goimports %s (the version .ci/notebooks uses)", goimports)
	}
	if !strings.Contains(runs, "gonb --install") {
		t.Error("Dockerfile does not register the GoNB kernel")
	}
	for _, k := range []string{notebook.QuickEnv, notebook.RunsEnv, "GOMLX_BACKEND"} {
		if _, ok := env[k]; !ok {
			t.Errorf("Dockerfile sets no ENV %s", k)
		}
	}
	if env["GOMLX_BACKEND"] != "go" {
		t.Errorf("ENV GOMLX_BACKEND=%s: the default should be the pure-Go backend (go)", env["GOMLX_BACKEND"])
	}

	// The repository is mounted at WORKDIR; JupyterLab opens WORKDIR/notebooks.
	workdir := only(t, ins, "WORKDIR").Args
	var cmd []string
	if err := json.Unmarshal([]byte(only(t, ins, "CMD").Args), &cmd); err != nil {
		t.Fatalf("CMD must be a JSON array: %v", err)
	}
	nbDir := mustMatch(t, "CMD", `--notebook-dir=(\S+)`, strings.Join(cmd, " "))[1]
	rel, err := filepath.Rel(workdir, nbDir)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("CMD opens %s, outside the mounted repository %s", nbDir, workdir)
	}
	nbs, _ := filepath.Glob(filepath.Join(root, rel, "*.ipynb"))
	if len(nbs) == 0 {
		t.Errorf("CMD opens %s, but the repository has no notebooks in %s", nbDir, rel)
	}
	port := mustMatch(t, "CMD", `--port=(\d+)`, strings.Join(cmd, " "))[1]
	if expose := only(t, ins, "EXPOSE").Args; expose != port {
		t.Errorf("EXPOSE %s but JupyterLab listens on %s", expose, port)
	}

	// compose.yaml builds this Dockerfile from the repository root and mounts it at WORKDIR.
	c := parseYAML(t, "compose.yaml")
	svc := get(t, c, "services", "jupyterlab")
	ctx := get(t, svc, "build", "context").(string)
	if abs, _ := filepath.Abs(ctx); abs != root {
		t.Errorf("compose build context %s is not the repository root", ctx)
	}
	df := get(t, svc, "build", "dockerfile").(string)
	if _, err := os.Stat(filepath.Join(ctx, df)); err != nil {
		t.Errorf("compose dockerfile %s: %v", df, err)
	}
	vols := get(t, svc, "volumes").([]any)
	mounted := false
	for _, v := range vols {
		src, dst, _ := strings.Cut(v.(string), ":")
		if abs, _ := filepath.Abs(src); abs == root && dst == workdir {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("compose volumes %v do not mount the repository at %s", vols, workdir)
	}
	ports := get(t, svc, "ports").([]any)
	if len(ports) != 1 || ports[0] != port+":"+port {
		t.Errorf("compose ports %v, want %s:%s", ports, port, port)
	}
	for k := range get(t, svc, "environment").(map[string]any) {
		if _, ok := env[k]; !ok {
			t.Errorf("compose sets %s, which the Dockerfile does not declare", k)
		}
	}
	composeImage := get(t, svc, "image").(string)

	// The README's Docker section gives the same commands.
	readme := read(t, filepath.Join(root, "README.md"))
	_, section, ok := strings.Cut(readme, "\n## Docker\n")
	if !ok {
		t.Fatal("README.md has no section \"## Docker\"")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	if !strings.Contains(section, "docker compose -f docker/compose.yaml up") {
		t.Error("README's Docker section lacks `docker compose -f docker/compose.yaml up`")
	}
	line := mustMatch(t, "README Docker section", `(?m)^docker build .*$`, section)[0]
	m := mustMatch(t, "README docker command", `^docker build -t (\S+) -f (\S+) \. && docker run --rm -p (\d+):(\d+) -v "\$PWD":(\S+) (\S+)$`, line)
	switch {
	case m[1] != composeImage || m[6] != composeImage:
		t.Errorf("README builds/runs image %s/%s, compose names it %s", m[1], m[6], composeImage)
	case m[2] != filepath.Join(filepath.Base("docker"), "Dockerfile"):
		t.Errorf("README builds %s, the Dockerfile is docker/Dockerfile", m[2])
	case m[3] != port || m[4] != port:
		t.Errorf("README publishes %s:%s, JupyterLab listens on %s", m[3], m[4], port)
	case m[5] != workdir:
		t.Errorf("README mounts the repository at %s, the image expects %s", m[5], workdir)
	}
	if !strings.Contains(section, notebook.QuickEnv) || !strings.Contains(section, "GOMLX_BACKEND") {
		t.Errorf("README's Docker section should explain %s and GOMLX_BACKEND", notebook.QuickEnv)
	}
}
