package dev.verity.chain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint128;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** ABI helpers over web3j's encoder: typed argument constructors, selectors, revert decoding, word reads. */
public final class Abi {
    private Abi() {}

    public static byte[] selector(String signature) {
        return Arrays.copyOf(Hash.sha3(signature.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4);
    }

    public static String eventTopic(String signature) {
        return Numeric.toHexString(Hash.sha3(signature.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    /** selector(signature) || abi.encode(args). */
    public static byte[] call(String signature, Type<?>... args) {
        String enc = args.length == 0 ? "" : FunctionEncoder.encodeConstructor(Arrays.asList(args));
        return concat(selector(signature), Numeric.hexStringToByteArray(enc));
    }

    public static byte[] encodeArgs(Type<?>... args) {
        return args.length == 0 ? new byte[0] : Numeric.hexStringToByteArray(FunctionEncoder.encodeConstructor(Arrays.asList(args)));
    }

    public static Uint256 u256(BigInteger v) { return new Uint256(v); }
    public static Uint256 u256(long v) { return new Uint256(BigInteger.valueOf(v)); }
    public static Uint128 u128(BigInteger v) { return new Uint128(v); }
    public static Uint64 u64(long v) { return new Uint64(BigInteger.valueOf(v)); }
    public static org.web3j.abi.datatypes.generated.Uint48 u48(long v) { return new org.web3j.abi.datatypes.generated.Uint48(BigInteger.valueOf(v)); }
    public static Uint32 u32(long v) { return new Uint32(BigInteger.valueOf(v)); }
    public static Uint16 u16(long v) { return new Uint16(BigInteger.valueOf(v)); }
    public static Uint8 u8(long v) { return new Uint8(BigInteger.valueOf(v)); }
    public static Address addr(String a) { return new Address(a); }
    public static Bool bool(boolean b) { return new Bool(b); }
    public static Bytes32 b32(byte[] v) { return new Bytes32(v); }
    public static DynamicBytes bytes(byte[] v) { return new DynamicBytes(v); }

    public static DynamicArray<Bytes32> b32s(List<byte[]> v) {
        List<Bytes32> l = new ArrayList<>();
        for (byte[] b : v) l.add(new Bytes32(b));
        return new DynamicArray<>(Bytes32.class, l);
    }

    public static StaticStruct tuple(Type<?>... fields) {
        return new StaticStruct(List.of(fields));
    }

    // ------------------------------------------------------------------ decoding

    /** Word {@code i} (32 bytes) of ABI-encoded data as an unsigned integer. */
    public static BigInteger word(byte[] data, int i) {
        return new BigInteger(1, Arrays.copyOfRange(data, 32 * i, 32 * i + 32));
    }

    public static long wordLong(byte[] data, int i) {
        return word(data, i).longValueExact();
    }

    public static byte[] wordBytes(byte[] data, int i) {
        return Arrays.copyOfRange(data, 32 * i, 32 * i + 32);
    }

    public static String wordAddress(byte[] data, int i) {
        return Numeric.toHexString(Arrays.copyOfRange(data, 32 * i + 12, 32 * i + 32));
    }

    public static boolean wordBool(byte[] data, int i) {
        return word(data, i).signum() != 0;
    }

    private static final byte[] ERROR_SELECTOR = selector("Error(string)");
    private static final byte[] PANIC_SELECTOR = selector("Panic(uint256)");

    /**
     * Decodes revert data: Error(string) to its message, Panic(uint256) to "panic 0x..", a custom error of a Verity
     * contract to {@code Name(arg, ...)} (strings quoted, numbers in decimal), else null.
     */
    public static String revertReason(byte[] data) {
        if (data == null || data.length < 4) return null;
        byte[] sel = Arrays.copyOf(data, 4);
        byte[] body = Arrays.copyOfRange(data, 4, data.length);
        try {
            if (Arrays.equals(sel, ERROR_SELECTOR) && body.length >= 64) {
                int off = word(body, 0).intValueExact();
                int len = new BigInteger(1, Arrays.copyOfRange(body, off, off + 32)).intValueExact();
                return new String(Arrays.copyOfRange(body, off + 32, off + 32 + len), java.nio.charset.StandardCharsets.UTF_8);
            }
            if (Arrays.equals(sel, PANIC_SELECTOR) && body.length >= 32) {
                return "panic 0x" + word(body, 0).toString(16);
            }
            return Artifacts.customError(sel, body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
