package dev.verity.node.explorer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The facts every page and its {@code /api/} twin show, as plain maps (one builder per page, so the
 * HTML and the JSON cannot disagree). Current state (statuses, balances, stakes, registry entries) is
 * read from the contracts at request time; history comes from the index of the contracts' events;
 * specs, manifests, element chains and weights come from the blob store, whose every read is checked
 * against its key, which is the hash the chain holds.
 */
final class ExplorerData {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    /** A request for something that does not exist (404) or is malformed (400), with a message for the user. */
    static final class NotFound extends RuntimeException {
        final int status;

        NotFound(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Rows of one kind a page lists at most (the latest); counts are of all. */
    static final int LIMIT = 100;

    final Verity v;
    final ExplorerDb db;
    final BlobStore store;
    final Indexer indexer;
    final LossCurves losses;

    ExplorerData(Verity v, ExplorerDb db, BlobStore store, Indexer indexer, LossCurves losses) {
        this.v = v;
        this.db = db;
        this.store = store;
        this.indexer = indexer;
        this.losses = losses;
    }

    // ------------------------------------------------------------------ network

    Map<String, Object> network() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("contracts", contracts());
        Map<String, Object> byStatus = new LinkedHashMap<>();
        for (Map<String, Object> r : db.query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status ORDER BY status")) {
            byStatus.put((String) r.get("status"), r.get("n"));
        }
        m.put("tasks", v.taskCount());
        m.put("tasksByStatus", byStatus);
        List<Map<String, Object>> prices = new ArrayList<>();
        for (Map<String, Object> e : events("SELECT * FROM events WHERE name = 'PriceCleared' ORDER BY block, ord")) {
            Map<String, Object> a = args(e);
            prices.add(row("taskId", e.get("task_id"), "timestamp", a.get("timestamp"), "pricePerUnit", a.get("pricePerUnit"),
                    "workUnits", a.get("workUnits"), "block", e.get("block")));
        }
        m.put("clearingPrices", prices);
        m.put("workUnitsSettled", db.count("SELECT SUM(work_units) FROM tasks WHERE status = 'SETTLED'"));
        m.put("workUnitsPosted", db.count("SELECT SUM(work_units) FROM tasks"));
        m.put("stakes", stakes());
        long won = db.count("SELECT COUNT(*) FROM events WHERE name = 'DisputeResolved' AND json_extract(args, '$.challengerWon') = 1");
        long resolved = db.count("SELECT COUNT(*) FROM events WHERE name = 'DisputeResolved'");
        long opened = db.count("SELECT COUNT(*) FROM events WHERE name = 'DisputeOpened'");
        m.put("disputes", row("opened", opened, "wonByChallenger", won, "lostByChallenger", resolved - won, "open", opened - resolved));
        m.put("treasury", treasury());
        m.put("recentTasks", db.query("SELECT id, status, submitter, solver, work_units AS workUnits, price FROM tasks ORDER BY id DESC LIMIT 20"));
        m.put("recentDisputes", disputeList("SELECT * FROM events WHERE name = 'DisputeOpened' ORDER BY block DESC, ord DESC LIMIT 20"));
        return m;
    }

    Map<String, Object> contracts() {
        return row("chainId", v.chain.chainId(), "token", v.token, "staking", v.staking, "market", v.market, "game", v.game, "registry",
                v.registry, "treasury", v.treasury, "deployBlock", v.deployBlock);
    }

    private Map<String, Object> stakes() {
        List<Map<String, Object>> who = new ArrayList<>();
        for (Map<String, Object> r : db.query("SELECT DISTINCT json_extract(args, '$.who') AS who FROM events WHERE name = 'Staked' LIMIT 100")) {
            String a = (String) r.get("who");
            who.add(row("account", a, "staked", v.staked(a).toString(), "locked", v.locked(a).toString(), "unbonding", v.unbonding(a).toString()));
        }
        who.sort((x, y) -> new BigInteger((String) y.get("staked")).compareTo(new BigInteger((String) x.get("staked"))));
        return row("totalStaked", v.totalStaked().toString(), "totalUnbonding", v.totalUnbonding().toString(), "stakers", who);
    }

