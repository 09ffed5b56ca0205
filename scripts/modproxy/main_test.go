package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a git repository in a temporary directory holding files
// (path → content) and returns its directory.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("git", "init", "-q")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return dir
}

func TestPublish(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"go.mod":                  "module example.com/Lib\n\ngo 1.25\n",
		"lib.go":                  "package lib\n",
		"testdata/x.json":         "{}",
		".gitignore":              "node_modules/\n*.tmp\n",
		"node_modules/a/index.js": "ignored",
		"scratch.tmp":             "ignored",
		"sub/go.mod":              "module example.com/Lib/sub\n",
		"sub/sub.go":              "package sub\n",
		"sub/deeper/d.go":         "package deeper\n",
		"inner/inner.go":          "package inner\n",
	})
	out := t.TempDir()
	m, err := publish(out, dir, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Path, "example.com/Lib"; got != want {
		t.Fatalf("module path: got %v, want %v", got, want)
	}
	// Upper-case letters are escaped as the proxy protocol says.
	vdir := filepath.Join(out, "example.com", "!lib", "@v")
	for _, name := range []string{"list", "v1.2.3.info", "v1.2.3.mod", "v1.2.3.zip"} {
		if _, err := os.Stat(filepath.Join(vdir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	zr, err := zip.OpenReader(filepath.Join(vdir, "v1.2.3.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	want := []string{
		"example.com/!lib@v1.2.3/.gitignore",
		"example.com/!lib@v1.2.3/go.mod",
		"example.com/!lib@v1.2.3/inner/inner.go",
		"example.com/!lib@v1.2.3/lib.go",
		"example.com/!lib@v1.2.3/testdata/x.json",
	}
	// The zip holds the module path unescaped.
	for i := range want {
		want[i] = strings.Replace(want[i], "!lib", "Lib", 1)
	}
	if !slices.Equal(names, want) {
		t.Errorf("zip files: got %v, want %v", names, want)
	}

	// Publishing a second version appends it to the list, once.
	for _, v := range []string{"v1.3.0", "v1.3.0"} {
		if _, err := publish(out, dir, v); err != nil {
			t.Fatal(err)
		}
	}
	list, err := os.ReadFile(filepath.Join(vdir, "list"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(list), "v1.2.3\nv1.3.0\n"; got != want {
		t.Errorf("list: got %q, want %q", got, want)
	}
}

func TestPublishRefuses(t *testing.T) {
	dir := gitRepo(t, map[string]string{"go.mod": "module example.com/lib/v2\n", "lib.go": "package lib\n"})
	for _, tc := range []struct{ name, dir, version string }{
		{"not canonical", dir, "v1.2"},
		{"not semver", dir, "latest"},
		{"major version mismatch", dir, "v1.0.0"},
		{"no go.mod", t.TempDir(), "v2.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := publish(t.TempDir(), tc.dir, tc.version); err == nil {
				t.Errorf("publish(%s, %s): got nil error, want one", tc.dir, tc.version)
			}
		})
	}
}
