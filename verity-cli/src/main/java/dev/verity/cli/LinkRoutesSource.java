package dev.verity.cli;

import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.ops.SourceOps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates verity-chain's {@code LinkRoutes.sol}: which of the three structure contracts prescribes each op kind's
 * element chain. The source is the prescriptions themselves: the op kinds each {@code LinkStructure*.sol}'s
 * {@code _walk} compares its code with ({@code code == WireCodes.OP_KIND_X}, or a range
 * {@code code >= WireCodes.OP_KIND_A && code <= WireCodes.OP_KIND_B}; an offset {@code code - WireCodes.OP_KIND_A}
 * claims nothing, and any other use of a kind there is refused). LinkStructure sends LinkStructureNorm's kinds
 * there before any walk of its own ({@link #toNormExpression}); the others it walks itself, and asks
 * LinkStructureRows for what its walk does not hold. {@code WireCodesTest} regenerates and compares, and fails for an
 * op kind with a chain that no contract prescribes or that two do.
 */
final class LinkRoutesSource {
    private LinkRoutesSource() {
    }

    /** Where the committed file lives, relative to the repository root. */
    static final String PATH = "verity-chain/src/main/solidity/LinkRoutes.sol";

    /** The structure contracts, in the order LinkStructure asks them; each one's source file. */
    enum Prescriber {
        LINK_STRUCTURE("LinkStructure"), LINK_STRUCTURE_ROWS("LinkStructureRows"), LINK_STRUCTURE_NORM("LinkStructureNorm");

        final String contract;

        Prescriber(String contract) {
            this.contract = contract;
        }

        String path() {
            return "verity-chain/src/main/solidity/" + contract + ".sol";
        }
    }

    /** Whether op kind {@code k} has an element chain, so some contract must prescribe it: not a source, not a view. */
    static boolean hasChain(OpKind k) {
        return !(k.op() instanceof SourceOps.Source) && !k.op().isView();
    }

    private static final Pattern RANGE = Pattern.compile(
            "code\\s*>=\\s*WireCodes\\.OP_KIND_(\\w+)\\s*&&\\s*code\\s*<=\\s*WireCodes\\.OP_KIND_(\\w+)");
    private static final Pattern SINGLE = Pattern.compile("code\\s*==\\s*WireCodes\\.OP_KIND_(\\w+)");
    /** An offset from a kind the range test already routed ({@code uint8(code - WireCodes.OP_KIND_ADD)}): no claim. */
    private static final Pattern OFFSET = Pattern.compile("code\\s*-\\s*WireCodes\\.OP_KIND_\\w+");
    private static final Pattern ANY = Pattern.compile("OP_KIND_(\\w+)");

    /** The body of {@code function _walk(...)} in a contract's source, braces included. */
    static String walkBody(String source, String contract) {
        int f = source.indexOf("function _walk(");
        if (f < 0) {
            throw new IllegalStateException(contract + " has no _walk");
        }
        int open = source.indexOf('{', f);
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char ch = source.charAt(i);
            if (ch == '{') {
                depth++;
            } else if (ch == '}' && --depth == 0) {
                return source.substring(open, i + 1);
            }
        }
        throw new IllegalStateException(contract + "'s _walk does not end");
    }

    /** The op kinds one contract's {@code _walk} holds, in code order. */
    static List<OpKind> kindsOf(String source, String contract) {
        String body = walkBody(source, contract);
        List<OpKind> out = new ArrayList<>();
        Matcher r = RANGE.matcher(body);
        StringBuilder rest = new StringBuilder();
        while (r.find()) {
            int lo = OpKind.valueOf(r.group(1)).code();
            int hi = OpKind.valueOf(r.group(2)).code();
            if (lo >= hi) {
                throw new IllegalStateException(contract + ": empty range " + r.group());
            }
            for (OpKind k : OpKind.values()) {
                if (k.code() >= lo && k.code() <= hi && !out.contains(k)) {
                    out.add(k);
                }
            }
            r.appendReplacement(rest, "");
        }
        r.appendTail(rest);
        Matcher s = SINGLE.matcher(rest);
        StringBuilder left = new StringBuilder();
        while (s.find()) {
            OpKind k = OpKind.valueOf(s.group(1));
            if (!out.contains(k)) {
                out.add(k);
            }
            s.appendReplacement(left, "");
        }
        s.appendTail(left);
        Matcher any = ANY.matcher(OFFSET.matcher(left).replaceAll(""));
        if (any.find()) {
            // the generator reads only `code == X` and `code >= A && code <= B`: anything else it could not route
            throw new IllegalStateException(contract + "'s _walk names " + any.group() + " outside a `code ==` or range test");
        }
        out.sort((a, b) -> Integer.compare(a.code(), b.code()));
        return out;
    }

    /** Every contract's op kinds, read from the committed sources under {@code root}. */
    static Map<Prescriber, List<OpKind>> claims(Path root) {
        Map<Prescriber, List<OpKind>> m = new EnumMap<>(Prescriber.class);
        for (Prescriber p : Prescriber.values()) {
            try {
                m.put(p, kindsOf(Files.readString(root.resolve(p.path())), p.contract));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return m;
    }

    /** Which contract prescribes each op kind with a chain; throws for a kind two contracts claim or one none does. */
    static Map<OpKind, Prescriber> routes(Map<Prescriber, List<OpKind>> claims) {
        Map<OpKind, Prescriber> routes = new EnumMap<>(OpKind.class);
        for (var e : claims.entrySet()) {
            for (OpKind k : e.getValue()) {
                Prescriber before = routes.put(k, e.getKey());
                if (before != null) {
                    throw new IllegalStateException(k + " is prescribed by both " + before.contract + " and " + e.getKey().contract);
                }
                if (!hasChain(k)) {
                    throw new IllegalStateException(e.getKey().contract + " prescribes " + k + ", which has no element chain");
                }
            }
        }
        List<OpKind> missing = new ArrayList<>();
        for (OpKind k : OpKind.values()) {
            if (hasChain(k) && !routes.containsKey(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("op kinds no LinkStructure*.sol prescribes (no route): " + missing);
        }
        return routes;
    }

    /**
     * The test LinkStructure makes before walking: runs of consecutive codes as one range, the rest one by one, in
     * code order (the comparisons it made when the condition was written by hand, so each kind's gas is unchanged).
     */
    static String toNormExpression(List<OpKind> norm) {
        List<OpKind> ks = new ArrayList<>(norm);
        ks.sort((a, b) -> Integer.compare(a.code(), b.code()));
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < ks.size(); ) {
            int j = i;
            while (j + 1 < ks.size() && ks.get(j + 1).code() == ks.get(j).code() + 1) {
                j++;
            }
            if (i == j) {
                terms.add("code == WireCodes.OP_KIND_" + ks.get(i).name());
            } else {
                terms.add("(code >= WireCodes.OP_KIND_" + ks.get(i).name() + " && code <= WireCodes.OP_KIND_" + ks.get(j).name() + ")");
            }
            i = j + 1;
        }
        return terms.isEmpty() ? "false" : String.join("\n            || ", terms);
    }

    static String solidity(Path root) {
        Map<Prescriber, List<OpKind>> claims = claims(root);
        routes(claims);
        StringBuilder s = new StringBuilder();
        s.append("// SPDX-License-Identifier: Apache-2.0\n");
        s.append("// GENERATED by dev.verity.cli.LinkRoutesSource from the op kinds each LinkStructure*.sol's _walk holds: do not edit.\n");
        s.append("// Regenerate: mvn -pl verity-cli -am test -Dtest=WireCodesTest -Dsurefire.failIfNoSpecifiedTests=false -Dverity.regenerate=true\n");
        s.append("pragma solidity 0.8.28;\n\n");
        s.append("import {WireCodes} from \"./WireCodes.sol\";\n\n");
        s.append("/// @title LinkRoutes: which structure contract prescribes each op kind's element chain (docs/referee.md, \"Link\n");
        s.append("/// structure\"). Read from the prescriptions themselves: the op kinds each contract's `_walk` tests its code for.\n");
        Map<String, List<OpKind>> table = new LinkedHashMap<>();
        for (Prescriber p : Prescriber.values()) {
            table.put(p.contract, claims.get(p));
        }
        List<OpKind> none = new ArrayList<>();
        for (OpKind k : OpKind.values()) {
            if (!hasChain(k)) {
                none.add(k);
            }
        }
        table.put("no chain (sources, views)", none);
        for (var e : table.entrySet()) {
            s.append("/// ").append(e.getKey()).append(":\n");
            StringBuilder line = new StringBuilder("///  ");
            for (OpKind k : e.getValue()) {
                String w = String.format(Locale.ROOT, " %s %d", k.name(), k.code());
                if (line.length() + w.length() > 116) {
                    s.append(line).append('\n');
                    line = new StringBuilder("///  ");
                }
                line.append(w);
            }
            s.append(line).append('\n');
        }
        s.append("/// LinkStructure sends LinkStructureNorm's kinds there before any walk of its own (`toNorm`), walks the others\n");
        s.append("/// itself, and asks LinkStructureRows for what its walk does not hold.\n");
        s.append("library LinkRoutes {\n");
        s.append("    /// Whether LinkStructure asks LinkStructureNorm for op kind `code` directly.\n");
        s.append("    function toNorm(uint256 code) internal pure returns (bool) {\n");
        s.append("        return ").append(toNormExpression(claims.get(Prescriber.LINK_STRUCTURE_NORM))).append(";\n");
        s.append("    }\n");
        s.append("}\n");
        return s.toString();
    }
}
