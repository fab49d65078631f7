package dev.verity.tensor.onnx;

/**
 * An ONNX model Verity cannot train: malformed, or using an op, attribute, data type or shape it does not
 * support. Thrown before any training, with the node's name and op type when a node is at fault.
 */
public final class OnnxImportException extends IllegalArgumentException {
    public OnnxImportException(String message) {
        super(message);
    }

    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A node-level refusal: "node '/fc/Gemm' (Gemm): ...". */
    static OnnxImportException at(OnnxNode node, String what) {
        return new OnnxImportException("node '" + node.name() + "' (" + node.opType() + "): " + what);
    }
}
