# Helpers sourced by scripts/test and its steps. Bash only.

# apt_install PKG... installs the Debian packages that are missing, running
# apt-get update once per run.
apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	if [ -z "${AUTHSESSION_APT_UPDATED:-}" ]; then
		$sudo apt-get update -qq
		export AUTHSESSION_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# on_exit CMD registers a cleanup command, run in reverse order on exit.
AUTHSESSION_CLEANUP=()
on_exit() { AUTHSESSION_CLEANUP+=("$1"); }
run_cleanup() {
	local i
	for ((i = ${#AUTHSESSION_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${AUTHSESSION_CLEANUP[$i]}" || true
	done
}

# free_port prints a free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

section() { printf '\n==> %s\n' "$*"; }

# start_redis makes sure AUTHSESSION_REDIS_ADDR names a running Redis: when
# it is unset, installs redis-server and starts a throw-away one on a free
# loopback port (no persistence), stopped on exit.
start_redis() {
	[ -n "${AUTHSESSION_REDIS_ADDR:-}" ] && return 0
	apt_install redis-server
	local port pid
	port=$(free_port)
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"${TMPDIR:-/tmp}/authsession-redis-$port.log" 2>&1 &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for _ in $(seq 1 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -p "$port" ping >/dev/null
	export AUTHSESSION_REDIS_ADDR="127.0.0.1:$port"
}

# repo_modules prints the directory of every Go module in the repository
# (absolute, sorted): each holds a go.mod outside node_modules, testdata and
# .git. Every step that loops over modules uses it, and 05-gates.sh checks
# that go.work lists exactly these.
repo_modules() {
	find "$ROOT" -name go.mod -not -path '*/node_modules/*' -not -path '*/testdata/*' -not -path '*/.git/*' -printf '%h\n' | sort
}

# Go toolchains. The installed one (GOTOOLCHAIN=local) runs the static
# gates, a plain test run of every module, the benchmarks' smoke run and
# the consumer build; GO_LATEST, the newest approved release, runs the race
# suites, fuzzing and the strict govulncheck. The go command fetches it
# through the module proxy on first use (about 70 MB, cached in the module
# cache).
GO_LATEST="${AUTHSESSION_GO_LATEST:-go1.27.3}"

# go_latest ARGS... runs `go ARGS` under GO_LATEST.
go_latest() { GOTOOLCHAIN="$GO_LATEST" go "$@"; }

# go_test_both ARGS... runs `go test ARGS` under the installed toolchain,
# then `go test -race ARGS` under GO_LATEST, both uncached.
go_test_both() {
	echo "go test $* ($(go env GOVERSION))"
	go test -count=1 "$@"
	echo "go test -race $* ($GO_LATEST)"
	go_latest test -race -count=1 "$@"
}

# install_tool PKG VERSION [GOBIN] installs a Go command built by the go
# command of the current GOTOOLCHAIN into GOBIN (default: GOPATH/bin),
# unless that version built by that toolchain is already there. Tools that
# load code (govulncheck) must be built by the toolchain whose code they
# read, hence a GOBIN per toolchain.
install_tool() {
	local pkg=$1 version=$2 gobin=${3:-$(go env GOPATH)/bin} bin goversion
	bin="$gobin/$(basename "$pkg")"
	goversion=$(go env GOVERSION)
	if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | awk -v v="$version" -v g="$goversion" '
		NR == 1 && $2 == g { tc = 1 } $1 == "mod" && $3 == v { mv = 1 } END { exit !(tc && mv) }'; then
		return 0
	fi
	echo "installing $pkg@$version with $goversion into $gobin"
	mkdir -p "$gobin"
	GOFLAGS= GOBIN="$gobin" go install "$pkg@$version"
}

# build_vulndb DIR builds a govulncheck file:// database in DIR from the
# OSV JSON files of golang.org/x/vulndb@latest (this machine reaches the Go
# module proxy, not vuln.go.dev), unless DIR already holds that version.
build_vulndb() {
	local out=$1 json src version
	json=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= GOTOOLCHAIN=local timeout 120 go mod download -json golang.org/x/vulndb@latest) || return 1
	src=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') || return 1
	version=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Version"])') || return 1
	[ -d "$src/data/osv" ] || { echo "golang.org/x/vulndb@$version has no data/osv"; return 1; }
	if [ -f "$out/version" ] && [ "$(cat "$out/version")" = "$version" ]; then
		echo "vulnerability database: golang.org/x/vulndb@$version (cached in $out)"
		return 0
	fi
	rm -rf "$out.tmp" && mkdir -p "$out.tmp"
	python3 - "$src/data/osv" "$out.tmp" <<'PY' || return 1
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "index"))
os.makedirs(os.path.join(out, "ID"))
modules, vulns, latest = {}, [], "0001-01-01T00:00:00Z"
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(src, name), "rb") as f:
        raw = f.read()
    e = json.loads(raw)
    modified = e.get("modified", "0001-01-01T00:00:00Z")
    latest = max(latest, modified)
    vulns.append({"id": e["id"], "modified": modified, "aliases": e.get("aliases", [])})
    for a in e.get("affected", []):
        path = a["package"]["name"]
        # "fixed" is an optional hint that lets govulncheck skip entries;
        # leaving it out makes govulncheck read every entry of a module
        # and check the ranges itself, which is always correct.
        modules.setdefault(path, []).append({"id": e["id"], "modified": modified})
    with open(os.path.join(out, "ID", e["id"] + ".json"), "wb") as f:
        f.write(raw)
def dump(name, v):
    with open(os.path.join(out, "index", name), "w") as f:
        json.dump(v, f, separators=(",", ":"))
dump("db.json", {"modified": latest})
dump("modules.json", [{"path": p, "vulns": modules[p]} for p in sorted(modules)])
dump("vulns.json", vulns)
print("vulnerability database: %d entries, %d modules" % (len(vulns), len(modules)))
PY
	echo "$version" > "$out.tmp/version"
	rm -rf "$out" && mv "$out.tmp" "$out"
	echo "vulnerability database: built from golang.org/x/vulndb@$version"
}

