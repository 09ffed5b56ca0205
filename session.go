package authsession

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// Session is one user's session. Its JSON form is fixed by the design
// contract:
//
//	{"user": {...}, "accessToken": "...", "refreshToken": "...",
//	 "expiresAt": 1767225600000, "expiryDate": "2026-01-01T00:00:00.000Z",
//	 "createdAt": 1767139200000, "lastActivity": 1767139200000}
//
// with two additions, written only when set: "data" (Data, and the
// pending flash values under "_flash") and "transient": true (the cookie
// is a browser-session cookie). Readers ignore members they do not know.
//
// Times are Unix milliseconds on the wire. A Session returned by the library
// may share memory (such as maps inside U) with a cached copy: treat it as
// read-only and change sessions through UpdateSession.
type Session[U any] struct {
	// ID is the session id (the token's jti claim): 128 random bits,
	// base64url. It is not part of the session JSON.
	ID string

	User         U
	AccessToken  string
	RefreshToken string

	// ExpiresAt is when the session ends unless refreshed.
	ExpiresAt time.Time
	// CreatedAt is when the user signed in; MaxLifetime counts from here.
	CreatedAt time.Time
	// LastActivity is when the session was last issued or refreshed.
	LastActivity time.Time

	// Data is application data carried beside the user, in the encrypted
	// cookie: see [Data]. It is not sent to browser JavaScript unless
	// Config.ExposeData is set.
	Data Data

	// Flash holds the flash values set since they were last read; reading
	// them ([AuthSession.Flashes]) removes them. Never sent to browser
	// JavaScript.
	Flash Data

	// Transient marks a session whose cookie is a browser-session cookie
	// (no Max-Age or Expires: "remember me" was not chosen, see
	// [WithRememberMe]). The token still expires at ExpiresAt. Refreshes
	// and updates keep it.
	Transient bool

	// gen is the session's generation (the token's "gen" claim, with a
	// store; see engine_generations.go); privileged and display are the marks of
	// MarkPrivilegeChange and MarkDisplayChange.
	gen        uint64
	privileged bool
	display    bool
}

// sessionJSON is the wire form of Session.
type sessionJSON[U any] struct {
	User         U      `json:"user"`
	AccessToken  string `json:"accessToken,omitempty"`
	RefreshToken string `json:"refreshToken,omitempty"`
	ExpiresAt    int64  `json:"expiresAt"`
	ExpiryDate   string `json:"expiryDate"`
	CreatedAt    int64  `json:"createdAt"`
	LastActivity int64  `json:"lastActivity"`
	// Data is Session.Data and Session.Flash in one object; nil (omitted)
	// when both are empty.
	Data      *sessionData `json:"data,omitempty"`
	Transient bool         `json:"transient,omitempty"`
}

const expiryDateLayout = "2006-01-02T15:04:05.000Z"

func (s *Session[U]) toJSON() sessionJSON[U] {
	j := sessionJSON[U]{
		User:         s.User,
		AccessToken:  s.AccessToken,
		RefreshToken: s.RefreshToken,
		ExpiresAt:    s.ExpiresAt.UnixMilli(),
		ExpiryDate:   expiryDate(s.ExpiresAt),
		CreatedAt:    s.CreatedAt.UnixMilli(),
		LastActivity: s.LastActivity.UnixMilli(),
		Transient:    s.Transient,
	}
	if len(s.Data) > 0 || len(s.Flash) > 0 {
		j.Data = &sessionData{values: s.Data, flash: s.Flash}
	}
	return j
}

func (j *sessionJSON[U]) toSession(id string) Session[U] {
	s := Session[U]{
		ID:           id,
		User:         j.User,
		AccessToken:  j.AccessToken,
		RefreshToken: j.RefreshToken,
		ExpiresAt:    time.UnixMilli(j.ExpiresAt),
		CreatedAt:    time.UnixMilli(j.CreatedAt),
		LastActivity: time.UnixMilli(j.LastActivity),
		Transient:    j.Transient,
	}
	if j.Data != nil {
		s.Data, s.Flash = j.Data.values, j.Data.flash
	}
	return s
}

// MarshalJSON encodes the session in the contract's JSON form, tokens
// included. Use [Session.Redacted] before sending a session to a browser.
func (s Session[U]) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.toJSON())
	if err != nil {
		return nil, dataError("session", err)
	}
	return b, nil
}

// UnmarshalJSON decodes the contract's JSON form. ID is left empty. JSON
// nesting deeper than 64 levels (the session object included), which no
// token may carry either, is refused before encoding/json reads it.
// Errors wrap ErrInvalidData.
func (s *Session[U]) UnmarshalJSON(b []byte) error {
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		return errNestsTooDeep("session")
	}
	var j sessionJSON[U]
	if err := json.Unmarshal(b, &j); err != nil {
		return dataError("session", err)
	}
	*s = j.toSession("")
	return nil
}

