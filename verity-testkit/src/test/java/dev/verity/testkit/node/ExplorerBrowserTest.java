package dev.verity.testkit.node;

import dev.verity.node.explorer.Explorer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.chain.DisputeClaim;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Receipt;
import dev.verity.chain.Verity;
import dev.verity.node.ChainEvents;
import dev.verity.node.Demo;
import dev.verity.node.LocalNet;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.train.TrainingState;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The explorer's real pages in a real browser (Debian's headless Chromium through chromedriver,
 * driven by Selenium) against the demo's network: the story runs on the embedded EVM, then the
 * explorer serves it on 127.0.0.1. Each page's facts are checked against the chain (the contracts'
 * state and events through the Verity bindings, receipts) or recomputed from the blobs here, never
 * against the explorer's own JSON. Screenshots go to target/explorer-screenshots; with
 * {@code -Dverity.explorer.readmeShot=PATH} the overview is also written there (docs/explorer.png).
 *
 * <p>Skipped with a message when chromium or chromedriver is not installed, unless
 * {@code VERITY_REQUIRE_BROWSER} is set (CI sets it: there the test must run).
 */
class ExplorerBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOTS = Path.of("target", "explorer-screenshots");

    private static Path work;
    private static Thread story;
    private static final CountDownLatch READY = new CountDownLatch(1);
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static volatile LocalNet net;
    private static volatile Explorer explorer;
    private static volatile Throwable storyFailure;
    private static ChromeDriver browser;
    private static Verity v;
    private static String base;

    @BeforeAll
    static void startNetworkExplorerAndBrowser() throws Exception {
        assumeTrue(EmbeddedChain.isSupported(), EmbeddedChain.unsupportedReason());
        File chromium = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser");
        File driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        if (chromium == null || driver == null) {
            String why = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)";
            if (System.getenv("VERITY_REQUIRE_BROWSER") != null) {
                fail(why + ", and VERITY_REQUIRE_BROWSER is set: the browser test must run here");
            }
            assumeTrue(false, why + "; skipping the browser test");
        }
        work = Files.createTempDirectory("verity-explorer-browser");
        startStory();
        v = net.verity;
        base = explorer.url();
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chromium);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--hide-scrollbars", "--force-device-scale-factor=1");
        browser = new ChromeDriver(service, o);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        Files.createDirectories(SHOTS);
    }

    /** Runs the demo's story on a thread that, once it is told, serves the explorer on the network until the tests are done. */
    private static void startStory() throws Exception {
        PrintStream log = new PrintStream(Files.newOutputStream(work.resolve("demo.log")), true, StandardCharsets.UTF_8);
        story = new Thread(() -> {
            try {
                int rc = Demo.run(log, work, null, n -> {
                    net = n;
                    explorer = Explorer.start(n.verity, n.store, Explorer.Settings.local(0, work.resolve("explorer.db")).withPoll(Duration.ofMillis(200)));
                    READY.countDown();
                    RELEASE.await();
                    explorer.close();
                });
                if (rc != 0) {
                    storyFailure = new AssertionError("the demo's story failed (exit " + rc + "); see " + work.resolve("demo.log"));
                }
            } catch (Throwable t) {
                storyFailure = t;
            } finally {
                READY.countDown();
            }
        }, "explorer-test-demo");
        story.start();
        // bounded: the story takes seconds here; a hang must fail the test, not the build
        if (!READY.await(10, TimeUnit.MINUTES) || explorer == null) {
            throw new AssertionError("the demo's network never came up: " + storyFailure + "\n" + tail(work.resolve("demo.log")), storyFailure);
        }
        if (storyFailure != null) {
            throw new AssertionError(storyFailure);
        }
        explorer.pollNow();
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            if (browser != null) {
                browser.quit(); // stops chromium and the chromedriver process it started
            }
        } finally {
            RELEASE.countDown();
            if (story != null) {
                story.join(60_000);
                assertFalse(story.isAlive(), "the demo's network did not stop");
            }
            if (work != null) {
                ProofCheck.delete(work);
            }
        }
    }

    // ------------------------------------------------------------------ pages

    @Test
    void overviewShowsTheNetworkAsTheChainHasIt() throws Exception {
        open("");
        assertEquals(String.valueOf(v.taskCount()), fact("tasks"));
        assertEquals(String.valueOf(tasksWithStatus(Verity.Status.SETTLED)), fact("status-SETTLED"));
        assertEquals(String.valueOf(tasksWithStatus(Verity.Status.FAILED)), fact("status-FAILED"));
        int won = 0;
        int lost = 0;
        for (long t = 1; t <= v.taskCount(); t++) {
            for (long d : v.disputesOf(t)) {
                Verity.DisputeView dv = v.dispute(d);
                if (dv.nextRound() == 0) {
                    won += dv.challengerWon() ? 1 : 0;
                    lost += dv.challengerWon() ? 0 : 1;
                }
            }
        }
        assertTrue(won >= 1, "the demo's cheater must have lost at least one dispute on chain");
        assertEquals(String.valueOf(won), fact("disputesWon"));
        assertEquals(String.valueOf(lost), fact("disputesLost"));
        assertEquals(v.totalStaked() + " wei", amountTitle("totalStaked"));
        assertEquals(v.balanceOf(v.treasury) + " wei", amountTitle("treasuryBalance"));
        assertEquals(v.treasuryAccrued() + " wei", amountTitle("treasuryAccrued"));
        assertEquals(v.market, linkTitle("market"));
        assertFalse(browser.findElements(By.cssSelector("[data-chart=prices] canvas")).isEmpty(), "the clearing-price chart must be drawn");
        shot("overview");
        String readme = System.getProperty("verity.explorer.readmeShot");
        if (readme != null && !readme.isBlank()) {
            Files.write(Path.of(readme), browser.getScreenshotAs(OutputType.BYTES));
        }
    }

    @Test
    void settledTaskShowsItsAuctionDrawPaymentsAndAReplayedLossCurve() throws Exception {
        Verity.TaskView t = v.task(1);
        assertEquals(Verity.Status.SETTLED, t.status(), "the demo's first task settles");
        waitForLossCurve(1);
        assertEquals("SETTLED", fact("status"));
        assertEquals(t.solver(), linkTitle("solver"));
        assertEquals(t.submitter(), linkTitle("submitter"));
        assertEquals(String.valueOf(t.attestations()), fact("attestations"));
        assertEquals("0x" + Sha256.hex(t.traceRoot()), linkTitle("traceRoot"));
        assertEquals(t.bestPrice() + " wei", amountTitle("price"));
        List<Verity.Assignment> draw = v.assignments(1);
        List<WebElement> seats = browser.findElements(By.cssSelector("table.draw tbody tr"));
        assertEquals(draw.size(), seats.size());
        java.util.Set<Long> won = new java.util.HashSet<>();
        v.jackpotsPaid(1).forEach(j -> won.add(j.index()));
        assertFalse(won.isEmpty(), "the demo's rules draw every seat as a forced error: task 1 pays jackpots");
        for (int i = 0; i < draw.size(); i++) {
            assertEquals(draw.get(i).verifier(), seats.get(i).findElement(By.cssSelector("a.addr")).getAttribute("title"));
            String row = seats.get(i).getText();
            assertEquals(won.contains((long) i), row.contains("caught: jackpot"), "seat " + i + ": " + row);
            assertEquals(draw.get(i).proven(), row.contains("proven"), "seat " + i + ": " + row);
        }
        assertEquals(ChainEvents.history(v, v.market, "BidPlaced", 1).size(), rowsWithEvent("BidPlaced"));
        ChainEvents.Event settled = ChainEvents.last(v, v.market, "TaskSettled", 1);
        assertTrue(browser.getPageSource().contains(settled.word(0) + " wei"), "the solver's pay " + settled.word(0) + " (TaskSettled) is shown");
        // an honest task: every segment replayed from the solver's checkpoint lands on the next one
        List<WebElement> segs = browser.findElements(By.cssSelector("table.segments tbody tr"));
        assertEquals(t.spec().numSegments(), segs.size());
        segs.forEach(r -> assertTrue(r.getText().contains("lands on the solver's checkpoint"), r.getText()));
        assertFalse(browser.findElements(By.cssSelector("[data-chart=losses] canvas")).isEmpty(), "the loss curve must be drawn");
        assertLossesAreTheReplayedOnes(1, t);
        shot("task-settled");
    }

    @Test
    void cheatersTaskAndItsDisputesDownToWhatTheRefereeRuled() throws Exception {
        Verity.TaskView t = v.task(2);
        assertEquals(Verity.Status.FAILED, t.status());
        waitForLossCurve(2);
        assertEquals("FAILED", fact("status"));
        List<Long> disputes = v.disputesOf(2);
        assertEquals(disputes.size(), browser.findElements(By.cssSelector("table.disputes tbody tr")).size());
        assertTrue(browser.findElements(By.cssSelector("table.segments .bad")).size() >= 1, "a replay of the cheater's trace must miss a checkpoint");
        shot("task-cheater");

        browser.findElement(By.cssSelector("table.disputes tbody tr a[href^='/dispute/']")).click();
        assertEquals(disputes.get(0), Long.parseLong(browser.getCurrentUrl().replaceAll(".*/dispute/", "")), "the first row links to the first dispute");
        // which seat drew which segment is the task's randomness: a seat on the segment whose last step the cheater
        // skipped wins by the ends claim, the others narrow down to one operation; each page must say which
        int linksRuled = 0;
        for (long id : disputes) {
            open("dispute/" + id);
            Verity.DisputeView dv = v.dispute(id);
            assertEquals(dv.challengerWon() ? "the challenger won" : "the defender won", fact("outcome"));
            assertEquals(String.valueOf(v.disputeSegment(id)), fact("segment"));
            ChainEvents.Event ruled = ChainEvents.last(v, v.game, "LinkRuled", id);
            ChainEvents.Event claim = ChainEvents.last(v, v.game, "ClaimRuled", id);
            assertTrue((ruled == null) != (claim == null), "dispute " + id + " ends by a link ruling or by a claim: " + fact("outcome"));
            if (claim != null) {
                assertClaimShown(id, claim);
            } else {
                assertRuledOperationShown(id, ruled);
                linksRuled++;
            }
        }
        shot("dispute");
        if (linksRuled == 0) {
            // every seat drew the segment the ends claim decides (about one draw in two hundred): no link to show
            assertTrue(disputes.stream().allMatch(d -> ChainEvents.last(v, v.game, "ClaimRuled", d).word(0).intValue() == DisputeClaim.ENDS.code()),
                    "the cheater's disputes that rule on no link are ends claims");
        }
    }

    private static void assertClaimShown(long id, ChainEvents.Event claim) {
        DisputeClaim kind = DisputeClaim.of(claim.word(0).intValue());
        assertEquals(kind.description(), fact("claim"), "dispute " + id);
        assertEquals(String.valueOf(claim.wordBool(2)), fact("claimRight"), "dispute " + id);
        assertEquals("–", fact("link"), "dispute " + id + " ruled on no link");
        assertTrue(fact("ruledState").endsWith("by the claim that " + kind.description()), fact("ruledState"));
    }

    private static void assertRuledOperationShown(long id, ChainEvents.Event ruled) throws Exception {
        assertEquals(String.valueOf(ruled.wordLong(0)), fact("link"), "dispute " + id);
        assertEquals(String.valueOf(ruled.wordBool(1)), fact("linkCorrect"), "dispute " + id);
        assertEquals("–", fact("claim"), "dispute " + id + " ruled on no claim");
        ChainEvents.Event chainPosted = ChainEvents.last(v, v.game, "ElementChainPosted", id);
        assertEquals(String.valueOf(chainPosted.wordLong(1)), fact("chainRoot").replaceAll(".*\\((\\d+) links\\)", "$1"));
        assertEquals("FMA", fact("operation"));
        assertEquals(3, browser.findElements(By.cssSelector("table.operands tbody tr")).size());
        assertEquals(String.valueOf(ruled.wordBool(1)), fact("defenderRight"), "the explorer's recomputation agrees with the referee's ruling");
        if (ruled.wordLong(0) == chainPosted.wordLong(1) - 1) {
            // the last link's result is the element's value the solver claimed on chain (ElementChainPosted.value)
            assertTrue(fact("defenderResult").endsWith(String.format("0x%08x", chainPosted.wordLong(2))), fact("defenderResult"));
        }
        WebElement first = browser.findElement(By.cssSelector("table.timeline tbody tr"));
        String tx = first.findElement(By.cssSelector("a.hash")).getAttribute("title");
        Receipt r = v.chain.receipt(tx).orElseThrow();
        assertEquals(String.format(Locale.ROOT, "%,d", r.gasUsed()), first.findElements(By.tagName("td")).get(3).getText(), "the gas of the opening move");
    }

    @Test
    void zooEntryWithItsProvenanceAndVerifiedWeights() throws Exception {
        Verity.ModelEntry m = v.models().get(0);
        String root = "0x" + Sha256.hex(m.modelRoot());
        open("zoo");
        assertTrue(fact("modelCount").startsWith(v.modelCount() + " models"), fact("modelCount"));
        assertEquals(root, browser.findElement(By.cssSelector("table.models tbody tr a.hash")).getAttribute("title"));
        shot("zoo");
        browser.findElement(By.cssSelector("table.models tbody tr a.hash")).click();
        assertEquals("task " + m.taskId(), fact("task"));
        assertEquals("0x" + Sha256.hex(m.traceRoot()), browser.findElement(By.cssSelector("[data-fact=traceRoot] code")).getAttribute("title"));
        assertEquals(m.solver(), linkTitle("solver"));
        assertEquals("–", fact("parent"), "the demo's model is trained from scratch");
        String href = browser.findElement(By.cssSelector("[data-fact=weights]")).getAttribute("href");
        HttpResponse<byte[]> w = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, w.statusCode());
        TreeMap<String, dev.verity.tensor.Tensor> tensors = new TreeMap<>(SafeTensors.fromBytes(w.body()).tensors());
        assertEquals(root, "0x" + Sha256.hex(TaskRun.modelRoot(tensors)), "the downloaded weights hash to the registered model root");
        shot("model");
    }

    @Test
    void accountShowsBalanceStakeAndWork() throws Exception {
        String solver = v.task(1).solver();
        open("account/" + solver);
        assertEquals(v.balanceOf(solver) + " wei", amountTitle("balance"));
        assertEquals(v.staked(solver) + " wei", amountTitle("staked"));
        assertEquals(v.locked(solver) + " wei", amountTitle("locked"));
        assertEquals(v.unbonding(solver) + " wei", amountTitle("unbonding"));
        assertTrue(browser.findElements(By.xpath("//h2[text()='Tasks solved']/following-sibling::table[1]//a[text()='task 1']")).size() == 1);
        long bids = 0;
        for (long t = 1; t <= v.taskCount(); t++) {
            bids += ChainEvents.history(v, v.market, "BidPlaced", t).stream().filter(e -> e.topicAddress(2).equals(solver)).count();
        }
        assertEquals(bids,
                browser.findElements(By.xpath("//h2[text()='Bids']/following-sibling::table[1]/tbody/tr[td]")).stream()
                        .filter(e -> !e.getText().equals("none")).count());
        shot("account");
    }

    @Test
    void badInputGetsAClearPageAndJsonError() throws Exception {
        open("task/999");
        assertTrue(fact("error").contains("no task 999"), fact("error"));
        open("account/0xnot-an-address");
        assertTrue(fact("error").contains("20-byte hex address"), fact("error"));
        open("account/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertFalse(browser.getPageSource().contains("<script>alert"), "attacker text must be escaped");
        assertEquals(404, http("task/999").statusCode());
        HttpResponse<String> api = http("api/dispute/999");
        assertEquals(404, api.statusCode());
        assertEquals("not-found", JSON.readTree(api.body()).get("error").asText());
        assertEquals(400, http("api/model/xyz").statusCode());
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "api/network"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    // ------------------------------------------------------------------ helpers

    /** The losses the page shows for segment 0 are the ones an honest replay from the solver's checkpoint 0 gives, bit for bit. */
    private static void assertLossesAreTheReplayedOnes(long taskId, Verity.TaskView t) throws Exception {
        Manifest manifest = Manifest.fromJson(net.store.get(Sha256.hex(t.manifestHash())));
        TaskSpec spec = TaskSpec.parse(new String(net.store.get(Sha256.hex(t.spec().specHash())), StandardCharsets.UTF_8));
        TaskRun run = TaskRun.open(spec);
        TrainingState s = new SegmentReplayer(run, net.store, manifest).load(0);
        List<Float> mine = new ArrayList<>();
        run.trainer().train(s, manifest.checkpoints().get(1).step(), true, (step, loss) -> mine.add(loss));
        JsonNode points = JSON.readTree(http("api/task/" + taskId).body()).get("losses").get("points");
        for (int i = 0; i < mine.size(); i++) {
            assertEquals(mine.get(i), (float) points.get(i).get("loss").asDouble(), "loss at step " + points.get(i).get("step"));
        }
    }

    private static void waitForLossCurve(long taskId) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3); // bounded wait for the background replay
        open("task/" + taskId);
        while (!fact("lossState").startsWith("done") && System.nanoTime() < until) {
            explorer.awaitReplays();
            open("task/" + taskId);
        }
        assertTrue(fact("lossState").startsWith("done"), fact("lossState"));
    }

    private static long tasksWithStatus(Verity.Status s) {
        long n = 0;
        for (long id = 1; id <= v.taskCount(); id++) {
            n += v.task(id).status() == s ? 1 : 0;
        }
        return n;
    }

    private static void open(String path) {
        browser.get(base + path);
    }

    private static String fact(String name) {
        return browser.findElement(By.cssSelector("[data-fact='" + name + "']")).getText().strip();
    }

    private static String amountTitle(String name) {
        return browser.findElement(By.cssSelector("[data-fact='" + name + "'] .amt")).getAttribute("title");
    }

    private static String linkTitle(String name) {
        return browser.findElement(By.cssSelector("[data-fact='" + name + "'] a")).getAttribute("title");
    }

    private static long rowsWithEvent(String name) {
        return browser.findElements(By.xpath("//h2[text()='Auction']/following-sibling::table[1]//b[@class='ev' and text()='" + name + "']")).size();
    }

    private static HttpResponse<String> http(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void shot(String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private static File firstExisting(String... paths) {
        for (String p : paths) {
            File f = new File(p);
            if (f.canExecute()) {
                return f;
            }
        }
        return null;
    }

    private static String tail(Path f) {
        try {
            List<String> lines = Files.readAllLines(f);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
