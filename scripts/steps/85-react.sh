# The React bindings (client/react, the npm package @authsession/react) and
# the React single-page app example (examples/react-spa): the package's
# hook tests (vitest, React in jsdom: next-auth-session's README snippets
# rendered, every duration prop driven with bad values) and strict tsc over
# its declarations and those snippets (test/types/seed.tsx);
# the example's Go vet and tests, strict tsc and Vite build; then the built
# app behind its Go server, driven in headless Debian Chromium by
# playwright-core from e2e/ (80-e2e.sh installed it; installed here when
# this step runs alone). A screenshot of the dashboard goes to artifacts/.
section "react: set-up"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi
node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19)) { console.error("the React step needs Node.js 20.19 or later (Vite 8), found " + process.version); process.exit(1); }'
apt_install chromium
react_npm_ci() { (cd "$1" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund --loglevel=error); }
react_npm_ci "$ROOT/client/react"
react_npm_ci "$ROOT/examples/react-spa/web"
[ -d "$ROOT/e2e/node_modules/playwright-core" ] || react_npm_ci "$ROOT/e2e"

section "react: @authsession/react (vitest, tsc --noEmit)"
(cd "$ROOT/client/react" && npm test --silent && npx --no-install tsc -p tsconfig.json)

section "react: examples/react-spa (Go tests, tsc --noEmit, vite build)"
# Vetted by 05-gates.sh; tested under both toolchains (go_test_both, lib.sh).
(cd "$ROOT/examples/react-spa" && go_test_both ./...)
(cd "$ROOT/examples/react-spa/web" && npm run --silent build)

section "react: the SPA in headless Chromium"
react_tmp=$(mktemp -d)
on_exit "rm -rf '$react_tmp'"
go build -C "$ROOT/examples/react-spa" -o "$react_tmp/react-spa" .
react_port=$(free_port)
ADDR="127.0.0.1:$react_port" SESSION_SECRET="e2e-only-secret-0123456789abcdefghijklmn" STATIC_DIR="$ROOT/examples/react-spa/web/dist" \
	"$react_tmp/react-spa" >"$react_tmp/server.log" 2>&1 &
react_pid=$!
on_exit "kill $react_pid 2>/dev/null; wait $react_pid 2>/dev/null"
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$react_port") 2>/dev/null && break
	kill -0 "$react_pid" 2>/dev/null || break
	sleep 0.1
done
mkdir -p "$ROOT/artifacts"
if ! AUTHSESSION_REACT_SPA_URL="http://127.0.0.1:$react_port" AUTHSESSION_ARTIFACTS="$ROOT/artifacts" \
	timeout 300 node --test "$ROOT/examples/react-spa/e2e/"; then
	echo "--- react-spa server log" >&2
	cat "$react_tmp/server.log" >&2
	exit 1
fi
kill "$react_pid" 2>/dev/null || true
wait "$react_pid" 2>/dev/null || true
