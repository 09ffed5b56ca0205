# The demo (examples/demo, its own Go module) and the end-to-end browser
# tests (e2e/): the demo's vet and unit tests, then two demo servers on
# 127.0.0.1 (stateless; and SESSION_STORE=memory with a Secure cookie) driven by headless Debian
# Chromium through playwright-core (no downloaded browser). Screenshots go
# to artifacts/.
section "demo module: tests"
# The demo's Redis tests use the server and cluster of 30-redis.sh when it
# ran, else their own throw-away ones. Vetted by 05-gates.sh; tested under
# both toolchains (go_test_both, lib.sh).
start_redis
start_redis_cluster
(cd "$ROOT/examples/demo" && go_test_both ./...)

section "e2e: set-up"
apt_install chromium
if ! command -v node >/dev/null 2>&1; then
	apt_install nodejs npm
fi
node -e 'if (Number(process.versions.node.split(".")[0]) < 20) { console.error("e2e needs Node.js 20 or later (playwright-core), found " + process.version); process.exit(1); }'
(cd "$ROOT/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

e2e_tmp=$(mktemp -d)
on_exit "rm -rf '$e2e_tmp'"
go build -C "$ROOT/examples/demo" -o "$e2e_tmp/demo" .
mkdir -p "$ROOT/artifacts"

# e2e_start NAME [ENV=VALUE...] starts the demo on a free port, waits until
# it listens, and sets e2e_url to its base URL. (Not in a command
# substitution: on_exit must be registered in this shell.) Every browser
# signs in from 127.0.0.1, more often than the demo's default sign-in
# limit per address allows (10 a minute): the limit is raised, not off.
e2e_start() {
	local name=$1 port pid i
	shift
	port=$(free_port)
	env -u REDIS_URL -u SESSION_STORE -u COOKIE_SECURE SIGNIN_LIMIT=1000/1m "$@" ADDR="127.0.0.1:$port" SESSION_SECRET="e2e-only-secret-0123456789abcdefghijklmn" \
		"$e2e_tmp/demo" >"$e2e_tmp/$name.log" 2>&1 &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			e2e_url="http://127.0.0.1:$port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo ($name) did not start:" >&2
	cat "$e2e_tmp/$name.log" >&2
	return 1
}

section "e2e: headless Chromium"
e2e_start stateless
AUTHSESSION_DEMO_URL=$e2e_url
# Chromium treats http://127.0.0.1 as a secure context and keeps Secure
# cookies there: the second server runs with the production default.
e2e_start memory SESSION_STORE=memory COOKIE_SECURE=1
AUTHSESSION_DEMO_STORE_URL=$e2e_url
export AUTHSESSION_DEMO_URL AUTHSESSION_DEMO_STORE_URL
export AUTHSESSION_ARTIFACTS="$ROOT/artifacts"
if ! timeout 300 node --test e2e/; then
	echo "--- demo logs" >&2
	cat "$e2e_tmp"/*.log >&2
	exit 1
fi

section "docs/http-api.md: the curl example against the demo"
# The "## curl" block of docs/http-api.md, run against the stateless demo: its
# outputs must be what the demo prints.
"$ROOT/scripts/docs-curl" "$AUTHSESSION_DEMO_URL"
