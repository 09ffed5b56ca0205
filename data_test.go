package authsession_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

type cartData struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
}

func TestDataSetGet(t *testing.T) {
	var d authsession.Data // nil: Set allocates
	if err := d.Set("cart", cartData{ID: "c1", Items: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Set("count", 3); err != nil {
		t.Fatal(err)
	}
	if err := d.Set("theme", "dark"); err != nil {
		t.Fatal(err)
	}
	if c, ok := authsession.Get[cartData](d, "cart"); !ok || c.ID != "c1" || len(c.Items) != 2 {
		t.Errorf("Get[cartData]: got %+v %v, want c1 with two items", c, ok)
	}
	if n, ok := authsession.Get[int](d, "count"); !ok || n != 3 {
		t.Errorf("Get[int]: got %v %v, want 3 true", n, ok)
	}
	if s, ok := authsession.Get[string](d, "theme"); !ok || s != "dark" {
		t.Errorf("Get[string]: got %q %v, want dark true", s, ok)
	}
	if n, ok := authsession.Get[int](d, "theme"); ok || n != 0 {
		t.Errorf("Get[int] of a string: got %v %v, want 0 false", n, ok)
	}
	if s, ok := authsession.Get[string](d, "absent"); ok || s != "" {
		t.Errorf("Get of an absent key: got %q %v, want \"\" false", s, ok)
	}
	delete(d, "theme")
	delete(d, "never there")
	if _, ok := authsession.Get[string](d, "theme"); ok {
		t.Error("Get after delete: got true, want false")
	}

	bad := []struct {
		name  string
		key   string
		value any
	}{
		{"empty key", "", 1},
		{"reserved key", "_flash", "x"},
		{"invalid UTF-8 key", "a\xffb", 1},
		{"channel", "c", make(chan int)},
		{"function", "f", func() {}},
		{"NaN", "n", math.NaN()},
		{"infinity", "i", math.Inf(1)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := len(d)
			if err := d.Set(tt.key, tt.value); !errors.Is(err, authsession.ErrInvalidData) {
				t.Errorf("got %v, want ErrInvalidData", err)
			}
			if len(d) != before {
				t.Errorf("len: got %d, want %d (nothing changed)", len(d), before)
			}
		})
	}
}

// TestSessionDataWire pins the session JSON of data and flash values, and
// that GET /api/session sends data only with Config.ExposeData.
func TestSessionDataWire(t *testing.T) {
	now := time.UnixMilli(1767139200000).UTC()
	s := authsession.Session[authsession.User]{
		User: authsession.User{ID: "u_1"}, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastActivity: now,
		Data:  authsession.Data{"cart": json.RawMessage(`{"id":"c1"}`)},
		Flash: authsession.Data{"notice": json.RawMessage(`"saved"`)},
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user":{"id":"u_1"},"expiresAt":1767142800000,"expiryDate":"2025-12-31T01:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000,"data":{"_flash":{"notice":"saved"},"cart":{"id":"c1"}}}`
	if string(b) != want {
		t.Errorf("JSON:\ngot  %s\nwant %s", b, want)
	}
	var back authsession.Session[authsession.User]
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Data["cart"]) != `{"id":"c1"}` || string(back.Flash["notice"]) != `"saved"` || len(back.Data) != 1 {
		t.Errorf("decoded: got data %s flash %s", back.Data, back.Flash)
	}
	// Without data the member is absent, as before.
	s.Data, s.Flash = nil, nil
	if b, _ := json.Marshal(s); strings.Contains(string(b), `"data"`) {
		t.Errorf("JSON without data: got %s, want no data member", b)
	}

	for _, expose := range []bool{false, true} {
		a, _ := dataAuth(t, func(c *authsession.Config[authsession.User]) { c.ExposeData = expose })
		_, cookies := signIn(t, a, testUser, authsession.WithData("cart", cartData{ID: "c1"}), authsession.WithFlash("notice", "saved"))
		rec := httptest.NewRecorder()
		a.Handlers.ServeHTTP(rec, requestWithPath("/api/session", cookies))
		body := rec.Body.String()
		if got := strings.Contains(body, `"data":{"cart":{"id":"c1","items":null}}`); got != expose {
			t.Errorf("ExposeData %v: body %s, want data present %v", expose, body, expose)
		}
		if strings.Contains(body, "saved") {
			t.Errorf("ExposeData %v: body %s carries a flash value", expose, body)
		}
		// Public never carries data or flash values.
		if s, _ := a.GetSession(requestWith(cookies)); s.Redacted(true).Data != nil || s.Redacted(true).Flash != nil {
			t.Error("Public kept Data or Flash")
		}
	}
}
