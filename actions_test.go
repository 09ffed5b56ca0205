package authsession_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// actionRequest returns a request carrying cookies and a recorder.
func apiActionRequest(cookies []*http.Cookie) (*httptest.ResponseRecorder, *http.Request) {
	req := httptest.NewRequest(http.MethodPost, "/settings", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return httptest.NewRecorder(), req
}

func TestActionsRefresh(t *testing.T) {
	t.Run("no session", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec, req := apiActionRequest(nil)
		res := auth.Actions.Refresh(rec, req)
		if res.Success || res.Session != nil || !errors.Is(res.Err, authsession.ErrNoSession) {
			t.Errorf("got %+v, want failure with ErrNoSession", res)
		}
		if got, want := res.Message(), "You are not signed in."; got != want {
			t.Errorf("Message: got %q, want %q", got, want)
		}
		if n := len(rec.Result().Cookies()); n != 0 {
			t.Errorf("got %d cookies, want none", n)
		}
	})
	t.Run("session", func(t *testing.T) {
		auth, clock := newAPIAuth(t, nil)
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(time.Hour)
		rec, req := apiActionRequest(cookies)
		res := auth.Actions.Refresh(rec, req)
		if !res.Success || res.Err != nil || res.Session == nil {
			t.Fatalf("got %+v, want success", res)
		}
		if res.Message() != "" {
			t.Errorf("Message: got %q, want empty", res.Message())
		}
		want := clock.Now().Add(7 * 24 * time.Hour)
		if !res.Session.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt: got %v, want %v", res.Session.ExpiresAt, want)
		}
		if s, ok := apiSessionOf(t, auth, rec.Result().Cookies()); !ok || !s.ExpiresAt.Equal(want) {
			t.Errorf("cookie: got %v %v, want expiry %v", ok, s.ExpiresAt, want)
		}
	})
}

func TestActionsLogout(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	for _, signedIn := range []bool{true, false} {
		var cookies []*http.Cookie
		if signedIn {
			cookies = apiSignIn(t, auth, apiUser)
		}
		rec, req := apiActionRequest(cookies)
		res := auth.Actions.Logout(rec, req)
		if !res.Success || res.Err != nil || res.Session != nil {
			t.Errorf("signed in %v: got %+v, want success without a session", signedIn, res)
		}
		got := rec.Result().Cookies()
		if len(got) == 0 || got[0].Name != "session" || got[0].MaxAge >= 0 {
			t.Errorf("signed in %v: got cookies %v, want the session cookie cleared", signedIn, got)
		}
	}
}

