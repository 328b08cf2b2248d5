package dev.ftgo.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The driver's operations: produce, consume (assigned, no group), create_topic, delete_topic,
 * list_topics. Bytes travel as base64 (null stays null); each op builds and closes its client.
 */
final class Ops {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder UNB64 = Base64.getDecoder();

    static ObjectNode dispatch(JsonNode req) throws Exception {
        switch (req.path("op").asText()) {
            case "produce": return produce(req);
            case "consume": return consume(req);
            case "create_topic": return createTopic(req);
            case "delete_topic": return deleteTopic(req);
            case "list_topics": return listTopics(req);
            case "transactions": return Txn.transactions(req);
            default: throw new IllegalArgumentException("unknown op: " + req.path("op"));
        }
    }

    static byte[] bytes(JsonNode n) {
        return n == null || n.isNull() ? null : UNB64.decode(n.asText());
    }

    static String b64(byte[] b) {
        return b == null ? null : B64.encodeToString(b);
    }

    static Properties props(JsonNode req) {
        Properties p = new Properties();
        p.put("bootstrap.servers", req.path("bootstrap").asText());
        Iterator<Map.Entry<String, JsonNode>> it = req.path("config").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            p.put(e.getKey(), e.getValue().asText());
        }
        return p;
    }

    static ObjectNode produce(JsonNode req) throws Exception {
        Properties p = props(req);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        if (req.hasNonNull("compression")) p.put("compression.type", req.get("compression").asText());
        String topic = req.path("topic").asText();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (JsonNode r : req.path("records")) {
                RecordHeaders headers = new RecordHeaders();
                for (JsonNode h : r.path("headers")) headers.add(h.get(0).asText(), bytes(h.get(1)));
                Integer partition = r.hasNonNull("partition") ? r.get("partition").asInt() : null;
                Long ts = r.hasNonNull("timestamp") ? r.get("timestamp").asLong() : null;
                sent.add(producer.send(new ProducerRecord<>(topic, partition, ts, bytes(r.get("key")),
                        bytes(r.get("value")), headers)));
            }
            producer.flush();
            ObjectNode reply = Main.JSON.createObjectNode();
            ArrayNode results = reply.putArray("results");
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get(30, TimeUnit.SECONDS);
                results.addObject().put("partition", m.partition()).put("offset", m.offset());
            }
            return reply;
        }
    }

    static ObjectNode consume(JsonNode req) {
        Properties p = props(req);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("enable.auto.commit", "false");
        TopicPartition tp = new TopicPartition(req.path("topic").asText(), req.path("partition").asInt());
        int count = req.path("count").asInt();
        long deadline = System.currentTimeMillis() + req.path("timeout_ms").asLong(20000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            JsonNode start = req.path("start");
            if (start.isTextual() && start.asText().equals("earliest")) {
                consumer.seekToBeginning(List.of(tp));
            } else if (start.isTextual() && start.asText().equals("latest")) {
                consumer.seekToEnd(List.of(tp));
            } else if (start.has("offset")) {
                consumer.seek(tp, start.get("offset").asLong());
            } else if (start.has("timestamp")) {
                Map<TopicPartition, OffsetAndTimestamp> found =
                        consumer.offsetsForTimes(Map.of(tp, start.get("timestamp").asLong()));
                OffsetAndTimestamp at = found.get(tp);
                if (at == null) consumer.seekToEnd(List.of(tp)); else consumer.seek(tp, at.offset());
            }
            long position = consumer.position(tp, Duration.ofSeconds(20));
            ObjectNode ev = Main.JSON.createObjectNode();
            ev.put("event", "positioned").put("position", position);
            Main.emit(ev);
            ObjectNode reply = Main.JSON.createObjectNode();
            ArrayNode out = reply.putArray("records");
            while (out.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (out.size() < count) out.add(record(r));
                }
            }
            return reply;
        }
    }

    static ObjectNode record(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("partition", r.partition()).put("offset", r.offset()).put("timestamp", r.timestamp());
        o.put("timestamp_type", r.timestampType().name);
        o.put("key", b64(r.key())).put("value", b64(r.value()));
        ArrayNode hs = o.putArray("headers");
        for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
        return o;
    }

    static ObjectNode createTopic(JsonNode req) throws Exception {
        try (Admin admin = Admin.create(props(req))) {
            NewTopic t = new NewTopic(req.path("topic").asText(), req.path("partitions").asInt(1), (short) 1);
            admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
            return Main.JSON.createObjectNode();
        }
    }

    static ObjectNode deleteTopic(JsonNode req) throws Exception {
        try (Admin admin = Admin.create(props(req))) {
            admin.deleteTopics(List.of(req.path("topic").asText())).all().get(30, TimeUnit.SECONDS);
            return Main.JSON.createObjectNode();
        }
    }

    static ObjectNode listTopics(JsonNode req) throws Exception {
        try (Admin admin = Admin.create(props(req))) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            ObjectNode reply = Main.JSON.createObjectNode();
            ArrayNode arr = reply.putArray("topics");
            names.stream().sorted().forEach(arr::add);
            return reply;
        }
    }
}
