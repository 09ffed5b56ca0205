package authsession

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type withPointer struct{ P *string }
type withMap struct{ M map[string]string }
type withFloat struct{ F float64 }
type withHidden struct {
	ID     string
	secret string
}

var _ = withHidden{secret: "unexported fields do not reach JSON"}

type withDash struct {
	ID   string
	Skip string `json:"-"`
}
type embedded struct{ ID string }
type withEmbedded struct{ embedded }
type withFolding struct {
	Name string
	NAME string `json:"nAme"`
}
type marshals struct{ ID string }

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`{}`), nil }

type plainNested struct {
	ID    string
	Level uint8
	Inner struct {
		Team  string `json:"team"`
		Admin bool   `json:"admin,omitempty"`
	} `json:"inner"`
}

// TestPrivateCopyKinds: a value copy is used only where it equals the JSON
// round trip; the default User gets its own copy. It also fails when
// Session gains a field (sessionFields must learn it).
func TestPrivateCopyKinds(t *testing.T) {
	tests := []struct {
		name string
		got  copyKind
		want copyKind
	}{
		{"User", copyKindOf[User](), copyUser},
		{"plain struct", copyKindOf[plainUserType](), copyValue},
		{"nested plain struct", copyKindOf[plainNested](), copyValue},
		{"string", copyKindOf[string](), copyValue},
		{"pointer", copyKindOf[withPointer](), copyJSON},
		{"map", copyKindOf[withMap](), copyJSON},
		{"map type", copyKindOf[map[string]any](), copyJSON},
		{"float", copyKindOf[withFloat](), copyJSON},
		{"unexported field", copyKindOf[withHidden](), copyJSON},
		{`json:"-"`, copyKindOf[withDash](), copyJSON},
		{"embedded struct", copyKindOf[withEmbedded](), copyJSON},
		{"names equal but for case", copyKindOf[withFolding](), copyJSON},
		{"MarshalJSON", copyKindOf[marshals](), copyJSON},
		{"time.Time", copyKindOf[time.Time](), copyJSON},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got kind %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// checkPrivateCopy checks that privateCopy, when it answers, gives what
// cloneSession (the JSON round trip) gives.
func checkPrivateCopy[U any](t *testing.T, name string, s Session[U], wantOK bool) Session[U] {
	t.Helper()
	got, ok := privateCopy(copyKindOf[U](), &s)
	if ok != wantOK {
		t.Fatalf("%s: got ok %v, want %v", name, ok, wantOK)
	}
	if !ok {
		return got
	}
	want, err := cloneSession(s)
	if err != nil {
		t.Fatalf("%s: cloneSession: %v", name, err)
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("%s: got %s (%#v), want %s (%#v)", name, gj, got.User, wj, want.User)
	}
	return got
}

func TestPrivateCopyMatchesJSON(t *testing.T) {
	now := time.UnixMilli(time.Now().UnixMilli())
	// A generation and a privilege mark too: the copy keeps the one and
	// drops the other, as cloneSession does.
	base := Session[User]{ID: "sid", AccessToken: "at", RefreshToken: "rt", ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastActivity: now, gen: 7, privileged: true}
	with := func(u User) Session[User] { s := base; s.User = u; return s }
	users := []struct {
		name string
		u    User
		ok   bool
	}{
		{"fixed fields", User{ID: "u1", Email: "a@b", Name: "N", Image: "https://x/a.png"}, true},
		{"empty Extra", User{ID: "u1", Extra: map[string]any{}}, true},
		{"Extra with fixed keys only", User{ID: "u1", Extra: map[string]any{"id": "x", "name": "y"}}, true},
		{"JSON values", User{ID: "u1", Extra: map[string]any{
			"role": "admin", "n": 1.5, "ok": true, "none": nil,
			"list": []any{"a", 2.0, []any{}, map[string]any{"k": []any{nil}}}, "nilList": []any(nil), "nilMap": map[string]any(nil),
		}}, true},
		{"int value", User{ID: "u1", Extra: map[string]any{"n": 1}}, false},
		{"[]string value", User{ID: "u1", Extra: map[string]any{"perms": []string{"a"}}}, false},
		{"key folding to a field", User{ID: "u1", Extra: map[string]any{"ID": "x"}}, false},
		{"invalid UTF-8 field", User{ID: "u\xff"}, false},
		{"invalid UTF-8 value", User{ID: "u1", Extra: map[string]any{"s": "\xff"}}, false},
		{"invalid UTF-8 key", User{ID: "u1", Extra: map[string]any{"\xff": "s"}}, false},
	}
	for _, tt := range users {
		s := with(tt.u)
		c := checkPrivateCopy(t, tt.name, s, tt.ok)
		if !tt.ok {
			continue
		}
		// Private: changing the original's maps and slices leaves the copy.
		if l, ok := s.User.Extra["list"].([]any); ok {
			l[0] = "changed"
			l[3].(map[string]any)["k"] = "changed"
			if c.User.Extra["list"].([]any)[0] != "a" || c.User.Extra["list"].([]any)[3].(map[string]any)["k"] == "changed" {
				t.Errorf("%s: the copy shares the original's slices or maps", tt.name)
			}
		}
		if s.User.Extra != nil {
			s.User.Extra["added"] = "x"
			if _, shared := c.User.Extra["added"]; shared {
				t.Errorf("%s: the copy shares the original's Extra", tt.name)
			}
		}
	}
	checkPrivateCopy(t, "invalid UTF-8 access token", Session[User]{ID: "s", AccessToken: "\xff", User: User{ID: "u"}}, false)
	transient := with(User{ID: "u1"})
	transient.Transient, transient.Data, transient.Flash = true, Data{}, Data{}
	checkPrivateCopy(t, "transient, empty data", transient, true)
	withData := with(User{ID: "u1"})
	withData.Data = Data{"cart": json.RawMessage(`"c1"`)}
	checkPrivateCopy(t, "session data", withData, false)
	withFlash := with(User{ID: "u1"})
	withFlash.Flash = Data{"msg": json.RawMessage(`"hi"`)}
	checkPrivateCopy(t, "flash values", withFlash, false)

	plain := Session[plainNested]{ID: "sid", AccessToken: "at", ExpiresAt: now, CreatedAt: now, LastActivity: now}
	plain.User.ID, plain.User.Level, plain.User.Inner.Team = "u1", 3, "core"
	checkPrivateCopy(t, "plain struct", plain, true)
	plain.User.Inner.Team = "\xff"
	checkPrivateCopy(t, "plain struct, invalid UTF-8", plain, false)
	checkPrivateCopy(t, "map user", Session[map[string]any]{User: map[string]any{"id": "u"}}, false)
}