func TestActionsUpdate(t *testing.T) {
	errHook := errors.New("no shouting")
	tests := []struct {
		name      string
		fields    map[string]any
		noSession bool
		smallMax  bool
		wantErr   error
		check     func(t *testing.T, u authsession.User)
	}{
		{name: "name", fields: map[string]any{"name": "Bo"}, check: func(t *testing.T, u authsession.User) {
			if u.Name != "Bo" {
				t.Errorf("Name: got %q, want %q", u.Name, "Bo")
			}
		}},
		{name: "extra field", fields: map[string]any{"theme": map[string]any{"dark": true, "size": 3}}, check: func(t *testing.T, u authsession.User) {
			b, _ := json.Marshal(u.Extra["theme"])
			if string(b) != `{"dark":true,"size":3}` {
				t.Errorf("theme: got %s, want %s", b, `{"dark":true,"size":3}`)
			}
		}},
		{name: "null clears", fields: map[string]any{"image": nil}, check: func(t *testing.T, u authsession.User) {
			if u.Image != "" {
				t.Errorf("Image: got %q, want empty", u.Image)
			}
		}},
		{name: "json.Number", fields: map[string]any{"theme": json.Number("12")}, check: func(t *testing.T, u authsession.User) {
			if u.Extra["theme"] != float64(12) {
				t.Errorf("theme: got %v, want 12", u.Extra["theme"])
			}
		}},
		{name: "id", fields: map[string]any{"id": "u_2"}, wantErr: authsession.ErrFieldNotAllowed},
		{name: "id beside allowed", fields: map[string]any{"name": "Bo", "id": "u_2"}, wantErr: authsession.ErrFieldNotAllowed},
		{name: "not allowed", fields: map[string]any{"role": "owner"}, wantErr: authsession.ErrFieldNotAllowed},
		{name: "token name", fields: map[string]any{"accessToken": "x"}, wantErr: authsession.ErrFieldNotAllowed},
		{name: "nil fields", fields: nil, wantErr: authsession.ErrInvalidUpdate},
		{name: "no fields", fields: map[string]any{}, wantErr: authsession.ErrInvalidUpdate},
		{name: "wrong type", fields: map[string]any{"name": []int{1}}, wantErr: authsession.ErrInvalidUpdate},
		{name: "not encodable", fields: map[string]any{"name": make(chan int)}, wantErr: authsession.ErrInvalidUpdate},
		{name: "ValidateUpdate refuses", fields: map[string]any{"name": "BO!"}, wantErr: errHook},
		{name: "too large", fields: map[string]any{"theme": strings.Repeat("x", 2000)}, smallMax: true, wantErr: authsession.ErrSessionTooLarge},
		{name: "no session", fields: map[string]any{"name": "Bo"}, noSession: true, wantErr: authsession.ErrNoSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
				c.ValidateUpdate = func(old, updated authsession.User) error {
					if updated.Name != "" && strings.ToUpper(updated.Name) == updated.Name {
						return errHook
					}
					return nil
				}
				if tt.smallMax {
					c.MaxCookieBytes = 1024
				}
			})
			var cookies []*http.Cookie
			if !tt.noSession {
				u := apiUser
				u.Image = "https://img.example/ann.png"
				cookies = apiSignIn(t, auth, u, authsession.WithTokens("at", "rt"))
			}
			rec, req := apiActionRequest(cookies)
			res := auth.Actions.Update(rec, req, tt.fields)
			if tt.wantErr != nil {
				if res.Success || res.Session != nil || !errors.Is(res.Err, tt.wantErr) {
					t.Fatalf("got %+v, want failure with %v", res, tt.wantErr)
				}
				if res.Message() == "" || strings.Contains(res.Message(), "u_2") {
					t.Errorf("Message: got %q, want a generic message", res.Message())
				}
				if n := len(rec.Result().Cookies()); n != 0 {
					t.Errorf("got %d cookies, want none: nothing may change", n)
				}
				return
			}
			if !res.Success || res.Err != nil || res.Session == nil {
				t.Fatalf("got %+v, want success", res)
			}
			s, ok := apiSessionOf(t, auth, rec.Result().Cookies())
			if !ok {
				t.Fatalf("cookie carries no session")
			}
			if s.User.ID != "u_1" || s.AccessToken != "at" || s.RefreshToken != "rt" || s.ID != res.Session.ID {
				t.Errorf("got id %q tokens %q/%q, want id and tokens unchanged", s.User.ID, s.AccessToken, s.RefreshToken)
			}
			tt.check(t, s.User)
			tt.check(t, res.Session.User)
		})
	}
}

func TestActionsUpdateValidateUpdateSeesOldAndNew(t *testing.T) {
	var gotOld, gotNew authsession.User
	auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
		c.ValidateUpdate = func(old, updated authsession.User) error {
			gotOld, gotNew = old, updated
			return nil
		}
	})
	rec, req := apiActionRequest(apiSignIn(t, auth, apiUser))
	if res := auth.Actions.Update(rec, req, map[string]any{"name": "Bo"}); !res.Success {
		t.Fatalf("got %+v, want success", res)
	}
	if gotOld.Name != "Ann" || gotNew.Name != "Bo" || gotNew.ID != "u_1" || gotNew.ExtraString("role") != "admin" {
		t.Errorf("ValidateUpdate saw old %+v new %+v, want Ann -> Bo with id and role kept", gotOld, gotNew)
	}
}

// apiSlugUser derives Slug from Name when decoded: changing the name through
// the API would change the slug too.
type apiSlugUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

func (u *apiSlugUser) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*u = apiSlugUser{ID: raw.ID, Name: raw.Name, Slug: strings.ToLower(raw.Name)}
	return nil
}

func TestActionsUpdateOnlyAllowedFieldsChange(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		wantErr error
	}{
		{name: "derived field not allowed", allowed: []string{"name"}, wantErr: authsession.ErrFieldNotAllowed},
		{name: "derived field allowed", allowed: []string{"name", "slug"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := buildAuth(t, authsession.Config[apiSlugUser]{Secret: apiTestSecret, UpdatableFields: tt.allowed})
			rec, req := apiActionRequest(apiSignIn(t, auth, apiSlugUser{ID: "u_1", Name: "Ann", Slug: "ann"}))
			res := auth.Actions.Update(rec, req, map[string]any{"name": "Bo"})
			if !errors.Is(res.Err, tt.wantErr) {
				t.Fatalf("got %v, want %v", res.Err, tt.wantErr)
			}
			if tt.wantErr == nil && res.Session.User.Slug != "bo" {
				t.Errorf("Slug: got %q, want %q", res.Session.User.Slug, "bo")
			}
		})
	}
}

