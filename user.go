package authsession

import (
	"encoding/json"

	"github.com/authsession/authsession/internal/plainjson"
)

// User is the default user type: the fields of next-auth-session's user plus
// any extra fields (a role, permissions, ...), which are flattened into the
// same JSON object.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`

	// Extra holds every other JSON field of the user object. Keys that
	// collide with the fields above are ignored when encoding.
	Extra map[string]any `json:"-"`
}

// UserID returns u.ID. Stores use it to index sessions by user; custom user
// types that want a store implement the same method (see [UserIDer]).
func (u User) UserID() string { return u.ID }

// UserIDer is implemented by user types that expose a stable identifier.
// It is required when Config.Store is set.
type UserIDer interface {
	UserID() string
}

// userID returns the user's id; the factory has checked that U implements
// UserIDer whenever a store is configured.
func userID[U any](u U) string {
	if u, ok := any(u).(User); ok { // the common case, without boxing u
		return u.ID
	}
	if id, ok := any(u).(UserIDer); ok {
		return id.UserID()
	}
	return ""
}

// ExtraString returns the extra field key (u.Extra[key]) when it is a
// string, such as a role, or "" when it is absent or not a string.
func (u User) ExtraString(key string) string {
	s, _ := u.Extra[key].(string)
	return s
}

type userFields struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
}

// MarshalJSON encodes the fixed fields and Extra in one object, Extra's
// members sorted by key after the fixed fields, as encoding/json would
// encode such an object.
func (u User) MarshalJSON() ([]byte, error) {
	b, err := u.appendJSON(make([]byte, 0, u.sizeHint()))
	if err != nil {
		return nil, dataError("user", err)
	}
	return b, nil
}

// sizeHint is about the length of u's JSON when Extra is small.
func (u *User) sizeHint() int {
	return 48 + len(u.ID) + len(u.Email) + len(u.Name) + len(u.Image) + 32*len(u.Extra)
}

// appendJSON appends u's JSON (internal/plainjson): the fixed fields as
// encoding/json encodes userFields (id always, the others when not
// empty), then Extra's other keys.
func (u *User) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = plainjson.AppendString(b, u.ID)
	for _, f := range [...]struct{ key, v string }{{`,"email":`, u.Email}, {`,"name":`, u.Name}, {`,"image":`, u.Image}} {
		if f.v != "" {
			b = plainjson.AppendString(append(b, f.key...), f.v)
		}
	}
	if len(u.Extra) > 0 {
		var err error
		if b, err = plainjson.AppendMembers(b, u.Extra, isUserField, 0, false); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// isUserField reports whether key names one of User's fixed fields, which
// take precedence over an Extra member of the same name.
func isUserField(key string) bool {
	switch key {
	case "id", "email", "name", "image":
		return true
	}
	return false
}

// UnmarshalJSON decodes the fixed fields and keeps all others in Extra.
// An object of plain fixed fields only, as the library writes it, is read
// in one pass (readPlain); Extra is built only when there are others.
// JSON nesting deeper than 64 levels (the user object included), which no
// token may carry either, is refused before encoding/json reads it.
// Errors wrap ErrInvalidData.
func (u *User) UnmarshalJSON(b []byte) error {
	if u.readPlain(b) {
		return nil
	}
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		return errNestsTooDeep("user")
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return dataError("user", err)
	}
	var f userFields
	if err := json.Unmarshal(b, &f); err != nil {
		return dataError("user", err)
	}
	*u = User{ID: f.ID, Email: f.Email, Name: f.Name, Image: f.Image}
	for _, k := range [...]string{"id", "email", "name", "image"} {
		delete(all, k)
	}
	if len(all) > 0 {
		u.Extra = all
	}
	return nil
}

// readPlain sets u from b when b is an object whose members are among id,
// email, name and image, each at most once, with strings that need no
// unescaping (plainjson.Reader), and reports whether it did. Otherwise u is
// unchanged and UnmarshalJSON decodes b with encoding/json.
func (u *User) readPlain(b []byte) bool {
	r := plainjson.NewReader(b)
	if !r.Consume('{') {
		return false
	}
	var f [4]string // id, email, name, image
	var seen uint8
	if !r.Consume('}') {
		for more := true; more; {
			k, ok := r.Key()
			if !ok {
				return false
			}
			i := -1
			switch string(k) {
			case "id":
				i = 0
			case "email":
				i = 1
			case "name":
				i = 2
			case "image":
				i = 3
			}
			if i < 0 || seen&(1<<i) != 0 || !r.StrInto(&f[i]) {
				return false
			}
			seen |= 1 << i
			if more, ok = r.Next(); !ok {
				return false
			}
		}
	}
	if !r.End() {
		return false
	}
	*u = User{ID: f[0], Email: f[1], Name: f[2], Image: f[3]}
	return true
}
