module github.com/authsession/authsession/bench

go 1.25.0

require (
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/authsession/authsession v0.1.0
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/gorilla/securecookie v1.1.2
)

require github.com/gobwas/glob v1.1.0 // indirect
