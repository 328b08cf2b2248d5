// franz-go (github.com/twmb/franz-go): kgo for producing and consuming, kadm for admin.
// The client is configured as a Go service would: defaults (idempotent producer,
// cooperative-sticky group balancer), acks=all, auto topic creation on produce.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func franzOps() ops {
	return ops{
		"produce":        franzProduce,
		"consume":        franzConsume,
		"create_topic":   franzAdmin(franzCreateTopic),
		"delete_topic":   franzAdmin(franzDeleteTopic),
		"list_topics":    franzAdmin(franzListTopics),
		"list_offsets":   franzAdmin(franzListOffsets),
		"describe_group": franzAdmin(franzDescribeGroup),
		"committed":      franzAdmin(franzCommitted),
	}
}

func franzClient(req *request, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append(franzBase(req.Bootstrap), opts...)...)
}

func franzBase(bootstrap string) []kgo.Opt {
	level := map[string]kgo.LogLevel{"debug": kgo.LogLevelDebug, "info": kgo.LogLevelInfo,
		"warn": kgo.LogLevelWarn}[logLevel()]
	return []kgo.Opt{kgo.SeedBrokers(bootstrap), kgo.ClientID("ftgo-compat-franz-go"),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, max(level, kgo.LogLevelError), nil))}
}

var franzCodecs = map[string]kgo.CompressionCodec{
	"gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
	"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
}

func franzProduce(req *request) (reply, error) {
	opts := []kgo.Opt{kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(5 * time.Millisecond),
		kgo.AllowAutoTopicCreation()}
	if !req.configBool("idempotent", true) {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	if req.Compression != nil {
		codec, ok := franzCodecs[*req.Compression]
		if !ok {
			return nil, fmt.Errorf("unknown compression %q", *req.Compression)
		}
		opts = append(opts, kgo.ProducerBatchCompression(codec))
	}
	manual := len(req.Records) > 0 && !slices.ContainsFunc(req.Records, func(r record) bool { return r.Partition == nil })
	if manual {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	cl, err := franzClient(req, opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(req.Records))
	for i, r := range req.Records {
		k := &kgo.Record{Topic: req.Topic, Key: r.Key, Value: r.Value}
		for _, h := range r.Headers {
			k.Headers = append(k.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		if r.Timestamp != nil {
			k.Timestamp = time.UnixMilli(*r.Timestamp)
		}
		if manual {
			k.Partition = *r.Partition
		}
		recs[i] = k
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var results kgo.ProduceResults
	if pace := req.configInt("pace_ms"); pace > 0 {
		results = franzPaced(ctx, cl, recs, time.Duration(pace)*time.Millisecond)
	} else {
		results = cl.ProduceSync(ctx, recs...)
	}
	if err := results.FirstErr(); err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(results))
	for i, r := range results {
		out[i] = map[string]any{"partition": r.Record.Partition, "offset": r.Record.Offset}
	}
	return reply{"results": out}, nil
}

// franzPaced hands the records to the producer one at a time, pace apart, as a service
// producing at a steady rate does (the suite restarts the broker meanwhile).
func franzPaced(ctx context.Context, cl *kgo.Client, recs []*kgo.Record, pace time.Duration) kgo.ProduceResults {
	results := make(kgo.ProduceResults, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		wg.Add(1)
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			results[i] = kgo.ProduceResult{Record: r, Err: err}
			wg.Done()
		})
		time.Sleep(pace)
	}
	wg.Wait()
	return results
}

func franzConsume(req *request) (reply, error) {
	st, err := req.start()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), req.timeout()+10*time.Second)
	defer cancel()
	// Where it starts: kadm lists the offset (ListOffsets) for the "positioned" event; the
	// consumer itself resolves earliest and by-timestamp starts through kgo's own Offset.
	var offset kgo.Offset
	var position int64
	var listed kadm.ListedOffsets
	admin, err := franzClient(req)
	if err != nil {
		return nil, err
	}
	adm := kadm.NewClient(admin)
	switch st.Kind {
	case "earliest":
		offset = kgo.NewOffset().AtStart()
		listed, err = adm.ListStartOffsets(ctx, req.Topic)
	case "latest":
		listed, err = adm.ListEndOffsets(ctx, req.Topic)
	case "offset":
		offset, position = kgo.NewOffset().At(st.Value), st.Value
	case "timestamp":
		offset = kgo.NewOffset().AfterMilli(st.Value)
		listed, err = adm.ListOffsetsAfterMilli(ctx, st.Value, req.Topic)
	}
	admin.Close()
	if err != nil {
		return nil, err
	}
	if listed != nil {
		o, ok := listed.Lookup(req.Topic, req.Partition)
		if !ok || o.Err != nil {
			return nil, fmt.Errorf("listing offsets of %s/%d: %v", req.Topic, req.Partition, o.Err)
		}
		position = o.Offset
		if st.Kind == "latest" {
			offset = kgo.NewOffset().At(position)
		}
	}
	cl, err := franzClient(req, kgo.FetchMaxWait(200*time.Millisecond),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{req.Topic: {req.Partition: offset}}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	emit(map[string]any{"event": "positioned", "position": position})
	pollCtx, pollCancel := context.WithTimeout(context.Background(), req.timeout())
	defer pollCancel()
	out := []record{}
	for len(out) < req.Count && pollCtx.Err() == nil {
		fs := cl.PollRecords(pollCtx, req.Count-len(out))
		for _, e := range fs.Errors() {
			if !errors.Is(e.Err, context.DeadlineExceeded) && !errors.Is(e.Err, context.Canceled) {
				return nil, fmt.Errorf("fetching %s/%d: %w", e.Topic, e.Partition, e.Err)
			}
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, franzRecord(r)) })
	}
	return reply{"records": out}, nil
}

