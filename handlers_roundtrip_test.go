package authsession_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// TestHandlersRoundTrip drives the API like a browser would, through a real
// server and cookie jar: sign in, read, update, refresh, log out.
func TestHandlersRoundTrip(t *testing.T) {
	auth, clock := newAPIAuth(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /test/login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.CreateSession(w, r, apiUser, authsession.WithTokens("at-secret", "rt-secret")); err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
		}
	})
	mux.Handle("/api/session/", auth.Handlers)
	mux.Handle("/api/session", auth.Handlers)
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Jar = jar

	call := func(method, path, body string) (int, apiBody) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		// What a browser sends for a same-origin fetch.
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if strings.Contains(string(raw), "secret") {
			t.Errorf("%s %s: body %s leaks a token", method, path, raw)
		}
		if strings.HasPrefix(path, "/api/") {
			apiCheckCacheHeaders(t, res.Header)
		}
		var b apiBody
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
			}
		}
		return res.StatusCode, b
	}
	name := func(b apiBody) any {
		if b.Session == nil {
			return nil
		}
		return b.Session.User["name"]
	}

	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("GET before sign-in: got %d %v, want 200 null", code, name(b))
	}
	if code, _ := call(http.MethodPost, "/test/login", ""); code != 200 {
		t.Fatalf("sign-in: got %d, want 200", code)
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || name(b) != "Ann" {
		t.Fatalf("GET: got %d %v, want 200 Ann", code, name(b))
	}
	if code, b := call(http.MethodPatch, "/api/session", `{"user":{"name":"Bo"}}`); code != 200 || name(b) != "Bo" {
		t.Fatalf("PATCH: got %d %v, want 200 Bo", code, name(b))
	}
	if code, b := call(http.MethodPatch, "/api/session", `{"user":{"id":"u_2"}}`); code != 403 || b.Error == nil {
		t.Fatalf("PATCH id: got %d, want 403", code)
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || name(b) != "Bo" || b.Session.User["id"] != "u_1" {
		t.Fatalf("GET after PATCH: got %d %v, want 200 Bo u_1", code, b.Session)
	}
	clock.Add(time.Hour)
	code, b := call(http.MethodPost, "/api/session", "")
	if want := clock.Now().Add(7 * 24 * time.Hour).UnixMilli(); code != 200 || b.Session == nil || b.Session.ExpiresAt != want {
		t.Fatalf("POST: got %d %+v, want 200 with expiresAt %d", code, b.Session, want)
	}
	if code, b := call(http.MethodDelete, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("DELETE: got %d %v, want 200 null", code, name(b))
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("GET after DELETE: got %d %v, want 200 null", code, name(b))
	}
	if code, _ := call(http.MethodPost, "/api/session", ""); code != 401 {
		t.Fatalf("POST after DELETE: got %d, want 401", code)
	}
}

// TestHandlersConcurrent exercises one handler from many goroutines; run
// with -race.
func TestHandlersConcurrent(t *testing.T) {
	auth, clock := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	clock.Add(25 * time.Hour) // every GET is due for a refresh
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec *httptest.ResponseRecorder
			switch i % 3 {
			case 0:
				rec = apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: cookies})
			case 1:
				rec = apiServe(auth.Handlers, http.MethodPatch, "/api/session", apiReq{cookies: cookies, body: `{"user":{"theme":"dark"}}`, contentType: "application/json"})
			default:
				rec = apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{cookies: cookies})
			}
			if rec.Code != http.StatusOK {
				t.Errorf("request %d: got %d, want 200", i, rec.Code)
			}
		}()
	}
	wg.Wait()
}
