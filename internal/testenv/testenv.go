// Package testenv decides whether a test that needs an outside service (a
// Redis server, Node.js packages, a browser) skips or fails when the service
// is missing.
package testenv

import (
	"bytes"
	"os"
	"sync"
	"testing"
)

// RequireEnv is the variable that turns missing-service skips into failures.
// The test command (scripts/test) sets it, so CI cannot pass by skipping.
const RequireEnv = "AUTHSESSION_REQUIRE_SERVICES"

// Required reports whether missing services are failures.
func Required() bool { return os.Getenv(RequireEnv) != "" }

// Missing skips t with a clear message naming the service and how to get
// it, or fails t when RequireEnv is set.
func Missing(t testing.TB, service, how string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (%s is set) but missing: %s", service, RequireEnv, how)
	}
	t.Skipf("skipping: %s not available (%s); scripts/test sets it up", service, how)
}

// Buffer collects output written from other goroutines (a slog handler, a
// child process's stderr copier) for a test to read: a bytes.Buffer behind
// a mutex. The zero value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
