package dev.verity.tensor.onnx;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node of an ONNX graph: its name, op type, input and output value names ("" for an omitted optional input)
 * and its attributes, each a Long, Float, String, {@link OnnxTensor}, long[] or float[].
 */
public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Object> attrs) {
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attrs = java.util.Collections.unmodifiableMap(new TreeMap<>(attrs));
    }

    public long intAttr(String key, long otherwise) {
        Object v = attrs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Long l)) {
            throw OnnxImportException.at(this, "attribute '" + key + "' must be an integer");
        }
        return l;
    }

    public float floatAttr(String key, float otherwise) {
        Object v = attrs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Float f)) {
            throw OnnxImportException.at(this, "attribute '" + key + "' must be a float");
        }
        return f;
    }

    public long[] intsAttr(String key, long[] otherwise) {
        Object v = attrs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof long[] l)) {
            throw OnnxImportException.at(this, "attribute '" + key + "' must be a list of integers");
        }
        return l.clone();
    }

    public String stringAttr(String key, String otherwise) {
        Object v = attrs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof String s)) {
            throw OnnxImportException.at(this, "attribute '" + key + "' must be a string");
        }
        return s;
    }

    /** Input {@code i}'s name, or "" when it is absent or omitted. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public String output(int i) {
        return outputs.get(i);
    }
}
