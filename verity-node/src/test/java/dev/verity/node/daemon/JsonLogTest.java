package dev.verity.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLogTest {
    @Test
    void oneJsonObjectPerLineWithEventAndIds() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonLog log = new JsonLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), "solver bob", "solver");
        log.story("solver bob commits task 12: trace root 78bf…, model root 94f3…, 7 checkpoints in the blob store");
        log.story("verifier victor opens dispute 3 on task 2, segment 4 (bond 50 VRT): \"quoted\"\nsecond line");
        log.error("tick-failed", "boom", Map.of("failedInARow", 2));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length, "a newline inside a message is escaped, not a new line");
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(lines[0]);
        assertEquals("solver bob", a.get("node").asText());
        assertEquals("solver", a.get("role").asText());
        assertEquals("info", a.get("level").asText());
        assertEquals("committed", a.get("event").asText());
        assertEquals(12, a.get("taskId").asLong());
        assertFalse(a.get("time").asText().isEmpty());
        JsonNode b = json.readTree(lines[1]);
        assertEquals("dispute-opened", b.get("event").asText());
        assertEquals(2, b.get("taskId").asLong());
        assertEquals(3, b.get("disputeId").asLong());
        JsonNode c = json.readTree(lines[2]);
        assertEquals("error", c.get("level").asText());
        assertEquals(2, c.get("failedInARow").asInt());
        assertFalse(c.has("taskId"));
    }

    @Test
    void rolesSentencesMapToEvents() {
        assertEquals("bid", JsonLog.eventOf("solver dave bids 0.002 VRT/unit on task 1"));
        assertEquals("outbid", JsonLog.eventOf("solver bob is outbid on task 1 before its bid lands"));
        assertEquals("training-resumed", JsonLog.eventOf("solver dave resumes task 1 from its checkpoint at step 60"));
        assertEquals("seed-revealed", JsonLog.eventOf("alice reveals the seed of task 2: verifiers and segments are drawn: …"));
        assertEquals("dispute-round", JsonLog.eventOf("  round 3 verifier victor (challenger): agrees with the state after step 12"));
        assertEquals("dispute-resolved", JsonLog.eventOf("dispute 1 resolved: the challenger wins"));
        assertEquals("settled", JsonLog.eventOf("alice settles task 1 after its challenge window (2 attestations)"));
        assertEquals("story", JsonLog.eventOf("something else"));
    }
}
