package routertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs are the guides of the routing lane, relative to this module.
var docs = []string{"../../docs/routing.md", "../../docs/frameworks.md"}

// TestDocsCompile builds every Go code block of docs/routing.md and
// docs/frameworks.md, each a complete program, in this module (which
// requires every router and adapter the guides show).
func TestDocsCompile(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds programs; the plain run does, once")
	}
	dir, err := os.MkdirTemp(".", "docbuild")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	n := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range goBlocks(string(b)) {
			if !strings.HasPrefix(block, "package ") {
				t.Errorf("%s: Go block %d is not a complete file (starts %q)", doc, i+1, firstWords(block))
				continue
			}
			pkg := filepath.Join(dir, fmt.Sprintf("%s%d", strings.TrimSuffix(filepath.Base(doc), ".md"), i+1))
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(block), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n < 5 {
		t.Fatalf("found %d Go blocks, want the guides' programs", n)
	}
	out, err := exec.Command("go", "vet", "./"+dir+"/...").CombinedOutput()
	if err != nil {
		t.Errorf("the guides' Go blocks do not build: %v\n%s", err, out)
	}
}

// TestDocsLinks: every relative link of the guides names a file that
// exists and, with a fragment, a heading in it.
func TestDocsLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#]*)(#[^)]*)?\)`)
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		prose := regexp.MustCompile("(?s)```.*?```|`[^`]*`").ReplaceAllString(string(b), "")
		for _, m := range link.FindAllStringSubmatch(prose, -1) {
			target, frag := m[1], strings.TrimPrefix(m[2], "#")
			if strings.Contains(target, "://") {
				continue
			}
			file := doc
			if target != "" {
				file = filepath.Join(filepath.Dir(doc), target)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s: link %q: %v", doc, m[0], err)
				continue
			}
			if frag != "" && !hasHeading(string(body), frag) {
				t.Errorf("%s: link %q: no heading %q in %s", doc, m[0], frag, file)
			}
		}
	}
}

func goBlocks(md string) []string {
	var out []string
	for _, part := range strings.Split(md, "```go\n")[1:] {
		if end := strings.Index(part, "```"); end >= 0 {
			out = append(out, part[:end])
		}
	}
	return out
}

// hasHeading reports whether md has a heading whose GitHub anchor is frag.
func hasHeading(md, frag string) bool {
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(md, "\n") {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			h = strings.ToLower(strings.TrimSpace(strings.TrimLeft(h, "#")))
			if strings.ReplaceAll(drop.ReplaceAllString(h, ""), " ", "-") == frag {
				return true
			}
		}
	}
	return false
}

func firstWords(s string) string {
	if len(s) > 30 {
		s = s[:30]
	}
	return s
}
