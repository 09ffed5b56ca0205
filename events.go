package authsession

import (
	"context"
	"fmt"
	"log/slog"
)

// This file is the events: hooks that see sign-ins, sign-outs,
// revocations and refreshes after they happened, for audit logs and
// metrics, like Auth.js's events. They cannot change what happens.

// Events are hooks called after the operation they name has succeeded,
// for audit logs and metrics (Auth.js's events). Every field is optional.
//
// They run synchronously, in the goroutine of the call that triggered
// them (a request's, for the guard, the session API and the actions),
// after the cookie is written and the store updated, with that call's
// context: a slow hook delays the response, so hand slow work (a remote
// audit log) to your own goroutine or queue. A hook that returns an error
// or panics is logged by Config.Logger at error level (the event's name
// and the error or panic value, never a session or token) and never
// changes the operation's result or the response. Hooks are called
// concurrently and must treat the session they receive as read-only (it
// may share memory with the token cache).
type Events[U any] struct {
	// SignIn is called after CreateSession issued a new session.
	SignIn func(ctx context.Context, s Session[U]) error

	// SignOut is called with the session that ended when DeleteSession
	// (Actions.Logout, DELETE /api/session) cleared a cookie that carried
	// one, and with the session a new sign-in replaced when CreateSession
	// ran on a request that carried a valid one (switching accounts).
	SignOut func(ctx context.Context, s Session[U]) error

	// Refresh is called after a session was re-issued with a new expiry:
	// RefreshSession, Actions.Refresh, POST /api/session and auto refresh.
	Refresh func(ctx context.Context, s Session[U]) error

	// Revoke is called after RevokeSession ended one of the user's
	// sessions.
	Revoke func(ctx context.Context, userID, sessionID string) error

	// RevokeAll is called after RevokeUserSessions ended the user's
	// sessions ("log out everywhere"); n is how many it ended.
	RevokeAll func(ctx context.Context, userID string, n int) error
}

// emit runs one event hook, logging its error or panic.
func (e *engine[U]) emit(ctx context.Context, event string, hook func() error) {
	defer func() {
		if p := recover(); p != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "authsession: event hook panicked",
				slog.String("event", event), slog.String("panic", fmt.Sprint(p)))
		}
	}()
	if err := hook(); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "authsession: event hook failed",
			slog.String("event", event), slog.String("error", err.Error()))
	}
}

// sessionEvent emits a SignIn, SignOut or Refresh event for s, when its
// hook is set.
func (e *engine[U]) sessionEvent(ctx context.Context, event string, hook func(context.Context, Session[U]) error, s Session[U]) {
	if hook != nil {
		e.emit(ctx, event, func() error { return hook(ctx, s) })
	}
}
