package dev.verity.tensor.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An ONNX model read into plain records: its opset, graph inputs and outputs, initializers and nodes. Parsing is
 * done by ONNX's own protobuf classes ({@code ai.onnx.proto.OnnxMl}); this class only checks what Verity needs and
 * copies it out, so nothing after it depends on protobuf.
 *
 * @param source       where the model came from (a path), for messages
 * @param opset        the version of the default ("ai.onnx") operator set
 * @param inputs       the graph inputs that are not initializers (the data the model reads)
 * @param outputs      the graph outputs
 * @param initializers the model's constant tensors by name (weights, running statistics)
 * @param nodes        the nodes in the file's (topological) order
 */
public record OnnxGraph(String source, long opset, List<ValueInfo> inputs, List<ValueInfo> outputs,
                        SortedMap<String, OnnxTensor> initializers, List<OnnxNode> nodes) {
    /** The opsets whose semantics the importer implements (PyTorch 1.13 to 2.x export 13 to 17 by default). */
    public static final long MIN_OPSET = 13;
    public static final long MAX_OPSET = 17;
    /** A model file larger than this is refused before parsing (the task limit is 10^8 parameters). */
    public static final long MAX_BYTES = 1L << 31;

    /** A graph input or output: name, element type (ONNX's TensorProto.DataType code) and shape (-1 for a symbolic dim). */
    public record ValueInfo(String name, int elemType, int[] dims) {
        public ValueInfo {
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        public boolean isInteger() {
            return elemType == DT_INT64 || elemType == DT_INT32;
        }
    }

    static final int DT_FLOAT = 1;
    static final int DT_UINT8 = 2;
    static final int DT_INT8 = 3;
    static final int DT_INT32 = 6;
    static final int DT_INT64 = 7;
    static final int DT_BOOL = 9;
    static final int DT_DOUBLE = 11;

    public OnnxGraph {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        initializers = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(initializers));
        nodes = List.copyOf(nodes);
    }

    public static OnnxGraph read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new OnnxImportException(file + ": " + size + " bytes, over the limit of " + MAX_BYTES);
        }
        return read(Files.readAllBytes(file), file.toString());
    }

    public static OnnxGraph read(byte[] bytes, String source) {
        OnnxMl.ModelProto m;
        try {
            m = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(source + " is not an ONNX model: " + e.getMessage(), e);
        }
        if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
            throw new OnnxImportException(source + " is not an ONNX model: it has no graph");
        }
        long opset = opset(m, source);
        OnnxMl.GraphProto g = m.getGraph();
        TreeMap<String, OnnxTensor> inits = new TreeMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), tensor(t, source));
        }
        List<ValueInfo> ins = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            if (!inits.containsKey(v.getName())) {
                ins.add(valueInfo(v, source));
            }
        }
        List<ValueInfo> outs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            outs.add(valueInfo(v, source));
        }
        List<OnnxNode> nodes = new ArrayList<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            nodes.add(node(n, source));
        }
        return new OnnxGraph(source, opset, ins, outs, inits, nodes);
    }

    private static long opset(OnnxMl.ModelProto m, String source) {
        long opset = -1;
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new OnnxImportException(source + ": opset " + opset + " is not supported (supported: " + MIN_OPSET
                    + " to " + MAX_OPSET + "; export with torch.onnx.export(..., opset_version=17))");
        }
        return opset;
    }

    private static ValueInfo valueInfo(OnnxMl.ValueInfoProto v, String source) {
        if (!v.getType().hasTensorType()) {
            throw new OnnxImportException(source + ": graph value '" + v.getName() + "' is not a tensor");
        }
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        int[] dims = new int[t.getShape().getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            OnnxMl.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            dims[i] = d.hasDimValue() ? Math.toIntExact(d.getDimValue()) : -1;
        }
        return new ValueInfo(v.getName(), t.getElemType(), dims);
    }

    private static OnnxNode node(OnnxMl.NodeProto n, String source) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new OnnxImportException("node '" + n.getName() + "' (" + n.getOpType() + ") of " + source
                    + " is in domain '" + n.getDomain() + "'; only the default ONNX operator set is supported");
        }
        TreeMap<String, Object> attrs = new TreeMap<>();
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            attrs.put(a.getName(), attribute(a, n, source));
        }
        return new OnnxNode(n.getName(), n.getOpType(), n.getInputList(), n.getOutputList(), attrs);
    }

    private static Object attribute(OnnxMl.AttributeProto a, OnnxMl.NodeProto n, String source) {
        return switch (a.getType()) {
            case INT -> a.getI();
            case FLOAT -> a.getF();
            case STRING -> a.getS().toStringUtf8();
            case INTS -> a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield f;
            }
            case TENSOR -> tensor(a.getT(), source);
            default -> throw new OnnxImportException("node '" + n.getName() + "' (" + n.getOpType() + "): attribute '"
                    + a.getName() + "' has type " + a.getType() + ", which Verity does not read");
        };
    }

    /** Copies a TensorProto's values out (raw little-endian bytes or the typed repeated fields). */
    static OnnxTensor tensor(OnnxMl.TensorProto t, String source) {
        String name = t.getName();
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            throw new OnnxImportException(source + ": tensor '" + name + "' keeps its data in an external file; "
                    + "save the model with its weights inside (onnx.save(model, f, save_as_external_data=False))");
        }
        int[] shape = new int[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.toIntExact(t.getDims(i));
        }
        ByteString raw = t.getRawData();
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !raw.isEmpty();
        return switch (t.getDataType()) {
            case DT_FLOAT -> OnnxTensor.ofFloats(name, shape, hasRaw ? floats(b) : toFloats(t.getFloatDataList()));
            case DT_DOUBLE -> OnnxTensor.ofFloats(name, shape, hasRaw ? doublesAsFloats(b) : narrow(t.getDoubleDataList()));
            case DT_INT64 -> OnnxTensor.ofLongs(name, shape, hasRaw ? longs(b)
                    : t.getInt64DataList().stream().mapToLong(Long::longValue).toArray());
            case DT_INT32, DT_INT8, DT_UINT8, DT_BOOL -> OnnxTensor.ofLongs(name, shape, hasRaw
                    ? smallInts(b, t.getDataType()) : t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray());
            default -> throw new OnnxImportException(source + ": tensor '" + name + "' has data type " + t.getDataType()
                    + "; supported: float32, float64, int64, int32, int8, uint8, bool");
        };
    }

    private static float[] floats(ByteBuffer b) {
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    private static float[] toFloats(List<Float> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = l.get(i);
        }
        return f;
    }

    private static float[] doublesAsFloats(ByteBuffer b) {
        float[] f = new float[b.remaining() / 8];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) b.getDouble();
        }
        return f;
    }

    private static float[] narrow(List<Double> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = l.get(i).floatValue();
        }
        return f;
    }

    private static long[] longs(ByteBuffer b) {
        long[] l = new long[b.remaining() / 8];
        b.asLongBuffer().get(l);
        return l;
    }

    private static long[] smallInts(ByteBuffer b, int type) {
        int width = type == DT_INT32 ? 4 : 1;
        long[] l = new long[b.remaining() / width];
        for (int i = 0; i < l.length; i++) {
            l[i] = switch (type) {
                case DT_INT32 -> b.getInt();
                case DT_INT8 -> b.get();
                default -> b.get() & 0xff;
            };
        }
        return l;
    }

    /** The model's single data input (Verity's models read one batch tensor). */
    public ValueInfo input() {
        if (inputs.size() != 1) {
            throw new OnnxImportException(source + ": the model has " + inputs.size() + " data inputs "
                    + inputs.stream().map(ValueInfo::name).toList() + "; Verity trains models with exactly one");
        }
        return inputs.get(0);
    }

    /** The model's first output: the logits. */
    public ValueInfo output() {
        return outputs.get(0);
    }

    /** Number of initializer elements (an upper bound of the parameter count). */
    public long initializerElements() {
        long n = 0;
        for (OnnxTensor t : initializers.values()) {
            n += t.size();
        }
        return n;
    }

    @Override
    public String toString() {
        return "OnnxGraph[" + source + ", opset " + opset + ", " + nodes.size() + " nodes, " + initializers.size()
                + " initializers, input " + (inputs.isEmpty() ? "-" : inputs.get(0).name() + Arrays.toString(inputs.get(0).dims))
                + "]";
    }

}
