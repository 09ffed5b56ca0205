package authsession

import (
	"hash/maphash"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/authsession/authsession/internal/seal"
)

// This file is the session engine: the value behind every AuthSession
// function, the guard, the session API and the actions, and the
// operations on a session that involve no request (EncryptSession,
// DecryptSession, IsSessionExpired, ShouldRefreshSession). The engine's
// other files are named for what they do:
//
//   - engine_read.go: reading a request's session, in either storage
//   - engine_request.go: a request's state, from the middleware to the commit
//   - engine_ops.go: sign-in, update, refresh and sign-out
//   - engine_data.go: session data and flash values
//   - engine_commit.go: the commit, issuing and clearing the cookie
//   - engine_save.go: saving a changed session (compare-and-swap)
//   - engine_generations.go: generations and privilege changes
//   - engine_store.go: store upkeep (revoking, listing, deadlines)
//   - engine_revocations.go, engine_retrier.go: revocations kept and retried
//   - engine_server.go: server storage (the sealed id cookie, stored data)
//   - engine_sealed.go: sealed values (anonymous visitors' cookies)
//   - engine_cookie.go, engine_writer.go: the cookie and the commit writer
//   - engine_sessionid.go: session ids
//
// Tokens are the token layer's (tokens.go), sealing internal/seal's.

// engine holds the resolved configuration and implements every operation.
// It is immutable and safe for concurrent use.
type engine[U any] struct {
	cfg    Config[U]
	tokens *tokens[U]
	sealer *seal.Sealer
	cookie sessionCookie
	key    *contextKey
	log    *slog.Logger
	revs   *revocations // pending revocations; nil without a store
	// jsonPrefix is the first segment of Config.APIPath: its paths get
	// JSON answers.
	jsonPrefix string
	// reqs holds the middleware's per-request states for reuse, with
	// Config.ReuseRequestState (engine_request.go).
	reqs sync.Pool
	// local: the store's calls never wait on I/O (engine_store.go's
	// localStore): no StoreTimeout timer, no seenTable.
	local bool
	// seen is the last-seen time of recently read sessions, for a store
	// that is not local (engine_store.go); nil otherwise.
	seen *seenTable
}

// newEngine builds the engine of a resolved configuration.
func newEngine[U any](cfg Config[U]) (*engine[U], error) {
	t, err := newTokens(&cfg)
	if err != nil {
		return nil, err
	}
	secrets := [][]byte{[]byte(cfg.Secret)}
	for _, s := range cfg.PreviousSecrets {
		secrets = append(secrets, []byte(s))
	}
	sl, err := seal.New(cfg.Cookie.Name, secrets)
	if err != nil {
		return nil, configError("Secret", "%v", err)
	}
	seg, _ := firstSegment(cfg.APIPath)
	e := &engine[U]{
		cfg:        cfg,
		tokens:     t,
		sealer:     sl,
		cookie:     newSessionCookie(&cfg.Cookie, &t.format, cfg.MaxCookieBytes),
		key:        &contextKey{"authsession"},
		log:        cfg.Logger,
		revs:       newRevocations(cfg.Store, cfg.StoreTimeout, cfg.Now, cfg.Logger),
		jsonPrefix: "/" + seg,
		local:      isLocal(cfg.Store),
	}
	if cfg.Store != nil && !e.local && cfg.TouchAfter >= 0 {
		e.seen = &seenTable{seed: maphash.MakeSeed()}
	}
	if e.revs != nil {
		// Every function of the AuthSession holds e, and the retrying
		// goroutine does not: once e is unreachable, nothing can consult
		// the pending revocations again, so the goroutine ends.
		runtime.AddCleanup(e, (*revocations).abandon, e.revs)
	}
	return e, nil
}

// contextKey is unique per AuthSession: two instances in one program never
// see each other's sessions.
type contextKey struct{ name string }

func (e *engine[U]) now() time.Time { return e.cfg.Now() }

// nowMilli is the current time at the millisecond precision of the session
// JSON, so a session reads back exactly as it was written.
func (e *engine[U]) nowMilli() time.Time { return time.UnixMilli(e.cfg.Now().UnixMilli()) }

func (e *engine[U]) isExpired(s Session[U]) bool { return e.tokens.expired(&s, e.now()) }

func (e *engine[U]) shouldRefresh(s Session[U]) bool { return e.shouldRefreshAt(&s, e.now()) }

// shouldRefreshAt is shouldRefresh at now.
func (e *engine[U]) shouldRefreshAt(s *Session[U], now time.Time) bool {
	// The threshold first: on almost every request it has not passed.
	return now.Sub(s.LastActivity) >= e.cfg.RefreshThreshold &&
		!e.tokens.expired(s, now) &&
		s.ExpiresAt.Before(s.CreatedAt.Add(e.cfg.MaxLifetime))
}

// encryptSession is AuthSession.EncryptSession: s with its blanks filled,
// encoded by the token layer (uncached).
func (e *engine[U]) encryptSession(s Session[U]) (string, error) {
	if s.ID == "" {
		id, err := e.sessionID()
		if err != nil {
			return "", err
		}
		s.ID = id
	}
	now := e.nowMilli()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.LastActivity.IsZero() {
		s.LastActivity = now
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = s.LastActivity.Add(e.cfg.Expiry)
	}
	return e.tokens.encode(&s, now)
}

// decryptSession is AuthSession.DecryptSession: the token decoded by the
// token layer (uncached).
func (e *engine[U]) decryptSession(token string) (Session[U], error) {
	return e.tokens.decode(token, e.now())
}
