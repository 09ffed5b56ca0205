package redisstore_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession/redisstore"
)

// TestClusterFailover kills a master of a Redis Cluster with replicas
// (3 masters + 3 replicas, cluster-node-timeout 1 s) under load from two
// application instances, and its replica takes over. Throughout, every
// request fails closed: a read while the slots are down is "no session",
// a sign-in or logout the store cannot take is 503, nothing else, never a
// panic; and no logged-out cookie is ever served again, on any instance.
// Afterwards a fresh instance checks every logout: none that was
// acknowledged (200) is lost, and every one answered 503 (pending) has
// landed. Once the cluster is ok again, the instances find the new master
// at once (few 503s after the failover).
//
// The scenarios kill each master in turn. "replica in sync" is the plain
// crash. "replica behind" first freezes the replica and writes to its
// master until the master holds replication data no replica has (a
// replica that has fallen behind: a partition, a saturated link), then
// logs out 40 sessions kept on that master, then kills it: the master has
// answered for revocations its successor will never get. With the default
// WaitReplicas those logouts answer 503 instead and land after the
// failover; the same scenario with NoWait shows the loss that waiting
// prevents (the test fails if nothing is lost there: it would no longer
// show anything). RELIABILITY.md has the numbers of a run.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster and fails three masters over (about 20 s)")
	}
	c := startReplicaCluster(t, time.Second)
	t.Logf("Redis Cluster: %v", c)
	for _, sc := range []failoverScenario{
		{name: "replica in sync", master: 0},
		{name: "replica behind, NoWait", master: 1, behind: true, noWait: true},
		{name: "replica behind", master: 2, behind: true},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, c) })
	}
}

// failoverScenario is one master's failover.
type failoverScenario struct {
	name   string
	master int  // the master killed (its replica takes over)
	behind bool // replication falls behind first
	noWait bool // the stores use WaitReplicas: NoWait
}

const (
	failoverWorkers  = 8
	failoverLoad     = 1000 // acknowledged logouts before the kill, sign-ins after the recovery
	failoverTargeted = 40   // logouts on the master while its replica is behind
)

// awaitLoad waits until the load has done what done stands for.
func awaitLoad(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%d %s: not done within a minute", failoverLoad, what)
	}
}

func (sc failoverScenario) run(t *testing.T, c *replicaCluster) {
	pfx := prefix(t)
	so := redisstore.Options{}
	if sc.noWait {
		so.WaitReplicas = redisstore.NoWait
	}
	ins := []*instance{newInstance(t, c.addrs(), pfx, so), newInstance(t, c.addrs(), pfx, so)}
	master, replica := c.masters[sc.master], c.replicas[sc.master]
	slotOf := func(user string) int { return keySlot("{" + ownerOf(user) + "}") }
	targets := signInOnMaster(t, ins[0], sc.master, slotOf)

	ty := newTally()
	stop := runLoad(t, failoverWorkers, ins, ty)
	awaitLoad(t, ty.reached(before, "logout", outOK, failoverLoad), "logouts before the fault")
	var targeted []logout
	buffered := 0
	if sc.behind {
		replica.freeze(t)
		fillReplicationBuffer(t, master, sc.master)
		targeted = logOutAll(ins[0], targets, ty)
		buffered = master.replicaBufferBytes()
	}
	killed := time.Now()
	ty.mark(0, killed)
	master.kill()
	if sc.behind {
		replica.thaw(t)
	}
	waitFor(t, 30*time.Second, "the replica to take over", func() bool { return replica.isMaster() && c.ok() })
	recovered := time.Now()
	ty.mark(1, recovered)
	awaitLoad(t, ty.reached(after, "sign-in", outOK, failoverLoad), "sign-ins after the failover")
	stop()
	closeAll(ins)
	sc.check(t, c, pfx, ty, targeted, slotOf, buffered, recovered.Sub(killed))
}

