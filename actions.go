package authsession

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
)

// ActionResult is what every action returns, like the { success, error,
// session } objects of next-auth-session's server actions.
type ActionResult[U any] struct {
	// Success reports whether the action did what it was asked.
	Success bool

	// Session is the session after the action: the refreshed or updated
	// session, or nil after Logout and on failure. It includes the
	// tokens; send only Session.Redacted(false) to a browser.
	Session *Session[U]

	// Err is why the action failed, nil on success. It wraps one of the
	// package's sentinel errors (ErrNoSession, ErrFieldNotAllowed,
	// ErrInvalidUpdate, ErrSessionTooLarge, ...): test it with
	// [errors.Is]. Its text is for logs, not for users; show Message.
	Err error
}

// Message returns a short, generic description of Err that is safe to show
// to a user ("You are not signed in."), or "" on success. It never
// contains a token, a field value or internal error text.
func (r ActionResult[U]) Message() string {
	if r.Err == nil {
		return ""
	}
	return codeOf(r.Err).message()
}

// Actions are the session operations for form handlers and other
// server-side code. The session API ([AuthSession.Handlers]) serves POST,
// PATCH and DELETE through these same functions, so both follow the same
// rules. They are safe for concurrent use. Unlike the HTTP API they do not
// check the request's origin: a form handler that calls them from an
// unsafe method should be wrapped in [http.CrossOriginProtection].
type Actions[U any] struct {
	// Refresh extends the session's expiry (never past MaxLifetime) and
	// re-issues the cookie. Without a session it fails with ErrNoSession;
	// when the session can no longer be extended (ErrMaxLifetime, or
	// OnRefresh refused it: ErrRejected) the cookie is cleared.
	Refresh func(w http.ResponseWriter, r *http.Request) ActionResult[U]

	// Update changes the top-level user fields named in fields (JSON
	// names, values as encoding/json would decode them) and re-issues the
	// cookie. Only fields listed in Config.UpdatableFields ("name" and
	// "image" unless set) may change; "id", the tokens, the session's
	// times, its data and flash values never do. A field set to
	// nil gets the JSON null value (for most types: its zero value). An
	// object value replaces the field's whole value; there is no deep
	// merge. Config.ValidateUpdate, if set, sees the old and the updated
	// user and may refuse the change. On any error nothing changes and no
	// cookie is written: ErrNoSession, ErrFieldNotAllowed (a field outside
	// the allowlist, or a change that would touch another field),
	// ErrInvalidUpdate (no fields, a value that doesn't fit the user type,
	// a ValidateUpdate refusal), ErrSessionTooLarge, or, with a store that
	// could not record the change's generation (see UpdateSession),
	// ErrStore.
	Update func(w http.ResponseWriter, r *http.Request, fields map[string]any) ActionResult[U]

	// Logout ends the session: it clears every chunk of the cookie and
	// revokes the session in the store, if one is configured. It succeeds
	// without a session too.
	Logout func(w http.ResponseWriter, r *http.Request) ActionResult[U]
}

// actionSet implements Actions for one engine.
type actionSet[U any] struct {
	e       *engine[U]
	allowed map[string]bool
}

func newActions[U any](e *engine[U]) Actions[U] {
	a := &actionSet[U]{e: e, allowed: make(map[string]bool, len(e.cfg.UpdatableFields))}
	for _, f := range e.cfg.UpdatableFields {
		a.allowed[f] = true
	}
	return Actions[U]{Refresh: a.refresh, Update: a.update, Logout: a.logout}
}

// done is an action's result: the session after its change, committed
// (with the middleware's state too, so that the result says whether the
// store took it).
func (a *actionSet[U]) done(w http.ResponseWriter, r *http.Request, s Session[U], err error) ActionResult[U] {
	if err == nil {
		err = a.e.commit(w, r)
	}
	if err != nil {
		return ActionResult[U]{Err: err}
	}
	if st := a.e.stateOf(r); st != nil {
		st.mu.Lock()
		if st.cur != nil {
			s = *st.cur // as committed: a new id, a new generation
		}
		st.mu.Unlock()
	}
	return ActionResult[U]{Success: true, Session: &s}
}

func (a *actionSet[U]) refresh(w http.ResponseWriter, r *http.Request) ActionResult[U] {
	s, err := a.e.refreshSession(w, r)
	return a.done(w, r, s, err)
}

