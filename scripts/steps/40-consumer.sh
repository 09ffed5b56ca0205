# The consumer path: the library, redisstore, pgstore and oidc installed
# the way a user outside this repository installs them. scripts/modproxy
# (its own module) writes the root module, the two stores and oidc, at the
# versions the repository's nested modules require (pgstore: the version
# go.work maps to ./pgstore while no module requires it), into a
# file-based GOPROXY in module zip layout.
# A fresh consumer module in a temporary directory then runs the README's
# `go get` commands and builds and runs a small program with GOWORK=off,
# GOFLAGS=-mod=mod and no network: GOPROXY lists only that directory and
# the module cache's download directory, the checksum database is asked
# for nothing (go.sum is seeded from the repository's go.sum files, which
# covers every third-party module; our two modules are GONOSUMDB), and
# HTTPS_PROXY points at a closed port, so any attempt to reach the network
# fails the step.

consumer_tmp=$(mktemp -d)
on_exit "chmod -R u+w '$consumer_tmp' 2>/dev/null; rm -rf '$consumer_tmp'"

# required_version MODULE-DIR PATH prints the version of PATH that the
# go.mod in MODULE-DIR requires (nothing if it requires none).
required_version() {
	go mod edit -json "$1/go.mod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Require") or []:
    if r["Path"] == sys.argv[1]:
        print(r["Version"])
' "$2"
}

# work_version PATH prints the version of PATH that go.work maps to a
# working copy with a replace line (nothing if none).
work_version() {
	go work edit -json "$ROOT/go.work" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["Old"]["Path"] == sys.argv[1] and r["Old"].get("Version"):
        print(r["Old"]["Version"])
' "$1"
}

root_path=github.com/authsession/authsession
store_path=$root_path/redisstore
oidc_path=$root_path/oidc
pg_path=$root_path/pgstore
root_version=$(required_version "$ROOT/redisstore" "$root_path")
store_version=$(required_version "$ROOT/examples/demo" "$store_path")
oidc_version=$(required_version "$ROOT/examples/demo" "$oidc_path")
pg_version=$(required_version "$ROOT/examples/demo" "$pg_path")
[ -n "$pg_version" ] || pg_version=$(work_version "$pg_path")
[ -n "$root_version" ] && [ -n "$store_version" ] && [ -n "$oidc_version" ] || { echo "redisstore must require $root_path and examples/demo $store_path and $oidc_path"; exit 1; }
[ -n "$pg_version" ] || { echo "examples/demo must require $pg_path, or go.work map a version of it to ./pgstore"; exit 1; }
# Every nested module builds against the same release of the root module.
while IFS= read -r mod; do
	[ "$mod" = "$ROOT" ] && continue
	v=$(required_version "$mod" "$root_path")
	if [ -n "$v" ] && [ "$v" != "$root_version" ]; then
		echo ".${mod#"$ROOT"} requires $root_path $v, redisstore $root_version: require one release everywhere"
		exit 1
	fi
done < <(repo_modules)
echo "consumer: $root_path@$root_version, $store_path@$store_version, $pg_path@$pg_version, $oidc_path@$oidc_version"

# Third-party modules come from the module cache: make sure it holds
# everything the stores and oidc build with (this may use the network; the
# consumer build below may not).
(cd "$ROOT/redisstore" && go list -deps . >/dev/null)
(cd "$ROOT/pgstore" && go list -deps . >/dev/null)
(cd "$ROOT/oidc" && go list -deps . >/dev/null)

(cd "$ROOT/scripts/modproxy" && go test -count=1 .)
go build -C "$ROOT/scripts/modproxy" -o "$consumer_tmp/modproxy" .
"$consumer_tmp/modproxy" -o "$consumer_tmp/proxy" "$ROOT@$root_version" "$ROOT/redisstore@$store_version" "$ROOT/pgstore@$pg_version" "$ROOT/oidc@$oidc_version"

mkdir "$consumer_tmp/app"
cat "$ROOT/go.sum" "$ROOT/redisstore/go.sum" "$ROOT/pgstore/go.sum" "$ROOT/oidc/go.sum" | sort -u >"$consumer_tmp/app/go.sum"
cat >"$consumer_tmp/app/main.go" <<'GO'
// Command consumer uses authsession, redisstore, pgstore and oidc as a program
// outside the repository would.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/redisstore"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer rdb.Close()
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "consumer-test-secret-0123456789abcdefghij",
		Store:  redisstore.New(rdb, redisstore.Options{Prefix: "consumer:"}),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	in := authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: time.Now().Add(time.Hour)}
	token, err := auth.EncryptSession(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := auth.DecryptSession(token)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rp, err := oidc.New(auth, oidc.Config[authsession.User]{ // no request until the first sign-in
		Providers: []oidc.Provider{{Name: "example", Issuer: "https://id.example.com", ClientID: "consumer"}},
		Store:     redisstore.NewOIDCStore(rdb, redisstore.OIDCOptions{Prefix: "consumer:oidc:"}),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("consumer: session of", out.User.ID, "round-trips; sign in at", rp.SignInPath("example", "/"))

	// pgstore links; New would connect, so only the pool is configured.
	if _, err := pgxpool.ParseConfig("postgres://app@127.0.0.1:1/app"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := pgstore.CreateTableSQL("sessions"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
GO

# consumer_go ARGS... runs go in the consumer module, cut off from the
# network and from this repository's workspace. GOMODCACHE is a fresh one,
# so our modules can only come from the proxy directory.
consumer_go() {
	(cd "$consumer_tmp/app" && env GOWORK=off GOFLAGS="-mod=mod -modcacherw -buildvcs=false" GOTOOLCHAIN=local \
		GOPROXY="file://$consumer_tmp/proxy,file://$(go env GOMODCACHE)/cache/download" \
		GOMODCACHE="$consumer_tmp/modcache" GONOSUMDB="$root_path" GOPRIVATE= GONOPROXY= \
		HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= no_proxy= \
		go "$@")
}
consumer_go mod init example.com/consumer
# The README's install commands.
consumer_go get "$root_path" "$store_path" "$pg_path" "$oidc_path"
consumer_go mod verify
for want in "$root_path $root_version" "$store_path $store_version" "$pg_path $pg_version" "$oidc_path $oidc_version"; do
	got=$(consumer_go list -m -f '{{.Path}} {{.Version}}' "${want% *}")
	[ "$got" = "$want" ] || { echo "consumer resolved $got, want $want"; exit 1; }
done
consumer_out=$(consumer_go run .)
echo "$consumer_out"
[ "$consumer_out" = "consumer: session of u_1 round-trips; sign in at /auth/signin/example?callbackUrl=%2F" ] || { echo "consumer program printed the wrong thing"; exit 1; }