# find_vulndb sets and exports AUTHSESSION_VULNDB_URL: the local database
# of build_vulndb, else https://vuln.go.dev if it answers, else "" (and
# govulncheck_modules fails).
find_vulndb() {
	[ -n "${AUTHSESSION_VULNDB_URL:-}" ] && return 0
	local dir="${AUTHSESSION_VULNDB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/authsession/vulndb}"
	AUTHSESSION_VULNDB_URL=""
	if build_vulndb "$dir"; then
		AUTHSESSION_VULNDB_URL="file://$dir"
	elif timeout 10 curl -fsS -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then
		AUTHSESSION_VULNDB_URL="https://vuln.go.dev"
	fi
	export AUTHSESSION_VULNDB_URL
}

# vuln_report reads govulncheck -format json on stdin and prints the
# findings that our code reaches (a trace with a function); its exit status
# is 1 when there is one, in a third-party module or the standard library.
vuln_report() {
	python3 -c '
import json, sys
dec, s, i, msgs = json.JSONDecoder(), sys.stdin.read(), 0, []
while i < len(s):
    while i < len(s) and s[i].isspace():
        i += 1
    if i >= len(s):
        break
    o, i = dec.raw_decode(s, i)
    msgs.append(o)
osv = {o["osv"]["id"]: o["osv"] for o in msgs if "osv" in o}
seen = set()
for o in msgs:
    f = o.get("finding")
    if not f or not f.get("trace") or "function" not in f["trace"][0]:
        continue  # imported or required but never called
    mod = f["trace"][0].get("module", "?")
    key = (f["osv"], mod)
    if key in seen:
        continue
    seen.add(key)
    print("FAIL %s in %s@%s (fixed in %s): %s" % (f["osv"], mod,
          f["trace"][0].get("version", "?"), f.get("fixed_version", "none"),
          osv.get(f["osv"], {}).get("summary", "")))
sys.exit(1 if seen else 0)
'
}

