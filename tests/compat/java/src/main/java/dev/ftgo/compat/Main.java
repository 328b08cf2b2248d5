package dev.ftgo.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the Java client driver that tests/compat drives.
 *
 * <p>{@code serve}: reads one JSON request per line on stdin, answers one JSON line on stdout
 * (ops in {@link Ops}); a request may print {"event": ...} lines before its answer.
 * {@code member BOOTSTRAP TOPIC GROUP SESSION_MS [INSTANCE_ID]}: one consumer-group member
 * ({@link Member}), static when INSTANCE_ID is given.
 * {@code streams BOOTSTRAP APP_ID IN OUT STATE_DIR [GUARANTEE]}: a Kafka Streams word count
 * ({@link WordCount}), with processing.guarantee GUARANTEE when given.
 * One JVM serves a whole test module, because a JVM start is slow.
 */
public final class Main {
    static final ObjectMapper JSON = new ObjectMapper();
    static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    static synchronized void emit(JsonNode node) {
        OUT.println(node.toString());
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("member")) {
            Member.run(args[1], args[2], args[3], Integer.parseInt(args[4]), args.length > 5 ? args[5] : null);
            return;
        }
        if (args.length >= 1 && args[0].equals("streams")) {
            WordCount.run(args[1], args[2], args[3], args[4], args[5], args.length > 6 ? args[6] : null);
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            ObjectNode reply;
            try {
                reply = Ops.dispatch(JSON.readTree(line));
                reply.put("ok", true);
            } catch (Exception e) {
                reply = JSON.createObjectNode();
                reply.put("ok", false);
                Throwable cause = e;
                while (cause.getCause() != null) cause = cause.getCause();
                reply.put("error", e + (cause != e ? " (cause: " + cause + ")" : ""));
            }
            emit(reply);
        }
        System.exit(0);
    }
}
