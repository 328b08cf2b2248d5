package dev.ftgo.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A Kafka Streams word count, as an event-driven service would write it: lines from IN are split
 * into words, re-keyed by word (groupBy: the repartition topic APP_ID-words-repartition) and
 * counted into the persistent (RocksDB) store "counts" (changelog APP_ID-counts-changelog); every
 * update goes to OUT as word -> count (String key, Long value), the record cache being off.
 * Everything else is Streams' defaults (at-least-once unless a processing.guarantee such as
 * exactly_once_v2 is given, replication.factor -1, the classic group
 * protocol with Streams' own assignor), except short commit and purge intervals and session timeout.
 *
 * <p>Prints one JSON line per event on stdout: {"event":"state","state":S} on each state change,
 * {"event":"restored","store":..,"partition":..,"records":N} when a store partition has been
 * restored from its changelog, {"event":"error","error":..} for an uncaught exception (the client
 * then shuts down), and {"event":"closed"} after a clean close on SIGTERM.
 */
final class WordCount {
    static void run(String bootstrap, String appId, String in, String out, String stateDir, String guarantee)
            throws Exception {
        Properties p = new Properties();
        if (guarantee != null) p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        // Purge consumed repartition records (DeleteRecords) after each commit, not every 30 s.
        p.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, "200");
        // A member that closed without leaving (Streams' consumers never send LeaveGroup) holds up
        // the next rebalance until its session expires: keep that short (Kafka's minimum).
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "1000");

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
            .filter((key, word) -> !word.isEmpty())
            .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
            .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts"))
            .toStream()
            .to(out, Produced.with(Serdes.String(), Serdes.Long()));

        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.setStateListener((now, before) -> {
            ObjectNode o = event("state");
            o.put("state", now.name());
            Main.emit(o);
        });
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
            }

            public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
            }

            public void onRestoreEnd(TopicPartition tp, String store, long total) {
                ObjectNode o = event("restored");
                o.put("store", store);
                o.put("topic", tp.topic());
                o.put("partition", tp.partition());
                o.put("records", total);
                Main.emit(o);
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            ObjectNode o = event("error");
            o.put("error", e.toString());
            Main.emit(o);
            e.printStackTrace();
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });

        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // A clean close: commits the processed offsets after flushing the store, its
            // changelog and the output, then writes the store's checkpoint.
            boolean clean = streams.close(Duration.ofSeconds(30));
            ObjectNode o = event("closed");
            o.put("clean", clean);
            Main.emit(o);
            done.countDown();
        }));
        streams.start();
        done.await();
    }

    static ObjectNode event(String name) {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("event", name);
        return o;
    }
}
