package dev.verity.tensor.graph;

import dev.verity.tensor.ops.ConvOps;
import dev.verity.tensor.ops.DataOps;
import dev.verity.tensor.ops.ElementwiseOps;
import dev.verity.tensor.ops.EmbeddingOps;
import dev.verity.tensor.ops.MatMulOp;
import dev.verity.tensor.ops.NormOps;
import dev.verity.tensor.ops.OptimOps;
import dev.verity.tensor.ops.PoolOps;
import dev.verity.tensor.ops.ReduceOps;
import dev.verity.tensor.ops.ShapeOps;
import dev.verity.tensor.ops.SoftmaxOps;
import dev.verity.tensor.ops.SourceOps;

/**
 * Every op a Verity step graph may contain. The code is part of the op record's canonical bytes:
 * never renumber, only add.
 */
public enum OpKind {
    STATE(1, new SourceOps.Source()),
    INPUT(2, new SourceOps.Source()),
    CONST(3, new SourceOps.Const()),

    GATHER_ROWS(10, new DataOps.GatherRows()),
    GATHER_WINDOWS(11, new DataOps.GatherWindows()),
    DROPOUT_MASK(12, new DataOps.DropoutMask()),

    MATMUL(20, new MatMulOp()),
    ADD(21, new ElementwiseOps.Binary(ElementwiseOps.BinaryKind.ADD)),
    SUB(22, new ElementwiseOps.Binary(ElementwiseOps.BinaryKind.SUB)),
    MUL(23, new ElementwiseOps.Binary(ElementwiseOps.BinaryKind.MUL)),
    SCALE(24, new ElementwiseOps.Scale()),
    REDUCE_TO(25, new ReduceOps.ReduceTo()),
    SUM(26, new ReduceOps.Sum(false)),
    MEAN(27, new ReduceOps.Sum(true)),

    RELU(30, new ElementwiseOps.Unary(ElementwiseOps.UnaryKind.RELU)),
    GELU(31, new ElementwiseOps.Unary(ElementwiseOps.UnaryKind.GELU)),
    TANH(32, new ElementwiseOps.Unary(ElementwiseOps.UnaryKind.TANH)),
    SIGMOID(33, new ElementwiseOps.Unary(ElementwiseOps.UnaryKind.SIGMOID)),
    RELU_GRAD(34, new ElementwiseOps.UnaryGrad(ElementwiseOps.UnaryKind.RELU)),
    GELU_GRAD(35, new ElementwiseOps.UnaryGrad(ElementwiseOps.UnaryKind.GELU)),
    TANH_GRAD(36, new ElementwiseOps.UnaryGrad(ElementwiseOps.UnaryKind.TANH)),
    SIGMOID_GRAD(37, new ElementwiseOps.UnaryGrad(ElementwiseOps.UnaryKind.SIGMOID)),

    SOFTMAX(40, new SoftmaxOps.Softmax(false)),
    SOFTMAX_GRAD(41, new SoftmaxOps.SoftmaxGrad(false)),
    LOG_SOFTMAX(42, new SoftmaxOps.Softmax(true)),
    LOG_SOFTMAX_GRAD(43, new SoftmaxOps.SoftmaxGrad(true)),
    CROSS_ENTROPY(44, new SoftmaxOps.CrossEntropy()),
    CROSS_ENTROPY_GRAD(45, new SoftmaxOps.CrossEntropyGrad()),

    CONV2D(50, new ConvOps.Conv2d()),
    CONV2D_GRAD_INPUT(51, new ConvOps.Conv2dGradInput()),
    CONV2D_GRAD_WEIGHT(52, new ConvOps.Conv2dGradWeight()),
    MAXPOOL2D(53, new PoolOps.MaxPool()),
    MAXPOOL2D_GRAD(54, new PoolOps.MaxPoolGrad()),
    AVGPOOL2D(55, new PoolOps.AvgPool()),
    AVGPOOL2D_GRAD(56, new PoolOps.AvgPoolGrad()),

    LAYERNORM(60, new NormOps.LayerNorm()),
    LAYERNORM_GRAD_INPUT(61, new NormOps.LayerNormGradInput()),
    LAYERNORM_GRAD_GAMMA(62, new NormOps.LayerNormGradGamma()),
    EMBEDDING(63, new EmbeddingOps.Embedding()),
    EMBEDDING_GRAD(64, new EmbeddingOps.EmbeddingGrad()),

    RESHAPE(70, new ShapeOps.Reshape()),
    TRANSPOSE(71, new ShapeOps.Transpose()),
    SLICE(72, new ShapeOps.Slice()),
    CONCAT(73, new ShapeOps.Concat()),
    PAD_SLICE(74, new ShapeOps.PadSlice()),
    CAUSAL_MASK(75, new ShapeOps.CausalMask()),

    SGD_BUF(80, new OptimOps.SgdBuf()),
    SGD_PARAM(81, new OptimOps.SgdParam()),
    ADAM_M(82, new OptimOps.AdamM()),
    ADAM_V(83, new OptimOps.AdamV()),
    ADAMW_PARAM(84, new OptimOps.AdamwParam()),
    POW_UPDATE(85, new OptimOps.PowUpdate()),
    GRAD_NORM_SQ(86, new OptimOps.GradNormSq()),
    CLIP_SCALE(87, new OptimOps.ClipScale()),
    LR_SCHEDULE(88, new OptimOps.LrSchedule());

    private final int code;
    private final Op op;

    OpKind(int code, Op op) {
        this.code = code;
        this.op = op;
    }

    public int code() {
        return code;
    }

    public Op op() {
        return op;
    }

    public static OpKind fromCode(int code) {
        for (OpKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown op code " + code);
    }
}
