package authsession

import (
	"context"
	"net/http"
)

// Store records live sessions so they can be revoked. (stub: the store
// issue defines it)
type Store interface{}

// checkStore reports whether s is alive in the store (true without one).
func (e *engine[U]) checkStore(ctx context.Context, r *http.Request, s *Session[U]) bool {
	return true
}

// recordStore records a new session.
func (e *engine[U]) recordStore(ctx context.Context, r *http.Request, s *Session[U]) error {
	return nil
}

// touchStore notes that s was refreshed.
func (e *engine[U]) touchStore(ctx context.Context, s *Session[U]) {}

// revokeStore revokes s.
func (e *engine[U]) revokeStore(ctx context.Context, s *Session[U]) {}