// Redacted returns a copy without the refresh token, without the access
// token unless keepAccessToken is true, and without Data and Flash: the
// form that may leave the server, for a browser or any other client. (The
// session API adds Data back with Config.ExposeData.)
func (s Session[U]) Redacted(keepAccessToken bool) Session[U] {
	s.RefreshToken = ""
	if !keepAccessToken {
		s.AccessToken = ""
	}
	s.Data, s.Flash = nil, nil
	return s
}

// MarkPrivilegeChange marks the change being made to s as a change of the
// user's privileges: call it on the session an [AuthSession.UpdateSession]
// callback changes, or on the session [Config.OnRefresh] returns. Changes
// of the user other than its display fields (Config.UpdatableFields: name
// and image by default) made through UpdateSession are privilege changes
// without it; [Session.MarkDisplayChange] says otherwise. With a
// [Config.Store], a privilege change re-issues the session under a new id,
// as a new sign-in would (keeping its creation time, so MaxLifetime still
// counts from the first sign-in), and every older cookie of it is "no
// session" at once, with no Config.GenerationGrace. When the store cannot
// record the new id, the session ends (its cookie is cleared) rather than
// keep the old privileges. Without a store nothing can end older tokens,
// and the mark has no effect; it has none either on a session read with
// GetSession.
func (s *Session[U]) MarkPrivilegeChange() { s.privileged = true }

// MarkDisplayChange marks the change an [AuthSession.UpdateSession]
// callback makes to s as no change of privileges although it changes
// user fields outside Config.UpdatableFields (a preference kept in the
// user, a display name under another key): the session keeps its id and
// its older cookies keep working for Config.GenerationGrace. A
// MarkPrivilegeChange on the same change wins.
func (s *Session[U]) MarkDisplayChange() { s.display = true }

// dataError is err, met encoding or decoding what, as an error wrapping
// ErrInvalidData: as it is when it does already, taken out of
// encoding/json's MarshalerError (a User's own error, inside a session).
func dataError(what string, err error) error {
	if me := (*json.MarshalerError)(nil); errors.As(err, &me) && errors.Is(me.Err, ErrInvalidData) {
		return me.Err
	}
	if errors.Is(err, ErrInvalidData) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalidData, what, err)
}

// errNestsTooDeep is the error of what's JSON nesting deeper than
// plainjson.MaxDepth levels.
func errNestsTooDeep(what string) error {
	return fmt.Errorf("%w: the %s's JSON nests deeper than %d levels", ErrInvalidData, what, plainjson.MaxDepth)
}

// SessionOption adds optional data to a new session: [WithTokens],
// [WithData], [WithFlash], [WithRememberMe].
type SessionOption func(*sessionOptions)

type sessionOptions struct {
	accessToken, refreshToken string
	data, flash               Data
	transient                 bool
	err                       error // the first option that failed
}

// WithTokens stores an access and a refresh token in the new session. They
// stay on the server: the session API never sends the refresh token, and
// sends the access token only with Config.ExposeAccessToken.
func WithTokens(accessToken, refreshToken string) SessionOption {
	return func(o *sessionOptions) { o.accessToken, o.refreshToken = accessToken, refreshToken }
}

// WithData stores value under key in the new session's Data, as
// [Data.Set] does; CreateSession returns Set's error (ErrInvalidData).
func WithData(key string, value any) SessionOption {
	return func(o *sessionOptions) { o.fail(o.data.Set(key, value)) }
}

// WithFlash sets a flash value in the new session ("Welcome back"), as
// [AuthSession.Flash] does on an existing one; CreateSession returns its
// error (ErrInvalidData).
func WithFlash(key string, value any) SessionOption {
	return func(o *sessionOptions) { o.fail(o.flash.Set(key, value)) }
}

// WithRememberMe sets whether the session's cookie outlives the browser
// session: with true (the default without this option) it carries
// Max-Age and Expires; with false it is a browser-session cookie, which
// the browser drops when it closes, and the session is Transient. Either
// way the token expires at the session's ExpiresAt on the server, and
// refreshes keep the choice. Use it with a sign-in form's "remember me"
// checkbox: WithRememberMe(r.PostFormValue("remember") != "").
//
// The Auth.js and NextAuth.js formats cannot carry the choice:
// WithRememberMe(false) makes CreateSession fail there (ErrInvalidData).
func WithRememberMe(remember bool) SessionOption {
	return func(o *sessionOptions) { o.transient = !remember }
}

func (o *sessionOptions) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// cloneSession deep-copies s through its JSON form, so an update never
// touches maps shared with the cache or another request.
func cloneSession[U any](s Session[U]) (Session[U], error) {
	b, err := json.Marshal(s)
	if err != nil {
		return Session[U]{}, dataError("copying the session", err)
	}
	var c Session[U]
	if err := json.Unmarshal(b, &c); err != nil {
		return Session[U]{}, dataError("copying the session", err)
	}
	c.ID, c.ExpiresAt, c.CreatedAt, c.LastActivity = s.ID, s.ExpiresAt, s.CreatedAt, s.LastActivity
	c.gen = s.gen
	return c, nil
}
