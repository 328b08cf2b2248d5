// The version sweep: every API the broker advertises, at every version it advertises, sent
// over a raw connection; the answer is decoded with franz-go's kmsg (the code franz-go and
// kadm parse every response with) and encoded again: the bytes must be the same, so a field
// too many, too few or of the wrong width shows up even where a client would not notice.
//
// Two passes: requests about a topic that exists (made by the first Metadata), then about one
// that does not, so the error answers are checked too.
//
//	compat-go sweep BOOTSTRAP    one JSON line per (pass, key, version), then {"done": N}
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sweepConn is one connection speaking raw request and response frames.
type sweepConn struct {
	c    net.Conn
	corr int32
}

func (s *sweepConn) roundTrip(req kmsg.Request) ([]byte, error) {
	s.corr++
	hdr := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(req.GetVersion()))
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(s.corr))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len("sweep")))
	hdr = append(hdr, "sweep"...)
	if req.IsFlexible() {
		hdr = append(hdr, 0) // no tagged fields
	}
	body := req.AppendTo(hdr)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	s.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.c.Write(append(frame, body...)); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(s.c, size[:]); err != nil {
		return nil, fmt.Errorf("reading the answer's size: %w", err)
	}
	resp := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(s.c, resp); err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(resp) < 4 || int32(binary.BigEndian.Uint32(resp)) != s.corr {
		return nil, fmt.Errorf("the answer does not carry correlation id %d", s.corr)
	}
	resp = resp[4:]
	// Flexible answers have a tagged-field section in the header, except ApiVersions (always v0).
	if req.IsFlexible() && req.Key() != 18 {
		if len(resp) == 0 || resp[0] != 0 {
			return nil, fmt.Errorf("the answer's header has tagged fields or none: % x", resp[:min(len(resp), 4)])
		}
		resp = resp[1:]
	}
	return resp, nil
}

// sweepBatch is a valid v2 record batch of one record (key "k", value "v", one header).
func sweepBatch() []byte {
	rec := []byte{0}                   // attributes
	rec = binary.AppendVarint(rec, 0)  // timestamp delta
	rec = binary.AppendVarint(rec, 0)  // offset delta
	rec = binary.AppendVarint(rec, 1)  // key length
	rec = append(rec, 'k')             // key
	rec = binary.AppendVarint(rec, 1)  // value length
	rec = append(rec, 'v')             // value
	rec = binary.AppendVarint(rec, 1)  // header count
	rec = binary.AppendVarint(rec, 1)  // header key length
	rec = append(rec, 'h')             // header key
	rec = binary.AppendVarint(rec, -1) // null header value
	records := binary.AppendVarint(nil, int64(len(rec)))
	records = append(records, rec...)
	now := time.Now().UnixMilli()
	b := kmsg.RecordBatch{Magic: 2, FirstTimestamp: now, MaxTimestamp: now, ProducerID: -1, ProducerEpoch: -1,
		FirstSequence: -1, NumRecords: 1, Records: records}
	raw := b.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[8:], uint32(len(raw)-12))                                          // length
	binary.BigEndian.PutUint32(raw[17:], crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli))) // CRC
	return raw
}

