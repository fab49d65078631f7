package dev.verity.node.explorer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.chain.Receipt;
import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the Verity contracts' events into the {@link ExplorerDb}, from the deployment block on, a
 * window of blocks at a time (as the nodes read history: a JSON-RPC provider answers bounded ranges).
 * Each window is written in one transaction together with the cursor, so a restart resumes at the
 * first unread block and no log is stored twice (a log's key is its block and its position in the
 * block). Before every poll it checks that the chain still holds the last logs it indexed: a chain
 * that was restarted, reorganised past it or is another chain altogether (another chain id or
 * deployment) makes it empty the index and read again from the deployment block.
 */
final class Indexer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Verity v;
    private final ExplorerDb db;
    private final long window;
    private final EventDecoder decoder = new EventDecoder();
    private final Map<String, String> contracts = new LinkedHashMap<>();
    private volatile int rebuilds;
    private volatile String lastRebuildReason;

    /**
     * @param window blocks per log request (at least 1)
     */
    Indexer(Verity v, ExplorerDb db, long window) {
        if (window < 1) {
            throw new IllegalArgumentException("the indexer's window must be at least 1 block, got " + window);
        }
        this.v = v;
        this.db = db;
        this.window = window;
        contracts.put(v.market.toLowerCase(Locale.ROOT), "TaskMarket");
        contracts.put(v.game.toLowerCase(Locale.ROOT), "DisputeGame");
        contracts.put(v.staking.toLowerCase(Locale.ROOT), "Staking");
        contracts.put(v.registry.toLowerCase(Locale.ROOT), "ModelRegistry");
        contracts.put(v.token.toLowerCase(Locale.ROOT), "VerityToken");
        String id = identity();
        if (!db.meta("identity").map(id::equals).orElse(false)) {
            if (db.meta("identity").isPresent()) {
                rebuilt("the index was of another chain or deployment (" + db.meta("identity").orElse("") + ")");
            }
            db.wipe();
            db.putMeta("identity", id);
        }
    }

    /** What the index is of: schema version, chain id, deployment block and contract addresses. */
    private String identity() {
        return "schema " + ExplorerDb.SCHEMA_VERSION + ", chain " + v.chain.chainId() + ", deployed after block " + v.deployBlock + ", contracts "
                + String.join(",", contracts.keySet());
    }

    /** The first block not yet indexed. */
    long cursor() {
        return db.meta("cursor").map(Long::parseLong).orElse(v.deployBlock);
    }

    int rebuilds() {
        return rebuilds;
    }

    String lastRebuildReason() {
        return lastRebuildReason;
    }

    /**
     * Indexes every block up to the chain's head; returns the number of events stored. Throws what the
     * chain throws when it is unreachable (the caller retries; nothing half-written stays).
     */
    int poll() {
        return poll(Integer.MAX_VALUE);
    }

    /** As {@link #poll()}, reading at most {@code maxWindows} windows (a test stops the indexer between windows with it). */
    int poll(int maxWindows) {
        long head = v.chain.blockNumber();
        String why = differentChain(head);
        if (why != null) {
            rebuilt(why);
            pendingDisputes.clear();
            db.wipe();
            db.putMeta("identity", identity());
        }
        int stored = 0;
        for (long lo = cursor(), n = 0; lo <= head && n < maxWindows; lo = cursor(), n++) {
            long hi = Math.min(head, lo + window - 1);
            stored += indexWindow(lo, hi);
        }
        return stored;
    }

    private void rebuilt(String why) {
        rebuilds++;
        lastRebuildReason = why;
    }

    /** Null when the chain still holds what the index says; else why it does not (the index is then rebuilt). */
    private String differentChain(long head) {
        if (v.chain.code(v.market).length == 0) {
            return "no contract at the market address " + v.market + " (a restarted development chain?)";
        }
        if (cursor() > head + 1) {
            return "the chain's head " + head + " is behind the indexed block " + (cursor() - 1) + " (a restarted or reorganised chain)";
        }
        Map<Long, List<Receipt.Log>> blocks = new HashMap<>();
        for (Object[] t : tail()) {
            long block = (Long) t[0];
            int ord = (Integer) t[1];
            List<Receipt.Log> logs = blocks.computeIfAbsent(block, b -> v.chain.logs(null, null, b, b));
            if (logs.size() <= ord || !logHash(logs.get(ord)).equals(t[2])) {
                return "block " + block + " no longer holds the event indexed there (another chain, or a reorganisation)";
            }
        }
        return null;
    }

    private int indexWindow(long lo, long hi) {
        List<Receipt.Log> logs = v.chain.logs(null, null, lo, hi);
        List<Object[]> rows = new ArrayList<>();
        Map<String, Set<String>> accounts = new LinkedHashMap<>();
        Set<Long> touched = new TreeSet<>();
        Set<String> txs = new LinkedHashSet<>();
        Map<Long, Integer> ords = new HashMap<>();
        List<Object[]> newTail = new ArrayList<>(tail());
        for (Receipt.Log l : logs) {
            int ord = ords.merge(l.blockNumber(), 1, Integer::sum) - 1;
            String contract = contracts.get(l.address().toLowerCase(Locale.ROOT));
            if (contract == null) {
                continue;
            }
            Object[] row = row(l, ord, contract, accounts);
            rows.add(row);
            txs.add(l.txHash());
            newTail.add(new Object[] {l.blockNumber(), ord, row[9]});
        }
        inheritTaskIds(rows);
        for (Object[] r : rows) {
            if (r[5] != null) {
                touched.add((Long) r[5]);
            }
        }
        Map<String, Long> gas = gasOf(txs);
        String tailText = tailText(newTail);
        db.inTransaction(() -> {
            store(rows, accounts, gas);
            for (long task : touched) {
                refreshTask(task, hi);
            }
            db.putMeta("cursor", Long.toString(hi + 1));
            db.putMeta("tail", tailText);
        });
        return rows.size();
    }

    /** (block, ord, tx, contract, name, task, dispute, model, args, hash) of one log; its accounts into {@code accounts}. */
    private Object[] row(Receipt.Log l, int ord, String contract, Map<String, Set<String>> accounts) {
        EventDecoder.Decoded d = decoder.decode(l);
        Map<String, Object> a = d.args();
        Long task = a.get("taskId") instanceof Long t ? t : null;
        Long dispute = a.get("disputeId") instanceof Long x ? x : null;
        if (task == null && dispute != null) {
            task = disputeTask(dispute);
        }
        if ("DisputeOpened".equals(d.name()) && task != null && dispute != null) {
            pendingDisputes.put(dispute, task);
        }
        String model = a.get("modelRoot") instanceof String m ? m : null;
        Set<String> who = new LinkedHashSet<>();
        for (Object val : a.values()) {
            if (val instanceof String s && s.length() == 42 && s.startsWith("0x")) {
                who.add(s);
            }
        }
        String key = l.blockNumber() + ":" + ord;
        accounts.put(key, who);
        try {
            return new Object[] {l.blockNumber(), ord, l.txHash().toLowerCase(Locale.ROOT), contract, d.name(), task, dispute, model,
                JSON.writeValueAsString(a), logHash(l)};
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The task a dispute is about, from its DisputeOpened (indexed in an earlier window, or earlier in this one). */
    private Long disputeTask(long dispute) {
        List<Map<String, Object>> r = db.query("SELECT task_id FROM events WHERE dispute_id = ? AND name = 'DisputeOpened'", dispute);
        if (!r.isEmpty()) {
            return ((Number) r.get(0).get("task_id")).longValue();
        }
        return pendingDisputes.get(dispute);
    }

    private final Map<Long, Long> pendingDisputes = new HashMap<>();

    /**
     * Events that carry no task id (token transfers, stake locks, slashes) belong to the task of the
     * transaction that emitted them when that transaction is about exactly one task: a settlement's
     * payments are its Transfer events.
     */
    private void inheritTaskIds(List<Object[]> rows) {
        Map<String, Set<Long>> tasksOfTx = new HashMap<>();
        for (Object[] r : rows) {
            if (r[5] != null) {
                tasksOfTx.computeIfAbsent((String) r[2], k -> new LinkedHashSet<>()).add((Long) r[5]);
            }
        }
        for (Object[] r : rows) {
            Set<Long> t = tasksOfTx.get((String) r[2]);
            if (r[5] == null && t != null && t.size() == 1) {
                r[5] = t.iterator().next();
            }
        }
    }

    private Map<String, Long> gasOf(Set<String> txs) {
        Map<String, Long> gas = new LinkedHashMap<>();
        for (String tx : txs) {
            v.chain.receipt(tx).ifPresent(r -> gas.put(tx.toLowerCase(Locale.ROOT), r.gasUsed()));
        }
        return gas;
    }

    private void store(List<Object[]> rows, Map<String, Set<String>> accounts, Map<String, Long> gas) {
        for (Object[] r : rows) {
            db.update("INSERT OR IGNORE INTO events(block, ord, tx, contract, name, task_id, dispute_id, model_root, args, log_hash)"
                    + " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r);
            for (String a : accounts.getOrDefault(r[0] + ":" + r[1], Set.of())) {
                db.update("INSERT OR IGNORE INTO event_accounts(account, block, ord) VALUES(?, ?, ?)", a, r[0], r[1]);
            }
        }
        for (Object[] r : rows) {
            Long g = gas.get((String) r[2]);
            if (g != null) {
                db.update("INSERT OR IGNORE INTO txs(hash, block, gas) VALUES(?, ?, ?)", r[2], r[0], g);
            }
        }
    }

    /** Re-reads one task from the market (its current status and parties) into the tasks table. */
    private void refreshTask(long id, long block) {
        Verity.TaskView t = v.task(id);
        if (t.status() == Verity.Status.NONE) {
            return;
        }
        long posted = db.count("SELECT block FROM events WHERE task_id = ? AND name = 'TaskPosted'", id);
        boolean assigned = t.assigned() || t.status().atOrPast(Verity.Status.ASSIGNED) && t.status() != Verity.Status.CANCELLED;
        db.update("INSERT INTO tasks(id, submitter, solver, status, spec_hash, work_units, max_price, price, posted_block, read_block)"
                + " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET solver = excluded.solver, status = excluded.status,"
                + " price = excluded.price, read_block = excluded.read_block",
                id, t.submitter(), assigned ? t.solver() : null, t.status().name(), "0x" + Sha256.hex(t.spec().specHash()), t.spec().workUnits(),
                t.spec().maxPricePerUnit().toString(), assigned ? t.bestPrice().toString() : null, posted, block);
    }

    /** How many of the last indexed events each poll checks the chain still holds. */
    static final int TAIL = 16;

    /** The last {@link #TAIL} indexed events as (block, ord, log hash), oldest first. */
    private List<Object[]> tail() {
        List<Object[]> out = new ArrayList<>();
        String t = db.meta("tail").orElse("");
        for (String e : t.isEmpty() ? new String[0] : t.split(";")) {
            String[] f = e.split(",");
            out.add(new Object[] {Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2]});
        }
        return out;
    }

    private static String tailText(List<Object[]> events) {
        List<String> parts = new ArrayList<>();
        for (Object[] e : events.subList(Math.max(0, events.size() - TAIL), events.size())) {
            parts.add(e[0] + "," + e[1] + "," + e[2]);
        }
        return String.join(";", parts);
    }

    /** A log's identity: SHA-256 over its address, topics, data and transaction. */
    static String logHash(Receipt.Log l) {
        StringBuilder s = new StringBuilder(l.address().toLowerCase(Locale.ROOT)).append('|');
        for (String t : l.topics()) {
            s.append(t.toLowerCase(Locale.ROOT)).append(',');
        }
        s.append('|').append(org.web3j.utils.Numeric.toHexString(l.data())).append('|').append(l.txHash().toLowerCase(Locale.ROOT));
        return Sha256.hex(Sha256.hash(s.toString().getBytes(StandardCharsets.US_ASCII)));
    }
}
