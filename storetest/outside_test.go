package storetest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutsideModule is what a store author does: a store written in a
// module of its own, outside this repository (testdata/outside, copied to
// a temporary directory), whose test runs the public conformance suite in
// one line. The module requires authsession like any consumer, pointed at
// this working copy by a replace of its own, and builds without the
// repository's go.work.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a separate module (-short)")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"store.go", "store_test.go"} {
		src, err := os.ReadFile(filepath.Join("testdata", "outside", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goMod := "module example.com/outside\n\ngo 1.25.0\n\n" +
		"require github.com/authsession/authsession v0.1.0\n\n" +
		"replace github.com/authsession/authsession v0.1.0 => " + repo + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644); err != nil {
		t.Fatal(err)
	}
	// The library's own checksums cover its requirements.
	sums, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goCmd, "test", "-count=1", "-run", "TestConformance", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in the outside module: %v\n%s", err, out)
	}
	for _, sub := range []string{"TestConformance/SavesRace", "TestConformance/RevokeRacesSave", "TestConformance/Anonymous"} {
		if !strings.Contains(string(out), "--- PASS: "+sub) {
			t.Errorf("the outside module's run did not pass %s:\n%s", sub, out)
		}
	}
}
