package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/authsession/authsession"
)

type options struct {
	// Secret is the Next.js app's AUTH_SECRET.
	Secret string
	// Secure is true when the Next.js app is served over HTTPS: Auth.js
	// then names its cookie __Secure-authjs.session-token.
	Secure bool
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// newAPI returns the API: GET /api/health for everyone, GET /api/me for
// signed-in users of the Next.js app.
func newAPI(o options) (http.Handler, error) {
	if o.Secret == "" {
		return nil, fmt.Errorf("AUTH_SECRET is not set: use the Next.js app's AUTH_SECRET")
	}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: authsession.Secret(o.Secret),
		// The Auth.js v5 format; the cookie name (also the key's salt)
		// defaults to Auth.js's: __Secure-authjs.session-token, or
		// authjs.session-token without Secure.
		Format: authsession.FormatAuthJS,
		Cookie: authsession.CookieConfig{Insecure: !o.Secure},
		// The Next.js app owns the session: this API only reads it and
		// never re-issues the cookie.
		DisableAutoRefresh: true,
		// Auth.js sessions last 30 days by default (session.maxAge).
		Expiry: 30 * 24 * time.Hour,
		Now:    o.Now,
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		// An API answers 401 rather than redirecting to a login page.
		s, ok := auth.GetSession(r)
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthenticated"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id":        s.User.ID, // the Auth.js token's sub
			"name":      s.User.Name,
			"email":     s.User.Email,
			"image":     s.User.Image, // picture
			"expiresAt": s.ExpiresAt.UTC().Format(time.RFC3339),
		})
	})
	return auth.Middleware(mux), nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
