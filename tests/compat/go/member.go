// The consumer-group members (compat-go member CLIENT ...): franz-go's and sarama's, each
// printing its assignment after every change and every record it receives, committing after
// each batch, and leaving the group on SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
)

type memberArgs struct {
	bootstrap, topic, group string
	session                 time.Duration
	instance                string // group.instance.id of a static member, or ""
}

// emitRecord prints one consumed record as a member event.
func emitRecord(partition int32, offset int64, value []byte) {
	emit(map[string]any{"event": "record", "partition": partition, "offset": offset, "value": value})
}

// emitAssigned prints a member's whole assignment.
func emitAssigned(parts []int32) {
	if parts == nil {
		parts = []int32{}
	}
	emit(map[string]any{"event": "assigned", "partitions": parts})
}

// franzMember is one member of a consumer group with franz-go's defaults (the
// cooperative-sticky balancer) and manual commits: each polled batch is committed before
// the next poll, and BlockRebalanceOnPoll keeps a rebalance from landing in between.
func franzMember(m memberArgs) error {
	var mu sync.Mutex
	owned := map[int32]bool{}
	update := func(parts map[string][]int32, add bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range parts[m.topic] {
			if add {
				owned[p] = true
			} else {
				delete(owned, p)
			}
		}
		now := make([]int32, 0, len(owned))
		for p := range owned {
			now = append(now, p)
		}
		slices.Sort(now)
		emitAssigned(now)
	}
	opts := append(franzBase(m.bootstrap),
		kgo.ConsumerGroup(m.group), kgo.ConsumeTopics(m.topic), kgo.SessionTimeout(m.session),
		kgo.HeartbeatInterval(500*time.Millisecond), kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxWait(200*time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, p map[string][]int32) { update(p, true) }),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, p map[string][]int32) {
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "commit on revoke:", err)
			}
			update(p, false)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, p map[string][]int32) { update(p, false) }))
	if m.instance != "" {
		opts = append(opts, kgo.InstanceID(m.instance))
	}
	if names := os.Getenv("FTGO_COMPAT_FRANZ_BALANCERS"); names != "" {
		balancers, err := franzBalancers(names)
		if err != nil {
			return err
		}
		opts = append(opts, kgo.Balancers(balancers...))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				fmt.Fprintf(os.Stderr, "fetch %s/%d: %v\n", t, p, err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) { emitRecord(r.Partition, r.Offset, r.Value) })
		if fs.NumRecords() > 0 {
			if err := cl.CommitUncommittedOffsets(context.Background()); err != nil {
				fmt.Fprintln(os.Stderr, "commit:", err)
			}
		}
		cl.AllowRebalance()
	}
	cl.Close() // commits nothing more (all committed above) and leaves the group
	return nil
}

// franzBalancers is the group protocols a franz-go member offers, in order of preference,
// from a comma-separated list (FTGO_COMPAT_FRANZ_BALANCERS; default: cooperative-sticky only).
func franzBalancers(names string) ([]kgo.GroupBalancer, error) {
	known := map[string]kgo.GroupBalancer{"cooperative-sticky": kgo.CooperativeStickyBalancer(),
		"sticky": kgo.StickyBalancer(), "range": kgo.RangeBalancer(), "roundrobin": kgo.RoundRobinBalancer()}
	var out []kgo.GroupBalancer
	for _, name := range strings.Split(names, ",") {
		b, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("FTGO_COMPAT_FRANZ_BALANCERS: unknown balancer %q", name)
		}
		out = append(out, b)
	}
	return out, nil
}

// groupHandler prints assignments and records and commits what it marked whenever its
// claim has nothing more buffered.
type groupHandler struct{ topic string }

func (h groupHandler) Setup(s sarama.ConsumerGroupSession) error {
	parts := slices.Clone(s.Claims()[h.topic])
	slices.Sort(parts)
	emitAssigned(parts)
	return nil
}

func (h groupHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	s.Commit()
	parts := slices.Clone(s.Claims()[h.topic])
	slices.Sort(parts)
	emit(map[string]any{"event": "revoked", "partitions": parts})
	return nil
}

func (h groupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			emitRecord(m.Partition, m.Offset, m.Value)
			s.MarkMessage(m, "")
			if len(claim.Messages()) == 0 {
				s.Commit()
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

// saramaMember is one member of a consumer group with sarama's defaults (the range
// balancer), manual commits, and a clean leave (Close) on SIGTERM.
func saramaMember(m memberArgs) error {
	c, err := saramaConfig()
	if err != nil {
		return err
	}
	c.Consumer.Group.Session.Timeout = m.session
	c.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Enable = false
	c.Consumer.MaxWaitTime = 200 * time.Millisecond
	c.Consumer.Group.InstanceId = m.instance
	g, err := sarama.NewConsumerGroup([]string{m.bootstrap}, m.group, c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	for ctx.Err() == nil {
		if err := g.Consume(ctx, []string{m.topic}, groupHandler{m.topic}); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) {
				break
			}
			fmt.Fprintln(os.Stderr, "consume:", err)
			time.Sleep(200 * time.Millisecond)
		}
	}
	return g.Close()
}
