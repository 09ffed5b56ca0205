module github.com/authsession/authsession/adapters/chi

go 1.25.0

require (
	github.com/authsession/authsession v0.1.0
	github.com/go-chi/chi/v5 v5.5.0
)

require (
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/gobwas/glob v1.1.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
)
