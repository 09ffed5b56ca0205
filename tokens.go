package authsession

import (
	"fmt"
	"sync"
	"time"

	"github.com/authsession/authsession/internal/jwe"
)

// This file is the token layer: the one place where a session becomes a
// token and a token a session. The engine above it (engine.go) deals in
// sessions and cookies; the codec below it (internal/jwe) in keys and
// bytes; formats.go says what the bytes mean.

// tokens is the token layer. Every read and write of a token passes
// through it — the guard, the session API, the actions, the store upkeep,
// EncryptSession and DecryptSession — so one set of token rules holds for
// all of them:
//
//   - reading: open (the cache, then decode, then cache the result) or
//     decode (uncached, for DecryptSession): decrypt (jwe.Codec.Open), map the
//     format's claims (decodeClaims), check them (checkClaims), then the
//     session's lifetime at now (live), on cached and decoded sessions
//     alike;
//   - writing: seal (encode, then cache a private copy) or encode
//     (uncached, for EncryptSession): a user id (ErrNoUserID), the same
//     claims check and lifetime on what the token will carry, encrypt, and
//     the size limit (ErrSessionTooLarge);
//   - forget drops a token from the cache (a replaced or cleared cookie).
//
// So whatever encode returns, decode accepts at the same instant. The
// cache may be nil (disabled): its methods are nil-safe. tokens is
// immutable and safe for concurrent use.
type tokens[U any] struct {
	codec *jwe.Codec
	// alt is the codec of the cookie's other name (Cookie.AcceptBothNames)
	// when its key differs, else nil: tokens under either key open.
	alt *jwe.Codec
	// validator checks the registered claims of every format (checkClaims).
	validator   jwe.Validator
	format      formatSpec
	cache       *tokenCache[U]
	maxBytes    int
	leeway      time.Duration
	maxLifetime time.Duration
	copyKind    copyKind // how seal copies a session for the cache
	// payloads holds *[]byte buffers that encode writes the claims in and
	// decode opens tokens in (release).
	payloads sync.Pool
}

// newTokens builds the token layer of a resolved configuration.
func newTokens[U any](cfg *Config[U]) (*tokens[U], error) {
	c, err := codecFor(cfg)
	if err != nil {
		return nil, err
	}
	alt, err := altCodecFor(cfg)
	if err != nil {
		return nil, err
	}
	f := cfg.Format.spec()
	t := &tokens[U]{
		codec: c,
		alt:   alt,
		// Auth.js and NextAuth.js do not check iat (jose without
		// maxTokenAge): neither do their formats here.
		validator:   jwe.NewValidator(cfg.Leeway, cfg.Now, !f.foreign),
		format:      f,
		cache:       newTokenCache[U](cfg.CacheBytes),
		maxBytes:    cfg.MaxCookieBytes,
		leeway:      cfg.Leeway,
		maxLifetime: cfg.MaxLifetime,
		copyKind:    copyKindOf[U](),
	}
	t.payloads.New = func() any { return new([]byte) }
	return t, nil
}

// codecFor returns the codec of a resolved configuration: its format's
// keys for the current and previous secrets under the cookie name.
func codecFor[U any](cfg *Config[U]) (*jwe.Codec, error) {
	secrets := make([]string, 0, 1+len(cfg.PreviousSecrets))
	secrets = append(secrets, string(cfg.Secret))
	for _, s := range cfg.PreviousSecrets {
		secrets = append(secrets, string(s))
	}
	c, err := jwe.NewCodec(cfg.Format.spec().scheme, cfg.Cookie.Name, secrets, cfg.MaxCookieBytes)
	if err != nil {
		// Only a scheme the package got wrong fails here: the secrets
		// were checked.
		return nil, configError("Format", "%v", err)
	}
	return c, nil
}

// altCodecFor returns the codec of the cookie's other name with
// Cookie.AcceptBothNames, or nil: without the option, or when the format's
// key does not depend on the name (FormatNextAuthV4).
func altCodecFor[U any](cfg *Config[U]) (*jwe.Codec, error) {
	name := otherName(cfg.Cookie.Name)
	if !cfg.Cookie.AcceptBothNames || cfg.Format.spec().scheme.SameKey(name, cfg.Cookie.Name) {
		return nil, nil
	}
	alt := *cfg
	alt.Cookie.Name = name
	return codecFor(&alt)
}

