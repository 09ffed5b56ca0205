package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// authjsVector is a session cookie made by @auth/core's own encode (see
// testdata/golden in the repository root).
type authjsVector struct {
	Secret     string
	CookieName string
	Now        int64
	Token      string
}

func loadVector(t *testing.T) authjsVector {
	t.Helper()
	b, err := os.ReadFile("../../testdata/golden/authjs-authcore.json")
	if err != nil {
		t.Fatal(err)
	}
	var v authjsVector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAPI(t *testing.T) {
	v := loadVector(t)
	now := time.Unix(v.Now, 0)
	clock := func() time.Time { return now }
	quiet := slog.New(slog.DiscardHandler)
	tests := []struct {
		name     string
		secure   bool
		path     string
		cookie   *http.Cookie
		wantCode int
		wantBody string
	}{
		{"health without a session", false, "/api/health", nil, 200, `"status":"ok"`},
		{"me with the Auth.js cookie", false, "/api/me", &http.Cookie{Name: v.CookieName, Value: v.Token}, 200, `"id":"u_42"`},
		{"me without a cookie", false, "/api/me", nil, 401, `"error":"unauthenticated"`},
		{"me with a tampered cookie", false, "/api/me", &http.Cookie{Name: v.CookieName, Value: v.Token[:len(v.Token)-3] + "AAA"}, 401, "unauthenticated"},
		{"me with a cookie of another name", false, "/api/me", &http.Cookie{Name: "session", Value: v.Token}, 401, "unauthenticated"},
		{"secure API expects the __Secure- cookie", true, "/api/me", &http.Cookie{Name: "__Secure-" + v.CookieName, Value: v.Token}, 401, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := newAPI(options{Secret: v.Secret, Secure: tt.secure, Now: clock, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.wantCode || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", res.StatusCode, body, tt.wantCode, tt.wantBody)
			}
			if sc := res.Header.Get("Set-Cookie"); sc != "" {
				t.Errorf("Set-Cookie: got %q, want none (the Next.js app owns the cookie)", sc)
			}
		})
	}
}

func TestAPINeedsSecret(t *testing.T) {
	for _, secret := range []string{"", "too-short"} {
		if _, err := newAPI(options{Secret: secret}); err == nil {
			t.Errorf("secret %q: got nil error, want one", secret)
		}
	}
}
