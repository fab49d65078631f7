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

/**
 * What a solver publishes with its commit: the task it answers, the checkpoints (step, state root,
 * blob key) every {@code c} steps and at the end, the trace root over them, and the final model.
 */
public record Manifest(@JsonProperty("task") String task, @JsonProperty("datasetRoot") String datasetRoot,
                       @JsonProperty("graphRoot") String graphRoot, @JsonProperty("checkpoints") List<Checkpoint> checkpoints,
                       @JsonProperty("traceRoot") String traceRoot, @JsonProperty("modelRoot") String modelRoot,
                       @JsonProperty("modelBlob") String modelBlob) {
    public Manifest {
        checkpoints = List.copyOf(checkpoints);
    }

    /** One checkpoint: the state after {@code step} steps, its state root and the blob holding it. */
    public record Checkpoint(@JsonProperty("step") long step, @JsonProperty("stateRoot") String stateRoot,
                             @JsonProperty("blob") String blob) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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

    public String hashHex() {
        return Sha256.hex(Sha256.hash(toJson()));
    }

}