func franzRecord(r *kgo.Record) record {
	out := record{Key: r.Key, Value: r.Value, Headers: []header{}, Timestamp: ptr(r.Timestamp.UnixMilli()),
		Partition: ptr(r.Partition), Offset: ptr(r.Offset)}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, header{h.Key, h.Value})
	}
	return out
}

// franzAdmin runs an admin op with a kadm client of its own.
func franzAdmin(op func(context.Context, *kadm.Client, *request) (reply, error)) func(*request) (reply, error) {
	return func(req *request) (reply, error) {
		cl, err := franzClient(req)
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return op(ctx, kadm.NewClient(cl), req)
	}
}

func franzCreateTopic(ctx context.Context, adm *kadm.Client, req *request) (reply, error) {
	partitions := max(req.Partitions, 1)
	_, err := adm.CreateTopic(ctx, partitions, 1, nil, req.Topic)
	return nil, err
}

func franzDeleteTopic(ctx context.Context, adm *kadm.Client, req *request) (reply, error) {
	_, err := adm.DeleteTopic(ctx, req.Topic)
	return nil, err
}

func franzListTopics(ctx context.Context, adm *kadm.Client, _ *request) (reply, error) {
	td, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	names := td.Names()
	sort.Strings(names)
	return reply{"topics": names}, nil
}

// franzListOffsets answers {"start": [[p, offset]...], "end": ..., "after": ... (with "timestamp")}.
func franzListOffsets(ctx context.Context, adm *kadm.Client, req *request) (reply, error) {
	out := reply{}
	flat := func(name string, l kadm.ListedOffsets, err error) error {
		if err == nil {
			err = l.Error()
		}
		if err != nil {
			return fmt.Errorf("%s offsets of %s: %w", name, req.Topic, err)
		}
		var pairs [][2]int64
		l.Each(func(o kadm.ListedOffset) { pairs = append(pairs, [2]int64{int64(o.Partition), o.Offset}) })
		slices.SortFunc(pairs, func(a, b [2]int64) int { return int(a[0] - b[0]) })
		out[name] = pairs
		return nil
	}
	l, err := adm.ListStartOffsets(ctx, req.Topic)
	if err := flat("start", l, err); err != nil {
		return nil, err
	}
	l, err = adm.ListEndOffsets(ctx, req.Topic)
	if err := flat("end", l, err); err != nil {
		return nil, err
	}
	if req.Timestamp != 0 {
		l, err = adm.ListOffsetsAfterMilli(ctx, req.Timestamp, req.Topic)
		if err := flat("after", l, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func franzDescribeGroup(ctx context.Context, adm *kadm.Client, req *request) (reply, error) {
	groups, err := adm.DescribeGroups(ctx, req.Group)
	if err != nil {
		return nil, err
	}
	g, ok := groups[req.Group]
	if !ok {
		return nil, fmt.Errorf("group %s is not in the answer", req.Group)
	}
	if g.Err != nil {
		return nil, fmt.Errorf("describing group %s: %w", req.Group, g.Err)
	}
	members := []map[string]any{}
	for _, m := range g.Members {
		assigned := []int32{}
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range c.Topics {
				if t.Topic == req.Topic {
					assigned = append(assigned, t.Partitions...)
				}
			}
		}
		slices.Sort(assigned)
		members = append(members, map[string]any{"member_id": m.MemberID, "client_id": m.ClientID,
			"assigned": assigned})
	}
	return reply{"state": g.State, "protocol_type": g.ProtocolType, "protocol": g.Protocol, "members": members}, nil
}

func franzCommitted(ctx context.Context, adm *kadm.Client, req *request) (reply, error) {
	offsets, err := adm.FetchOffsets(ctx, req.Group)
	if err == nil {
		err = offsets.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("committed offsets of %s: %w", req.Group, err)
	}
	pairs := [][2]int64{}
	for p, o := range offsets[req.Topic] {
		pairs = append(pairs, [2]int64{int64(p), o.At})
	}
	slices.SortFunc(pairs, func(a, b [2]int64) int { return int(a[0] - b[0]) })
	return reply{"offsets": pairs}, nil
}
