package authsession

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// This file is session ids: the default generator (128 random bits) and
// the checks on Config.NewSessionID, next-session's genid, which run at
// construction and on every id it returns.

// Bounds of a session id from Config.NewSessionID.
const (
	// minSessionIDLength is the shortest id accepted: 21 characters of
	// the URL-safe alphabet, 126 random bits (next-session's nanoid ids).
	// The default ids are 22 characters, 128 random bits.
	minSessionIDLength = 21
	// maxSessionIDLength is the longest id accepted.
	maxSessionIDLength = 128
)

// newSessionID returns 128 random bits, base64url-encoded.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// idProblem says why id cannot be a session id, or "": its length is
// outside [minSessionIDLength, maxSessionIDLength] or it has a character
// outside the URL-safe base64 alphabet (A-Z, a-z, 0-9, "-", "_"). The id
// itself is never part of the answer.
func idProblem(id string) string {
	if len(id) < minSessionIDLength || len(id) > maxSessionIDLength {
		return fmt.Sprintf("an id of %d characters, want %d to %d", len(id), minSessionIDLength, maxSessionIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Sprintf("an id whose character %d is outside the URL-safe alphabet (A-Z, a-z, 0-9, \"-\", \"_\")", i+1)
		}
	}
	return ""
}

// generateID calls gen and checks what it returns. It returns the id, or
// why it cannot be used (a panic included).
func generateID(gen func() string) (id, problem string) {
	defer func() {
		if p := recover(); p != nil {
			id, problem = "", fmt.Sprintf("panicked: %v", p)
		}
	}()
	id = gen()
	if problem := idProblem(id); problem != "" {
		return "", "returned " + problem
	}
	return id, ""
}

// idProbeCalls is how many ids NextAuthSession asks a custom generator for.
const idProbeCalls = 3

// checkIDGenerator is resolve's check of Config.NewSessionID: a few calls
// must each return a valid id, and no two the same (a constant or
// low-entropy generator).
func checkIDGenerator(gen func() string) error {
	seen := make(map[string]bool, idProbeCalls)
	for range idProbeCalls {
		id, problem := generateID(gen)
		if problem != "" {
			return configError("NewSessionID", "%s", problem)
		}
		if seen[id] {
			return configError("NewSessionID", "returned the same id twice in %d calls: ids must be random", idProbeCalls)
		}
		seen[id] = true
	}
	return nil
}

// sessionID returns a new session id: Config.NewSessionID's, checked, or
// 128 random bits.
func (e *engine[U]) sessionID() (string, error) {
	if gen := e.cfg.NewSessionID; gen != nil {
		id, problem := generateID(gen)
		if problem != "" {
			return "", fmt.Errorf("%w: Config.NewSessionID %s", ErrSessionID, problem)
		}
		return id, nil
	}
	return newSessionID(), nil
}
