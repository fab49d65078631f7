package dev.verity.node.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.verity.chain.Chain;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Receipt;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.Verity;
import dev.verity.proof.store.LocalBlobStore;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer's index against the chain it reads: stopped between windows and restarted, with the
 * chain down in the middle, and pointed at a restarted chain with the same contract addresses but
 * another history. After each, the index holds exactly the chain's logs of the Verity contracts, in
 * order (no log lost, none stored twice) and each task's status as the market reports it. The facts
 * are read from the chain (logs, getTask), never from the explorer.
 */
class IndexerTest {
    @TempDir
    Path dir;

    @Test
    void resumesAfterARestartAndAChainOutageWithoutLosingOrRepeatingAnEvent() throws Exception {
        assumeTrue(EmbeddedChain.isSupported(), EmbeddedChain.unsupportedReason());
        Path db = dir.resolve("index.db");
        try (EmbeddedChain base = new EmbeddedChain()) {
            Flaky chain = new Flaky(base);
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity deployed = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(deployed, a);
            ChainSelftest.honestTask(deployed, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            Verity v = Verity.attach(chain, deployed.deployment());

            // first run: stopped after 5 windows of 3 blocks, part-way through the history
            try (ExplorerDb d = new ExplorerDb(db)) {
                Indexer first = new Indexer(v, d, 3);
                first.poll(5);
                assertTrue(first.cursor() < chain.blockNumber(), "the first run must stop part-way, at block " + first.cursor());
            }
            ChainSelftest.disputedTask(deployed, a, new SyntheticDispute(64, 8, 8, 1024, 16, 2), 3);

            // second run: resumes; the chain goes down in the middle of it and comes back
            try (ExplorerDb d = new ExplorerDb(db)) {
                Indexer second = new Indexer(v, d, 3);
                second.poll(4);
                for (int calls : new int[] {3, 11, 40}) {
                    chain.callsLeft = calls; // the chain dies after this many more calls: inside a window, between reads
                    assertThrows(UncheckedIOException.class, second::poll);
                    chain.callsLeft = -1;
                    chain.down = false;
                }
                second.poll();
                assertEquals(0, second.rebuilds(), "the same chain must not be re-read from scratch");
                assertMatchesChain(v, d);
            }
            // the explorer serves the index (and says the chain is unavailable) while the chain is down, then catches up
            ChainSelftest.honestTask(deployed, a, new SyntheticDispute(64, 8, 8, 1024, 16, 3));
            try (Explorer e = Explorer.start(v, new LocalBlobStore(dir.resolve("blobs")), Explorer.Settings.local(0, db).withPoll(Duration.ofHours(1)))) {
                chain.down = true;
                assertEquals(503, get(e.url() + "task/1").statusCode());
                HttpResponse<String> api = get(e.url() + "api/task/1");
                assertEquals(503, api.statusCode());
                assertTrue(api.body().contains("\"error\":\"chain-unavailable\""), api.body());
                assertEquals(200, get(e.url() + "api/status").statusCode(), "the explorer keeps serving what it has indexed");
                chain.down = false;
                e.pollNow();
                assertEquals(200, get(e.url() + "task/3").statusCode());
            }
            try (ExplorerDb d = new ExplorerDb(db)) {
                assertMatchesChain(v, d);
            }
        }
    }

    @Test
    void rebuildsWhenPointedAtARestartedChainWithTheSameAddresses() throws Exception {
        assumeTrue(EmbeddedChain.isSupported(), EmbeddedChain.unsupportedReason());
        Path db = dir.resolve("index.db");
        String marketOfFirst;
        try (EmbeddedChain first = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(first);
            Verity v = Verity.deploy(first, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(v, a);
            ChainSelftest.honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            ChainSelftest.honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            marketOfFirst = v.market;
            try (ExplorerDb d = new ExplorerDb(db)) {
                new Indexer(v, d, 50).poll();
                assertMatchesChain(v, d);
            }
        }
        // the development chain restarts: same deployer, so the same contract addresses, but another history
        try (EmbeddedChain second = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(second);
            Verity v = Verity.deploy(second, a.deployer(), a.treasury(), Verity.Config.defaults());
            assertEquals(marketOfFirst, v.market, "the restarted chain must reuse the addresses, or this test proves nothing");
            ChainSelftest.setUp(v, a);
            ChainSelftest.disputedTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 2), 3);
            ChainSelftest.honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            ChainSelftest.honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 4));
            try (ExplorerDb d = new ExplorerDb(db)) {
                Indexer i = new Indexer(v, d, 50);
                i.poll();
                assertEquals(1, i.rebuilds(), "the index of the first chain must be dropped");
                assertTrue(i.lastRebuildReason().contains("no longer holds"), i.lastRebuildReason());
                assertMatchesChain(v, d);
            }
        }
        // a restart that is shorter than the index: the head is behind what was indexed
        try (EmbeddedChain third = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(third);
            Verity v = Verity.deploy(third, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(v, a);
            ChainSelftest.honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            try (ExplorerDb d = new ExplorerDb(db)) {
                Indexer i = new Indexer(v, d, 50);
                i.poll();
                assertEquals(1, i.rebuilds());
                assertTrue(i.lastRebuildReason().contains("behind"), i.lastRebuildReason());
                assertMatchesChain(v, d);
            }
        }
    }

    /** The index holds exactly the Verity contracts' logs, in chain order, once each, and every task's status as the market says. */
    static void assertMatchesChain(Verity v, ExplorerDb d) {
        Set<String> contracts = Set.of(v.market, v.game, v.staking, v.registry, v.token);
        List<String> want = new ArrayList<>();
        long block = -1;
        int ord = 0;
        for (Receipt.Log l : v.chain.logs(null, null, v.deployBlock, v.chain.blockNumber())) {
            ord = l.blockNumber() == block ? ord + 1 : 0;
            block = l.blockNumber();
            if (contracts.contains(l.address().toLowerCase(Locale.ROOT))) {
                want.add(block + ":" + ord + ":" + Indexer.logHash(l));
            }
        }
        List<String> got = new ArrayList<>();
        for (Map<String, Object> r : d.query("SELECT block, ord, log_hash FROM events ORDER BY block, ord")) {
            got.add(r.get("block") + ":" + r.get("ord") + ":" + r.get("log_hash"));
        }
        assertTrue(want.size() > 50, "the scenario must produce a real history, got " + want.size() + " events");
        assertEquals(want, got, "the index must hold every Verity log of the chain exactly once, in order");
        assertEquals(v.taskCount(), d.count("SELECT COUNT(*) FROM tasks"));
        for (long id = 1; id <= v.taskCount(); id++) {
            assertEquals(v.task(id).status().name(), d.query("SELECT status FROM tasks WHERE id = ?", id).get(0).get("status"), "task " + id);
        }
        assertNotEquals(0, d.count("SELECT COUNT(*) FROM txs"), "every transaction's gas is indexed");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A chain that can be switched off: every call fails as a JSON-RPC node that went away does. */
    static final class Flaky implements Chain {
        private final Chain c;
        volatile boolean down;
        /** Calls before the chain dies (-1: never). */
        volatile int callsLeft = -1;

        Flaky(Chain c) {
            this.c = c;
        }

        private void check() {
            if (callsLeft > 0) {
                callsLeft--;
            } else if (callsLeft == 0) {
                down = true;
            }
            if (down) {
                throw new UncheckedIOException(new java.net.ConnectException("Connection refused (the test took the chain down)"));
            }
        }

        @Override
        public String kind() {
            return c.kind();
        }

        @Override
        public long chainId() {
            return c.chainId();
        }

        @Override
        public List<String> accounts() {
            return c.accounts();
        }

        @Override
        public Receipt deploy(String from, byte[] code) {
            check();
            return c.deploy(from, code);
        }

        @Override
        public Receipt send(String from, String to, byte[] data) {
            check();
            return c.send(from, to, data);
        }

        @Override
        public byte[] call(String from, String to, byte[] data) {
            check();
            return c.call(from, to, data);
        }

        @Override
        public Optional<Receipt> receipt(String txHash) {
            check();
            return c.receipt(txHash);
        }

        @Override
        public List<Receipt.Log> logs(String address, String topic0, long fromBlock, long toBlock) {
            check();
            return c.logs(address, topic0, fromBlock, toBlock);
        }

        @Override
        public long blockNumber() {
            check();
            return c.blockNumber();
        }

        @Override
        public long timestamp() {
            check();
            return c.timestamp();
        }

        @Override
        public void advanceTime(long seconds) {
            check();
            c.advanceTime(seconds);
        }

        @Override
        public BigInteger etherBalance(String address) {
            check();
            return c.etherBalance(address);
        }

        @Override
        public byte[] code(String address) {
            check();
            return c.code(address);
        }

        @Override
        public void close() {
            c.close();
        }
    }
}
