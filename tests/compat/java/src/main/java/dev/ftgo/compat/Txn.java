package dev.ftgo.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The driver's transactional op, {@code transactions}: one producer with {@code transactional.id}
 * (from "config") runs initTransactions, then each of "transactions" in order:
 * {"records": [...], "commit": true|false}, answering the offsets of every record sent
 * ("results", one list per transaction). A failure answers {"ok": false, "error": ...}.
 */
final class Txn {
    private Txn() {}

    static ObjectNode transactions(JsonNode req) throws Exception {
        Properties p = Ops.props(req);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        String topic = req.path("topic").asText();
        ObjectNode reply = Main.JSON.createObjectNode();
        ArrayNode results = reply.putArray("results");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            for (JsonNode txn : req.path("transactions")) {
                producer.beginTransaction();
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (JsonNode r : txn.path("records")) {
                    Integer partition = r.hasNonNull("partition") ? r.get("partition").asInt() : null;
                    sent.add(producer.send(new ProducerRecord<>(topic, partition, Ops.bytes(r.get("key")),
                            Ops.bytes(r.get("value")))));
                }
                producer.flush();
                ArrayNode offsets = results.addArray();
                for (Future<RecordMetadata> f : sent) {
                    RecordMetadata m = f.get(30, TimeUnit.SECONDS);
                    offsets.addArray().add(m.partition()).add(m.offset());
                }
                if (txn.path("commit").asBoolean()) producer.commitTransaction(); else producer.abortTransaction();
            }
        }
        return reply;
    }
}
