package dev.verity.node.explorer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The explorer's index: an embedded SQLite database (sqlite-jdbc) holding every event of the Verity
 * contracts in chain order, the accounts each names, the gas of each transaction, one row per task
 * (as last read from the chain) and the loss curves the explorer replayed. The schema is in
 * docs/explorer.md. Every statement is parametrised; one connection, used under this object's lock
 * (the indexer writes a window in one transaction, pages read between windows).
 */
final class ExplorerDb implements AutoCloseable {
    /** Bumped when the schema changes: an index of another version is rebuilt from the chain. */
    static final String SCHEMA_VERSION = "1";

    private static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        // ord: the log's position among all logs of its block, as the chain returns them: (block, ord) names one log
        "CREATE TABLE IF NOT EXISTS events(block INTEGER NOT NULL, ord INTEGER NOT NULL, tx TEXT NOT NULL, contract TEXT NOT NULL,"
                + " name TEXT NOT NULL, task_id INTEGER, dispute_id INTEGER, model_root TEXT, args TEXT NOT NULL, log_hash TEXT NOT NULL,"
                + " PRIMARY KEY(block, ord))",
        "CREATE INDEX IF NOT EXISTS events_task ON events(task_id, block, ord)",
        "CREATE INDEX IF NOT EXISTS events_dispute ON events(dispute_id, block, ord)",
        "CREATE INDEX IF NOT EXISTS events_name ON events(name, block, ord)",
        "CREATE INDEX IF NOT EXISTS events_model ON events(model_root)",
        "CREATE INDEX IF NOT EXISTS events_tx ON events(tx)",
        "CREATE TABLE IF NOT EXISTS event_accounts(account TEXT NOT NULL, block INTEGER NOT NULL, ord INTEGER NOT NULL,"
                + " PRIMARY KEY(account, block, ord))",
        "CREATE TABLE IF NOT EXISTS txs(hash TEXT PRIMARY KEY, block INTEGER NOT NULL, gas INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS tasks(id INTEGER PRIMARY KEY, submitter TEXT NOT NULL, solver TEXT, status TEXT NOT NULL,"
                + " spec_hash TEXT NOT NULL, work_units INTEGER NOT NULL, max_price TEXT NOT NULL, price TEXT, posted_block INTEGER NOT NULL,"
                + " read_block INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status)",
        "CREATE INDEX IF NOT EXISTS tasks_submitter ON tasks(submitter)",
        "CREATE INDEX IF NOT EXISTS tasks_solver ON tasks(solver)",
        "CREATE TABLE IF NOT EXISTS losses(task_id INTEGER NOT NULL, step INTEGER NOT NULL, loss REAL NOT NULL, segment INTEGER NOT NULL,"
                + " PRIMARY KEY(task_id, step))",
        // one row per replayed segment; lands: whether the replay ended on the solver's next checkpoint (bit for bit)
        "CREATE TABLE IF NOT EXISTS loss_segments(task_id INTEGER NOT NULL, segment INTEGER NOT NULL, start_step INTEGER NOT NULL,"
                + " end_step INTEGER NOT NULL, lands INTEGER NOT NULL, PRIMARY KEY(task_id, segment))",
        "CREATE TABLE IF NOT EXISTS loss_status(task_id INTEGER PRIMARY KEY, state TEXT NOT NULL, detail TEXT NOT NULL)",
    };

    /** Tables whose rows all come from one chain: emptied when the explorer points at another. */
    private static final List<String> CHAIN_TABLES = List.of("events", "event_accounts", "txs", "tasks", "losses", "loss_segments", "loss_status");

    private final Connection c;

    ExplorerDb(Path file) throws IOException {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                for (String ddl : SCHEMA) {
                    s.execute(ddl);
                }
            }
        } catch (SQLException e) {
            throw new IOException("cannot open the explorer's index " + file + ": " + e.getMessage(), e);
        }
    }

    synchronized Optional<String> meta(String key) {
        List<Map<String, Object>> r = query("SELECT value FROM meta WHERE key = ?", key);
        return r.isEmpty() ? Optional.empty() : Optional.of((String) r.get(0).get("value"));
    }

    synchronized void putMeta(String key, String value) {
        update("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
    }

    /** Forgets everything learnt from the chain (events, tasks, replays) and the cursor; keeps the schema. */
    synchronized void wipe() {
        inTransaction(() -> {
            for (String t : CHAIN_TABLES) {
                update("DELETE FROM " + t);
            }
            update("DELETE FROM meta");
        });
    }

    /** Runs {@code body} as one transaction: all of its writes, or none. */
    synchronized void inTransaction(Runnable body) {
        try {
            c.setAutoCommit(false);
            try {
                body.run();
                c.commit();
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("index transaction failed: " + e.getMessage(), e);
        }
    }

    /** One parametrised query; rows as column-name maps in column order. */
    synchronized List<Map<String, Object>> query(String sql, Object... params) {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> out = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("index query failed: " + e.getMessage(), e);
        }
    }

    /** A single number from a query (0 when the query returns no row or NULL). */
    synchronized long count(String sql, Object... params) {
        List<Map<String, Object>> r = query(sql, params);
        if (r.isEmpty()) {
            return 0;
        }
        Object v = r.get(0).values().iterator().next();
        return v == null ? 0 : ((Number) v).longValue();
    }

    synchronized int update(String sql, Object... params) {
        try (PreparedStatement ps = prepare(sql, params)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("index update failed: " + e.getMessage(), e);
        }
    }

    private PreparedStatement prepare(String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        return ps;
    }

    @Override
    public synchronized void close() {
        try {
            c.close();
        } catch (SQLException e) {
            // closing a connection that failed leaves nothing to recover
        }
    }
}