// open returns the session token carries at now: from the cache when the
// token was accepted before, otherwise decoded and then cached. The
// session is the cache's (or, uncached, the caller's alone): treat it as
// read-only. Errors are decode's.
func (t *tokens[U]) open(token string, now time.Time) (*Session[U], error) {
	if e := t.cache.lookup(token, now); e != nil {
		// Alive: an entry expires (cacheExpiry) no later than live's
		// bounds for its session (TestCacheExpiryWithinLive).
		return &e.session, nil
	}
	s, err := t.decode(token, now)
	if err != nil {
		return nil, err
	}
	if e := t.cache.put(token, s, t.cacheExpiry(&s)); e != nil {
		return &e.session, nil
	}
	return &s, nil
}

// decode returns the session token carries at now, without the cache.
// Errors wrap ErrInvalidToken, ErrTokenExpired or ErrMaxLifetime and never
// contain the token.
//
// The token is opened into a pooled buffer when nothing can keep a
// reference to the plaintext: every string of the session is copied out
// of it (formats_claimsjson.go, encoding/json), unless U or a type in it has JSON
// methods of its own, which may keep what they are given (copyJSON: the
// buffer is then the session's own). The buffer is cleared before reuse.
func (t *tokens[U]) decode(token string, now time.Time) (Session[U], error) {
	if t.copyKind == copyJSON {
		var own []byte
		return t.decodeInto(&own, token, now)
	}
	buf := t.payloads.Get().(*[]byte)
	s, err := t.decodeInto(buf, token, now)
	t.release(buf)
	return s, err
}

// decodeInto is decode with buf as the codec's working memory.
func (t *tokens[U]) decodeInto(buf *[]byte, token string, now time.Time) (Session[U], error) {
	plaintext, _, err := t.codec.OpenInto(buf, token)
	if err != nil && t.alt != nil {
		if p, _, altErr := t.alt.OpenInto(buf, token); altErr == nil {
			plaintext, err = p, nil
		}
	}
	if err != nil {
		return Session[U]{}, err
	}
	var s Session[U]
	var reg jwe.Claims
	if err := decodeClaims(&t.format, plaintext, &s, &reg); err != nil {
		return Session[U]{}, err
	}
	if err := checkClaims(&t.format, t.validator, &reg, &s); err != nil {
		return Session[U]{}, err
	}
	if err := t.live(s.ExpiresAt, s.CreatedAt, now); err != nil {
		return Session[U]{}, err
	}
	return s, nil
}

// release clears a pooled buffer, so no plaintext waits in the pool, and
// returns it unless it grew past what an acceptable token needs.
func (t *tokens[U]) release(buf *[]byte) {
	b := (*buf)[:cap(*buf)]
	if len(b) > 2*t.maxBytes {
		return
	}
	clear(b)
	*buf = b[:0]
	t.payloads.Put(buf)
}

// encode returns the token for s, issued at now, refusing what decode
// would refuse, or could not read back, at now: a user without an id
// (ErrNoUserID), Data, Flash or Transient in a foreign format
// (ErrInvalidData), claims that fail checkClaims (ErrInvalidToken,
// ErrTokenExpired), a lifetime that is over (ErrTokenExpired,
// ErrMaxLifetime), a payload that does not encode or nests too deeply
// (ErrInvalidData) and a token over Config.MaxCookieBytes
// (ErrSessionTooLarge). Nothing is cached.
func (t *tokens[U]) encode(s *Session[U], now time.Time) (string, error) {
	return t.encodeWith(t.codec, s, now)
}

