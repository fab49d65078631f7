package dev.verity.tensor.graph;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

/**
 * A training step (or an evaluation pass) as an explicit list of op records, in execution order.
 * It is a pure function of the model config and the training config: built from shapes alone,
 * before anything runs, so every party agrees on what one step computes.
 *
 * @param nodes        the op records; node i has id i and reads only nodes with smaller ids
 * @param stateInputs  state tensor name to the SOURCE node reading it
 * @param inputs       input name (dataset arrays, "step") to the SOURCE node reading it
 * @param stateUpdates state tensor name to the node holding its value after the step
 * @param outputs      named results (e.g. "loss", "logits") to their nodes
 */
public record Graph(List<Node> nodes, SortedMap<String, Integer> stateInputs, SortedMap<String, Integer> inputs,
                    SortedMap<String, Integer> stateUpdates, SortedMap<String, Integer> outputs) {
    public Graph {
        nodes = List.copyOf(nodes);
        stateInputs = Collections.unmodifiableSortedMap(stateInputs);
        inputs = Collections.unmodifiableSortedMap(inputs);
        stateUpdates = Collections.unmodifiableSortedMap(stateUpdates);
        outputs = Collections.unmodifiableSortedMap(outputs);
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public int size() {
        return nodes.size();
    }

    public int output(String name) {
        Integer id = outputs.get(name);
        if (id == null) {
            throw new IllegalArgumentException("graph has no output '" + name + "'; it has " + outputs.keySet());
        }
        return id;
    }

    public int[][] inputShapes(Node n) {
        int[][] s = new int[n.arity()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = nodes.get(n.input(i)).shape();
        }
        return s;
    }

    /** FLOPs of one execution of the whole graph (forward, backward and optimizer). */
    public long flops() {
        long f = 0;
        for (Node n : nodes) {
            f += n.kind().op().flops(n, inputShapes(n));
        }
        return f;
    }

    /** SHA-256 over the canonical op records, in order: a quick identity of the graph. */
    public byte[] digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Node n : nodes) {
                byte[] b = n.canonicalBytes();
                md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
                md.update(b);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line per op record. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        for (Node n : nodes) {
            s.append(n).append('\n');
        }
        return s.toString();
    }
}
