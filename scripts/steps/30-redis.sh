# The Redis store module against a real single server and a real Redis
# Cluster of three masters: installs redis-server, starts a throw-away
# server and cluster on free loopback ports (scripts/lib.sh) and runs
# redisstore's tests against both. The tests start, freeze (SIGSTOP) and
# kill their own extra server for the outage tests.
start_redis
start_redis_cluster
(cd redisstore && go vet ./... && go test -race -count=1 ./...)