// sweepRequest is a request of key and version with the fields that make the broker work.
func sweepRequest(key, version int16, topic string) kmsg.Request {
	group := topic + "-g"
	req := kmsg.RequestForKey(key)
	switch r := req.(type) {
	case *kmsg.ProduceRequest:
		r.Acks, r.TimeoutMillis = -1, 5000
		t := kmsg.NewProduceRequestTopic()
		t.Topic = topic
		p := kmsg.NewProduceRequestTopicPartition()
		p.Records = sweepBatch()
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.FetchRequest:
		r.MaxWaitMillis, r.MaxBytes, r.SessionEpoch = 10, 1<<20, -1
		t := kmsg.NewFetchRequestTopic()
		t.Topic = topic
		p := kmsg.NewFetchRequestTopicPartition()
		p.PartitionMaxBytes = 1 << 20
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.ListOffsetsRequest:
		t := kmsg.NewListOffsetsRequestTopic()
		t.Topic = topic
		p := kmsg.NewListOffsetsRequestTopicPartition()
		p.Timestamp = -1
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.MetadataRequest:
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(topic)
		r.Topics, r.AllowAutoTopicCreation = append(r.Topics, t), true
	case *kmsg.OffsetCommitRequest:
		r.Group, r.Generation, r.RetentionTimeMillis = group, -1, -1
		t := kmsg.NewOffsetCommitRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Offset, p.Metadata = 1, kmsg.StringPtr("sweep")
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.OffsetFetchRequest:
		r.Group = group
		t := kmsg.NewOffsetFetchRequestTopic()
		t.Topic, t.Partitions = topic, []int32{0}
		r.Topics = append(r.Topics, t)
		g := kmsg.NewOffsetFetchRequestGroup() // v8+ asks per group
		g.Group = group
		gt := kmsg.NewOffsetFetchRequestGroupTopic()
		gt.Topic, gt.Partitions = topic, []int32{0}
		g.Topics = append(g.Topics, gt)
		r.Groups = append(r.Groups, g)
	case *kmsg.FindCoordinatorRequest:
		r.CoordinatorKey = group
	case *kmsg.JoinGroupRequest:
		// A group per version: a join waits for the members of the join before it.
		r.Group, r.SessionTimeoutMillis, r.RebalanceTimeoutMillis, r.ProtocolType = fmt.Sprintf("%s-v%d", group, version), 10000, 10000, "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		r.Protocols = append(r.Protocols, p)
	case *kmsg.HeartbeatRequest:
		r.Group, r.MemberID = group, "nobody"
	case *kmsg.LeaveGroupRequest:
		r.Group, r.MemberID = group, "nobody"
		m := kmsg.NewLeaveGroupRequestMember()
		m.MemberID = "nobody"
		r.Members = append(r.Members, m)
	case *kmsg.SyncGroupRequest:
		r.Group, r.MemberID = group, "nobody"
	case *kmsg.DescribeGroupsRequest:
		r.Groups = []string{group}
	case *kmsg.CreateTopicsRequest:
		r.TimeoutMillis = 5000
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = fmt.Sprintf("%s-ct%d", topic, version), 1, 1
		r.Topics = append(r.Topics, t)
	case *kmsg.DeleteTopicsRequest:
		r.TimeoutMillis = 5000
		name := fmt.Sprintf("%s-ct%d", topic, version)
		r.TopicNames = []string{name}
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = &name
		r.Topics = append(r.Topics, t)
	case *kmsg.InitProducerIDRequest:
		r.TransactionTimeoutMillis = 60000
	case *kmsg.DescribeConfigsRequest:
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
		r.Resources = append(r.Resources, res)
	case *kmsg.DeleteRecordsRequest:
		r.TimeoutMillis = 5000
		t := kmsg.NewDeleteRecordsRequestTopic()
		t.Topic = topic
		p := kmsg.NewDeleteRecordsRequestTopicPartition()
		p.Offset = 1
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.DescribeLogDirsRequest:
		t := kmsg.NewDescribeLogDirsRequestTopic()
		t.Topic, t.Partitions = topic, []int32{0}
		r.Topics = append(r.Topics, t)
	case *kmsg.CreatePartitionsRequest:
		r.TimeoutMillis = 5000
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = topic, int32(2+version) // one more each version
		r.Topics = append(r.Topics, t)
	case *kmsg.AlterConfigsRequest:
		res := kmsg.NewAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = "retention.ms", kmsg.StringPtr("43200000")
		res.Configs = append(res.Configs, c)
		r.Resources = append(r.Resources, res)
	case *kmsg.IncrementalAlterConfigsRequest:
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = "retention.ms", kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr("86400000")
		res.Configs = append(res.Configs, c)
		r.Resources = append(r.Resources, res)
	case *kmsg.OffsetDeleteRequest:
		r.Group = group
		t := kmsg.NewOffsetDeleteRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetDeleteRequestTopicPartition()
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
	case *kmsg.DeleteGroupsRequest:
		r.Groups = []string{group}
	}
	if req != nil {
		req.SetVersion(version)
	}
	return req
}

// sweepFloor is where a sweep starts for the APIs whose oldest advertised versions are refused
// when used (Produce below 3, Fetch below 4: KAFKA-NOTES.md; Kafka 4 closes the connection).
var sweepFloor = map[int16]int16{0: 3, 1: 4}

