package docscheck

import (
	"fmt"
	"github.com/authsession/authsession/internal/testenv"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// maxQuickStartLines is the Quick start's length limit.
const maxQuickStartLines = 60

// installBlock returns the go.mod lines of the README's "Install"
// section: the ```go.mod block.
func installBlock(t *testing.T) string {
	t.Helper()
	for _, b := range readDoc(t, "README.md").blocks {
		if b.heading == "Install" && b.lang == "go.mod" {
			return b.code
		}
	}
	t.Fatal(`README.md: no go.mod block under "## Install"`)
	return ""
}

var (
	requireLine = regexp.MustCompile(`(?m)^\s*(github\.com/authsession/authsession\S*) (v\S+)`)
	replaceLine = regexp.MustCompile(`(?m)^\s*(github\.com/authsession/authsession\S*) => (\S+)`)
)

// published returns the path and directory of every module of the
// repository that is tagged for users: all but the examples, the
// benchmarks, the scripts' tools and internal/.
func published(t *testing.T) map[string]string {
	t.Helper()
	mods := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata",
				rel == "internal", rel == "examples", rel == "bench", rel == "scripts":
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "go.mod" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m := regexp.MustCompile(`(?m)^module (\S+)`).FindSubmatch(b)
		if m == nil {
			return fmt.Errorf("%s: no module line", rel)
		}
		mods[string(m[1])] = filepath.ToSlash(filepath.Dir(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// TestInstallLines: the README's install block requires every published
// module at the version the nested modules require of the core, and
// replaces each with its directory in a clone at ../authsession.
func TestInstallLines(t *testing.T) {
	block := installBlock(t)
	version := requiredVersion(t, "redisstore", "github.com/authsession/authsession")
	requires := map[string]string{}
	for _, m := range requireLine.FindAllStringSubmatch(block, -1) {
		requires[m[1]] = m[2]
	}
	replaces := map[string]string{}
	for _, m := range replaceLine.FindAllStringSubmatch(block, -1) {
		replaces[m[1]] = m[2]
	}
	for path, dir := range published(t) {
		want := "../authsession"
		if dir != "." {
			want += "/" + dir
		}
		if requires[path] != version {
			t.Errorf("README install block: require %s %s, want %s", path, requires[path], version)
		}
		if replaces[path] != want {
			t.Errorf("README install block: replace %s => %s, want %s", path, replaces[path], want)
		}
		delete(requires, path)
		delete(replaces, path)
	}
	for path := range requires {
		t.Errorf("README install block requires %s, which is not a published module of the repository", path)
	}
	for path := range replaces {
		t.Errorf("README install block replaces %s, which is not a published module of the repository", path)
	}
}

// requiredVersion returns the version of path that the go.mod in dir
// (relative to the repository root) requires.
func requiredVersion(t *testing.T, dir, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(path) + ` (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s/go.mod does not require %s", dir, path)
	}
	return string(m[1])
}

// consumer makes a module outside the repository whose go.mod holds the
// README's install lines (the clone's path put in for ../authsession):
// every replace line, and the require lines of the modules in use.
func consumer(t *testing.T, use []string, files map[string]string) func(args ...string) string {
	t.Helper()
	repo, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	block := installBlock(t)
	var req []string
	for _, m := range requireLine.FindAllStringSubmatch(block, -1) {
		if contains(use, m[1]) {
			req = append(req, "\t"+m[1]+" "+m[2])
		}
	}
	if len(req) != len(use) {
		t.Fatalf("README install block: %d of the require lines of %v", len(req), use)
	}
	replaces := replaceLine.FindAllString(block, -1)
	gomod := "module example.com/app\n\ngo 1.25.0\n\nrequire (\n" + strings.Join(req, "\n") + "\n)\n\nreplace (\n" +
		strings.ReplaceAll(strings.Join(replaces, "\n"), "../authsession", repo) + "\n)\n"
	dir := t.TempDir()
	files["go.mod"] = gomod
	files["go.sum"] = checksums(t)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// As a user's: outside the workspace, third-party modules from the
	// module cache or the Go module proxy, checked against go.sum (seeded
	// with the repository's checksums) and the checksum database.
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "GOTOOLCHAIN=local")
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in a module with the README's install lines: %v\n%s\ngo.mod:\n%s", strings.Join(args, " "), err, out, gomod)
		}
		return string(out)
	}
}

// checksums returns the union of the repository's go.sum files.
func checksums(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "*", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "*", "*", "go.sum"))
	files = append(files, more...)
	files = append(files, filepath.Join(root, "go.sum"), filepath.Join(root, "go.work.sum"))
	var b strings.Builder
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(text)
	}
	return b.String()
}

// TestInstallEachModule: with the README's replace lines and the require
// lines of the core and one nested module, go mod tidy resolves a program
// that imports that module, with no network and no workspace.
func TestInstallEachModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy per module")
	}
	for path := range published(t) {
		if path == "github.com/authsession/authsession" {
			continue
		}
		t.Run(strings.TrimPrefix(path, "github.com/authsession/authsession/"), func(t *testing.T) {
			pkg := path
			goCmd := consumer(t, []string{"github.com/authsession/authsession", path}, map[string]string{
				"main.go": "package main\n\nimport (\n\t_ \"github.com/authsession/authsession\"\n\t_ \"" + pkg + "\"\n)\n\nfunc main() {}\n",
			})
			goCmd("mod", "tidy")
			goCmd("list", "-deps", ".")
		})
	}
}

// TestQuickStart extracts the README's Quick start, builds it in a module
// outside the repository with the README's install lines, runs it and
// drives it over HTTP with a cookie jar, as a browser would: the
// sign-in form, sign-in, the protected page, a static asset, sign-out,
// and the protected page refused again.
func TestQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the Quick start")
	}
	var src string
	for _, b := range readDoc(t, "README.md").blocks {
		if b.heading == "Quick start" && b.lang == "go" {
			src = b.code
			break
		}
	}
	if src == "" {
		t.Fatal(`README.md: no go block under "## Quick start"`)
	}
	if n := strings.Count(src, "\n"); n >= maxQuickStartLines {
		t.Errorf("the Quick start has %d lines, want under %d", n, maxQuickStartLines)
	}
	goCmd := consumer(t, []string{"github.com/authsession/authsession"}, map[string]string{"main.go": src})
	goCmd("mod", "tidy")
	bin := filepath.Join(t.TempDir(), "quickstart")
	goCmd("build", "-o", bin, ".")

	// The Quick start serves ./assets/ from its working directory.
	work := t.TempDir()
	const css = "body { font-family: sans-serif }\n"
	if err := os.MkdirAll(filepath.Join(work, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "assets", "style.css"), []byte(css), 0o644); err != nil {
		t.Fatal(err)
	}
	base := start(t, bin, work)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}

	c.expect("GET", "/", "", nil, 200, "", `href="/dashboard"`)
	c.expect("GET", "/dashboard", "", nil, http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fdashboard", "")
	c.expect("GET", "/login?callbackUrl=%2Fdashboard", "", nil, 200, "", `<form method="post"`)
	c.expect("GET", "/assets/style.css", "", map[string]string{"Sec-Fetch-Dest": "style"}, 200, "", css)
	c.expect("GET", "/dashboard", "", map[string]string{"Sec-Fetch-Dest": "script"}, http.StatusUnauthorized, "", "unauthenticated")
	// A form posted from another site signs no one in.
	c.expect("POST", "/login?callbackUrl=%2Fdashboard", "name=Mallory", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, "", "")
	c.expect("GET", "/dashboard", "", nil, http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fdashboard", "")
	// Sign in: back to where the guard's redirect came from.
	c.expect("POST", "/login?callbackUrl=%2Fdashboard", "name=Ann", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther, "/dashboard", "")
	c.expect("GET", "/dashboard", "", nil, 200, "", "Hello, Ann.")
	c.expect("GET", "/assets/style.css", "", map[string]string{"Sec-Fetch-Dest": "style"}, 200, "", css)
	c.expect("GET", "/api/session", "", nil, 200, "", `"name":"Ann"`)
	// A signed-in visitor on the sign-in page goes home.
	c.expect("GET", "/login", "", nil, http.StatusTemporaryRedirect, "/", "")
	// Sign out, and the protected page is refused again.
	c.expect("POST", "/logout", "", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther, "/", "")
	c.expect("GET", "/dashboard", "", nil, http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fdashboard", "")
	c.expect("GET", "/api/session", "", nil, 200, "", `"session":null`)
}

// start runs the program bin in dir on a free port of localhost, with a
// session secret, and returns its base URL once it accepts connections.
func start(t *testing.T, bin, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	addr = "localhost:" + port
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ADDR="+addr, "SESSION_SECRET=quick-start-test-secret-0123456789abcdef")
	var log testenv.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("the Quick start's log:\n%s", log.String())
		}
	})
	// It listens once it has started: try to connect until it does, or
	// until it exits.
	for {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return "http://" + addr
		}
		select {
		case <-exited:
			t.Fatalf("the Quick start exited before it listened:\n%s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// client sends requests to the Quick start and checks the answers.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

// expect sends a request (a form body when body is not empty) and checks
// the status, the Location header (when location is not empty) and that
// the body contains want.
func (c *client) expect(method, path, body string, header map[string]string, status int, location, want string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.base)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != status {
		c.t.Errorf("%s %s: status %d, want %d (body %q)", method, path, resp.StatusCode, status, got)
	}
	if location != "" && resp.Header.Get("Location") != location {
		c.t.Errorf("%s %s: Location %q, want %q", method, path, resp.Header.Get("Location"), location)
	}
	if !strings.Contains(string(got), want) {
		c.t.Errorf("%s %s: body %q does not contain %q", method, path, got, want)
	}
}

// maxOIDCExampleLines is the length limit of the README's "Sign in with
// OpenID Connect" example (issue 25: a complete ServeMux program under
// 40 lines); TestDocsGoBlocksCompile builds it.
const maxOIDCExampleLines = 40

// TestOIDCExampleLength: the README's OpenID Connect example is one
// complete program (package main) under maxOIDCExampleLines lines.
func TestOIDCExampleLength(t *testing.T) {
	for _, b := range readDoc(t, "README.md").blocks {
		if b.heading != "Sign in with OpenID Connect" || b.lang != "go" {
			continue
		}
		if !strings.HasPrefix(b.code, "package main\n") {
			t.Errorf("README.md: the OpenID Connect example is not a complete program")
		}
		if n := strings.Count(b.code, "\n"); n >= maxOIDCExampleLines {
			t.Errorf("README.md: the OpenID Connect example has %d lines, want under %d", n, maxOIDCExampleLines)
		}
		t.Logf("README.md: the OpenID Connect example has %d lines (limit %d)", strings.Count(b.code, "\n"), maxOIDCExampleLines)
		return
	}
	t.Fatal(`README.md: no go block under "## Sign in with OpenID Connect"`)
}
