package dev.verity.node;

import dev.verity.chain.Verity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Helpers for accounts and amounts in the story: checks, names and token formatting. */
public final class Accounts {
    private Accounts() {
    }

    /** An allowance that never runs out (2^256 - 1). */
    public static final BigInteger UNLIMITED = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);

    private static final Map<String, String> NAMES = new ConcurrentHashMap<>();

    static void check(String what, String account) {
        if (account == null || !account.matches("0x[0-9a-f]{40}")) {
            throw new IllegalArgumentException(what + " must be a lower-case 0x-prefixed 20-byte address, got '" + account + "'");
        }
    }

    /** Gives an address a name used when printing (e.g. "solver carol"). */
    public static void name(String account, String name) {
        NAMES.put(account.toLowerCase(java.util.Locale.ROOT), name);
    }

    /** The address's name, or its first hex digits. */
    public static String short_(String account) {
        String n = NAMES.get(account.toLowerCase(java.util.Locale.ROOT));
        return n != null ? n : account.substring(0, 10) + "…";
    }

    /** 18-decimal token amount as "12.5 VRT". */
    public static String tokens(BigInteger wei) {
        BigDecimal d = new BigDecimal(wei).divide(BigDecimal.TEN.pow(18), 6, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return d.toPlainString() + " VRT";
    }

    static String assignments(List<Verity.Assignment> as) {
        StringBuilder b = new StringBuilder();
        for (Verity.Assignment a : as) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(short_(a.verifier())).append(" -> segment ").append(a.segment());
        }
        return b.isEmpty() ? "(no verifier available)" : b.toString();
    }
}
