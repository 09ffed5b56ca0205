package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// redisNode is a redis-server this test owns (a master, a replica or a
// cluster node), so it can freeze and kill it. No persistence: a node
// killed here is not started again.
type redisNode struct {
	port  int
	cmd   *exec.Cmd
	admin *redis.Client // a plain client to this node alone
}

// redisServer returns the redis-server binary, or skips (fails under
// AUTHSESSION_REQUIRE_SERVICES) when there is none.
func redisServer(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "redis-server", "apt-get install redis-server")
	}
	return bin
}

// freeNodePort returns a free loopback port P whose cluster bus port
// P+10000 is free too.
func freeNodePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		if bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000)); err == nil {
			bus.Close()
			return p
		}
	}
	t.Fatal("no free port pair for a Redis node")
	return 0
}

// startNode starts redis-server with args on a free loopback port, in its
// own directory, and waits until it answers. It is killed when the test
// ends.
func startNode(t testing.TB, bin string, args ...string) *redisNode {
	t.Helper()
	n := &redisNode{port: freeNodePort(t)}
	all := append([]string{"--port", strconv.Itoa(n.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--daemonize", "no", "--repl-diskless-sync-delay", "0"}, args...)
	n.cmd = exec.Command(bin, all...)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.kill)
	n.admin = redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
	t.Cleanup(func() { n.admin.Close() })
	waitFor(t, 10*time.Second, "redis-server on "+n.addr()+" to answer", func() bool {
		return n.admin.Ping(context.Background()).Err() == nil
	})
	return n
}

func (n *redisNode) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

// kill kills the node as a crash would (SIGKILL), and reaps it.
func (n *redisNode) kill() {
	if n.cmd.ProcessState != nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGCONT)
	n.cmd.Process.Kill()
	n.cmd.Wait()
}

// freeze stops the node (SIGSTOP): its connections stay open, it reads
// and answers nothing. thaw resumes it; so does the end of the test.
func (n *redisNode) freeze(t testing.TB) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.cmd.Process.Signal(syscall.SIGCONT) })
}

func (n *redisNode) thaw(t testing.TB) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// info returns the fields of an INFO section of the node.
func (n *redisNode) info(section string) map[string]string {
	s, err := n.admin.Info(context.Background(), section).Result()
	m := map[string]string{}
	if err != nil {
		return m
	}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// replicasOnline returns how many replicas of the node are connected and
// in sync (INFO replication: slaveN:…,state=online,…).
func (n *redisNode) replicasOnline() int {
	online := 0
	for k, v := range n.info("replication") {
		if strings.HasPrefix(k, "slave") && strings.Contains(v, "state=online") {
			online++
		}
	}
	return online
}

// replicaBufferBytes returns the bytes the node holds in its replicas'
// output buffers: replication data it has answered for that no replica
// has received yet (CLIENT LIST TYPE replica, omem).
func (n *redisNode) replicaBufferBytes() int {
	s, err := n.admin.Do(context.Background(), "CLIENT", "LIST", "TYPE", "replica").Text()
	if err != nil {
		return 0
	}
	total := 0
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "omem="); ok {
			b, _ := strconv.Atoi(v)
			total += b
		}
	}
	return total
}

// waitFor polls cond (a state of the Redis processes, not of this test's
// goroutines) every 20 ms until it holds, failing the test after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// masterWithReplica starts a master and a replica of it, and waits until
// the replica is in sync.
func masterWithReplica(t testing.TB) (master, replica *redisNode) {
	t.Helper()
	bin := redisServer(t)
	master = startNode(t, bin)
	replica = startNode(t, bin, "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	waitFor(t, 10*time.Second, "the replica to sync", func() bool { return master.replicasOnline() == 1 })
	return master, replica
}

// nodeID returns the node's cluster id.
func (n *redisNode) nodeID(t testing.TB) string {
	t.Helper()
	id, err := n.admin.Do(context.Background(), "CLUSTER", "MYID").Text()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// clusterOK reports whether the node says cluster_state:ok.
func (n *redisNode) clusterOK() bool {
	s, err := n.admin.ClusterInfo(context.Background()).Result()
	return err == nil && strings.Contains(s, "cluster_state:ok")
}

// isMaster reports whether the node is a master now (ROLE).
func (n *redisNode) isMaster() bool {
	role, err := n.admin.Do(context.Background(), "ROLE").Slice()
	return err == nil && len(role) > 0 && role[0] == "master"
}

// replicaCluster is a Redis Cluster of three masters, each with one
// replica, started by the test.
type replicaCluster struct {
	masters, replicas []*redisNode
	nodeTimeout       time.Duration
}

// startReplicaCluster starts three masters (slots split in three) and a
// replica of each, with a short cluster-node-timeout, and waits until
// every node says cluster_state:ok and every replica is in sync.
func startReplicaCluster(t testing.TB, nodeTimeout time.Duration) *replicaCluster {
	t.Helper()
	bin := redisServer(t)
	c := &replicaCluster{nodeTimeout: nodeTimeout}
	args := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.Itoa(int(nodeTimeout.Milliseconds()))}
	for i := range 6 {
		n := startNode(t, bin, args...)
		if i < 3 {
			c.masters = append(c.masters, n)
		} else {
			c.replicas = append(c.replicas, n)
		}
	}
	ctx := context.Background()
	all := c.nodes()
	for i, m := range c.masters {
		from, to := i*16384/3, (i+1)*16384/3-1
		if err := m.admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", from, to).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range all[1:] {
		if err := all[0].admin.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(n.port)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "every node to know the others", func() bool {
		for _, n := range all {
			s, err := n.admin.ClusterNodes(ctx).Result()
			if err != nil || strings.Count(strings.TrimSpace(s), "\n")+1 != len(all) {
				return false
			}
		}
		return true
	})
	for i, r := range c.replicas {
		if err := r.admin.Do(ctx, "CLUSTER", "REPLICATE", c.masters[i].nodeID(t)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "cluster_state:ok and every replica in sync", func() bool {
		for _, n := range all {
			if !n.clusterOK() {
				return false
			}
		}
		for _, m := range c.masters {
			if m.replicasOnline() != 1 {
				return false
			}
		}
		return true
	})
	return c
}

func (c *replicaCluster) nodes() []*redisNode {
	return append(append([]*redisNode(nil), c.masters...), c.replicas...)
}

// addrs lists the running nodes' addresses, for a ClusterClient.
func (c *replicaCluster) addrs() []string {
	var out []string
	for _, n := range c.nodes() {
		if n.cmd.ProcessState == nil {
			out = append(out, n.addr())
		}
	}
	return out
}

// masterOfSlot returns the index of the master that owned slot at the
// start (startReplicaCluster's split).
func masterOfSlot(slot int) int {
	for i := 2; i > 0; i-- {
		if slot >= i*16384/3 {
			return i
		}
	}
	return 0
}

func (c *replicaCluster) String() string {
	return fmt.Sprintf("3 masters + 3 replicas, cluster-node-timeout %v", c.nodeTimeout)
}

// keySlot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of its
// hash tag (the part between the first "{" and the next "}", when not
// empty) or of the whole key, modulo 16384.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}
