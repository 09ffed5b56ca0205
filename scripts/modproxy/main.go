// Command modproxy writes modules of this repository into a file-based Go
// module proxy, so that a consumer build can fetch them as if they had been
// released (scripts/steps/40-consumer.sh):
//
//	modproxy -o DIR MODULE-DIR@VERSION...
//
// For each argument it reads the module path from MODULE-DIR/go.mod and
// writes DIR/<escaped module path>/@v/{list, VERSION.info, VERSION.mod,
// VERSION.zip} in the layout GOPROXY=file://DIR expects. The zip holds what
// a tag of the current commit would hold: the files git tracks (or would
// track: untracked files that .gitignore does not exclude), minus nested
// modules, built with golang.org/x/mod/zip, which checks every rule the go
// command applies to module zips. It lives in its own module so that
// golang.org/x/mod never enters the library's go.mod.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func main() {
	out := flag.String("o", "", "proxy directory to write (required)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: modproxy -o DIR MODULE-DIR@VERSION...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, arg := range flag.Args() {
		dir, version, ok := strings.Cut(arg, "@")
		if !ok {
			fmt.Fprintf(os.Stderr, "modproxy: %q: want MODULE-DIR@VERSION\n", arg)
			os.Exit(2)
		}
		m, err := publish(*out, dir, version)
		if err != nil {
			fmt.Fprintln(os.Stderr, "modproxy:", err)
			os.Exit(1)
		}
		fmt.Printf("modproxy: %s@%s from %s\n", m.Path, m.Version, dir)
	}
}

// publish writes the module in dir at version into the proxy at out.
func publish(out, dir, version string) (module.Version, error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return module.Version{}, err
	}
	m := module.Version{Path: modfile.ModulePath(gomod), Version: version}
	if err := module.Check(m.Path, m.Version); err != nil {
		return m, err
	}
	if module.CanonicalVersion(version) != version {
		return m, fmt.Errorf("%s: version %q is not canonical", dir, version)
	}
	files, err := moduleFiles(dir)
	if err != nil {
		return m, err
	}
	var zip bytes.Buffer
	if err := modzip.Create(&zip, m, files); err != nil {
		return m, fmt.Errorf("%s: %w", dir, err)
	}
	escPath, err := module.EscapePath(m.Path)
	if err != nil {
		return m, err
	}
	escVersion, err := module.EscapeVersion(m.Version)
	if err != nil {
		return m, err
	}
	vdir := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return m, err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return m, err
	}
	for ext, data := range map[string][]byte{".info": info, ".mod": gomod, ".zip": zip.Bytes()} {
		if err := os.WriteFile(filepath.Join(vdir, escVersion+ext), data, 0o644); err != nil {
			return m, err
		}
	}
	return m, addToList(filepath.Join(vdir, "list"), m.Version)
}

// addToList adds version to a proxy's @v/list file, once.
func addToList(list, version string) error {
	old, err := os.ReadFile(list)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	versions := strings.Fields(string(old))
	if slices.Contains(versions, version) {
		return nil
	}
	versions = append(versions, version)
	return os.WriteFile(list, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}

// moduleFiles lists the files of the module rooted at dir as git sees them
// (tracked, or untracked and not ignored; deleted ones left out), without
// the files of nested modules (directories below dir with a go.mod).
func moduleFiles(dir string) ([]modzip.File, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	listing, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: git ls-files: %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var names []string
	seen, nested := map[string]bool{}, map[string]bool{}
	for name := range strings.SplitSeq(string(listing), "\x00") {
		if name == "" || seen[name] {
			continue // unmerged files are listed once per stage
		}
		seen[name] = true
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree
		}
		names = append(names, name)
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested[path.Dir(name)] = true
		}
	}
	var files []modzip.File
	for _, name := range names {
		if inNested(name, nested) {
			continue
		}
		files = append(files, diskFile{dir: dir, name: name})
	}
	return files, nil
}

// inNested reports whether name lies in one of the nested module
// directories.
func inNested(name string, nested map[string]bool) bool {
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if nested[d] {
			return true
		}
	}
	return false
}

// diskFile is a file of the module directory, for modzip.Create.
type diskFile struct{ dir, name string }

func (f diskFile) Path() string { return f.name }

func (f diskFile) Lstat() (os.FileInfo, error) {
	return os.Lstat(filepath.Join(f.dir, filepath.FromSlash(f.name)))
}

func (f diskFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.dir, filepath.FromSlash(f.name)))
}
