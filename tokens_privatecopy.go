package authsession

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// This file makes the private copy of a session that the token layer
// caches when it seals one (tokens.seal), without the JSON round trip of
// cloneSession when a plain copy gives the same result. The copy must be
// what a later read of the token returns (the session's JSON decoded
// again) and share no memory with the caller's session. How to make it is
// decided once per user type, when the token layer is built.

// copyKind is how a session of a given user type is copied.
type copyKind uint8

const (
	copyJSON  copyKind = iota // cloneSession: through the JSON form
	copyUser                  // U is User: copy it, deep-copying Extra
	copyValue                 // U is plain data: a value copy is private and exact
)

// sessionFields are the fields of Session that a value copy handles: the
// strings are checked, the times and the generation kept (as cloneSession
// keeps them), Data and Flash taken only when empty, the privilege mark
// dropped. A Session with other fields is copied
// through JSON until this list and privateCopy learn them
// (TestPrivateCopyKinds fails meanwhile).
var sessionFields = []string{"ID", "User", "AccessToken", "RefreshToken", "ExpiresAt", "CreatedAt", "LastActivity", "Data", "Flash", "Transient", "gen", "privileged", "display"}

// copyKindOf decides how sessions with user type U are copied.
func copyKindOf[U any]() copyKind {
	st := reflect.TypeFor[Session[U]]()
	if st.NumField() != len(sessionFields) {
		return copyJSON
	}
	for i, name := range sessionFields {
		if st.Field(i).Name != name {
			return copyJSON
		}
	}
	ut := reflect.TypeFor[U]()
	switch {
	case ut == reflect.TypeFor[User]():
		return copyUser
	case plainJSONType(ut, 0):
		return copyValue
	}
	return copyJSON
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// plainJSONType reports whether a value of type t reads back from its JSON
// form exactly as it was and shares no memory: booleans, integers and
// strings (whose UTF-8 privateCopy checks), and structs of them whose
// fields are all exported, visible in JSON under distinct names and not
// embedded; no pointers, maps, slices, interfaces, floats or custom
// (un)marshalling anywhere.
func plainJSONType(t reflect.Type, depth int) bool {
	if depth > 8 || hasCustomJSON(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Struct:
		names := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			folded := strings.ToLower(name)
			if !f.IsExported() || f.Anonymous || name == "-" || names[folded] || !plainJSONType(f.Type, depth+1) {
				return false
			}
			names[folded] = true
		}
		return true
	}
	return false
}

func hasCustomJSON(t reflect.Type) bool {
	for _, it := range [...]reflect.Type{jsonMarshaler, jsonUnmarshaler, textMarshaler, textUnmarshaler} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// privateCopy returns a copy of s that shares no memory with it and equals
// cloneSession(s), or false when it cannot tell (the caller then uses
// cloneSession): strings that are not valid UTF-8 (JSON replaces their
// bad bytes), Extra values of types that JSON would turn into others,
// session data or flash values (kept as raw JSON, which the round trip
// may re-spell).
func privateCopy[U any](kind copyKind, s *Session[U]) (Session[U], bool) {
	c := *s
	c.privileged, c.display = false, false // as cloneSession: gen is kept, the marks are not
	if kind == copyJSON || len(s.Data) > 0 || len(s.Flash) > 0 ||
		!utf8.ValidString(s.AccessToken) || !utf8.ValidString(s.RefreshToken) {
		return c, false
	}
	c.Data, c.Flash = nil, nil // empty: JSON reads them back as nil
	switch kind {
	case copyUser:
		u, ok := any(&c.User).(*User)
		return c, ok && privateUser(u)
	case copyValue:
		return c, validStrings(reflect.ValueOf(&c.User).Elem())
	}
	return c, false
}

// privateUser replaces u.Extra by a deep copy as JSON reads it back,
// without the keys MarshalJSON leaves out. It reports false when a string
// is not valid UTF-8, a value is of a type that JSON would change, or a
// key differs from a fixed field's name only in case (encoding/json would
// read it into that field).
func privateUser(u *User) bool {
	for _, s := range [...]string{u.ID, u.Email, u.Name, u.Image} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	var extra map[string]any
	for k, v := range u.Extra {
		switch k {
		case "id", "email", "name", "image":
			continue
		}
		if foldsToUserField(k) {
			return false
		}
		cv, ok := copyJSONValue(v, 0)
		if !ok || !utf8.ValidString(k) {
			return false
		}
		if extra == nil {
			extra = make(map[string]any, len(u.Extra))
		}
		extra[k] = cv
	}
	u.Extra = extra
	return true
}

// foldsToUserField reports whether k matches one of User's fixed JSON
// names case-insensitively, as encoding/json matches struct fields.
func foldsToUserField(k string) bool {
	for _, f := range [...]string{"id", "email", "name", "image"} {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

// copyJSONValue deep-copies a value of the types JSON decodes into an any
// (nil, bool, float64, string, []any, map[string]any), or reports false.
func copyJSONValue(v any, depth int) (any, bool) {
	if depth > 32 {
		return nil, false
	}
	switch v := v.(type) {
	case nil, bool, float64:
		return v, true
	case string:
		return v, utf8.ValidString(v)
	case []any:
		if v == nil {
			return nil, true
		}
		out := make([]any, len(v))
		for i, e := range v {
			var ok bool
			if out[i], ok = copyJSONValue(e, depth+1); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		if v == nil {
			return nil, true
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			ce, ok := copyJSONValue(e, depth+1)
			if !ok || !utf8.ValidString(k) {
				return nil, false
			}
			out[k] = ce
		}
		return out, true
	}
	return nil, false
}

// validStrings reports whether every string in v (a plainJSONType value)
// is valid UTF-8.
func validStrings(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if !validStrings(v.Field(i)) {
				return false
			}
		}
	}
	return true
}
