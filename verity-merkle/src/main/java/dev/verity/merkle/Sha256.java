package dev.verity.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers (the EVM precompile at 0x02 computes the same function). */
public final class Sha256 {
    private Sha256() {
    }

    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static byte[] hash(byte[]... parts) {
        MessageDigest md = digest();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    public static String hex(byte[] h) {
        return HexFormat.of().formatHex(h);
    }

    public static byte[] unhex(String s) {
        if (s == null || s.length() != 64) {
            throw new IllegalArgumentException("expected a 32-byte hash as 64 hex digits, got '" + s + "'");
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex hash: '" + s + "'");
        }
    }

    /** {@code v} as 8 big-endian bytes (uint64 in the commitments and in the contracts' abi.encodePacked). */
    public static byte[] u64(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }
}