// sweepOrder is the order the keys are swept in, so later requests find what earlier ones made.
// OffsetDelete and DeleteGroups last: they remove the group's offsets and the group.
var sweepOrder = []int16{18, 3, 0, 1, 2, 10, 8, 9, 11, 12, 14, 13, 15, 16, 19, 20, 22, 32, 21, 35, 37, 33, 44, 47, 42}

func sweep(bootstrap string) error {
	c, err := net.DialTimeout("tcp", bootstrap, 10*time.Second)
	if err != nil {
		return err
	}
	conn := &sweepConn{c: c}
	defer c.Close()
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(0)
	raw, err := conn.roundTrip(av)
	if err != nil {
		return err
	}
	versions := kmsg.NewPtrApiVersionsResponse()
	versions.SetVersion(0)
	if err := versions.ReadFrom(raw); err != nil {
		return fmt.Errorf("ApiVersions v0: %w", err)
	}
	advertised := map[int16][2]int16{}
	for _, k := range versions.ApiKeys {
		advertised[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
	}
	stamp := time.Now().UnixNano()
	n := 0
	for _, missing := range []bool{false, true} {
		pass := map[bool]string{false: "exists", true: "missing"}[missing]
		topic := fmt.Sprintf("sweep-%s-%d", pass, stamp)
		for _, key := range sweepOrder {
			rng, ok := advertised[key]
			if !ok {
				continue
			}
			for v := max(rng[0], sweepFloor[key]); v <= rng[1]; v++ {
				req := sweepRequest(key, v, topic)
				if req == nil || v > req.MaxVersion() || (missing && !sweepMissing(req)) {
					continue // newer than this kmsg knows, or would create the missing topic
				}
				n++
				out := map[string]any{"key": key, "name": kmsg.NameForKey(key), "version": v, "pass": pass}
				problem, codes := sweepOne(conn, req)
				out["errors"] = codes
				if problem != "" {
					out["problem"] = problem
					if conn.c == nil { // the broker closed the connection: open another
						c, err := net.DialTimeout("tcp", bootstrap, 10*time.Second)
						if err != nil {
							return err
						}
						conn.c = c
					}
				}
				emit(out)
			}
		}
	}
	emit(map[string]any{"done": n})
	return nil
}

// sweepMissing turns a request of the second pass into one about a topic that does not
// exist (so the answers carry errors), or says to skip it (Metadata before v4 creates it).
func sweepMissing(req kmsg.Request) bool {
	switch r := req.(type) {
	case *kmsg.MetadataRequest:
		r.AllowAutoTopicCreation = false
		return r.Version >= 4
	case *kmsg.CreateTopicsRequest:
		r.Topics[0].Topic = "an invalid name!"
	}
	return true
}

// sweepOne sends req and says what is wrong with the answer ("" when nothing is) and which
// error codes it carries (path=code, for comparing brokers).
func sweepOne(conn *sweepConn, req kmsg.Request) (string, []string) {
	raw, err := conn.roundTrip(req)
	if err != nil {
		conn.c.Close()
		conn.c = nil
		return err.Error(), nil
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(raw); err != nil {
		return fmt.Sprintf("kmsg cannot decode the answer (%d bytes): %v", len(raw), err), nil
	}
	codes := []string{}
	if j, err := json.Marshal(resp); err == nil {
		var tree any
		json.Unmarshal(j, &tree)
		errorCodes("", tree, &codes)
	}
	again := resp.AppendTo(nil)
	if !bytes.Equal(again, raw) {
		at := 0
		for at < len(raw) && at < len(again) && raw[at] == again[at] {
			at++
		}
		return fmt.Sprintf("the answer is %d bytes, its fields %d bytes (first difference at byte %d): % x",
			len(raw), len(again), at, raw[max(0, at-8):min(len(raw), at+16)]), codes
	}
	return "", codes
}

// errorCodes collects the non-zero ErrorCode fields of a decoded answer.
func errorCodes(path string, node any, out *[]string) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if f, ok := v.(float64); ok && k == "ErrorCode" && f != 0 {
				*out = append(*out, fmt.Sprintf("%s=%d", path, int(f)))
			} else {
				errorCodes(path+"."+k, v, out)
			}
		}
	case []any:
		for _, v := range n {
			errorCodes(path+"[]", v, out)
		}
	}
}
