// Package oidc adds "Sign in with OpenID Connect" to an
// [authsession.AuthSession], on github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2, and keeps the provider's access token fresh without
// refresh races.
//
// # Quick start
//
//	rp, err := oidc.New(auth, oidc.Config[authsession.User]{
//		Providers: []oidc.Provider{{
//			Name:         "example",
//			Issuer:       "https://id.example.com",
//			ClientID:     os.Getenv("OIDC_CLIENT_ID"),
//			ClientSecret: authsession.Secret(os.Getenv("OIDC_CLIENT_SECRET")),
//		}},
//	})
//	if err != nil {
//		log.Fatal(err) // configuration errors surface here
//	}
//	mux.Handle("/auth/", rp)
//
// A link to /auth/signin/example?callbackUrl=/dashboard signs the visitor
// in; a form posting to /auth/signout signs them out, at the provider
// too. Register /auth/callback as the redirect URI at the provider, and
// let the route guard through: authsession.Hybrid("/auth/*").
//
// # Sign-in
//
// The sign-in keeps a fresh state, nonce and PKCE (S256) verifier in a
// short-lived encrypted cookie bound to the provider; the callback
// accepts only the answer to that sign-in, in that browser, once. The ID
// token is verified (signature, issuer, audience, expiry, nonce, at_hash),
// completed with the userinfo claims, and mapped to the application's user
// by [Config.MapUser]; the session is then created with
// [authsession.AuthSession.CreateSession], carrying the provider's tokens.
// The page to land on afterwards is a local path only.
//
// # Fresh tokens
//
// [RelyingParty.Token] returns a valid access token for the request's
// session, refreshing it shortly before it expires. Concurrent requests of
// one session make one refresh grant, across every instance that shares
// the [Store]; a refresh the provider refuses ends the session once. With
// [Config.KeepTokensInStore] the tokens stay in the Store and the cookie
// carries only a reference to them.
//
// # Sign-out
//
// POST /auth/signout ends the session and sends the browser to the
// provider's end_session_endpoint (RP-initiated logout). With
// [Config.BackChannelLogout], the provider's logout tokens, posted to
// /auth/backchannel-logout/{provider}, revoke the sessions they name.
//
// # Concurrency
//
// A [RelyingParty] is immutable and safe for concurrent use.
package oidc