// encodeWith is encode under c's key.
func (t *tokens[U]) encodeWith(c *jwe.Codec, s *Session[U], now time.Time) (string, error) {
	if missingUserID(s.User) {
		return "", ErrNoUserID
	}
	if t.format.foreign && (len(s.Data) > 0 || len(s.Flash) > 0 || s.Transient) {
		// Their claims are the user's: nothing would carry these back.
		return "", fmt.Errorf("%w: the Auth.js and NextAuth.js formats cannot carry session data, flash values or the remember-me choice", ErrInvalidData)
	}
	buf := t.payloads.Get().(*[]byte)
	tok, payload, err := t.sealClaims(c, *buf, s, now)
	*buf = payload
	t.release(buf)
	if err != nil {
		return "", err
	}
	if len(tok) > t.maxBytes {
		return "", fmt.Errorf("%w: token is %d bytes, limit %d (Config.MaxCookieBytes)", ErrSessionTooLarge, len(tok), t.maxBytes)
	}
	return tok, nil
}

// sealClaims writes the claims of s issued at now into buf (encodeClaims),
// checks them as decode will (checkClaims, the lifetime) and seals them
// under c. It returns the token and the buffer the payload was written
// in, for reuse.
func (t *tokens[U]) sealClaims(c *jwe.Codec, buf []byte, s *Session[U], now time.Time) (string, []byte, error) {
	payload, reg, err := encodeClaims(buf, &t.format, s, now)
	if payload == nil {
		payload = buf
	}
	if err != nil {
		return "", payload, err
	}
	if err := checkClaims(&t.format, t.validator, &reg, s); err != nil {
		return "", payload, err
	}
	expires, created, _ := carriedTimes(&t.format, s, now)
	if err := t.live(expires, created, now); err != nil {
		return "", payload, err
	}
	tok, err := c.Seal(payload)
	return tok, payload, err
}

// seal is encode for a token about to be sent as a cookie under the
// cookie's name (0) or other name (1, Cookie.AcceptBothNames): the token
// is cached with a private copy of s, so s (and the user the caller
// passed in) stays the caller's and the cache holds what the token says,
// times included (carriedTimes): a cached token and a decoded one are the
// same session.
func (t *tokens[U]) seal(s *Session[U], now time.Time, name int) (string, error) {
	cd := t.codec
	if name == 1 && t.alt != nil {
		cd = t.alt
	}
	tok, err := t.encodeWith(cd, s, now)
	if err != nil || !t.cache.enabled() {
		return tok, err
	}
	c, ok := privateCopy(t.copyKind, s)
	if !ok {
		if c, err = cloneSession(*s); err != nil {
			return tok, nil
		}
	}
	c.ExpiresAt, c.CreatedAt, c.LastActivity = carriedTimes(&t.format, s, now)
	t.cache.putOwn(tok, c, t.cacheExpiry(&c)) // tok is the codec's fresh string
	return tok, nil
}

// forget drops token from the cache, so a replaced or cleared cookie is
// decrypted (and judged) again rather than served from the cache.
func (t *tokens[U]) forget(token string) { t.cache.remove(token) }

// live checks a session's lifetime at now: before its expiry plus
// Config.Leeway (ErrTokenExpired) and before Config.MaxLifetime from its
// creation (ErrMaxLifetime).
func (t *tokens[U]) live(expires, created, now time.Time) error {
	if !now.Before(expires.Add(t.leeway)) {
		return errSessionExpired
	}
	if !now.Before(created.Add(t.maxLifetime)) {
		return ErrMaxLifetime
	}
	return nil
}

// expired reports whether s is past its expiry or its maximum lifetime at
// now.
func (t *tokens[U]) expired(s *Session[U], now time.Time) bool {
	return t.live(s.ExpiresAt, s.CreatedAt, now) != nil
}

var errSessionExpired = fmt.Errorf("%w: session expired", ErrTokenExpired)

// cacheExpiry is when a cached verdict for s must be dropped: the token's
// exp plus leeway, or the end of its maximum lifetime, whichever is first.
func (t *tokens[U]) cacheExpiry(s *Session[U]) time.Time {
	exp := time.Unix(s.ExpiresAt.Unix(), 0).Add(t.leeway)
	if end := s.CreatedAt.Add(t.maxLifetime); end.Before(exp) {
		exp = end
	}
	return exp
}
