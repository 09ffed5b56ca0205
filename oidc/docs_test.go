package oidc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authsession/authsession/internal/testenv"
)

const guide = "../docs/oidc.md"

var (
	goBlock  = regexp.MustCompile("(?s)```go\n(.*?)```")
	mdLink   = regexp.MustCompile(`\]\(([^)#:]*)(#[^)]*)?\)`)
	mdHeader = regexp.MustCompile(`(?m)^#+ (.*)$`)
)

// TestGuideCompiles: every Go block of docs/oidc.md is a gofmt-formatted
// file that go build compiles inside this module, and the quick start is
// under 40 lines.
func TestGuideCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the guide's examples with the go command")
	}
	md := readGuide(t)
	blocks := goBlock.FindAllSubmatch(md, -1)
	if len(blocks) == 0 {
		t.Fatal("no Go blocks")
	}
	module, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	replace := map[string]string{}
	var pkgs []string
	for i, b := range blocks {
		src := b[1]
		if f, err := format.Source(src); err != nil || !bytes.Equal(f, src) {
			t.Errorf("block %d is not gofmt-formatted (%v)", i+1, err)
		}
		if i == 0 && bytes.Count(src, []byte("\n")) >= 40 {
			t.Errorf("the quick start has %d lines, want under 40", bytes.Count(src, []byte("\n")))
		}
		file := filepath.Join(tmp, fmt.Sprintf("block%d.go", i))
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
		pkg := fmt.Sprintf("zz_guide_block%d", i+1) // exists only in the overlay
		replace[filepath.Join(module, pkg, "main.go")] = file
		pkgs = append(pkgs, "./"+pkg)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": replace})
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"build", "-overlay", ov}, pkgs...)...)
	cmd.Dir = module
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go build of the guide's blocks: %v\n%s", err, out)
	}
}

// TestGuideLinks: the guide's relative links name files that exist, and
// their anchors headings there.
func TestGuideLinks(t *testing.T) {
	md := readGuide(t)
	for _, m := range mdLink.FindAllStringSubmatch(string(md), -1) {
		target, anchor := m[1], strings.TrimPrefix(m[2], "#")
		file := guide
		if target != "" {
			file = filepath.Join(filepath.Dir(guide), target)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("link %q: %v", m[0], err)
			continue
		}
		if anchor != "" && !hasAnchor(b, anchor) {
			t.Errorf("link %q: no heading #%s in %s", m[0], anchor, file)
		}
	}
}

// readGuide returns docs/oidc.md, which exists in the repository but not
// in the module's zip.
func readGuide(t *testing.T) []byte {
	md, err := os.ReadFile(guide)
	if os.IsNotExist(err) {
		testenv.Missing(t, "docs/oidc.md", "run the tests in the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// hasAnchor reports whether md has a heading whose GitHub anchor is a.
func hasAnchor(md []byte, a string) bool {
	for _, h := range mdHeader.FindAllSubmatch(md, -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(string(h[1])) {
			switch {
			case r == ' ' || r == '-':
				b.WriteRune('-')
			case r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
				b.WriteRune(r)
			}
		}
		if b.String() == a {
			return true
		}
	}
	return false
}
