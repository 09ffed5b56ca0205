# The oidc module (Sign in with OpenID Connect) against a real provider:
# zitadel's example OpenID provider, built once by `go install` into the Go
# build cache's directory and reused while its version and the toolchain
# stay the same; Redis and Redis Cluster (those of 30-redis.sh when it ran,
# else throw-away ones). First the module's Go tests under both toolchains
# (go_test_both, lib.sh): the unit tests against an in-memory fake
# provider, the Redis store's conformance, and the tests against the real
# provider (sign-in through its login form, rotation, 50 concurrent
# requests over two instances on one Redis making one refresh grant). Then
# the module's example and the demo's "Sign in with OpenID Connect" in
# headless Chromium (oidc/e2e, playwright-core): sign in on the provider's
# page, refresh, sign out through the provider. Screenshots go to
# artifacts/.
OIDC_PROVIDER_PKG=github.com/zitadel/oidc/v3/example/server
OIDC_PROVIDER_VERSION=v3.52.0

start_redis
start_redis_cluster

section "oidc: zitadel's example OpenID provider $OIDC_PROVIDER_VERSION"
oidc_tmp=$(mktemp -d)
on_exit "rm -rf '$oidc_tmp'"
oidc_bin="$(go env GOCACHE)/authsession-tools"
install_tool "$OIDC_PROVIDER_PKG" "$OIDC_PROVIDER_VERSION" "$oidc_bin"
oidc_op_port=$(free_port)
oidc_app_port=$(free_port)
oidc_demo_port=$(free_port)
# The redirect URIs the provider accepts for its client "web": the Go
# tests' in-memory application, the example and the demo on their ports.
PORT=$oidc_op_port REDIRECT_URI="https://app0.test/auth/callback,http://127.0.0.1:$oidc_app_port/auth/callback,http://127.0.0.1:$oidc_demo_port/auth/callback" \
	"$oidc_bin/server" >"$oidc_tmp/provider.log" 2>&1 &
oidc_op_pid=$!
on_exit "kill $oidc_op_pid 2>/dev/null; wait $oidc_op_pid 2>/dev/null"
export AUTHSESSION_OIDC_ISSUER="http://localhost:$oidc_op_port/"
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "${AUTHSESSION_OIDC_ISSUER}.well-known/openid-configuration" 2>/dev/null && break
	kill -0 "$oidc_op_pid" 2>/dev/null || break
	sleep 0.1
done
if ! curl -fsS -o /dev/null "${AUTHSESSION_OIDC_ISSUER}.well-known/openid-configuration"; then
	echo "the provider did not start:" >&2
	cat "$oidc_tmp/provider.log" >&2
	exit 1
fi
echo "provider: $AUTHSESSION_OIDC_ISSUER"

section "oidc module: tests"
(cd "$ROOT/oidc" && go_test_both ./...)

section "oidc: the example and the demo in headless Chromium"
apt_install chromium
if ! command -v node >/dev/null 2>&1; then
	apt_install nodejs npm
fi
(cd "$ROOT/oidc/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
go build -C "$ROOT/oidc" -o "$oidc_tmp/example" ./example
go build -C "$ROOT/examples/demo" -o "$oidc_tmp/demo" .

# oidc_start NAME PORT ENV=VALUE... starts $oidc_tmp/NAME on 127.0.0.1:PORT
# with the provider's client and waits until it listens.
oidc_start() {
	local name=$1 port=$2 pid
	shift 2
	env -u REDIS_URL -u REDIS_CLUSTER_ADDRS -u SESSION_STORE -u COOKIE_SECURE "$@" ADDR="127.0.0.1:$port" SESSION_SECRET="e2e-only-secret-0123456789abcdefghijklmn" \
		OIDC_ISSUER="$AUTHSESSION_OIDC_ISSUER" OIDC_CLIENT_ID=web OIDC_CLIENT_SECRET=secret \
		"$oidc_tmp/$name" >"$oidc_tmp/$name.log" 2>&1 &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "$name did not start:" >&2
	cat "$oidc_tmp/$name.log" >&2
	return 1
}
# The example refreshes on every dashboard visit (a margin longer than the
# provider's five-minute tokens); the demo keeps a memory store.
oidc_start example "$oidc_app_port" OIDC_REFRESH_MARGIN=10m
oidc_start demo "$oidc_demo_port" SESSION_STORE=memory
export AUTHSESSION_OIDC_APP_URL="http://127.0.0.1:$oidc_app_port"
export AUTHSESSION_OIDC_DEMO_URL="http://127.0.0.1:$oidc_demo_port"
if ! AUTHSESSION_ARTIFACTS="$ROOT/artifacts" timeout 180 node --test "$ROOT/oidc/e2e/"; then
	echo "--- example, demo and provider logs" >&2
	cat "$oidc_tmp/example.log" "$oidc_tmp/demo.log" "$oidc_tmp/provider.log" >&2
	exit 1
fi
