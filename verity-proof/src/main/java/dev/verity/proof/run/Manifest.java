package dev.verity.proof.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.verity.proof.commit.Commitments;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a solver publishes with its commit: the task it answers, the checkpoints (step, state root,
 * blob key, op-trace root of the step that produced it) every {@code c} steps and at the end, the trace root over
 * them, and the final model.
 */
public record Manifest(@JsonProperty("task") String task, @JsonProperty("datasetRoot") String datasetRoot,
                       @JsonProperty("graphRoot") String graphRoot, @JsonProperty("checkpoints") List<Checkpoint> checkpoints,
                       @JsonProperty("traceRoot") String traceRoot, @JsonProperty("modelRoot") String modelRoot,
                       @JsonProperty("modelBlob") String modelBlob) {
    public Manifest {
        checkpoints = List.copyOf(checkpoints);
    }

    /**
     * One checkpoint: the state after {@code step} steps, its state root, the blob holding it, and the op-trace root
     * ({@code StepTrace}, 0x60 entries) of the step that produced it, i.e. of the last step of the segment ending here,
     * as {@link Sha256#hex} writes it; "" for checkpoint 0, which no step produced. The solver computes these while it
     * trains: it keeps only checkpoints, so it cannot make them up later without replaying.
     */
    public record Checkpoint(@JsonProperty("step") long step, @JsonProperty("stateRoot") String stateRoot,
                             @JsonProperty("blob") String blob, @JsonProperty("endOpTraceRoot") String endOpTraceRoot) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern HASH_HEX = Pattern.compile("[0-9a-f]{64}");

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Manifest fromJson(byte[] json) throws IOException {
        try {
            return JSON.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new IOException("malformed manifest: " + e.getMessage(), e);
        }
    }

    /** The trace tree recomputed from the checkpoint entries (0x50 leaves). */
    public MerkleTree traceTree() {
        List<Long> steps = new ArrayList<>();
        List<byte[]> roots = new ArrayList<>();
        for (Checkpoint c : checkpoints) {
            steps.add(c.step());
            roots.add(Sha256.unhex(c.stateRoot()));
        }
        return Commitments.traceTree(steps, roots);
    }

    /**
     * The op-trace roots of the segments' last steps, segment 0 first (one per checkpoint after the first).
     *
     * @throws IllegalArgumentException naming the first checkpoint whose endOpTraceRoot is missing or ill-formed, or
     *     checkpoint 0's if it is not ""
     */
    public List<byte[]> endOpTraceRoots() {
        List<byte[]> roots = new ArrayList<>();
        for (int i = 1; i < checkpoints.size(); i++) {
            roots.add(endOpTraceRoot(i - 1));
        }
        return roots;
    }

    /** The op-trace root of segment {@code i}'s last step (checkpoint i+1's); see {@link #endOpTraceRoots}. */
    public byte[] endOpTraceRoot(int segment) {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("malformed manifest: it lists no checkpoints");
        }
        String first = checkpoints.get(0).endOpTraceRoot();
        if (!"".equals(first)) {
            throw new IllegalArgumentException("malformed manifest: checkpoint 0 (the initial state, which no step produced)"
                    + " must have endOpTraceRoot \"\", it has " + describe(first));
        }
        if (segment < 0 || segment + 1 >= checkpoints.size()) {
            throw new IllegalArgumentException("segment " + segment + " outside [0, " + (checkpoints.size() - 1) + ")");
        }
        Checkpoint c = checkpoints.get(segment + 1);
        String root = c.endOpTraceRoot();
        // only the form Sha256.hex writes: one manifest, one hash
        if (root == null || !HASH_HEX.matcher(root).matches()) {
            throw new IllegalArgumentException("malformed manifest: checkpoint " + (segment + 1) + " (step " + c.step()
                    + ") must have endOpTraceRoot, the op-trace root of the step that produced it as 64 lowercase hex"
                    + " digits; it has " + describe(root));
        }
        return Sha256.unhex(root);
    }

    private static String describe(String root) {
        return root == null ? "none" : "'" + (root.length() > 80 ? root.substring(0, 80) + "…" : root) + "'";
    }

    public String hashHex() {
        return Sha256.hex(Sha256.hash(toJson()));
    }

}