# govulncheck_modules BIN runs the govulncheck binary BIN in every module
# against AUTHSESSION_VULNDB_URL, under the current GOTOOLCHAIN (whose
# standard library it checks), and fails on any finding the code reaches.
# Without a database it says loudly that the scan could not run, and fails.
govulncheck_modules() {
	local bin=$1 mod json failed=0 goversion
	goversion=$(go env GOVERSION)
	find_vulndb
	if [ -z "$AUTHSESSION_VULNDB_URL" ]; then
		echo "############################################################"
		echo "# govulncheck could not run: no vulnerability database     #"
		echo "# (golang.org/x/vulndb via the proxy and vuln.go.dev both  #"
		echo "# failed)                                                  #"
		echo "############################################################"
		return 1
	fi
	while IFS= read -r mod; do
		echo "govulncheck .${mod#"$ROOT"} ($goversion) against $AUTHSESSION_VULNDB_URL"
		json=$(cd "$mod" && timeout 300 "$bin" -db "$AUTHSESSION_VULNDB_URL" -format json ./...) || {
			echo "govulncheck failed to run in $mod"; return 1
		}
		printf '%s' "$json" | vuln_report || failed=1
	done < <(repo_modules)
	if [ "$failed" -ne 0 ]; then
		echo "govulncheck ($goversion): vulnerable code reached"
		return 1
	fi
	echo "govulncheck ($goversion): no vulnerable code reached"
}

# scratch_dir NAME creates and prints a temporary directory, in memory
# (/dev/shm) when possible: Redis's fsyncs and the demos' logs then don't
# wait on a disk shared with other work, which would measure the disk, not
# the code.
scratch_dir() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		mktemp -d "/dev/shm/$1.XXXXXX"
	else
		mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX"
	fi
}

# start_redis_cluster makes sure AUTHSESSION_REDIS_CLUSTER_ADDRS names a
# running Redis Cluster (comma-separated host:port of its masters): when it
# is unset, installs redis-server and starts three masters, no replicas, on
# free loopback ports, each in its own directory under
# AUTHSESSION_REDIS_CLUSTER_DIR (nodes.conf and an append-only file fsynced
# on every write, so a master restarted there keeps its slots and its
# data), joins them with redis-cli --cluster create and waits for
# cluster_state:ok. Stopped on exit. The directories are in memory when
# possible (scratch_dir).
start_redis_cluster() {
	[ -n "${AUTHSESSION_REDIS_CLUSTER_ADDRS:-}" ] && return 0
	apt_install redis-server
	local dir port addrs=()
	dir=$(scratch_dir authsession-cluster)
	on_exit "redis_cluster_stop '$dir'"
	for _ in 1 2 3; do
		port=$(free_cluster_port)
		redis_node_start "$dir" "$port"
		addrs+=("127.0.0.1:$port")
	done
	if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1; then
		cat "$dir/create.log" >&2
		return 1
	fi
	redis_cluster_wait_ok "$dir"
	export AUTHSESSION_REDIS_CLUSTER_DIR=$dir
	AUTHSESSION_REDIS_CLUSTER_ADDRS=$(IFS=,; echo "${addrs[*]}")
	export AUTHSESSION_REDIS_CLUSTER_ADDRS
	echo "Redis Cluster: $AUTHSESSION_REDIS_CLUSTER_ADDRS"
}

# free_cluster_port prints a free loopback port P for a Redis Cluster node:
# P and its cluster bus port P+10000 are both free (so P <= 55535).
free_cluster_port() {
	python3 -c '
import random, socket
for _ in range(1000):
    p = random.randint(20000, 55535)
    socks = []
    try:
        for q in (p, p + 10000):
            s = socket.socket(); socks.append(s); s.bind(("127.0.0.1", q))
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(p); break
'
}

