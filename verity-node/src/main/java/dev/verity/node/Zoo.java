package dev.verity.node;

import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The model zoo as a user sees it: registry entries on chain, models in the blob store. A registry
 * entry names the task that produced the model; the task's on-chain manifest hash is the blob key of
 * the solver's manifest, which names the model's safetensors blob. Every link of that walk is
 * checked: the store checks each blob against its key, and the model's weights are re-hashed into
 * a model root that must be the registered one, so a store that serves other bytes is an error.
 */
public final class Zoo {
    private Zoo() {
    }

    /** A fetched model: its registry entry, the manifest that named it, and its verified safetensors. */
    public record Model(Verity.ModelEntry entry, Manifest manifest, byte[] safetensors, TreeMap<String, Tensor> tensors) {
        public String rootHex() {
            return Sha256.hex(entry.modelRoot());
        }

        public long parameters() {
            long n = 0;
            for (Tensor t : tensors.values()) {
                n += t.size();
            }
            return n;
        }
    }

    /**
     * The model root {@code hash} names: 64 hex digits (0x optional), or a prefix of at least 8 that
     * only one zoo entry starts with.
     *
     * @throws IllegalArgumentException if it is not hex, matches no entry or more than one
     */
    public static byte[] resolve(Verity v, String hash) {
        String h = hash == null ? "" : hash.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("0x")) {
            h = h.substring(2);
        }
        if (!h.matches("[0-9a-f]{8,64}")) {
            throw new IllegalArgumentException("a model hash is its model root: 64 hex digits (or a unique prefix of at least 8), got '" + hash + "'");
        }
        if (h.length() == 64) {
            byte[] root = Sha256.unhex(h);
            if (v.model(root).isEmpty()) {
                throw new IllegalArgumentException("no model " + h + " in the zoo (registry " + v.registry + " has " + v.modelCount() + " models)");
            }
            return root;
        }
        List<byte[]> hits = new ArrayList<>();
        for (Verity.ModelEntry e : v.models()) {
            if (Sha256.hex(e.modelRoot()).startsWith(h)) {
                hits.add(e.modelRoot());
            }
        }
        if (hits.isEmpty()) {
            throw new IllegalArgumentException("no model in the zoo starts with " + h + " (registry " + v.registry + " has " + v.modelCount() + " models)");
        }
        if (hits.size() > 1) {
            throw new IllegalArgumentException(hits.size() + " models in the zoo start with " + h + "; give more digits");
        }
        return hits.get(0);
    }

    /** Fetches the model registered under {@code modelRoot} from {@code store}, verified at every step. */
    public static Model fetch(Verity v, BlobStore store, byte[] modelRoot) throws IOException {
        String root = Sha256.hex(modelRoot);
        Verity.ModelEntry entry = v.model(modelRoot)
                .orElseThrow(() -> new IllegalArgumentException("no model " + root + " in the zoo"));
        Verity.TaskView task = v.task(entry.taskId());
        // The registry records the first task whose model had this root; that task committed it.
        if (!Arrays.equals(task.modelRoot(), modelRoot)) {
            throw new IOException("registry entry " + root + " names task " + entry.taskId() + ", which committed model root "
                    + Sha256.hex(task.modelRoot()));
        }
        String manifestKey = Sha256.hex(task.manifestHash());
        Manifest m;
        try {
            m = Manifest.fromJson(store.get(manifestKey));
        } catch (BlobStore.MissingBlobException e) {
            throw new IOException("the manifest of task " + entry.taskId() + " (blob " + manifestKey + ") is not in the store; "
                    + "is --store the network's blob store?", e);
        }
        if (!root.equals(m.modelRoot())) {
            throw new IOException("the manifest of task " + entry.taskId() + " names model root " + m.modelRoot() + ", the registry " + root);
        }
        if (!Sha256.hex(entry.traceRoot()).equals(m.traceRoot())) {
            throw new IOException("the manifest of task " + entry.taskId() + " has trace root " + m.traceRoot() + ", the registry "
                    + Sha256.hex(entry.traceRoot()));
        }
        if (m.modelBlob() == null || !m.modelBlob().matches("[0-9a-f]{64}")) {
            throw new IOException("the manifest of task " + entry.taskId() + " names no model blob");
        }
        byte[] bytes;
        try {
            bytes = store.get(m.modelBlob());
        } catch (BlobStore.MissingBlobException e) {
            throw new IOException("the model blob " + m.modelBlob() + " of model " + root + " is not in the store", e);
        }
        SafeTensors.Contents c;
        try {
            c = SafeTensors.fromBytes(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IOException("the model blob " + m.modelBlob() + " is not a safetensors file: " + e.getMessage(), e);
        }
        TreeMap<String, Tensor> tensors = new TreeMap<>(c.tensors());
        String actual = Sha256.hex(TaskRun.modelRoot(tensors));
        if (!actual.equals(root)) {
            throw new IOException("the model blob " + m.modelBlob() + " has model root " + actual + ", the registry says " + root);
        }
        return new Model(entry, m, bytes, tensors);
    }
}
