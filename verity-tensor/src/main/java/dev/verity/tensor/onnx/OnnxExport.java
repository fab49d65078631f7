package dev.verity.tensor.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.verity.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * Back to PyTorch: the original ONNX file with its initializers replaced by trained tensors of the same names and
 * shapes (float32, raw little-endian data). Everything else in the file is kept as it was.
 */
public final class OnnxExport {
    private OnnxExport() {
    }

    /**
     * The model {@code original} with every initializer named in {@code trained} set to the trained values. Every
     * float initializer the importer trained must be given, so an export never silently keeps a stale weight.
     */
    public static byte[] withInitializers(byte[] original, Map<String, Tensor> trained) {
        OnnxMl.ModelProto m;
        try {
            m = OnnxMl.ModelProto.parseFrom(original);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException("not an ONNX model: " + e.getMessage(), e);
        }
        OnnxMl.ModelProto.Builder b = m.toBuilder();
        OnnxMl.GraphProto.Builder g = b.getGraphBuilder();
        TreeSet<String> unused = new TreeSet<>(trained.keySet());
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            Tensor v = trained.get(t.getName());
            if (v == null) {
                continue;
            }
            int[] dims = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
            if (!Arrays.equals(dims, v.shape())) {
                throw new OnnxImportException("trained tensor '" + t.getName() + "' has shape " + Arrays.toString(v.shape())
                        + ", the model's initializer " + Arrays.toString(dims));
            }
            g.setInitializer(i, t.toBuilder().clearFloatData().clearDoubleData()
                    .setDataType(OnnxGraph.DT_FLOAT).setRawData(littleEndian(v.data())).build());
            unused.remove(t.getName());
        }
        if (!unused.isEmpty()) {
            throw new OnnxImportException("the model has no initializers named " + unused);
        }
        return b.build().toByteArray();
    }

    private static ByteString littleEndian(float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return ByteString.copyFrom(buf.array());
    }
}
