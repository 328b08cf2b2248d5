package dev.ftgo.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One member of a consumer group: prints {"event":"assigned"|"revoked","partitions":[...]} on each
 * rebalance and {"event":"record",...} per record, commits synchronously after each batch, and on
 * SIGTERM leaves the group (close) and prints {"event":"closed"}. With an instance id it is a
 * static member (group.instance.id): close does not leave, so a restart takes its place back.
 * TOPIC may be several topics, comma-separated: records say their "topic", rebalances list
 * "topic_partitions" ("name-N") besides "partitions".
 */
final class Member {
    static void run(String bootstrap, String topic, String group, int sessionMs, String instance) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("session.timeout.ms", Integer.toString(sessionMs));
        p.put("heartbeat.interval.ms", "500");
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RangeAssignor");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        if (instance != null) p.put("group.instance.id", instance);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
        CountDownLatch done = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.wakeup();
            try {
                done.await();
                main.join(10000);
            } catch (InterruptedException ignored) {
            }
        }));
        consumer.subscribe(List.of(topic.split(",")), new ConsumerRebalanceListener() {
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                print("revoked", parts);
            }

            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                print("assigned", parts);
            }
        });
        try {
            while (true) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    ObjectNode o = Ops.record(r);
                    o.put("event", "record");
                    o.put("topic", r.topic());
                    Main.emit(o);
                }
                if (!batch.isEmpty()) consumer.commitSync();
            }
        } catch (WakeupException e) {
            // SIGTERM: leave the group below.
        } finally {
            consumer.close();
            ObjectNode o = Main.JSON.createObjectNode();
            o.put("event", "closed");
            Main.emit(o);
            done.countDown();
        }
    }

    static void print(String event, Collection<TopicPartition> parts) {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("event", event);
        ArrayNode arr = o.putArray("partitions");
        parts.stream().map(TopicPartition::partition).sorted().forEach(arr::add);
        ArrayNode tps = o.putArray("topic_partitions");
        parts.stream().map(TopicPartition::toString).sorted().forEach(tps::add);
        Main.emit(o);
    }
}
