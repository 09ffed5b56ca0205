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