    private Map<String, Object> treasury() {
        BigInteger fees = BigInteger.ZERO;
        for (Map<String, Object> e : events("SELECT * FROM events WHERE name = 'TaskSettled'")) {
            fees = fees.add(new BigInteger(String.valueOf(args(e).get("fee"))));
        }
        BigInteger collected = BigInteger.ZERO;
        for (Map<String, Object> e : events("SELECT * FROM events WHERE name = 'TreasuryCollected'")) {
            collected = collected.add(new BigInteger(String.valueOf(args(e).get("amount"))));
        }
        return row("address", v.treasury, "balance", v.balanceOf(v.treasury).toString(), "accruedInStaking", v.treasuryAccrued().toString(),
                "feesFromTasks", fees.toString(), "collectedFromStaking", collected.toString());
    }

    // ------------------------------------------------------------------ task

    Map<String, Object> task(String idText) {
        long id = number(idText, "task");
        if (id < 1 || id > v.taskCount()) {
            throw new NotFound(404, "no task " + id + " on this network (the market has " + v.taskCount() + " tasks)");
        }
        Verity.TaskView t = v.task(id);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", t.status().name());
        m.put("submitter", t.submitter());
        m.put("solver", t.assigned() || t.status().atOrPast(Verity.Status.COMMITTED) ? t.solver() : null);
        m.put("pricePerUnit", t.bestPrice().toString());
        m.put("escrow", t.escrow().toString());
        m.put("deadline", t.deadline());
        m.put("attestations", t.attestations());
        m.put("onChainSpec", onChainSpec(t));
        boolean committed = !isZero(t.traceRoot());
        m.put("traceRoot", committed ? hex(t.traceRoot()) : null);
        m.put("modelRoot", committed ? hex(t.modelRoot()) : null);
        m.put("manifestHash", committed ? hex(t.manifestHash()) : null);
        m.put("spec", specBlob(t.spec().specHash()));
        List<Map<String, Object>> draw = new ArrayList<>();
        List<Verity.Assignment> as = v.assignments(id);
        Map<Long, String> jackpots = new LinkedHashMap<>();
        for (Verity.JackpotPaid j : v.jackpotsPaid(id)) jackpots.put(j.index(), j.amount().toString());
        for (int i = 0; i < as.size(); i++) {
            Verity.Assignment seat = as.get(i);
            draw.add(row("index", i, "verifier", seat.verifier(), "segment", seat.segment(), "attested", seat.attested(), "challenged",
                    seat.challenged(), "slashed", seat.slashed(), "proven", seat.proven(), "forced", seat.forced(), "jackpot",
                    jackpots.get((long) i)));
        }
        m.put("verifiers", draw);
        List<Map<String, Object>> timeline = events("SELECT * FROM events WHERE task_id = ? ORDER BY block, ord", id);
        m.put("bids", pick(timeline, "BidPlaced"));
        m.put("payments", pick(timeline, "Transfer"));
        m.put("disputes", disputeList("SELECT * FROM events WHERE name = 'DisputeOpened' AND task_id = ? ORDER BY block, ord", id));
        m.put("timeline", timeline);
        m.put("losses", committed ? losses.curve(id) : row("state", "none", "detail", "the solver has not committed yet"));
        return m;
    }

    private Map<String, Object> onChainSpec(Verity.TaskView t) {
        var s = t.spec();
        return row("specHash", hex(s.specHash()), "datasetRoot", hex(s.datasetRoot()), "graphRoot", hex(s.graphRoot()), "parentModel",
                isZero(s.parentModel()) ? null : hex(s.parentModel()), "graphOps", s.graphOps(), "totalSteps", s.totalSteps(), "checkpointInterval",
                s.checkpointInterval(), "segments", s.numSegments(), "workUnits", s.workUnits(), "maxPricePerUnit", s.maxPricePerUnit().toString(),
                "replayFee", s.replayFee().toString(), "solverStake", s.solverStake().toString(), "numVerifiers", s.numVerifiers());
    }

