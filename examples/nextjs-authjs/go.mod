module github.com/authsession/authsession/examples/nextjs-authjs

go 1.26.0

require github.com/authsession/authsession v0.1.0

require (
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/gobwas/glob v1.1.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
)