// check verifies a scenario's outcome and logs its numbers.
func (sc failoverScenario) check(t *testing.T, c *replicaCluster, pfx string, ty *tally, targeted []logout,
	slotOf func(string) int, buffered int, failover time.Duration) {
	var acked, pending []logout
	onMaster := 0
	for _, l := range ty.logouts {
		if !l.acked {
			pending = append(pending, l)
			continue
		}
		acked = append(acked, l)
		if masterOfSlot(slotOf(l.user)) == sc.master {
			onMaster++
		}
	}
	lost := stillServed(t, c.addrs(), pfx, acked)
	notLanded := stillServed(t, c.addrs(), pfx, pending)
	ackedTargets := 0
	for _, l := range targeted {
		if l.acked {
			ackedTargets++
		}
	}
	t.Logf("failover of master %d: %v from the kill until every node says cluster_state:ok (the replica a master); first sign-in %v after that",
		sc.master, failover.Round(time.Millisecond), ty.first.Sub(ty.marks[1]).Round(time.Millisecond))
	t.Logf("requests: %d; during the failover %d: %d answered 503, %d reads \"no session\"; 503s before it %d, after it %d; by outcome:%v",
		ty.count(-1, "", ""), ty.count(during, "", ""), ty.count(during, "", outDown),
		ty.count(during, "read", outNone)+ty.count(during, "replay", outNone), ty.count(before, "", outDown), ty.count(after, "", outDown), ty)
	t.Logf("logouts: %d acknowledged (%d on the failed master's slots), %d answered 503; targeted while the replica was behind: %d, %d of them acknowledged (%d bytes of replication data no replica had at the kill)",
		len(acked), onMaster, len(pending), len(targeted), ackedTargets, buffered)
	t.Logf("checked by a fresh instance: acknowledged logouts lost: %d of %d; 503 logouts not landed: %d of %d",
		len(lost), len(acked), len(notLanded), len(pending))

	if n := ty.count(-1, "", outUnexpected); n > 0 {
		t.Errorf("%d responses other than 200/204/503 (or a panic)", n)
	}
	if ty.count(during, "", "") == 0 || ty.first.IsZero() {
		t.Errorf("the failover saw %d requests, and a sign-in after it at %v: want some of both", ty.count(during, "", ""), ty.first)
	}
	// Once the replica has taken over, the instances find it at their
	// first failed call (the store asks go-redis to reload the layout),
	// not at go-redis's periodic reload a minute later.
	if n := ty.count(after, "", outDown); n > failoverLoad/10 {
		t.Errorf("503s after the failover: %d while %d sign-ins succeeded; the instances were slow to find the new master", n, failoverLoad)
	}
	if sc.noWait {
		// The control: waiting is what keeps these.
		if len(lost) == 0 {
			t.Errorf("NoWait, replica behind: no acknowledged logout was lost; the scenario no longer shows what WAIT prevents")
		}
		return
	}
	if n := ty.count(-1, "", outServed); n > 0 {
		t.Errorf("logged-out cookies served again: %d", n)
	}
	if len(lost) > 0 {
		t.Errorf("acknowledged logouts lost in the failover: %d of %d (users %s)", len(lost), len(acked), users(lost))
	}
	if len(notLanded) > 0 {
		t.Errorf("logouts answered 503 that never landed: %d of %d (users %s)", len(notLanded), len(pending), users(notLanded))
	}
	if sc.behind && ackedTargets > 0 {
		t.Errorf("logouts acknowledged while the replica was behind: %d of %d, want none", ackedTargets, len(targeted))
	}
}

// ok reports whether every running node says cluster_state:ok.
func (c *replicaCluster) ok() bool {
	for _, n := range c.nodes() {
		if n.cmd.ProcessState == nil && !n.clusterOK() {
			return false
		}
	}
	return true
}

// signInOnMaster signs in failoverTargeted users whose keys live on the
// given master, on in, and returns their logouts-to-be.
func signInOnMaster(t *testing.T, in *instance, master int, slotOf func(string) int) []logout {
	t.Helper()
	var out []logout
	for i := 0; len(out) < failoverTargeted; i++ {
		user := fmt.Sprintf("t%d", i)
		if masterOfSlot(slotOf(user)) != master {
			continue
		}
		rec := in.do("POST", "/login?user="+user, nil)
		if rec.Code != http.StatusNoContent {
			t.Fatalf("sign-in of %s before the fault: got %d", user, rec.Code)
		}
		out = append(out, logout{user: user, cookies: rec.Result().Cookies()})
	}
	return out
}

// fillReplicationBuffer writes 1 MiB values to the master (under a hash
// tag of its own slots) until it holds 2 MiB of replication data in
// memory that its frozen replica has not received: the sockets' buffers
// (a few MiB on loopback) are full, and every write after this one stays
// in the master's memory until the replica reads again.
func fillReplicationBuffer(t *testing.T, master *redisNode, index int) {
	t.Helper()
	tag := 0
	for masterOfSlot(keySlot(fmt.Sprintf("{fill%d}", tag))) != index {
		tag++
	}
	ctx := context.Background()
	value := strings.Repeat("x", 1<<20)
	for i := 0; master.replicaBufferBytes() < 2<<20; i++ {
		if i == 256 {
			t.Fatal("256 MiB written, and the master still holds no replication data for its frozen replica")
		}
		key := fmt.Sprintf("{fill%d}:%d", tag, i)
		if err := master.admin.Set(ctx, key, value, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// logOutAll logs every target out on in, all at once, and records the
// logouts.
func logOutAll(in *instance, targets []logout, ty *tally) []logout {
	var (
		mu  sync.Mutex
		out []logout
		wg  sync.WaitGroup
	)
	for _, l := range targets {
		wg.Go(func() {
			o := statusOutcome(in.do("DELETE", "/api/session", l.cookies), http.StatusOK)
			ty.add("logout", o)
			if o == outOK || o == outDown {
				l.acked = o == outOK
				ty.addLogout(l)
				mu.Lock()
				out = append(out, l)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

func users(ls []logout) string {
	var b strings.Builder
	for i, l := range ls {
		if i == 5 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.user)
	}
	return b.String()
}