    /** The task's spec from the blob store, under the hash the market holds; the store checks the bytes against it. */
    Map<String, Object> specBlob(byte[] specHash) {
        try {
            byte[] json = store.get(Sha256.hex(specHash));
            return row("state", "verified", "json", JSON.readValue(json, MAP));
        } catch (BlobStore.MissingBlobException e) {
            return row("state", "missing", "detail", "the spec blob " + Sha256.hex(specHash) + " is not in the blob store");
        } catch (IOException | RuntimeException e) {
            return row("state", "unreadable", "detail", "the spec blob " + Sha256.hex(specHash) + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ models

    Map<String, Object> models() {
        List<Map<String, Object>> list = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Map<String, Object> e : events("SELECT * FROM events WHERE name = 'ModelRegistered' ORDER BY block, ord")) {
            Map<String, Object> a = args(e);
            if (seen.add((String) a.get("modelRoot"))) {
                list.add(row("modelRoot", a.get("modelRoot"), "taskId", a.get("taskId"), "specHash", a.get("specHash"), "traceRoot",
                        a.get("traceRoot"), "parent", zeroToNull(a.get("parent")), "solver", a.get("solver"), "block", e.get("block")));
            }
        }
        return row("count", v.modelCount(), "models", list);
    }

    Map<String, Object> model(String rootText) {
        String h = rootText == null ? "" : rootText.toLowerCase(Locale.ROOT).replaceFirst("^0x", "");
        if (!h.matches("[0-9a-f]{64}")) {
            throw new NotFound(400, "a model is named by its model root: 64 hex digits (0x optional), got '" + rootText + "'");
        }
        Verity.ModelEntry e = v.model(Sha256.unhex(h)).orElseThrow(() -> new NotFound(404, "no model 0x" + h + " in the zoo"));
        Map<String, Object> m = row("modelRoot", "0x" + h, "taskId", e.taskId(), "specHash", hex(e.specHash()), "traceRoot", hex(e.traceRoot()),
                "parent", isZero(e.parent()) ? null : hex(e.parent()), "solver", e.solver().toLowerCase(Locale.ROOT), "registeredAt", e.registeredAt());
        List<String> lineage = new ArrayList<>();
        byte[] p = e.parent();
        for (int i = 0; i < 64 && !isZero(p); i++) {
            lineage.add(hex(p));
            p = v.model(p).map(Verity.ModelEntry::parent).orElse(new byte[32]);
        }
        m.put("ancestors", lineage);
        List<String> children = new ArrayList<>();
        for (Map<String, Object> c : events("SELECT * FROM events WHERE name = 'ModelRegistered' AND json_extract(args, '$.parent') = ?", "0x" + h)) {
            String root = (String) args(c).get("modelRoot");
            if (!children.contains(root)) {
                children.add(root);
            }
        }
        m.put("children", children);
        m.put("eventsCount", db.count("SELECT COUNT(*) FROM events WHERE model_root = ?", "0x" + h));
        m.put("events", events("SELECT * FROM events WHERE model_root = ? ORDER BY block DESC, ord DESC LIMIT " + LIMIT, "0x" + h));
        m.put("weights", "/model/0x" + h + "/weights");
        return m;
    }

    // ------------------------------------------------------------------ account

    Map<String, Object> account(String addrText) {
        String a = addrText == null ? "" : addrText.toLowerCase(Locale.ROOT);
        if (!a.matches("0x[0-9a-f]{40}")) {
            throw new NotFound(400, "an account is a 0x-prefixed 20-byte hex address, got '" + addrText + "'");
        }
        Map<String, Object> m = row("address", a, "balance", v.balanceOf(a).toString(), "staked", v.staked(a).toString(), "locked",
                v.locked(a).toString(), "unbonding", v.unbonding(a).toString(), "unbondingReleaseAt", v.unbondingReleaseAt(a));
        BigInteger free = v.staked(a).subtract(v.locked(a));
        m.put("freeStake", free.max(BigInteger.ZERO).toString());
        m.put("verifier", v.verifierPool().contains(a));
        m.put("role", a.equals(v.treasury) ? "treasury" : a.equals(v.deployer) ? "deployer" : null);
        // long histories are cut to the latest LIMIT rows of each kind; the counts are of all of them
        m.put("tasksSubmittedCount", db.count("SELECT COUNT(*) FROM tasks WHERE submitter = ?", a));
        m.put("tasksSubmitted", db.query("SELECT id, status, solver, work_units AS workUnits, price FROM tasks WHERE submitter = ? ORDER BY id DESC LIMIT ?",
                a, LIMIT));
        m.put("tasksSolvedCount", db.count("SELECT COUNT(*) FROM tasks WHERE solver = ?", a));
        m.put("tasksSolved", db.query("SELECT id, status, submitter, work_units AS workUnits, price FROM tasks WHERE solver = ? ORDER BY id DESC LIMIT ?",
                a, LIMIT));
        String mine = "SELECT e.* FROM events e JOIN event_accounts x ON x.block = e.block AND x.ord = e.ord WHERE x.account = ? AND e.name = ?"
                + " ORDER BY e.block DESC, e.ord DESC LIMIT " + LIMIT;
        String count = "SELECT COUNT(*) FROM events e JOIN event_accounts x ON x.block = e.block AND x.ord = e.ord WHERE x.account = ? AND e.name = ?";
        m.put("bidsCount", db.count(count, a, "BidPlaced"));
        m.put("bids", events(mine, a, "BidPlaced"));
        m.put("attestationsCount", db.count(count, a, "Attested"));
        m.put("attestations", events(mine, a, "Attested"));
        m.put("disputes", disputeList(mine, a, "DisputeOpened"));
        m.put("recentEvents", events("SELECT e.* FROM events e JOIN event_accounts x ON x.block = e.block AND x.ord = e.ord WHERE x.account = ?"
                + " ORDER BY e.block DESC, e.ord DESC LIMIT 30", a));
        return m;
    }

    // ------------------------------------------------------------------ transactions

    Map<String, Object> tx(String hash) {
        String h = hash == null ? "" : hash.toLowerCase(Locale.ROOT);
        if (!h.matches("0x[0-9a-f]{64}")) {
            throw new NotFound(400, "a transaction is named by its 0x-prefixed 32-byte hash, got '" + hash + "'");
        }
        List<Map<String, Object>> evs = events("SELECT * FROM events WHERE tx = ? ORDER BY block, ord", h);
        if (evs.isEmpty()) {
            throw new NotFound(404, "no transaction " + h + " emitted an event of this network's contracts");
        }
        return row("hash", h, "block", evs.get(0).get("block"), "gas", evs.get(0).get("gas"), "events", evs);
    }

    // ------------------------------------------------------------------ helpers

    /** Disputes (one row each) from a query over their DisputeOpened events, with the outcome if resolved. */
    List<Map<String, Object>> disputeList(String sql, Object... params) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : events(sql, params)) {
            Map<String, Object> a = args(e);
            Long id = ((Number) e.get("dispute_id")).longValue();
            List<Map<String, Object>> res = events("SELECT * FROM events WHERE dispute_id = ? AND name = 'DisputeResolved'", id);
            Object won = res.isEmpty() ? null : args(res.get(0)).get("challengerWon");
            out.add(row("id", id, "taskId", e.get("task_id"), "challenger", a.get("challenger"), "defender", a.get("defender"), "segment",
                    a.get("segment"), "resolved", !res.isEmpty(), "challengerWon", won));
        }
        return out;
    }

