module github.com/authsession/authsession/internal/docscheck

go 1.26.0

require (
	github.com/authsession/authsession v0.1.0
	github.com/authsession/authsession/adapters/chi v0.1.0
	github.com/authsession/authsession/adapters/echo v0.1.0
	github.com/authsession/authsession/adapters/gin v0.1.0
	github.com/authsession/authsession/adapters/gorilla v0.1.0
	github.com/authsession/authsession/oidc v0.1.0
	github.com/authsession/authsession/pgstore v0.1.0
	github.com/authsession/authsession/redisstore v0.1.0
	github.com/gin-gonic/gin v1.12.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gorilla/mux v1.8.1
	github.com/jackc/pgx/v5 v5.13.0
	github.com/labstack/echo/v5 v5.4.6
	github.com/redis/go-redis/v9 v9.23.0
	golang.org/x/oauth2 v0.38.0
)