func TestActionsUpdateGenericUserTypes(t *testing.T) {
	t.Run("map", func(t *testing.T) {
		auth := buildAuth(t, authsession.Config[map[string]any]{Secret: apiTestSecret, UpdatableFields: []string{"name"}})
		rec, req := apiActionRequest(apiSignIn(t, auth, map[string]any{"id": "u_1", "name": "Ann", "n": 1}))
		res := auth.Actions.Update(rec, req, map[string]any{"name": "Bo"})
		if !res.Success || res.Session.User["name"] != "Bo" || res.Session.User["id"] != "u_1" || res.Session.User["n"] != float64(1) {
			t.Errorf("got %+v, want name Bo with id and n kept", res)
		}
	})
	t.Run("pointer to struct", func(t *testing.T) {
		auth := buildAuth(t, authsession.Config[*apiSlugUser]{Secret: apiTestSecret, UpdatableFields: []string{"name", "slug"}})
		rec, req := apiActionRequest(apiSignIn(t, auth, &apiSlugUser{ID: "u_1", Name: "Ann", Slug: "ann"}))
		res := auth.Actions.Update(rec, req, map[string]any{"name": "Bo"})
		if !res.Success || res.Session.User.Name != "Bo" || res.Session.User.ID != "u_1" {
			t.Errorf("got %+v, want name Bo, id u_1", res)
		}
	})
	t.Run("user that encodes to null", func(t *testing.T) {
		auth := buildAuth(t, authsession.Config[*apiSlugUser]{Secret: apiTestSecret, UpdatableFields: []string{"name"}})
		rec, req := apiActionRequest(apiSignIn[*apiSlugUser](t, auth, nil))
		res := auth.Actions.Update(rec, req, map[string]any{"name": "Bo"})
		if !errors.Is(res.Err, authsession.ErrInvalidUpdate) || len(rec.Result().Cookies()) != 0 {
			t.Errorf("got %v, want ErrInvalidUpdate and no cookie", res.Err)
		}
	})
}

func TestActionResultMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{authsession.ErrNoSession, "You are not signed in."},
		{authsession.ErrMaxLifetime, "You are not signed in."},
		{fmt.Errorf("%w: OnRefresh: token abc", authsession.ErrRejected), "You are not signed in."},
		{fmt.Errorf("%w: %q", authsession.ErrFieldNotAllowed, "id"), "This field cannot be changed."},
		{fmt.Errorf("%w: ValidateUpdate: bad word", authsession.ErrInvalidUpdate), "The update was not accepted."},
		{authsession.ErrSessionTooLarge, "The session would be too large."},
		{fmt.Errorf("%w: dial tcp: refused", authsession.ErrStore), "The session service is unavailable. Try again later."},
		{errors.New("something internal"), "Something went wrong."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			res := authsession.ActionResult[authsession.User]{Err: tt.err}
			if got := res.Message(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUpdateSeedShape(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, testUser)
	for _, tt := range []struct {
		fields map[string]any
		want   error
	}{
		{map[string]any{"user": map[string]any{"name": "Bo"}}, nil},
		{map[string]any{"user": map[string]any{"role": "user"}}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": map[string]any{"id": "u_2"}}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": "Bo"}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": map[string]any{"name": "Bo"}, "accessToken": "x"}, authsession.ErrFieldNotAllowed},
	} {
		w := httptest.NewRecorder()
		res := a.Actions.Update(w, requestWith(cookies), tt.fields)
		if !errors.Is(res.Err, tt.want) || (tt.want == nil) != res.Success {
			t.Errorf("Update(%v): got %v, want %v", tt.fields, res.Err, tt.want)
		}
		if tt.want == nil {
			if s, ok := a.GetSession(requestWith(w.Result().Cookies())); !ok || s.User.Name != "Bo" || s.User.ExtraString("role") != "admin" {
				t.Errorf("Update(%v): got %+v, want the name changed and nothing else", tt.fields, s.User)
			}
		}
	}
}
