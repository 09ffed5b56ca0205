package authsession_test

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

// Source size limits of the root package's library files (tests are not
// counted): one concept per file keeps files short, and a function longer
// than a screen hides its rules.
const (
	maxFileLines = 500
	maxFuncLines = 80

	// sizeException starts the paragraph of a function's doc comment that
	// says why it is longer than maxFuncLines.
	sizeException = "Size exception:"
)

// TestSourceSizes fails when a library file of the root package grows past
// maxFileLines or a function past maxFuncLines without a "Size exception:"
// paragraph in its doc comment saying why.
func TestSourceSizes(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
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
		if n := bytes.Count(src, []byte("\n")); n > maxFileLines {
			t.Errorf("%s: %d lines, want at most %d: split it by concept", name, n, maxFileLines)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.Body.Rbrace).Line - fset.Position(fd.Type.Func).Line + 1
			if n > maxFuncLines && !strings.Contains(fd.Doc.Text(), sizeException) {
				t.Errorf("%s: %s is %d lines, want at most %d (or a %q paragraph in its doc comment saying why)",
					fset.Position(fd.Pos()), fd.Name.Name, n, maxFuncLines, sizeException)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no library files found: run the test from the package directory")
	}
}
