package docscheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// maxREADMEWords is the README's length limit, in words as wc -w counts
// them (code blocks included).
const maxREADMEWords = 3000

// TestREADMEWords prints the README's word count and fails above
// maxREADMEWords.
func TestREADMEWords(t *testing.T) {
	d := readDoc(t, "README.md")
	n := len(strings.Fields(d.text))
	t.Logf("README.md: %d words (limit %d)", n, maxREADMEWords)
	if n > maxREADMEWords {
		t.Errorf("README.md has %d words, over the limit of %d: move detail into docs/", n, maxREADMEWords)
	}
}

// TestDocsLinks: every relative link of every Markdown file names a file
// or directory that exists and, with a fragment into a Markdown file, a
// heading of it.
func TestDocsLinks(t *testing.T) {
	docs := markdownFiles(t)
	byPath := map[string]doc{}
	for _, d := range docs {
		byPath[d.path] = d
	}
	n := 0
	for _, d := range docs {
		for _, target := range d.links() {
			n++
			file, frag := d.resolve(target)
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(file))); err != nil {
				t.Errorf("%s: link (%s): no file %s", d.path, target, file)
				continue
			}
			if frag == "" || !strings.HasSuffix(file, ".md") {
				continue
			}
			to, ok := byPath[file]
			if !ok {
				to = readDoc(t, file)
			}
			if !contains(to.anchors, frag) {
				t.Errorf("%s: link (%s): no heading #%s in %s", d.path, target, frag, file)
			}
		}
	}
	t.Logf("%d relative links in %d Markdown files resolve", n, len(docs))
	if n < 100 {
		t.Errorf("found %d relative links, want the documentation's", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDocsJSONBlocks: every ```json block is valid JSON.
func TestDocsJSONBlocks(t *testing.T) {
	for _, d := range markdownFiles(t) {
		for _, b := range d.blocks {
			if b.lang == "json" && !json.Valid([]byte(b.code)) {
				t.Errorf("%s:%d: the json block is not valid JSON", d.path, b.line)
			}
		}
	}
}

// TestDocsGoBlocksCompile builds every ```go block of every Markdown file
// (README.md, docs/ and the rest) in this module, which the workspace
// builds against the working copies of every module of the repository. A
// block is a complete file (it starts with a package clause, or a comment
// and then one) or a fragment: declarations, or statements that run with
// auth, mux, w, r and ctx in scope (see scaffold). A
// "<!-- go-check: declare: CODE -->" line right above a fragment adds
// CODE to its file; "<!-- go-check: skip: REASON -->" leaves a block out,
// and the reason is printed.
func TestDocsGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Go block of the documentation")
	}
	dir, err := os.MkdirTemp(".", "docbuild")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	built, skipped := 0, 0
	for _, d := range markdownFiles(t) {
		for _, b := range d.blocks {
			if b.lang != "go" {
				continue
			}
			if reason, ok := strings.CutPrefix(b.marker, "go-check: skip:"); ok {
				if strings.TrimSpace(reason) == "" {
					t.Errorf("%s:%d: a skipped Go block must give its reason", d.path, b.line)
				}
				t.Logf("%s:%d: not compiled: %s", d.path, b.line, strings.TrimSpace(reason))
				skipped++
				continue
			}
			name, src, err := goFile(d.path, b)
			if err != nil {
				t.Errorf("%s:%d: %v", d.path, b.line, err)
				continue
			}
			pkg := filepath.Join(dir, fmt.Sprintf("%s_%d", strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(d.path), b.line))
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			built++
		}
	}
	t.Logf("%d Go blocks built, %d skipped with a reason", built, skipped)
	if built < 40 {
		t.Fatalf("found %d Go blocks, want the documentation's", built)
	}
	// go vet type-checks every block (the //line comments point its
	// messages at the Markdown) and runs the vet checks on them.
	out, err := exec.Command("go", "vet", "./"+filepath.ToSlash(dir)+"/...").CombinedOutput()
	if err != nil {
		t.Errorf("the documentation's Go blocks do not build: %v\n%s", err, out)
	}
}

