package oidc

import (
	"encoding/json"
	"net/http"
	"time"
)

// signInState is what a sign-in keeps in the browser between the redirect
// to the provider and the callback, sealed in the state cookie: it binds
// the callback to the browser that started the sign-in (state), to the
// provider it went to (Provider, checked against the issuer the callback
// names and the ID token's), to the ID token it must return (Nonce) and
// to the code it may redeem (the PKCE verifier).
type signInState struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Redirect string `json:"r"` // the redirect_uri sent, sent again with the code
	Callback string `json:"c"` // the local path to land on
	Expires  int64  `json:"e"` // Unix seconds
}

// stateCookie is the state cookie's name and attributes: HttpOnly,
// SameSite=Lax (it must come back on the provider's top-level redirect),
// Path=/, and __Host- with Secure unless the AuthSession's cookie is
// Insecure.
type stateCookie struct {
	name   string
	secure bool
}

// maxStateCookie bounds the state cookie's value read from a request.
const maxStateCookie = 2048

func newStateCookie(insecure bool) stateCookie {
	if insecure {
		return stateCookie{name: "authsession-oidc"}
	}
	return stateCookie{name: "__Host-authsession-oidc", secure: true}
}

// set writes st, sealed, into the cookie.
func (c stateCookie) set(w http.ResponseWriter, seal *sealer, st *signInState) {
	b, _ := json.Marshal(st) // strings and an int64: cannot fail
	http.SetCookie(w, &http.Cookie{
		Name: c.name, Value: seal.sealString(b, c.name),
		Path: "/", MaxAge: int(SignInTimeout / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// clear deletes the cookie.
func (c stateCookie) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// read returns the request's sign-in state, or false when there is none
// that opens, parses and has not expired at now.
func (c stateCookie) read(r *http.Request, seal *sealer, now time.Time) (signInState, bool) {
	ck, err := r.Cookie(c.name)
	if err != nil || len(ck.Value) > maxStateCookie {
		return signInState{}, false
	}
	b, err := seal.openString(ck.Value, c.name)
	if err != nil {
		return signInState{}, false
	}
	var st signInState
	if json.Unmarshal(b, &st) != nil || st.State == "" || st.Nonce == "" || st.Verifier == "" || now.Unix() >= st.Expires {
		return signInState{}, false
	}
	return st, true
}