# redis_node_start DIR PORT starts the cluster node of PORT in DIR/PORT
# (again, after redis_node_kill: same nodes.conf, same data) and waits
# until it answers.
redis_node_start() {
	local dir=$1 port=$2 i
	mkdir -p "$dir/$port"
	(cd "$dir/$port" && exec redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
		--cluster-config-file nodes.conf --cluster-node-timeout 2000 \
		--appendonly yes --appendfsync always --save '' --daemonize no) >>"$dir/$port/log" 2>&1 &
	echo $! >"$dir/$port/pid"
	disown $! # killed on purpose by the fault tests: no "Killed" job notices
	for i in $(seq 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "redis cluster node on port $port did not start:" >&2
	cat "$dir/$port/log" >&2
	return 1
}

# redis_node_kill DIR PORT kills a cluster node with SIGKILL, as a crash
# would, and waits until its port refuses connections.
redis_node_kill() {
	local dir=$1 port=$2 i pid
	pid=$(cat "$dir/$port/pid")
	kill -CONT "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true # reaps it when this shell started it
	for i in $(seq 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}

# redis_cluster_wait_ok DIR waits up to 30 s until every node in DIR says
# cluster_state:ok.
redis_cluster_wait_ok() {
	local dir=$1 i node ok
	for i in $(seq 300); do
		ok=1
		for node in "$dir"/*/pid; do
			node=$(basename "$(dirname "$node")")
			redis-cli -p "$node" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	echo "Redis Cluster in $dir: cluster_state is not ok after 30 s" >&2
	return 1
}

# redis_cluster_stop DIR stops every node of the cluster in DIR and
# removes DIR.
redis_cluster_stop() {
	local dir=$1 pid
	for pid in "$dir"/*/pid; do
		[ -f "$pid" ] || continue
		kill -CONT "$(cat "$pid")" 2>/dev/null || true
		kill "$(cat "$pid")" 2>/dev/null || true
	done
	sleep 0.2
	rm -rf "$dir"
}

# start_postgres makes sure AUTHSESSION_POSTGRES_URL names a running
# PostgreSQL: when it is unset, installs Debian's postgresql and starts a
# throw-away server of the newest installed major version on a free
# loopback port, stopped on exit. Its data directory is a new temporary
# directory; durability is off (fsync, synchronous_commit,
# full_page_writes), since nothing in it outlives the run. PostgreSQL
# refuses to run as root, so under root the server runs as the package's
# postgres user. The URL names a superuser with trust authentication over
# TCP on 127.0.0.1 only; no Unix socket is created.
start_postgres() {
	[ -n "${AUTHSESSION_POSTGRES_URL:-}" ] && return 0
	apt_install postgresql
	local bindir dir port as=()
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$bindir/initdb" ] || { echo "start_postgres: no PostgreSQL server in /usr/lib/postgresql/*/bin" >&2; return 1; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/authsession-postgres.XXXXXX")
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		as=(runuser -u postgres --)
	fi
	on_exit "postgres_stop '$dir' ${as[*]}"
	port=$(free_port)
	if ! "${as[@]}" "$bindir/initdb" -D "$dir/data" -U authsession -A trust -E UTF8 --locale=C --no-sync \
		>"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		return 1
	fi
	if ! "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null; then
		cat "$dir/server.log" >&2
		return 1
	fi
	echo "$bindir" >"$dir/bindir"
	export AUTHSESSION_POSTGRES_URL="postgres://authsession@127.0.0.1:$port/postgres?sslmode=disable"
	echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'): $AUTHSESSION_POSTGRES_URL"
}

# postgres_stop DIR [RUNNER...] stops the server of start_postgres in DIR
# at once (immediate mode: its data is thrown away, so no checkpoint) and
# removes DIR. RUNNER runs pg_ctl as the server's user.
postgres_stop() {
	local dir=$1
	shift
	if [ -f "$dir/bindir" ]; then
		"$@" "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