// imports are the packages a fragment may use without importing them,
// by the name it uses.
var imports = map[string]string{
	"authsession": "github.com/authsession/authsession",
	"memstore":    "github.com/authsession/authsession/memstore",
	"patterns":    "github.com/authsession/authsession/patterns",
	"storetest":   "github.com/authsession/authsession/storetest",
	"redisstore":  "github.com/authsession/authsession/redisstore",
	"pgstore":     "github.com/authsession/authsession/pgstore",
	"oidc":        "github.com/authsession/authsession/oidc",
	"authchi":     "github.com/authsession/authsession/adapters/chi",
	"authecho":    "github.com/authsession/authsession/adapters/echo",
	"authgin":     "github.com/authsession/authsession/adapters/gin",
	"authgorilla": "github.com/authsession/authsession/adapters/gorilla",
	"chi":         "github.com/go-chi/chi/v5",
	"gin":         "github.com/gin-gonic/gin",
	"echo":        "github.com/labstack/echo/v5",
	"redis":       "github.com/redis/go-redis/v9",
	"pgxpool":     "github.com/jackc/pgx/v5/pgxpool",
	"context":     "context",
	"errors":      "errors",
	"fmt":         "fmt",
	"html":        "html",
	"http":        "net/http",
	"io":          "io",
	"json":        "encoding/json",
	"log":         "log",
	"os":          "os",
	"slog":        "log/slog",
	"strings":     "strings",
	"template":    "html/template",
	"testing":     "testing",
	"time":        "time",
}

// scaffold is the function a statement fragment runs in: the names the
// guides use for the AuthSession, the ServeMux and a handler's arguments.
const scaffold = "func _(auth *authsession.AuthSession[authsession.User], mux *http.ServeMux, w http.ResponseWriter, r *http.Request, ctx context.Context) {\n"

// goFile turns a block into a Go file: its name and source.
func goFile(mdPath string, b block) (string, string, error) {
	line := fmt.Sprintf("//line %s:%d\n", mdPath, b.line)
	if f, err := parser.ParseFile(token.NewFileSet(), "", b.code, parser.PackageClauseOnly); err == nil {
		name := "main.go"
		if strings.HasSuffix(f.Name.Name, "_test") {
			name = "doc_test.go"
		}
		return name, line + b.code, nil
	}
	declare := ""
	if code, ok := strings.CutPrefix(b.marker, "go-check: declare:"); ok {
		declare = code + "\n"
	} else if b.marker != "" && strings.HasPrefix(b.marker, "go-check") {
		return "", "", fmt.Errorf("unknown marker %q (want go-check: skip: REASON or go-check: declare: CODE)", b.marker)
	}
	// Declarations at file level, else statements in the scaffold.
	src := "package doc\n" + declare + line + b.code
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		src = "package doc\n" + declare + scaffold + line + b.code + "}\n"
		if f, err = parser.ParseFile(fset, "", src, 0); err != nil {
			return "", "", fmt.Errorf("neither a file, declarations nor statements: %v", err)
		}
		body := f.Decls[len(f.Decls)-1].(*ast.FuncDecl).Body
		src = strings.TrimSuffix(src, "}\n") + useAll(body) + "}\n"
		for _, name := range []string{"authsession", "http", "context"} {
			f.Unresolved = append(f.Unresolved, ast.NewIdent(name))
		}
	}
	need := map[string]bool{}
	for _, id := range f.Unresolved {
		if p, ok := imports[id.Name]; ok {
			need[p] = true
		}
	}
	var paths []string
	for p := range need {
		paths = append(paths, fmt.Sprintf("%q", p))
	}
	sort.Strings(paths)
	head := "package doc\n"
	if len(paths) > 0 {
		head += "\nimport (\n\t" + strings.Join(paths, "\n\t") + "\n)\n"
	}
	return "doc.go", head + strings.TrimPrefix(src, "package doc\n"), nil
}

// useAll returns "_ = x" for every variable the fragment's statements
// declare at their top level, which a fragment may leave unused.
func useAll(body *ast.BlockStmt) string {
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" {
			names = append(names, id.Name)
		}
	}
	for _, s := range body.List {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, e := range s.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if g, ok := s.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, spec := range g.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	var b strings.Builder
	for _, n := range names {
		b.WriteString("\t_ = " + n + "\n")
	}
	return b.String()
}

// TestDocsNameTests: every Go test, fuzz target, benchmark or example
// that the Markdown files name in code (`TestX`, `TestX/sub`) exists in
// a _test.go file of the repository, so that a renamed or deleted test
// cannot stay cited as evidence.
func TestDocsNameTests(t *testing.T) {
	declared := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark|Example)\w*)\(`)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), "docbuild")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			declared[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cited := regexp.MustCompile("`((?:Test|Fuzz|Benchmark|Example)[A-Z_]\\w*)(?:/[^`]*)?`")
	n := 0
	for _, d := range markdownFiles(t) {
		if d.path == "CHANGELOG.md" {
			continue // history: names of their day
		}
		for _, m := range cited.FindAllStringSubmatch(d.text, -1) {
			n++
			name := m[1]
			if strings.HasSuffix(name, "*") || declared[name] {
				continue
			}
			t.Errorf("%s names %s, which no _test.go file declares", d.path, name)
		}
	}
	t.Logf("%d citations of Go tests in the Markdown files name tests that exist", n)
}
