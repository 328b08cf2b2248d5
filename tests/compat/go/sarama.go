// IBM/sarama (github.com/IBM/sarama): SyncProducer, Consumer, ConsumerGroup, ClusterAdmin.
// config.Version is the Kafka the service talks to, V4_0_0_0 (Apache Kafka 4.0, the suite's
// reference); sarama then lowers each request to what the broker's ApiVersions advertises.
// FTGO_COMPAT_SARAMA_VERSION overrides it (e.g. 2.8.0, sarama's own default).
package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/IBM/sarama"
)

func saramaOps() ops {
	return ops{
		"produce":        saramaProduce,
		"consume":        saramaConsume,
		"create_topic":   saramaAdmin(saramaCreateTopic),
		"delete_topic":   saramaAdmin(saramaDeleteTopic),
		"list_topics":    saramaAdmin(saramaListTopics),
		"list_offsets":   saramaListOffsets,
		"describe_group": saramaAdmin(saramaDescribeGroup),
		"committed":      saramaAdmin(saramaCommitted),
	}
}

func saramaConfig() (*sarama.Config, error) {
	c := sarama.NewConfig()
	c.ClientID = "ftgo-compat-sarama"
	c.Version = sarama.V4_0_0_0
	if v := os.Getenv("FTGO_COMPAT_SARAMA_VERSION"); v != "" {
		parsed, err := sarama.ParseKafkaVersion(v)
		if err != nil {
			return nil, fmt.Errorf("FTGO_COMPAT_SARAMA_VERSION: %w", err)
		}
		c.Version = parsed
	}
	return c, nil
}

// saramaClient is a Client for consuming (short fetch waits, errors returned) and listing offsets.
func saramaClient(req *request) (sarama.Client, error) {
	c, err := saramaConfig()
	if err != nil {
		return nil, err
	}
	c.Consumer.MaxWaitTime = 200 * time.Millisecond
	c.Consumer.Return.Errors = true
	return sarama.NewClient([]string{req.Bootstrap}, c)
}

var saramaCodecs = map[string]sarama.CompressionCodec{
	"gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
	"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
}

func saramaProduce(req *request) (reply, error) {
	c, err := saramaConfig()
	if err != nil {
		return nil, err
	}
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	if req.configBool("idempotent", false) {
		c.Producer.Idempotent = true
		c.Net.MaxOpenRequests = 1
	}
	if n := req.configInt("retries"); n > 0 { // 250 ms apart: room for a broker restart
		c.Producer.Retry.Max, c.Producer.Retry.Backoff = int(n), 250*time.Millisecond
		c.Metadata.Retry.Max, c.Metadata.Retry.Backoff = int(n), 250*time.Millisecond
	}
	if req.Compression != nil {
		codec, ok := saramaCodecs[*req.Compression]
		if !ok {
			return nil, fmt.Errorf("unknown compression %q", *req.Compression)
		}
		c.Producer.Compression = codec
	}
	manual := len(req.Records) > 0 && !slices.ContainsFunc(req.Records, func(r record) bool { return r.Partition == nil })
	if manual {
		c.Producer.Partitioner = sarama.NewManualPartitioner
	}
	p, err := sarama.NewSyncProducer([]string{req.Bootstrap}, c)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	msgs := make([]*sarama.ProducerMessage, len(req.Records))
	for i, r := range req.Records {
		m := &sarama.ProducerMessage{Topic: req.Topic}
		if r.Key != nil {
			m.Key = sarama.ByteEncoder(r.Key)
		}
		if r.Value != nil {
			m.Value = sarama.ByteEncoder(r.Value)
		}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
		}
		if r.Timestamp != nil {
			m.Timestamp = time.UnixMilli(*r.Timestamp)
		}
		if manual {
			m.Partition = *r.Partition
		}
		msgs[i] = m
	}
	if pace := req.configInt("pace_ms"); pace > 0 {
		// One record at a time, pace apart, as a service producing at a steady rate does.
		for _, m := range msgs {
			if _, _, err := p.SendMessage(m); err != nil {
				return nil, err
			}
			time.Sleep(time.Duration(pace) * time.Millisecond)
		}
	} else if err := p.SendMessages(msgs); err != nil {
		var perrs sarama.ProducerErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			return nil, fmt.Errorf("%d of %d records failed, the first: %w", len(perrs), len(msgs), perrs[0].Err)
		}
		return nil, err
	}
	out := make([]map[string]any, len(msgs))
	for i, m := range msgs {
		out[i] = map[string]any{"partition": m.Partition, "offset": m.Offset}
	}
	return reply{"results": out}, nil
}

