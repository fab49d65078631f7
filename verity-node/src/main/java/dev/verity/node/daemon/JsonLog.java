package dev.verity.node.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's structured log: one JSON object per line ({@code time, node, role, level, event,
 * message}, plus {@code taskId} / {@code disputeId} where known and event-specific fields), so
 * that a log collector or another process (the localnet driver) can follow a node without parsing
 * prose. The roles themselves speak in sentences ({@link #story}); the event name and the task id
 * are read from the sentence.
 */
public final class JsonLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final String node;
    private final String role;

    public JsonLog(PrintStream out, String node, String role) {
        this.out = out;
        this.node = node;
        this.role = role;
    }

    public void info(String event, String message, Map<String, Object> fields) {
        write("info", event, message, fields);
    }

    public void warn(String event, String message, Map<String, Object> fields) {
        write("warn", event, message, fields);
    }

    public void error(String event, String message, Map<String, Object> fields) {
        write("error", event, message, fields);
    }

    /** A sentence of a role's story, with its event name and ids read from it. */
    public void story(String message) {
        Map<String, Object> f = new LinkedHashMap<>();
        Long task = firstNumber(TASK, message);
        if (task != null) {
            f.put("taskId", task);
        }
        Long dispute = firstNumber(DISPUTE, message);
        if (dispute != null) {
            f.put("disputeId", dispute);
        }
        write("info", eventOf(message), message.strip(), f);
    }

    private synchronized void write(String level, String event, String message, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("node", node);
        line.put("role", role);
        line.put("level", level);
        line.put("event", event);
        line.put("message", message);
        if (fields != null) {
            line.putAll(fields);
        }
        try {
            out.println(JSON.writeValueAsString(line));
        } catch (IOException e) {
            out.println("{\"level\":\"error\",\"event\":\"log-encoding\",\"message\":\"cannot encode a log line\"}");
        }
        out.flush();
    }

    private static final Pattern TASK = Pattern.compile("\\btasks? (\\d+)");
    private static final Pattern DISPUTE = Pattern.compile("\\bdispute (\\d+)");

    private static Long firstNumber(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? Long.valueOf(m.group(1)) : null;
    }

    /** Sentence patterns of the roles' stories (Submitter, Solver, Verifier, Challenger) and the events they stand for, first match wins. */
    private static final List<Map.Entry<Pattern, String>> EVENTS = List.of(
            Map.entry(Pattern.compile("^\\s*round \\d+"), "dispute-round"),
            Map.entry(Pattern.compile(" posts task "), "task-posted"),
            Map.entry(Pattern.compile(" does not bid "), "bid-declined"),
            Map.entry(Pattern.compile(" is outbid "), "outbid"),
            Map.entry(Pattern.compile(" bids "), "bid"),
            Map.entry(Pattern.compile(" closes the auction "), "auction-closed"),
            Map.entry(Pattern.compile(" resumes task "), "training-resumed"),
            Map.entry(Pattern.compile(" trains task "), "training-started"),
            Map.entry(Pattern.compile(" commits task "), "committed"),
            Map.entry(Pattern.compile(" reveals the seed "), "seed-revealed"),
            Map.entry(Pattern.compile("reveal window .* passed"), "reveal-missed"),
            Map.entry(Pattern.compile("missed its commit deadline"), "commit-missed"),
            Map.entry(Pattern.compile(" settles "), "settled"),
            Map.entry(Pattern.compile("bit for bit and attests"), "attested"),
            Map.entry(Pattern.compile("MISMATCH"), "mismatch"),
            Map.entry(Pattern.compile("will not attest"), "manifest-rejected"),
            Map.entry(Pattern.compile(" audits "), "audited"),
            Map.entry(Pattern.compile(" opens dispute "), "dispute-opened"),
            Map.entry(Pattern.compile("^dispute \\d+ resolved"), "dispute-resolved"),
            Map.entry(Pattern.compile("cannot challenge|cannot post the challenge bond"), "challenge-skipped"),
            Map.entry(Pattern.compile("cannot answer|cannot move"), "dispute-stuck"));

    static String eventOf(String message) {
        for (Map.Entry<Pattern, String> e : EVENTS) {
            if (e.getKey().matcher(message).find()) {
                return e.getValue();
            }
        }
        return "story";
    }
}
