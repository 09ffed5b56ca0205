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
