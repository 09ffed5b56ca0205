package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
)

// Session lifetimes short enough that the dashboard's countdown, "extend"
// and the activity refresh are visible.
const (
	sessionExpiry    = 30 * time.Minute
	refreshThreshold = 5 * time.Minute
	maxNameLen       = 64
	maxLoginBody     = 4 << 10
)

// initialMarker in the built index.html is replaced by the session the
// server already knows, so the app needs no request on load.
const initialMarker = "<!--authsession-initial-->"

type user = authsession.User

type options struct {
	// Secret is the session secret (at least 32 bytes).
	Secret string
	// Secure sets the cookie's Secure attribute. Plain-HTTP development
	// servers turn it off.
	Secure bool
	// StaticDir holds the built app (web/dist): index.html and assets/.
	StaticDir string
	Logger    *slog.Logger
}

type server struct {
	auth  *authsession.AuthSession[user]
	files fs.FS
	index []byte // index.html, split at initialMarker
	log   *slog.Logger
}

// errNoApp reports a StaticDir without a built app.
var errNoApp = errors.New("react-spa: the web app is not built")

// newServer returns the example's handler: the guard in front of the
// session API, the sign-in and sign-out endpoints and the app's files.
func newServer(o options) (http.Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	files := os.DirFS(o.StaticDir)
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("%w: %w (run: cd web && npm ci && npm run build)", errNoApp, err)
	}
	if bytes.Count(index, []byte(initialMarker)) != 1 {
		return nil, fmt.Errorf("%w: index.html must contain %s once", errNoApp, initialMarker)
	}
	s := &server{files: files, index: index, log: o.Logger}
	s.auth, err = authsession.NextAuthSession(authsession.Config[user]{
		Secret:           authsession.Secret(o.Secret),
		Expiry:           sessionExpiry,
		RefreshThreshold: refreshThreshold,
		Cookie:           authsession.CookieConfig{Insecure: !o.Secure},
		Logger:           o.Logger,
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth("/dashboard/*"),
			authsession.Hybrid("/"),
		},
		HomePath: "/dashboard",
		// PATCH /api/session may change the name (the app's "rename"); no
		// field is updatable unless listed.
		UpdatableFields: []string{"name"},
		ValidateUpdate: func(_, updated user) error {
			if !validName(updated.Name) {
				return errBadName
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}

	// Sign-in and sign-out are refused from other origins; the session API
	// does its own check.
	csrf := http.NewCrossOriginProtection()
	mux := http.NewServeMux()
	mux.Handle(s.auth.Config.APIPath, s.auth.Handlers)
	mux.Handle(s.auth.Config.APIPath+"/", s.auth.Handlers)
	mux.Handle("POST /auth/login", csrf.Handler(http.HandlerFunc(s.login)))
	mux.Handle("POST /auth/logout", csrf.Handler(http.HandlerFunc(s.logout)))
	mux.HandleFunc("/assets/", getOnly(s.asset))
	mux.HandleFunc("/", getOnly(s.page))
	return s.auth.Middleware(mux), nil
}

var errBadName = errors.New("react-spa: the name must be 1 to 64 characters, without control characters or surrounding spaces")

func validName(name string) bool {
	n := utf8.RuneCountInString(name)
	return n > 0 && n <= maxNameLen && utf8.ValidString(name) && strings.TrimSpace(name) == name &&
		!strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// userID derives a stable id from the name: the example has no user store.
func userID(name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(name)))
	return "u_" + hex.EncodeToString(sum[:8])
}

// login signs in with a name: POST /auth/login, body {"name": "..."}.
// 200 {"session": ...}, or 400 {"error": {"code", "message"}}.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, apiError("unsupported_media_type", "send application/json"))
		return
	}
	var body struct {
		Name string `json:"name"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || dec.Decode(&struct{}{}) != io.EOF {
		writeJSON(w, http.StatusBadRequest, apiError("bad_request", `expected {"name": "..."}`))
		return
	}
	name := strings.TrimSpace(body.Name)
	if !validName(name) {
		writeJSON(w, http.StatusBadRequest, apiError("bad_name", errBadName.Error()))
		return
	}
	sess, err := s.auth.CreateSession(w, r, user{ID: userID(name), Name: name})
	if err != nil {
		s.log.Warn("react-spa: sign-in failed", "error", err)
		writeJSON(w, http.StatusInternalServerError, apiError("internal", "could not sign in"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": sess.Redacted(false)})
}

// logout signs out: POST /auth/logout, 200 {"session": null}. The app uses
// the session API's DELETE (through useSession().logout), which also tells
// the other tabs; this endpoint is for clients without the browser client.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	s.auth.Actions.Logout(w, r)
	writeJSON(w, http.StatusOK, map[string]any{"session": nil})
}

// asset serves the hashed files of the build (assets/), cacheable forever.
func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if !strings.HasPrefix(name, "assets/") || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	f, err := s.files.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || st.IsDir() || !seekable {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, st.ModTime(), rs)
}

// page serves index.html for every other path (the app routes on the
// client), with the request's session rendered into it. A path that names
// a file (has an extension) and is not one gets a 404.
func (s *server) page(w http.ResponseWriter, r *http.Request) {
	if path.Ext(r.URL.Path) != "" {
		http.NotFound(w, r)
		return
	}
	initial := map[string]any{
		"session":          nil,
		"refreshThreshold": s.auth.ClientConfig.RefreshThreshold,
		"sessionExpiry":    s.auth.ClientConfig.SessionExpiry,
	}
	if sess, ok := s.auth.GetSession(r); ok {
		initial["session"] = sess.Redacted(false) // never a token in the page
	}
	// encoding/json escapes <, > and &: the JSON cannot close the element.
	js, err := json.Marshal(initial)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	before, after, _ := bytes.Cut(s.index, []byte(initialMarker))
	w.Write(before)
	w.Write([]byte(`<script type="application/json" id="authsession-initial">`))
	w.Write(js)
	w.Write([]byte(`</script>`))
	w.Write(after)
}

// getOnly answers methods other than GET and HEAD with 405.
func getOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

func apiError(code, message string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": message}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
