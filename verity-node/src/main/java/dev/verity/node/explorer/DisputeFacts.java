package dev.verity.node.explorer;

import static dev.verity.node.explorer.ExplorerData.args;
import static dev.verity.node.explorer.ExplorerData.row;

import dev.verity.chain.DisputeClaim;
import dev.verity.chain.Verity;
import dev.verity.node.TreeBlobs;
import dev.verity.merkle.Sha256;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.BasicOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dispute round by round (docs/dispute-protocol.md): the moves from the game's events with the gas
 * of each transaction, the narrowing (segment, step, op, element, link), and, when the referee ruled
 * on a link, that basic IEEE operation: its operands and the defender's result as the link leaf
 * holds them (from the element chain the defender posted on chain, or published under the chain root
 * it posted: every leaf checked against that root), and the result recomputed here as the contract's
 * referee recomputes it.
 */
final class DisputeFacts {
    private final ExplorerData data;

    DisputeFacts(ExplorerData data) {
        this.data = data;
    }

    /** Which round of the protocol each game event is a move of. */
    static String round(String event) {
        return switch (event) {
            case "DisputeOpened", "DisputeParams" -> "1 open";
            case "SegmentRootPosted" -> "2 segment";
            case "StepDisputed", "OpDisputed", "ClaimRuled", "OpTraceDemanded", "OpTracePosted" -> "3 step and op";
            case "ElementChainPosted" -> "4 element chain";
            case "LinkRuled", "StructureRuled", "ChainDemanded", "ChainPosted" -> "5 link";
            case "DisputeTimedOut", "DisputeResolved", "DisputePaid", "Slashed" -> "outcome";
            default -> "";
        };
    }

    Map<String, Object> dispute(String idText) {
        long id = ExplorerData.number(idText, "dispute");
        List<Map<String, Object>> moves = data.events("SELECT * FROM events WHERE dispute_id = ? ORDER BY block, ord", id);
        if (moves.stream().noneMatch(e -> "DisputeOpened".equals(e.get("name")))) {
            throw new ExplorerData.NotFound(404, "no dispute " + id + " on this network (none opened with that number, as far as the index has read)");
        }
        // the payment the game makes in its last move is a Staking event of the same transaction
        String lastTx = (String) moves.get(moves.size() - 1).get("tx");
        for (Map<String, Object> e : data.events("SELECT * FROM events WHERE tx = ? AND contract = 'Staking' ORDER BY block, ord", lastTx)) {
            moves.add(e);
        }
        moves.sort(java.util.Comparator.comparingLong((Map<String, Object> e) -> ((Number) e.get("block")).longValue())
                .thenComparingLong(e -> ((Number) e.get("ord")).longValue()));
        for (Map<String, Object> m : moves) {
            m.put("round", round((String) m.get("name")));
        }
        Map<String, Object> opened = args(moves.get(0));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("taskId", moves.get(0).get("task_id"));
        m.put("challenger", opened.get("challenger"));
        m.put("defender", opened.get("defender"));
        Verity.DisputeView dv = data.v.dispute(id);
        m.put("nextRound", dv.nextRound());
        m.put("deadline", dv.deadline());
        m.put("resolved", dv.nextRound() == 0);
        m.put("challengerWon", dv.nextRound() == 0 ? dv.challengerWon() : null);
        m.put("narrowing", narrowing(moves));
        m.put("moves", moves);
        long gas = 0;
        for (String tx : moves.stream().map(e -> (String) e.get("tx")).distinct().toList()) {
            gas += data.db.count("SELECT gas FROM txs WHERE hash = ?", tx);
        }
        m.put("totalGas", gas);
        m.put("ruledOperation", ruledOperation(moves, ((Number) m.get("taskId")).longValue()));
        return m;
    }

    /** segment → step → op and element → chain → link, each as the move that fixed it states. */
    private static Map<String, Object> narrowing(List<Map<String, Object>> moves) {
        Map<String, Object> n = new LinkedHashMap<>();
        for (Map<String, Object> e : moves) {
            Map<String, Object> a = args(e);
            switch ((String) e.get("name")) {
                case "DisputeOpened" -> n.put("segment", a.get("segment"));
                case "DisputeParams" -> {
                    n.put("segmentSteps", a.get("segStartStep") + ".." + a.get("segEndStep"));
                    n.put("graphOps", a.get("graphOps"));
                }
                case "StepDisputed" -> n.put("step", a.get("step"));
                case "OpDisputed" -> {
                    n.put("opIndex", a.get("opIndex"));
                    n.put("element", a.get("element"));
                    n.put("outputElems", a.get("outputElems"));
                }
                case "ElementChainPosted" -> {
                    n.put("chainRoot", a.get("chainRoot"));
                    n.put("chainLength", a.get("chainLength"));
                    n.put("claimedValueBits", a.get("value"));
                }
                case "LinkRuled" -> {
                    n.put("link", a.get("linkIndex"));
                    n.put("linkCorrect", a.get("linkCorrect"));
                }
                case "ClaimRuled" -> {
                    n.put("claimKind", a.get("kind"));
                    n.put("claim", claimWords(((Number) a.get("kind")).intValue()));
                    n.put("claimNode", a.get("node"));
                    n.put("claimRight", a.get("claimRight"));
                }
                default -> {
                }
            }
        }
        return n;
    }

