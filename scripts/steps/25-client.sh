# The browser client's unit tests (client/test/*.test.mjs), with Node's
# built-in test runner and hand-written fakes: no npm packages. Among them:
# every duration option driven with huge, tiny and nonsense values
# (intervals.test.mjs: at most one request a second), and the size limits
# of the client and the React package, 500 lines per file and 80 per
# function (sizes.test.mjs). Needs Node.js 18.19 or later. The Go side
# (serving client.js) is tested by 10-go.sh.
if ! command -v node >/dev/null 2>&1; then
	apt_install nodejs
fi
node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 18 || (a === 18 && b < 19)) { console.error("node " + process.version + " is too old for client/test (need 18.19+)"); process.exit(1); }'
node --test client/test/
