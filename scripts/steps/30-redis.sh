# The Redis store module: installs redis-server, starts a throw-away one on
# a free loopback port (no persistence) and runs redisstore's tests against
# it. The tests start and kill their own second server for the outage test.
apt_install redis-server
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"${TMPDIR:-/tmp}/authsession-redis-$REDIS_PORT.log" 2>&1 &
REDIS_PID=$!
on_exit "kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null"
for _ in $(seq 1 100); do
	redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
	sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping >/dev/null
export AUTHSESSION_REDIS_ADDR="127.0.0.1:$REDIS_PORT"
(cd redisstore && go vet ./... && go test -race -count=1 ./...)