    /** Events as maps: block, ord, tx, gas, contract, name, taskId, disputeId, args (decoded). */
    List<Map<String, Object>> events(String sql, Object... params) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : db.query(sql, params)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("block", r.get("block"));
            e.put("ord", r.get("ord"));
            e.put("tx", r.get("tx"));
            e.put("gas", db.count("SELECT gas FROM txs WHERE hash = ?", r.get("tx")));
            e.put("contract", r.get("contract"));
            e.put("name", r.get("name"));
            e.put("task_id", r.get("task_id"));
            e.put("dispute_id", r.get("dispute_id"));
            e.put("args", parse((String) r.get("args")));
            out.add(e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> args(Map<String, Object> event) {
        return (Map<String, Object>) event.get("args");
    }

    private static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json.getBytes(StandardCharsets.UTF_8), MAP);
        } catch (IOException e) {
            throw new IllegalStateException("the index holds malformed event arguments: " + e.getMessage(), e);
        }
    }

    static List<Map<String, Object>> pick(List<Map<String, Object>> events, String name) {
        return events.stream().filter(e -> name.equals(e.get("name"))).toList();
    }

    static long number(String text, String what) {
        if (text == null || !text.matches("[0-9]{1,18}")) {
            throw new NotFound(400, "a " + what + " is named by its number (a positive integer), got '" + text + "'");
        }
        return Long.parseLong(text);
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static String hex(byte[] b) {
        return "0x" + Sha256.hex(b);
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static Object zeroToNull(Object hex) {
        return hex instanceof String s && s.matches("0x0{64}") ? null : hex;
    }
}
