package oidc_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceSizes keeps the module's library files under 500 lines and
// their functions under 80, as the root package's layout test does.
func TestSourceSizes(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.go", "storetest/*.go", "example/*.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if n := bytes.Count(src, []byte("\n")); n > 500 {
			t.Errorf("%s: %d lines, want at most 500", name, n)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if n := fset.Position(fd.Body.Rbrace).Line - fset.Position(fd.Type.Func).Line + 1; n > 80 {
					t.Errorf("%s: %s is %d lines, want at most 80", fset.Position(fd.Pos()), fd.Name.Name, n)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no library files found")
	}
}
