package dev.verity.chain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.utils.Numeric;

/**
 * Java side of the on-chain {@code LinkStructure} contract (with {@code LinkStructureRows}, {@code LinkStructureNorm}): which link an op
 * prescribes at position t of element e's chain (docs/referee.md, "Link structure"). verity-chain does not know the
 * tensor engine: records, shapes, links and data words are passed as bytes and ints.
 *
 * <p>Operands are packed as the contract packs them: {@code kind << 96 | number << 64 | index << 32 | bits}
 * (kind 0 input element, 1 earlier link, 2 constant); data words the same way with kind 0 (an input element) or 1
 * (a link's result).
 */
public final class LinkStructure {
    private LinkStructure() {
    }

    /** The prescribed link t ({@code op} and {@code operands} only when {@code t < links}). */
    public record Prescription(boolean covered, int op, List<BigInteger> operands, long links, BigInteger result, String why) {
        public Prescription {
            operands = List.copyOf(operands);
        }
    }

    /** A ruling of {@code checkLink} / {@code checkResult}; gas is the execution gas inside the contract (-1 if not measured). */
    public record Verdict(boolean covered, boolean matches, String why, long gas) {
    }

    private static final String ARGS = "(bytes,bytes,uint256,uint256,bytes,uint256[])";

    /** Deploys LinkStructureRows, LinkStructureNorm and LinkStructure; returns LinkStructure's address. */
    public static String deploy(Chain chain) {
        String from = chain.accounts().get(0);
        String rows = chain.deploy(from, Artifacts.creationCode("LinkStructureRows")).contractAddress();
        String norm = chain.deploy(from, Artifacts.creationCode("LinkStructureNorm")).contractAddress();
        return chain.deploy(from, Abi.concat(Artifacts.creationCode("LinkStructure"), Abi.encodeArgs(Abi.addr(rows), Abi.addr(norm))))
                .contractAddress();
    }

    /** Packs an operand or data word. */
    public static BigInteger pack(int kind, int number, int index, int bits) {
        return BigInteger.valueOf(kind).shiftLeft(96).or(BigInteger.valueOf(Integer.toUnsignedLong(number)).shiftLeft(64))
                .or(BigInteger.valueOf(Integer.toUnsignedLong(index)).shiftLeft(32)).or(BigInteger.valueOf(Integer.toUnsignedLong(bits)));
    }

    /** Input shapes as the contract reads them: per input {@code uint32 rank ‖ uint32 dim…}, big-endian. */
    public static byte[] dims(int[][] shapes) {
        int n = 0;
        for (int[] s : shapes) {
            n += 4 + 4 * s.length;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n);
        for (int[] s : shapes) {
            b.putInt(s.length);
            for (int d : s) {
                b.putInt(d);
            }
        }
        return b.array();
    }

    private static DynamicArray<Uint256> words(List<BigInteger> data) {
        List<Uint256> l = new ArrayList<>();
        for (BigInteger d : data) {
            l.add(new Uint256(d));
        }
        return new DynamicArray<>(Uint256.class, l);
    }

    @SuppressWarnings("rawtypes")
    private static List<Type> decode(byte[] ret, List<TypeReference<?>> types) {
        List<TypeReference<Type>> t = new ArrayList<>();
        for (TypeReference<?> r : types) {
            @SuppressWarnings("unchecked")
            TypeReference<Type> c = (TypeReference<Type>) r;
            t.add(c);
        }
        return FunctionReturnDecoder.decode(Numeric.toHexString(ret), t);
    }

    /** {@code prescribe(record, inputDims, e, t, data)}. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static Prescription prescribe(Chain chain, String address, byte[] record, byte[] inputDims, long e, long t,
                                         List<BigInteger> data) {
        byte[] ret = chain.call(chain.accounts().get(0), address, Abi.call("prescribe(bytes,bytes,uint256,uint256,uint256[])",
                Abi.bytes(record), Abi.bytes(inputDims), Abi.u256(e), Abi.u256(t), words(data)));
        List<Type> v = decode(ret, List.of(new TypeReference<Bool>() {}, new TypeReference<Uint8>() {},
                new TypeReference<DynamicArray<Uint256>>() {}, new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {},
                new TypeReference<Utf8String>() {}));
        List<BigInteger> ops = new ArrayList<>();
        for (Object o : ((DynamicArray<Uint256>) v.get(2)).getValue()) {
            ops.add(((Uint256) o).getValue());
        }
        return new Prescription((Boolean) v.get(0).getValue(), ((BigInteger) v.get(1).getValue()).intValue(), ops,
                ((BigInteger) v.get(3).getValue()).longValueExact(), (BigInteger) v.get(4).getValue(), (String) v.get(5).getValue());
    }

    /** {@code checkLinkGas(record, inputDims, e, t, link, data)}: is the {@code 0x70} leaf {@code link} the prescribed link t? */
    @SuppressWarnings("rawtypes")
    public static Verdict checkLink(Chain chain, String address, byte[] record, byte[] inputDims, long e, long t, byte[] link,
                                    List<BigInteger> data) {
        byte[] ret = chain.call(chain.accounts().get(0), address, Abi.call("checkLinkGas" + ARGS, Abi.bytes(record),
                Abi.bytes(inputDims), Abi.u256(e), Abi.u256(t), Abi.bytes(link), words(data)));
        List<Type> v = decode(ret, List.of(new TypeReference<Bool>() {}, new TypeReference<Bool>() {},
                new TypeReference<Utf8String>() {}, new TypeReference<Uint256>() {}));
        return new Verdict((Boolean) v.get(0).getValue(), (Boolean) v.get(1).getValue(), (String) v.get(2).getValue(),
                ((BigInteger) v.get(3).getValue()).longValueExact());
    }

    /** {@code checkResult(record, inputDims, e, links, result, data)}: a chain of {@code links} links ending on the {@code 0x71} leaf. */
    @SuppressWarnings("rawtypes")
    public static Verdict checkResult(Chain chain, String address, byte[] record, byte[] inputDims, long e, long links,
                                      byte[] result, List<BigInteger> data) {
        byte[] ret = chain.call(chain.accounts().get(0), address, Abi.call("checkResult" + ARGS, Abi.bytes(record),
                Abi.bytes(inputDims), Abi.u256(e), Abi.u256(links), Abi.bytes(result), words(data)));
        List<Type> v = decode(ret, List.of(new TypeReference<Bool>() {}, new TypeReference<Bool>() {},
                new TypeReference<Utf8String>() {}));
        return new Verdict((Boolean) v.get(0).getValue(), (Boolean) v.get(1).getValue(), (String) v.get(2).getValue(), -1);
    }
}
