# The Redis store module: installs redis-server, starts a throw-away one on
# a free loopback port (no persistence) and runs redisstore's tests against
# it. The tests start and kill their own second server for the outage test.
start_redis
(cd redisstore && go vet ./... && go test -race -count=1 ./...)
