package authsession_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

// Browser headers, as Chromium sends them.
var (
	navigation = map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
	scriptLoad = map[string]string{"Accept": "*/*", "Sec-Fetch-Dest": "script", "Sec-Fetch-Mode": "no-cors"}
	styleLoad  = map[string]string{"Accept": "text/css,*/*;q=0.1", "Sec-Fetch-Dest": "style"}
	imageLoad  = map[string]string{"Accept": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "Sec-Fetch-Dest": "image"}
	fetchCall  = map[string]string{"Accept": "*/*", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"}
)

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var b struct{ Error struct{ Code string } }
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", body, err)
	}
	return b.Error.Code
}

// TestGuardNonPageLoads: on an Auth route without a session, only a page load (a navigation or a form post) is redirected
// to the login page; a script, style, image, font or data request gets a
// JSON 401, so a bundle never turns into the login page's HTML.
func TestGuardNonPageLoads(t *testing.T) {
	cfg := guardConfig()
	cfg.DefaultRouteType = authsession.RouteAuth
	cfg.Routes = append(cfg.Routes, authsession.Hybrid("/"))
	auth := buildAuth(t, cfg)
	next := &reached{}
	h := auth.Middleware(next)
	formPost := map[string]string{"Accept": navigation["Accept"], "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
	for _, tt := range []struct {
		name, method, target string
		hdr                  map[string]string
		status               int
	}{
		{"navigation", "GET", "/dashboard", navigation, 307},
		{"form post", "POST", "/dashboard/name", formPost, 303},
		{"script", "GET", "/assets/app.js", scriptLoad, 401},
		{"style", "GET", "/assets/site.css", styleLoad, 401},
		{"image", "GET", "/dashboard/avatar.png", imageLoad, 401},
		{"font", "GET", "/assets/f.woff2", map[string]string{"Accept": "*/*", "Sec-Fetch-Dest": "font"}, 401},
		{"fetch", "GET", "/dashboard/data", fetchCall, 401},
		{"fetch POST", "POST", "/dashboard/data", fetchCall, 401},
		{"iframe", "GET", "/dashboard", map[string]string{"Accept": navigation["Accept"], "Sec-Fetch-Dest": "iframe"}, 401},
		{"curl", "GET", "/dashboard", map[string]string{"Accept": "*/*"}, 401},
		{"old browser, no Sec-Fetch-Dest", "GET", "/dashboard", map[string]string{"Accept": "text/html"}, 307},
		{"no Accept header (an HTTP library)", "GET", "/dashboard", nil, 307},
		{"Sec-Fetch-Dest document without text/html", "GET", "/dashboard", map[string]string{"Accept": "*/*", "Sec-Fetch-Dest": "document"}, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, tt.method, tt.target, "", tt.hdr)
			if w.Code != tt.status {
				t.Fatalf("got %d (Location %q), want %d", w.Code, w.Header().Get("Location"), tt.status)
			}
			if tt.status == 401 {
				if code := errorCode(t, w.Body.String()); code != "unauthenticated" {
					t.Errorf("code %q, want unauthenticated", code)
				}
				if w.Header().Get("Location") != "" || w.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("headers %v: want no Location, Cache-Control no-store", w.Header())
				}
			}
		})
	}
	if next.n.Load() != 0 {
		t.Errorf("the handler was reached %d times without a session", next.n.Load())
	}
}

// TestGuardForbiddenForms: the guard's 403 is
// a small HTML page for a browser's page load, JSON for API clients and
// other requests, and Config.ForbiddenHandler's page when one is set.
func TestGuardForbiddenForms(t *testing.T) {
	for _, custom := range []bool{false, true} {
		cfg := guardConfig()
		cfg.Routes = append(cfg.Routes, authsession.AuthWhere("/staff/*", isAdmin))
		if custom {
			cfg.ForbiddenHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte("custom"))
			})
		}
		auth := buildAuth(t, cfg)
		user := sessionCookie(t, auth, "user", guardNow)
		for _, h := range []http.Handler{auth.Middleware(&reached{}), auth.Require(isAdmin)(&reached{})} {
			for _, tt := range []struct {
				hdr  map[string]string
				form string
			}{
				{navigation, "html"},
				{nil, "html"},
				{map[string]string{"Accept": "application/json"}, "json"},
				{fetchCall, "json"},
				{scriptLoad, "json"},
			} {
				w := serve(h, "GET", "/staff/x", user, tt.hdr)
				ct, body := w.Header().Get("Content-Type"), w.Body.String()
				switch {
				case w.Code != 403:
					t.Errorf("custom %v, %v: got %d, want 403", custom, tt.hdr, w.Code)
				case tt.form == "json":
					if code := errorCode(t, body); code != "forbidden" || ct != "application/json" {
						t.Errorf("custom %v, %v: got %q %q, want the JSON 403", custom, tt.hdr, ct, body)
					}
				case custom:
					if body != "custom" {
						t.Errorf("%v: got %q, want the ForbiddenHandler's page", tt.hdr, body)
					}
				case !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "<title>403 Forbidden</title>") || w.Header().Get("X-Content-Type-Options") != "nosniff":
					t.Errorf("%v: got %q %q, want the HTML 403 page", tt.hdr, ct, body)
				}
				if w.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("custom %v, %v: Cache-Control %q, want no-store", custom, tt.hdr, w.Header().Get("Cache-Control"))
				}
			}
		}
	}
}
