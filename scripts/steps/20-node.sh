# Node.js packages for the interoperability tests (formats_node_test.go):
# jose, @auth/core and next-auth@4, pinned by testdata/node/package-lock.json
# (testdata/node/.npmrc sets legacy-peer-deps: next, react and react-dom,
# next-auth's peers, are not needed to encode and decode tokens).
#
# 10-go.sh runs before this step, so on a fresh machine it skipped the
# TestNode tests (no node_modules, AUTHSESSION_NODE_INTEROP unset); they run
# here, where a missing package is a failure, with the race detector under
# GO_LATEST (the test binary 10-go.sh built).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi
(cd "$ROOT/testdata/node" && npm ci --no-audit --no-fund --loglevel=error)
export AUTHSESSION_NODE_INTEROP=1
(cd "$ROOT" && go_latest test -race -count=1 -run '^TestNode' .)
