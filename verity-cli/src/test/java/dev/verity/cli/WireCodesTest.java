package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.RefereeCheck;
import dev.verity.proof.commit.Commitments;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.graph.OpKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * WireCodes.sol and LinkRoutes.sol are generated (from the engine's definitions, and from the structure contracts'
 * own prescriptions); every op kind with a chain has exactly one route; no contract writes a wire code bare;
 * verity-chain's Java copies agree with the engine's.
 */
class WireCodesTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void generatedFileIsCurrent() throws Exception {
        Path file = ROOT.resolve(WireCodesSource.PATH);
        String want = WireCodesSource.solidity();
        if (Boolean.getBoolean("verity.regenerate")) {
            Files.writeString(file, want);
        }
        assertEquals(want, Files.readString(file), "WireCodes.sol is stale: regenerate it (see its header)");
    }

    @Test
    void linkRoutesAreCurrent() throws Exception {
        Path file = ROOT.resolve(LinkRoutesSource.PATH);
        String want = LinkRoutesSource.solidity(ROOT);
        if (Boolean.getBoolean("verity.regenerate")) {
            Files.writeString(file, want);
        }
        assertEquals(want, Files.readString(file), "LinkRoutes.sol is stale: regenerate it (see its header)");
    }

    /** Every op kind with an element chain is prescribed by exactly one contract (routes() throws otherwise). */
    @Test
    void everyOpKindWithAChainHasOneRoute() {
        Map<LinkRoutesSource.Prescriber, List<OpKind>> claims = LinkRoutesSource.claims(ROOT);
        Map<OpKind, LinkRoutesSource.Prescriber> routes = LinkRoutesSource.routes(claims);
        for (OpKind k : OpKind.values()) {
            assertEquals(LinkRoutesSource.hasChain(k), routes.containsKey(k), k + ": a route exactly when it has a chain");
        }
        // the families docs/referee.md places in the two other contracts
        assertEquals(LinkRoutesSource.Prescriber.LINK_STRUCTURE_ROWS, routes.get(OpKind.SOFTMAX));
        assertEquals(LinkRoutesSource.Prescriber.LINK_STRUCTURE_NORM, routes.get(OpKind.LAYERNORM));
        assertEquals(LinkRoutesSource.Prescriber.LINK_STRUCTURE, routes.get(OpKind.MATMUL));
        // the sources, and RESHAPE (a view), have none
        assertEquals(List.of(OpKind.STATE, OpKind.INPUT, OpKind.RESHAPE),
                Stream.of(OpKind.values()).filter(k -> !LinkRoutesSource.hasChain(k)).toList());
    }

    /** The route check fails for an op kind nobody prescribes, for one two contracts claim, and for unread names. */
    @Test
    void aMissingOrDoubleRouteFails() {
        Map<LinkRoutesSource.Prescriber, List<OpKind>> claims = new EnumMap<>(LinkRoutesSource.claims(ROOT));
        List<OpKind> rows = new ArrayList<>(claims.get(LinkRoutesSource.Prescriber.LINK_STRUCTURE_ROWS));
        rows.remove(OpKind.LR_SCHEDULE);
        claims.put(LinkRoutesSource.Prescriber.LINK_STRUCTURE_ROWS, rows);
        var missing = assertThrows(IllegalStateException.class, () -> LinkRoutesSource.routes(claims));
        assertTrue(missing.getMessage().contains("LR_SCHEDULE"), missing.getMessage());

        rows.add(OpKind.LR_SCHEDULE);
        rows.add(OpKind.MATMUL);
        var twice = assertThrows(IllegalStateException.class, () -> LinkRoutesSource.routes(claims));
        assertTrue(twice.getMessage().contains("MATMUL"), twice.getMessage());

        String walk = "function _walk(Ctx memory x, Cur memory c) internal pure override returns (bool, uint256) {\n"
                + "    uint256 code = x.r.code;\n"
                + "    if (code == WireCodes.OP_KIND_GELU) return (true, 0);\n"
                + "    if (code >= WireCodes.OP_KIND_SOFTMAX && code <= WireCodes.OP_KIND_LOG_SOFTMAX) { return (true, 1); }\n"
                + "    return (false, 0);\n}\nfunction _other() { if (code == WireCodes.OP_KIND_MATMUL) {} }";
        assertEquals(List.of(OpKind.GELU, OpKind.SOFTMAX, OpKind.SOFTMAX_GRAD, OpKind.LOG_SOFTMAX), LinkRoutesSource.kindsOf(walk, "T"));
        String odd = walk.replace("code == WireCodes.OP_KIND_GELU", "code != WireCodes.OP_KIND_GELU");
        assertThrows(IllegalStateException.class, () -> LinkRoutesSource.kindsOf(odd, "T"));
        // the routing test is the hand-written condition it replaced, term for term (so each kind's gas is unchanged)
        assertEquals("code == WireCodes.OP_KIND_MAXPOOL2D_GRAD\n"
                + "            || (code >= WireCodes.OP_KIND_LAYERNORM && code <= WireCodes.OP_KIND_LAYERNORM_GRAD_GAMMA)\n"
                + "            || code == WireCodes.OP_KIND_EMBEDDING_GRAD\n"
                + "            || (code >= WireCodes.OP_KIND_SLICE && code <= WireCodes.OP_KIND_PAD_SLICE)",
                LinkRoutesSource.toNormExpression(LinkRoutesSource.claims(ROOT).get(LinkRoutesSource.Prescriber.LINK_STRUCTURE_NORM)));
    }

    /** Files WireCodes' numbers may appear in: the generated ones. */
    private static final List<String> GENERATED = List.of("WireCodes.sol", "LinkRoutes.sol", "LinkTemplates.sol");
    /** An op code compared with a number: `code == 20`, `opcode == 1`, `20 == code`. */
    private static final Pattern CODE_LITERAL = Pattern.compile(
            "(?<!\\w)(code|opcode)\\s*(==|!=|>=|<=|<|>)\\s*\\d+|\\b\\d+\\s*(==|!=|>=|<=|<|>)\\s*(code|opcode)\\b");
    /** A uint16 constant (the width of an op kind in a 0x40 record) given a number. */
    private static final Pattern OP_KIND_CONSTANT = Pattern.compile("uint16\\s+(internal\\s+|public\\s+|private\\s+)?constant\\s+\\w+\\s*=\\s*\\d");
    /** A leaf tag written as a number: `bytes1(0x40)`, `uint8(b[0]) == 0x40`, `mstore8(add(p, 1), 0x50)`. */
    private static final Pattern TAG_LITERAL = Pattern.compile(
            "bytes1\\(0x[1-7][0-9a-fA-F]\\)|\\[0\\]\\)\\s*(==|!=)\\s*0x|mstore8\\(add\\(\\w+, 1\\),\\s*0x");

    /**
     * A link's operand kind written as a number: `kind == 1`, `uint8(leaf[o]) > 2`, `uint256(1) << 96` (the kind of a
     * structure data word), `K_LINK = 1`. (A `.kind` field, such as StructureReferee's Source.kind, is another numbering.)
     */
    private static final Pattern OPERAND_LITERAL = Pattern.compile(
            "(?<![\\w.])kind\\s*(==|!=|>=|<=|<|>)\\s*\\d+|\\[o\\]\\)\\s*(==|!=|>=|<=|<|>)\\s*\\d+|\\(\\d+\\)\\s*<<\\s*96\\b|\\bK_[A-Z]+\\s*=\\s*\\d");
    /** A dispute claim's kind written as a number: `_ruleClaim(disputeId, d, 8, ...)`. */
    private static final Pattern CLAIM_LITERAL = Pattern.compile("_ruleClaim\\(\\w+,\\s*\\w+,\\s*\\d");
    private static final List<Pattern> BARE = List.of(CODE_LITERAL, OP_KIND_CONSTANT, TAG_LITERAL, OPERAND_LITERAL, CLAIM_LITERAL);

    /** The wire codes written bare on one line of Solidity (its comment aside). */
    static List<String> bareCodes(String line) {
        int comment = line.indexOf("//");
        String code = comment >= 0 ? line.substring(0, comment) : line;
        List<String> found = new ArrayList<>();
        for (Pattern p : BARE) {
            Matcher m = p.matcher(code);
            if (m.find()) {
                found.add(m.group());
            }
        }
        return found;
    }

    /** The scan sees each form a bare wire code took before WireCodes held it, and passes the named forms. */
    @Test
    void theScanCatchesBareCodes() {
        for (String bad : List.of("if (kind > 2) return _ruleLink(disputeId, d, t, false);",
                "if (kind == 1 && uint32(bytes4(leaf[o + 1:o + 5])) >= t) return x;",
                "} else if (kind == 0) {",
                "if (uint8(link[o]) > 2) return (false, t, 0, false, 0);",
                "words[w++] = (uint256(1) << 96) | (uint256(src.number) << 64) | _u32(l, l.length - 4);",
                "uint256 internal constant K_LINK = 1;",
                "if (code == 20) return (true, 0);",
                "uint16 internal constant OP_KIND_X = 7;",
                "bytes1(0x70)",
                "_ruleClaim(disputeId, d, 8, 0, committed != st.postOpTrace);")) {
            assertTrue(!bareCodes(bad).isEmpty(), "not caught: " + bad);
        }
        for (String good : List.of("if (kind > WireCodes.OPERAND_CONSTANT) return _ruleLink(disputeId, d, t, false);",
                "if (uint8(link[o]) > WireCodes.OPERAND_CONSTANT) return (false, t, 0, false, 0); // kind: 0 input",
                "words[w++] = (uint256(WireCodes.OPERAND_LINK) << 96) | (uint256(src.number) << 64) | (uint256(1) << 32);",
                "uint256 internal constant K_LINK = WireCodes.OPERAND_LINK;",
                "n += b.sources[k].kind == 0 ? b.sources[k].indices.length : 1;",
                "_ruleClaim(disputeId, d, WireCodes.CLAIM_ENDS, 0, committed != st.postOpTrace);")) {
            assertEquals(List.of(), bareCodes(good), good);
        }
    }

    /** No contract compares an op code with a bare number, declares an op kind or writes a leaf tag or operand kind as one. */
    @Test
    void noContractWritesAWireCodeBare() throws Exception {
        List<String> bad = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("verity-chain/src/main/solidity", "verity-chain/src/test/solidity")) {
            try (Stream<Path> s = Files.list(ROOT.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".sol")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 15, "the contracts were not found: " + files);
        for (Path f : files) {
            if (GENERATED.contains(f.getFileName().toString())) {
                continue;
            }
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                for (String m : bareCodes(lines.get(i))) {
                    bad.add(f.getFileName() + ":" + (i + 1) + ": " + m);
                }
            }
        }
        assertEquals(List.of(), bad, "wire codes written as numbers: use WireCodes' constants");
    }

    @Test
    void theChainModulesJavaCopiesAgree() {
        // verity-chain sees neither verity-proof nor verity-tensor: its leaf builders carry the tags and codes they need
        assertEquals(Commitments.SEGMENT_END_ENTRY, dev.verity.chain.ReplayProof.TAG_SEGMENT_END);
        assertEquals(Commitments.KEYED_OP_ENTRY, dev.verity.chain.ReplayProof.TAG_KEYED_OP);
        assertEquals(Commitments.KEYED_CHUNK, dev.verity.chain.ReplayProof.TAG_KEYED_CHUNK);
        assertEquals(Commitments.OP_TRACE_ENTRY, dev.verity.chain.ReplayProof.TAG_OP_TRACE);
        assertEquals(Commitments.TENSOR_CHUNK, dev.verity.chain.ReplayProof.TAG_TENSOR_CHUNK);
        assertEquals(Commitments.CHAIN_LINK, dev.verity.chain.SyntheticDispute.TAG_LINK);
        assertEquals(Commitments.CHAIN_RESULT, dev.verity.chain.SyntheticDispute.TAG_RESULT);
        assertEquals(BasicOp.FMA.code(), dev.verity.chain.SyntheticDispute.OP_FMA);
        assertEquals(Commitments.OPERAND_INPUT, dev.verity.chain.SyntheticDispute.OPERAND_INPUT);
        assertEquals(Commitments.OPERAND_LINK, dev.verity.chain.SyntheticDispute.OPERAND_LINK);
        assertEquals(Commitments.OPERAND_CONSTANT, dev.verity.chain.SyntheticDispute.OPERAND_CONSTANT);
        // RefereeCheck's table of basic operations: indexed by code, with the engine's arities
        assertEquals(BasicOp.values().length, RefereeCheck.OPS.size());
        for (BasicOp b : BasicOp.values()) {
            assertEquals(b.name(), RefereeCheck.OPS.get(b.code()), "RefereeCheck.OPS at code " + b.code());
            assertEquals(b.arity(), RefereeCheck.arity(b.code()), b + "'s arity");
        }
        assertEquals(BasicOp.F2I.code(), RefereeCheck.F2I);
        assertEquals(BasicOp.PHILOX.code(), RefereeCheck.PHILOX);
        assertEquals(BasicOp.SHUFFLE.code(), RefereeCheck.SHUFFLE);
    }

    /** LinkStructure's `_binary(x, c, uint8(code - OP_KIND_ADD))` maps ADD/SUB/MUL onto the basic ops of one name. */
    @Test
    void theBinaryOpKindsFollowTheirBasicOps() {
        for (OpKind k : List.of(OpKind.ADD, OpKind.SUB, OpKind.MUL)) {
            assertEquals(BasicOp.valueOf(k.name()).code(), k.code() - OpKind.ADD.code(), k.name());
        }
    }
}