func (a *actionSet[U]) logout(w http.ResponseWriter, r *http.Request) ActionResult[U] {
	err := a.e.deleteSession(w, r)
	if cerr := a.e.commit(w, r); err == nil {
		err = cerr
	}
	if err != nil {
		return ActionResult[U]{Err: err}
	}
	return ActionResult[U]{Success: true}
}

func (a *actionSet[U]) update(w http.ResponseWriter, r *http.Request, fields map[string]any) ActionResult[U] {
	fields = a.seedShape(fields)
	if err := a.checkFields(fields); err != nil {
		return ActionResult[U]{Err: err}
	}
	s, err := a.e.updateSession(w, r, func(s *Session[U]) error {
		// s is a private deep copy of the current session: s.User is the
		// old user, safe to hand to ValidateUpdate.
		updated, err := a.applyUserFields(s.User, fields)
		if err != nil {
			return err
		}
		s.User = updated
		return nil
	})
	return a.done(w, r, s, err)
}

// seedShape unwraps next-auth-session's update shape, { user: {...} },
// into the user's fields, unless "user" is itself an updatable field.
func (a *actionSet[U]) seedShape(fields map[string]any) map[string]any {
	if len(fields) != 1 || a.allowed["user"] {
		return fields
	}
	if inner, ok := fields["user"].(map[string]any); ok {
		return inner
	}
	return fields
}

// checkFields refuses an empty update and any field outside the
// allowlist, before any cookie is decrypted.
func (a *actionSet[U]) checkFields(fields map[string]any) error {
	if len(fields) == 0 {
		return fmt.Errorf("%w: no fields to update", ErrInvalidUpdate)
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !a.allowed[k] {
			return fmt.Errorf("%w: %q", ErrFieldNotAllowed, k)
		}
	}
	return nil
}

// applyUserFields returns old with fields merged in, generically for any
// user type that encodes to a JSON object: encode, merge, decode. It then
// checks that only allowed fields differ (a user type may decode keys
// case-insensitively or derive one field from another) and runs
// ValidateUpdate.
func (a *actionSet[U]) applyUserFields(old U, fields map[string]any) (U, error) {
	var zero U
	before, err := userObject(old)
	if err != nil {
		return zero, err
	}
	merged := maps.Clone(before)
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			return zero, fmt.Errorf("%w: field %q cannot be encoded as JSON", ErrInvalidUpdate, k)
		}
		merged[k] = b
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrInvalidUpdate, err)
	}
	var updated U
	if err := json.Unmarshal(raw, &updated); err != nil {
		return zero, fmt.Errorf("%w: the values do not fit the user type: %w", ErrInvalidUpdate, err)
	}
	after, err := userObject(updated)
	if err != nil {
		return zero, err
	}
	for k := range mergedKeys(before, after) {
		if !a.allowed[k] && !jsonEqual(before[k], after[k]) {
			return zero, fmt.Errorf("%w: the update would change %q", ErrFieldNotAllowed, k)
		}
	}
	if v := a.e.cfg.ValidateUpdate; v != nil {
		if err := v(old, updated); err != nil {
			return zero, fmt.Errorf("%w: ValidateUpdate: %w", ErrInvalidUpdate, err)
		}
	}
	return updated, nil
}

// userObject encodes u as a JSON object.
func userObject[U any](u U) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the user: %w", ErrInvalidUpdate, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%w: the user type %T does not encode to a JSON object", ErrInvalidUpdate, u)
	}
	return obj, nil
}

func mergedKeys(a, b map[string]json.RawMessage) map[string]struct{} {
	keys := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		keys[k] = struct{}{}
	}
	for k := range b {
		keys[k] = struct{}{}
	}
	return keys
}

// jsonEqual reports whether two encoded values (nil: absent) are the same
// JSON value. Numbers compare by their text, which errs on the side of
// "changed".
func jsonEqual(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if bytes.Equal(a, b) {
		return true
	}
	va, okA := decodeAny(a)
	vb, okB := decodeAny(b)
	return okA && okB && reflect.DeepEqual(va, vb)
}

func decodeAny(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}

// encodesToObject reports whether U can encode to a JSON object: a struct,
// a map, an interface or a type with its own MarshalJSON (checked again on
// every update).
func encodesToObject[U any]() bool {
	t := reflect.TypeFor[U]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	marshaler := reflect.TypeFor[json.Marshaler]()
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Interface:
		return true
	}
	return false
}