func saramaConsume(req *request) (reply, error) {
	st, err := req.start()
	if err != nil {
		return nil, err
	}
	client, err := saramaClient(req)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	var position int64
	switch st.Kind {
	case "earliest":
		position, err = client.GetOffset(req.Topic, req.Partition, sarama.OffsetOldest)
	case "latest":
		position, err = client.GetOffset(req.Topic, req.Partition, sarama.OffsetNewest)
	case "offset":
		position = st.Value
	case "timestamp":
		position, err = client.GetOffset(req.Topic, req.Partition, st.Value)
		if err == nil && position < 0 { // no record at or after the time: start at the end
			position, err = client.GetOffset(req.Topic, req.Partition, sarama.OffsetNewest)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s/%d: %w", req.Topic, req.Partition, err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(req.Topic, req.Partition, position)
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	emit(map[string]any{"event": "positioned", "position": position})
	out := []record{}
	deadline := time.After(req.timeout())
	for len(out) < req.Count {
		select {
		case m := <-pc.Messages():
			out = append(out, saramaRecord(m))
		case e := <-pc.Errors():
			return nil, e
		case <-deadline:
			return reply{"records": out}, nil
		}
	}
	return reply{"records": out}, nil
}

func saramaRecord(m *sarama.ConsumerMessage) record {
	out := record{Key: m.Key, Value: m.Value, Headers: []header{}, Timestamp: ptr(m.Timestamp.UnixMilli()),
		Partition: ptr(m.Partition), Offset: ptr(m.Offset)}
	for _, h := range m.Headers {
		out.Headers = append(out.Headers, header{string(h.Key), h.Value})
	}
	return out
}

// saramaListOffsets answers like franzListOffsets, through Client.GetOffset per partition.
func saramaListOffsets(req *request) (reply, error) {
	client, err := saramaClient(req)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	parts, err := client.Partitions(req.Topic)
	if err != nil {
		return nil, err
	}
	slices.Sort(parts)
	out := reply{}
	kinds := map[string]int64{"start": sarama.OffsetOldest, "end": sarama.OffsetNewest}
	if req.Timestamp != 0 {
		kinds["after"] = req.Timestamp
	}
	for name, at := range kinds {
		pairs := [][2]int64{}
		for _, p := range parts {
			o, err := client.GetOffset(req.Topic, p, at)
			if err != nil {
				return nil, fmt.Errorf("%s offset of %s/%d: %w", name, req.Topic, p, err)
			}
			pairs = append(pairs, [2]int64{int64(p), o})
		}
		out[name] = pairs
	}
	return out, nil
}

// saramaAdmin runs an admin op with a ClusterAdmin of its own.
func saramaAdmin(op func(sarama.ClusterAdmin, *request) (reply, error)) func(*request) (reply, error) {
	return func(req *request) (reply, error) {
		c, err := saramaConfig()
		if err != nil {
			return nil, err
		}
		a, err := sarama.NewClusterAdmin([]string{req.Bootstrap}, c)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		return op(a, req)
	}
}

func saramaCreateTopic(a sarama.ClusterAdmin, req *request) (reply, error) {
	detail := &sarama.TopicDetail{NumPartitions: max(req.Partitions, 1), ReplicationFactor: 1}
	return nil, a.CreateTopic(req.Topic, detail, false)
}

func saramaDeleteTopic(a sarama.ClusterAdmin, req *request) (reply, error) {
	return nil, a.DeleteTopic(req.Topic)
}

func saramaListTopics(a sarama.ClusterAdmin, _ *request) (reply, error) {
	topics, err := a.ListTopics()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	return reply{"topics": names}, nil
}

func saramaDescribeGroup(a sarama.ClusterAdmin, req *request) (reply, error) {
	groups, err := a.DescribeConsumerGroups([]string{req.Group})
	if err != nil {
		return nil, err
	}
	if len(groups) != 1 {
		return nil, fmt.Errorf("%d groups in the answer", len(groups))
	}
	g := groups[0]
	if g.Err != sarama.ErrNoError {
		return nil, fmt.Errorf("describing group %s: %w", req.Group, g.Err)
	}
	members := []map[string]any{}
	for id, m := range g.Members {
		assigned := []int32{}
		if as, err := m.GetMemberAssignment(); err == nil && as != nil {
			assigned = append(assigned, as.Topics[req.Topic]...)
		}
		slices.Sort(assigned)
		members = append(members, map[string]any{"member_id": id, "client_id": m.ClientId, "assigned": assigned})
	}
	return reply{"state": g.State, "protocol_type": g.ProtocolType, "protocol": g.Protocol, "members": members}, nil
}

func saramaCommitted(a sarama.ClusterAdmin, req *request) (reply, error) {
	res, err := a.ListConsumerGroupOffsets(req.Group, nil)
	if err != nil {
		return nil, err
	}
	pairs := [][2]int64{}
	for p, b := range res.Blocks[req.Topic] {
		if b.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("committed offset of %s/%d: %w", req.Topic, p, b.Err)
		}
		pairs = append(pairs, [2]int64{int64(p), b.Offset})
	}
	slices.SortFunc(pairs, func(x, y [2]int64) int { return int(x[0] - y[0]) })
	return reply{"offsets": pairs}, nil
}
