package dev.verity.chain;

import java.io.PrintStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks the on-chain referee ({@code BasicOpReferee}) against a Java reference, operation by
 * operation: random operand sets per basic operation (special values, subnormals, rounding ties,
 * overflow and underflow boundaries, random bit patterns) go through the contract in batches
 * ({@code applyBatchGas}) and through the reference, and every result is compared (identical bits,
 * or both NaN for float results). verity-chain does not know the tensor engine, so the reference is
 * passed in: verity-cli passes {@code (op, v) -> BasicOps.apply(BasicOp.fromCode(op), v)}.
 *
 * <p>Operations are numbered as {@code dev.verity.tensor.elementchain.BasicOp} declares them ({@link #OPS}).
 */
public final class RefereeCheck {
    private RefereeCheck() {
    }

    /** The Java reference: basic operation (BasicOp code) on operand words -> result word. */
    @FunctionalInterface
    public interface Reference {
        int apply(int op, int[] operands);
    }

    /** BasicOp names in code order, and their arities (WireCodesTest checks them against BasicOp). */
    public static final List<String> OPS = List.of("ADD", "SUB", "MUL", "DIV", "FMA", "SQRT", "NEG", "ABS", "MAX", "MIN", "GT", "SELECT", "RINT",
            "SCALB", "GETEXP", "GETMANT", "F2I", "I2F", "PHILOX", "SHUFFLE", "UNIFORM");
    private static final int[] ARITY = {2, 2, 2, 2, 3, 1, 1, 1, 2, 2, 2, 3, 1, 2, 1, 1, 1, 1, 7, 6, 1};
    public static final int F2I = 16, PHILOX = 18, SHUFFLE = 19;

    public static int arity(int op) {
        return ARITY[op];
    }

    /** One row of the table. {@code example} is the first mismatch ("" if none). */
    public record Row(String op, int cases, int mismatches, long gasMin, long gasMedian, long gasMax, String example) {}

    public record Report(List<Row> rows) {
        public long cases() {
            return rows.stream().mapToLong(Row::cases).sum();
        }

        public long mismatches() {
            return rows.stream().mapToLong(Row::mismatches).sum();
        }
    }

    /** Deploys a fresh BasicOpReferee on {@code chain} and checks every operation; see {@link #run(Chain, String, int, long, Reference, PrintStream)}. */
    public static Report run(Chain chain, int casesPerOp, Reference reference, PrintStream out) {
        String from = chain.accounts().get(0);
        String referee = chain.deploy(from, Artifacts.creationCode("BasicOpReferee")).contractAddress();
        return run(chain, referee, casesPerOp, 0x5EED_F10A7L, reference, out);
    }

    /**
     * Runs {@code casesPerOp} random operand sets per basic operation through the referee deployed at
     * {@code referee} and through {@code reference}; prints (if {@code out} is not null) a table
     * (operation, cases, mismatches, gas min/median/max) and the line
     * {@code referee: <cases> cases, <mismatches> mismatches}. Gas is the execution gas of the
     * operation inside the contract (no call or calldata overhead).
     */
    public static Report run(Chain chain, String referee, int casesPerOp, long seed, Reference reference, PrintStream out) {
        List<Row> rows = new ArrayList<>();
        if (out != null) out.printf("%-8s %8s %10s %8s %8s %8s%n", "op", "cases", "mismatches", "gas min", "median", "max");
        for (int op = 0; op < OPS.size(); op++) {
            SplittableRandom rnd = new SplittableRandom(seed * 31 + op);
            int k = ARITY[op];
            int batch = op == SHUFFLE ? 100 : op == PHILOX ? 500 : 1500;
            long[] gas = new long[casesPerOp];
            int mismatches = 0;
            String example = "";
            for (int done = 0; done < casesPerOp; ) {
                int n = Math.min(batch, casesPerOp - done);
                int[] flat = new int[n * k];
                for (int i = 0; i < n; i++) System.arraycopy(operands(op, rnd), 0, flat, i * k, k);
                long[][] res = applyBatchGas(chain, referee, op, flat);
                for (int i = 0; i < n; i++) {
                    int[] v = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
                    int want = reference.apply(op, v);
                    int got = (int) res[0][i];
                    gas[done + i] = res[1][i];
                    if (!agree(op, got, want)) {
                        if (mismatches++ == 0) example = OPS.get(op) + hex(v) + ": contract " + hex(got) + ", java " + hex(want);
                    }
                }
                done += n;
            }
            Arrays.sort(gas);
            Row row = new Row(OPS.get(op), casesPerOp, mismatches, casesPerOp == 0 ? 0 : gas[0], casesPerOp == 0 ? 0 : gas[casesPerOp / 2],
                    casesPerOp == 0 ? 0 : gas[casesPerOp - 1], example);
            rows.add(row);
            if (out != null) {
                out.printf("%-8s %8d %10d %8d %8d %8d%n", row.op(), row.cases(), row.mismatches(), row.gasMin(), row.gasMedian(), row.gasMax());
                if (!example.isEmpty()) out.println("  first mismatch: " + example);
            }
        }
        Report report = new Report(List.copyOf(rows));
        if (out != null) out.println("referee: " + report.cases() + " cases, " + report.mismatches() + " mismatches");
        return report;
    }

    /** Identical words, or both NaN for an operation with a float result (as the contract's resultsAgree). */
    public static boolean agree(int op, int a, int b) {
        if (a == b) return true;
        if (op == F2I || op == PHILOX || op == SHUFFLE) return false;
        return Float.isNaN(Float.intBitsToFloat(a)) && Float.isNaN(Float.intBitsToFloat(b));
    }

    // ------------------------------------------------------------------ ABI (hand-rolled: batches are large)

    private static final byte[] APPLY_BATCH_GAS = Abi.selector("applyBatchGas(uint8,uint32[])");
    private static final byte[] APPLY_OP = Abi.selector("applyOp(uint8,uint32[])");

    /** Calldata of {@code fn(uint8 op, uint32[] words)}. */
    public static byte[] encodeOpWords(byte[] selector, int op, int[] words) {
        byte[] data = new byte[4 + 32 * (3 + words.length)];
        System.arraycopy(selector, 0, data, 0, 4);
        putWord(data, 4, op);
        putWord(data, 4 + 32, 64);
        putWord(data, 4 + 64, words.length);
        for (int i = 0; i < words.length; i++) putWord(data, 4 + 32 * (3 + i), words[i] & 0xffffffffL);
        return data;
    }

    /** Calldata of {@code applyOp(op, operands)} (to send as a transaction, e.g. for its gas). */
    public static byte[] applyOpCall(int op, int[] operands) {
        return encodeOpWords(APPLY_OP, op, operands);
    }

    private static void putWord(byte[] d, int at, long v) {
        for (int i = 0; i < 8; i++) d[at + 31 - i] = (byte) (v >>> (8 * i));
    }

    /** Deploys a fresh BasicOpReferee and returns its address. */
    public static String deployReferee(Chain chain) {
        return chain.deploy(chain.accounts().get(0), Artifacts.creationCode("BasicOpReferee")).contractAddress();
    }

    /**
     * Applies {@code op} to consecutive operand sets ({@code flat}, arity words each) in the
     * contract: returns {results, execution gas per set}.
     */
    public static long[][] applyBatchGas(Chain chain, String referee, int op, int[] flat) {
        byte[] ret = chain.call(chain.accounts().get(0), referee, encodeOpWords(APPLY_BATCH_GAS, op, flat));
        return new long[][] {readArray(ret, (int) Abi.wordLong(ret, 0)), readArray(ret, (int) Abi.wordLong(ret, 1))};
    }

    private static long[] readArray(byte[] ret, int offset) {
        int n = (int) new BigInteger(1, Arrays.copyOfRange(ret, offset, offset + 32)).longValueExact();
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            int at = offset + 32 + 32 * i;
            long v = 0;
            for (int j = 24; j < 32; j++) v = (v << 8) | (ret[at + j] & 0xff);
            a[i] = v;
        }
        return a;
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }

    private static String hex(int[] v) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) b.append(i > 0 ? ", " : "").append(hex(v[i]));
        return b.append(')').toString();
    }

    // ------------------------------------------------------------------ operand generation

    private static final int[] SPECIAL = {
        0x00000000, 0x80000000, // +-0
        0x7f800000, 0xff800000, // +-inf
        0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0x7fa00000, // NaNs (quiet, signalling, payloads)
        0x00000001, 0x80000001, 0x00000002, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
        0x00800000, 0x80800000, 0x00800001, 0x00ffffff, // smallest normals
        0x7f7fffff, 0xff7fffff, 0x7f7ffffe, 0x7f000000, 0x7effffff, // largest finite
        0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff, 0x40000000, 0x3f000000, 0x3fc00000, 0x40400000, 0xbf000000, // around 1
        0x4b000000, 0x4b000001, 0x4b7fffff, 0x4b800000, 0x4affffff, 0x3effffff, 0x3f000001, // 2^23, 2^24, 0.5 neighbours
        0x4f000000, 0xcf000000, 0x4effffff, 0xceffffff, 0x4f000001, 0xcf000001, // +-2^31
        0x33800000, 0x34000000, 0x33000000, 0x0c000000, 0x1f800000, 0x5f800000, 0x60000000, // 2^-24, 2^-23, 2^-25, tiny/huge squares
    };

    /** A float bit pattern from a mix of special values, their neighbours, random bits and structured values. */
    public static int floatBits(SplittableRandom r) {
        int s = r.nextBoolean() ? 0x80000000 : 0;
        switch (r.nextInt(8)) {
            case 0:
                return SPECIAL[r.nextInt(SPECIAL.length)];
            case 1:
                return SPECIAL[r.nextInt(SPECIAL.length)] + r.nextInt(-2, 3);
            case 2:
            case 3:
                return r.nextInt();
            case 4: // few significant bits: exact ties in products, sums and quotients
                return s | (r.nextInt(1, 255) << 23) | ((r.nextInt(1 << 6) << 17) & 0x7fffff);
            case 5: // near overflow / underflow
                return s | ((r.nextBoolean() ? r.nextInt(0, 24) : r.nextInt(230, 255)) << 23) | r.nextInt(1 << 23);
            case 6: // moderate values
                return s | (r.nextInt(100, 160) << 23) | r.nextInt(1 << 23);
            default: // mantissa all-ones or all-zeros-but-low: carries through the exponent on rounding
                return s | (r.nextInt(0, 255) << 23) | (r.nextBoolean() ? 0x7fffff - r.nextInt(4) : r.nextInt(4));
        }
    }

    /** b close to a in exponent (cancellation in sums, ties at the last bit). */
    private static int near(SplittableRandom r, int a) {
        int e = (a >>> 23) & 0xff;
        int e2 = Math.clamp(e + r.nextInt(-26, 27), 0, 254);
        int m = r.nextBoolean() ? (a & 0x7fffff) ^ (1 << r.nextInt(23)) : r.nextInt(1 << 23);
        if (r.nextInt(4) == 0) m &= ~((1 << r.nextInt(24)) - 1);
        return (r.nextBoolean() ? 0x80000000 : 0) | (e2 << 23) | m;
    }

    private static int intBits(SplittableRandom r) {
        switch (r.nextInt(5)) {
            case 0:
                return r.nextInt();
            case 1:
                return r.nextInt(-300, 301);
            case 2: // ties at the 24-bit boundary
                return (r.nextBoolean() ? -1 : 1) * (((1 << r.nextInt(24, 31)) | r.nextInt(1 << 24)) & ~((1 << r.nextInt(0, 8)) - 1));
            case 3:
                return new int[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 24, (1 << 24) + 1, -(1 << 24) - 1, (1 << 25) + 2, (1 << 25) + 6}[r.nextInt(10)];
            default:
                return r.nextInt() >> r.nextInt(32);
        }
    }

    /** One random operand set for basic operation {@code op}, inside the operation's domain. */
    public static int[] operands(int op, SplittableRandom r) {
        int a = floatBits(r);
        switch (OPS.get(op)) {
            case "ADD", "SUB", "MAX", "MIN", "GT", "MUL", "DIV":
                return new int[] {a, r.nextInt(3) == 0 ? near(r, a) : floatBits(r)};
            case "FMA": {
                int b = floatBits(r);
                int c;
                int pick = r.nextInt(4);
                if (pick == 0) {
                    // c close to -a*b: cancellation; the product's low half decides the rounding
                    float p = Float.intBitsToFloat(a) * Float.intBitsToFloat(b);
                    c = Float.floatToRawIntBits(-p) + r.nextInt(-3, 4);
                } else if (pick == 1) {
                    float p = Float.intBitsToFloat(a) * Float.intBitsToFloat(b);
                    c = near(r, Float.floatToRawIntBits(p));
                } else {
                    c = floatBits(r);
                }
                return new int[] {a, b, c};
            }
            case "SQRT": {
                if (r.nextInt(4) == 0) {
                    float x = Float.intBitsToFloat(floatBits(r));
                    return new int[] {Float.floatToRawIntBits(x * x) + r.nextInt(-1, 2)};
                }
                return new int[] {r.nextBoolean() ? a & 0x7fffffff : a};
            }
            case "SELECT":
                return new int[] {a, floatBits(r), r.nextInt(3) == 0 ? (r.nextBoolean() ? 0 : 0x80000000) : floatBits(r)};
            case "RINT": {
                if (r.nextBoolean()) {
                    // k + f for f in {0.5, 0.25, 0.75, ...}, exponents where rounding happens
                    int e = r.nextInt(124, 152);
                    return new int[] {(r.nextBoolean() ? 0x80000000 : 0) | (e << 23) | (r.nextInt(1 << 23) & ~((1 << r.nextInt(0, 23)) - 1))};
                }
                return new int[] {a};
            }
            case "SCALB": {
                int n = r.nextInt(4) == 0 ? floatBits(r) : Float.floatToRawIntBits((float) r.nextInt(-300, 301));
                return new int[] {a, n};
            }
            case "F2I": {
                if (r.nextBoolean()) {
                    int e = r.nextInt(120, 162);
                    return new int[] {(r.nextBoolean() ? 0x80000000 : 0) | (e << 23) | r.nextInt(1 << 23)};
                }
                return new int[] {a};
            }
            case "I2F":
                return new int[] {intBits(r)};
            case "PHILOX":
                return new int[] {r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(4)};
            case "SHUFFLE": {
                int n = switch (r.nextInt(5)) {
                    case 0 -> r.nextInt(1, 10);
                    case 1 -> r.nextInt(1, 100_000);
                    case 2 -> r.nextInt(1, Integer.MAX_VALUE);
                    case 3 -> (1 << r.nextInt(0, 31)) + r.nextInt(-1, 2);
                    default -> r.nextInt(1 << 30, Integer.MAX_VALUE);
                };
                n = Math.max(1, n);
                int batch = r.nextBoolean() ? r.nextInt(1, 1025) : r.nextInt(1, Integer.MAX_VALUE);
                int step = r.nextBoolean() ? r.nextInt(0, 1 << 20) : r.nextInt(0, Integer.MAX_VALUE);
                int row = r.nextInt(batch);
                return new int[] {r.nextInt(), r.nextInt(), n, batch, step, row};
            }
            case "UNIFORM":
                return new int[] {r.nextInt()};
            default: // NEG, ABS, GETEXP, GETMANT
                return new int[] {a};
        }
    }
}
