package oidc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"
)

// fakeOP is an OpenID provider for the unit tests, served in memory (see
// transport): discovery and keys (go-oidc's oidctest), an authorization
// endpoint that signs the user in at once, a token endpoint with PKCE and
// rotating refresh tokens, userinfo and an end-session endpoint. Its
// hooks make it misbehave the ways the tests need.
type fakeOP struct {
	t        testing.TB
	issuer   string
	clientID string
	secret   string
	key      *ecdsa.PrivateKey
	keys     *oidctest.Server
	now      func() time.Time

	issParam  bool   // advertise and send the RFC 9207 iss parameter
	noRefresh bool   // issue no refresh tokens
	sid       string // the "sid" of the ID tokens it issues
	down      atomic.Bool
	ttl       time.Duration // access token lifetime

	// idClaims, if set, changes the claims of the ID tokens it issues.
	idClaims func(map[string]any)
	// tokenError, if set, is the OAuth error the token endpoint answers.
	tokenError atomic.Pointer[string]
	// refreshGate, if set, is received from before a refresh is answered.
	refreshGate chan struct{}

	mu       sync.Mutex
	codes    map[string]authRequest
	refresh  map[string]bool // live refresh tokens
	grants   atomic.Int64    // refresh grants answered with tokens
	attempts atomic.Int64    // refresh grants asked for
	serial   int
	last     url.Values // the last authorization request's parameters
}

type authRequest struct {
	nonce, challenge, redirect string
}

func newFakeOP(t testing.TB, issuer string) *fakeOP {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{
		t: t, issuer: issuer, clientID: "client-1", secret: "client-secret", key: key,
		keys: &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: gooidc.ES256}}},
		now:  time.Now, ttl: 5 * time.Minute, sid: "op-session-1",
		codes: map[string]authRequest{}, refresh: map[string]bool{},
	}
	op.keys.SetIssuer(issuer)
	return op
}

func (op *fakeOP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		op.discovery(w)
	case "/keys":
		op.keys.ServeHTTP(w, r)
	case "/authorize":
		op.authorize(w, r)
	case "/token":
		op.token(w, r)
	case "/userinfo":
		json.NewEncoder(w).Encode(map[string]any{"sub": "user-1", "email": "ann@example.com", "name": "Ann", "email_verified": true})
	default:
		http.NotFound(w, r)
	}
}

func (op *fakeOP) discovery(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                         op.issuer,
		"authorization_endpoint":                         op.issuer + "/authorize",
		"token_endpoint":                                 op.issuer + "/token",
		"jwks_uri":                                       op.issuer + "/keys",
		"userinfo_endpoint":                              op.issuer + "/userinfo",
		"end_session_endpoint":                           op.issuer + "/logout",
		"id_token_signing_alg_values_supported":          []string{"ES256"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic"},
		"authorization_response_iss_parameter_supported": op.issParam,
	})
}

// authorize signs the user in at once and sends the browser back with a
// code.
func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.last = q
	op.serial++
	code := "code-" + strings.TrimPrefix(op.issuer, "https://") + "-" + strconv.Itoa(op.serial)
	op.codes[code] = authRequest{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	op.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	if op.issParam {
		back.Set("iss", op.issuer)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	if id, secret, ok := r.BasicAuth(); !ok || id != op.clientID || secret != op.secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostFormValue("grant_type") == "refresh_token" {
		op.attempts.Add(1)
	}
	if e := op.tokenError.Load(); e != nil {
		oauthError(w, http.StatusBadRequest, *e)
		return
	}
	switch r.PostFormValue("grant_type") {
	case "authorization_code":
		op.codeGrant(w, r)
	case "refresh_token":
		op.refreshGrant(w, r)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func (op *fakeOP) codeGrant(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	ar, ok := op.codes[r.PostFormValue("code")]
	delete(op.codes, r.PostFormValue("code"))
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != ar.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant") // PKCE
	case r.PostFormValue("redirect_uri") != ar.redirect:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
	default:
		op.issue(w, ar.nonce)
	}
}

// refreshGrant rotates: the refresh token is spent, a second use fails.
func (op *fakeOP) refreshGrant(w http.ResponseWriter, r *http.Request) {
	if op.refreshGate != nil {
		<-op.refreshGate
	}
	rt := r.PostFormValue("refresh_token")
	op.mu.Lock()
	live := op.refresh[rt]
	delete(op.refresh, rt)
	op.mu.Unlock()
	if !live {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	op.grants.Add(1)
	op.issue(w, "")
}

func (op *fakeOP) issue(w http.ResponseWriter, nonce string) {
	op.mu.Lock()
	op.serial++
	n := strconv.Itoa(op.serial)
	if !op.noRefresh {
		op.refresh["rt-"+n] = true
	}
	op.mu.Unlock()
	now := op.now()
	claims := map[string]any{
		"iss": op.issuer, "aud": op.clientID, "sub": "user-1", "sid": op.sid,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "email": "ann@example.com",
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if op.idClaims != nil {
		op.idClaims(claims)
	}
	w.Header().Set("Content-Type", "application/json")
	res := map[string]any{
		"access_token": "at-" + n, "token_type": "Bearer", "refresh_token": "rt-" + n,
		"expires_in": int(op.ttl / time.Second), "id_token": op.sign(claims),
	}
	if op.noRefresh {
		delete(res, "refresh_token")
	}
	json.NewEncoder(w).Encode(res)
}

// sign signs claims with the provider's key.
func (op *fakeOP) sign(claims map[string]any) string {
	b, err := json.Marshal(claims)
	if err != nil {
		op.t.Fatal(err)
	}
	return oidctest.SignIDToken(op.key, "k1", gooidc.ES256, string(b))
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// transport serves requests to the fake hosts in memory: every request to
// a host in hosts goes to its handler, without a socket, so the tests run
// inside testing/synctest bubbles. A host whose fakeOP is down refuses.
type transport struct {
	hosts map[string]http.Handler
	down  func(host string) bool
	next  http.RoundTripper // for every other host; nil: refused
}

var errRefused = errors.New("connect: connection refused")

func (tr transport) RoundTrip(r *http.Request) (*http.Response, error) {
	h, ok := tr.hosts[r.URL.Host]
	if !ok && tr.next != nil {
		return tr.next.RoundTrip(r)
	}
	if !ok || tr.down != nil && tr.down(r.URL.Host) {
		return nil, errRefused
	}
	if r.Body != nil {
		defer r.Body.Close()
	}
	rec := httptest.NewRecorder()
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	h.ServeHTTP(rec, in)
	res := rec.Result()
	res.Request = r
	return res, nil
}
