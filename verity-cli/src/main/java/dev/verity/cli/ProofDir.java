package dev.verity.cli;

import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A proof directory as {@code verity train --prove DIR} writes it: {@code spec.json} (the task,
 * canonical), {@code manifest.json} (checkpoints, trace root, final model) and {@code blobs/}
 * (the content-addressed store), plus {@code cheat.txt} when it was made by a cheat on purpose.
 */
record ProofDir(Path dir, TaskSpec spec, Manifest manifest, LocalBlobStore store, String cheat) {
    static ProofDir open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a proof directory (make one with verity train --prove DIR)");
        }
        try {
            String json = Files.readString(dir.resolve("spec.json"), StandardCharsets.UTF_8);
            Manifest m = Manifest.fromJson(Files.readAllBytes(dir.resolve("manifest.json")));
            Path cheatFile = dir.resolve("cheat.txt");
            String cheat = Files.exists(cheatFile) ? Files.readString(cheatFile).trim() : null;
            LocalBlobStore store = new LocalBlobStore(dir.resolve("blobs")); // also holds an ONNX model and a published dataset
            return new ProofDir(dir, TaskSpec.parse(json, store), m, store, cheat);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(dir + " has no " + Path.of(e.getFile()).getFileName()
                    + " (make one with verity train --prove DIR)");
        }
    }

    TaskRun run() throws IOException {
        return TaskRun.open(spec, store);
    }
}