    /** A ClaimRuled kind in words; a code this explorer does not know is shown as its number, never dropped. */
    static String claimWords(int kind) {
        try {
            return DisputeClaim.of(kind).description();
        } catch (IllegalArgumentException unknown) {
            return "claim kind " + kind;
        }
    }

    /** The basic operation the referee recomputed, or a reason there is none (the dispute ended another way). */
    private Map<String, Object> ruledOperation(List<Map<String, Object>> moves, long taskId) {
        Map<String, Object> n = narrowing(moves);
        if (!n.containsKey("link") || !n.containsKey("chainRoot")) {
            String how = n.containsKey("claim") ? "by the claim that " + n.get("claim") : "at an earlier round";
            return row("state", "none", "detail", "the referee ruled on no link in this dispute: it ended " + how);
        }
        long t = ((Number) n.get("link")).longValue();
        List<byte[]> leaves;
        String source;
        try {
            leaves = postedChain(moves);
            source = "posted on chain (ChainPosted)";
            if (leaves == null) {
                leaves = TreeBlobs.get(data.store, Sha256.unhex(((String) n.get("chainRoot")).substring(2)));
                source = "the defender's published element chain, every leaf checked against the chain root it posted";
            }
        } catch (IOException | RuntimeException e) {
            return row("state", "unavailable", "detail", "the element chain under root " + n.get("chainRoot") + " is not readable: " + e.getMessage());
        }
        if (t >= leaves.size()) {
            return row("state", "unavailable", "detail", "link " + t + " is outside the chain of " + leaves.size() + " leaves");
        }
        Map<String, Object> op = decodeLink(leaves.get((int) t));
        op.put("source", source);
        op.put("opName", opName(taskId, n.get("opIndex")));
        return op;
    }

    private static List<byte[]> postedChain(List<Map<String, Object>> moves) {
        for (Map<String, Object> e : moves) {
            if ("ChainPosted".equals(e.get("name")) && args(e).get("leaves") instanceof List<?> l) {
                List<byte[]> out = new ArrayList<>();
                for (Object o : l) {
                    out.add(Sha256.unhex(((String) o).substring(2)));
                }
                return out;
            }
        }
        return null;
    }

    /** A 0x70 link leaf (docs/commitments.md): operation, operands, the defender's result, and the result recomputed. */
    static Map<String, Object> decodeLink(byte[] leaf) {
        ByteBuffer b = ByteBuffer.wrap(leaf);
        if (leaf.length < 7 || b.get() != 0x70) {
            return row("state", "unavailable", "detail", "the ruled leaf is not a 0x70 link (the result leaf or a malformed link)");
        }
        long t = Integer.toUnsignedLong(b.getInt());
        int opcode = Byte.toUnsignedInt(b.get());
        int arity = Byte.toUnsignedInt(b.get());
        if (!BasicOp.isCode(opcode) || leaf.length != 7 + 13 * arity + 4) {
            return row("state", "malformed", "detail", "link " + t + " names basic operation " + opcode + " with " + arity + " operands");
        }
        BasicOp op = BasicOp.fromCode(opcode);
        List<Map<String, Object>> operands = new ArrayList<>();
        int[] bits = new int[arity];
        for (int i = 0; i < arity; i++) {
            int kind = Byte.toUnsignedInt(b.get());
            long number = Integer.toUnsignedLong(b.getInt());
            long index = Integer.toUnsignedLong(b.getInt());
            bits[i] = b.getInt();
            operands.add(row("kind", kind == Commitments.OPERAND_INPUT ? "input element" : kind == Commitments.OPERAND_LINK ? "earlier link" : "constant", "number", number, "index", index,
                    "bits", bitsHex(bits[i]), "value", Float.toString(Float.intBitsToFloat(bits[i]))));
        }
        int claimed = b.getInt();
        Map<String, Object> m = row("state", "ruled", "link", t, "operation", op.name(), "operands", operands, "defenderResultBits", bitsHex(claimed),
                "defenderResult", Float.toString(Float.intBitsToFloat(claimed)));
        if (op.arity() == arity) {
            int right = BasicOps.apply(op, bits);
            m.put("recomputedResultBits", bitsHex(right));
            m.put("recomputedResult", Float.toString(Float.intBitsToFloat(right)));
            m.put("defenderRight", right == claimed || Float.isNaN(Float.intBitsToFloat(right)) && Float.isNaN(Float.intBitsToFloat(claimed)));
        }
        return m;
    }

    /** The disputed op's kind and name in the task's step graph (rebuilt from the verified spec blob), or null. */
    private String opName(long taskId, Object opIndex) {
        if (!(opIndex instanceof Number idx)) {
            return null;
        }
        // building a task's graph loads its dataset: once per (task, op)
        return opNames.computeIfAbsent(taskId + ":" + idx, k -> readOpName(taskId, idx));
    }

    private final java.util.concurrent.ConcurrentHashMap<String, String> opNames = new java.util.concurrent.ConcurrentHashMap<>();

    private String readOpName(long taskId, Number idx) {
        try {
            byte[] spec = data.store.get(Sha256.hex(data.v.task(taskId).spec().specHash()));
            var node = TaskRun.open(TaskSpec.parse(new String(spec, StandardCharsets.UTF_8), data.store), data.store).graph().node(idx.intValue());
            return node.kind() + (node.name() == null ? "" : " " + node.name());
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String bitsHex(int bits) {
        return String.format("0x%08x", bits);
    }
}
