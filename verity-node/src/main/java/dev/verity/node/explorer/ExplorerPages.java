package dev.verity.node.explorer;

import static dev.verity.node.explorer.Html.account;
import static dev.verity.node.explorer.Html.amount;
import static dev.verity.node.explorer.Html.esc;
import static dev.verity.node.explorer.Html.fact;
import static dev.verity.node.explorer.Html.facts;
import static dev.verity.node.explorer.Html.table;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the explorer's pages from the maps {@link ExplorerData} builds (the same maps the JSON API
 * serves). Server-side HTML; charts are ECharts, fed from JSON embedded in the page.
 */
final class ExplorerPages {
    private ExplorerPages() {
    }

    // ------------------------------------------------------------------ network

    @SuppressWarnings("unchecked")
    static String network(Map<String, Object> n, Map<String, Object> status) {
        Map<String, Object> c = (Map<String, Object>) n.get("contracts");
        Map<String, Object> d = (Map<String, Object>) n.get("disputes");
        Map<String, Object> tr = (Map<String, Object>) n.get("treasury");
        Map<String, Object> st = (Map<String, Object>) n.get("stakes");
        StringBuilder b = new StringBuilder();
        b.append("<section class=\"cards\">");
        card(b, "tasks", String.valueOf(n.get("tasks")), "tasks");
        for (var e : ((Map<String, Object>) n.get("tasksByStatus")).entrySet()) {
            card(b, e.getKey().toLowerCase(java.util.Locale.ROOT), String.valueOf(e.getValue()), "status-" + e.getKey());
        }
        card(b, "work units settled", String.format(java.util.Locale.ROOT, "%,d", ((Number) n.get("workUnitsSettled")).longValue()), "workUnitsSettled");
        card(b, "disputes won by the challenger", String.valueOf(d.get("wonByChallenger")), "disputesWon");
        card(b, "disputes lost by the challenger", String.valueOf(d.get("lostByChallenger")), "disputesLost");
        card(b, "open disputes", String.valueOf(d.get("open")), "disputesOpen");
        b.append("</section>");
        b.append("<section class=\"charts\"><div class=\"chart\" data-chart=\"prices\"><h2>Clearing prices</h2><div class=\"plot\"></div></div>")
                .append("<div class=\"chart\" data-chart=\"status\"><h2>Tasks by status</h2><div class=\"plot\"></div></div></section>");
        b.append("<h2>Treasury</h2>").append(facts(List.of(fact("address", account(tr.get("address")), "treasury"),
                fact("balance", amount(tr.get("balance")), "treasuryBalance"),
                fact("accrued in staking (slashes)", amount(tr.get("accruedInStaking")), "treasuryAccrued"),
                fact("fees from settled tasks", amount(tr.get("feesFromTasks")), "treasuryFees"),
                fact("collected from staking", amount(tr.get("collectedFromStaking")), "treasuryCollected"))));
        b.append("<h2>Stakes</h2>").append(facts(List.of(fact("staked", amount(st.get("totalStaked")), "totalStaked"),
                fact("unbonding", amount(st.get("totalUnbonding")), "totalUnbonding"))));
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) st.get("stakers")) {
            rows.add(List.of(account(s.get("account")), amount(s.get("staked")), amount(s.get("locked")), amount(s.get("unbonding"))));
        }
        b.append(table("stakers", List.of("account", "staked", "locked", "unbonding"), rows));
        b.append("<h2>Recent tasks</h2>").append(taskTable((List<Map<String, Object>>) n.get("recentTasks")));
        b.append("<h2>Recent disputes</h2>").append(disputeTable((List<Map<String, Object>>) n.get("recentDisputes")));
        b.append("<h2>Contracts</h2>").append(facts(List.of(fact("chain id", esc(c.get("chainId")), "chainId"),
                fact("market", account(c.get("market")), "market"), fact("dispute game", account(c.get("game")), "game"),
                fact("staking", account(c.get("staking")), "staking"), fact("model registry", account(c.get("registry")), "registry"),
                fact("token", account(c.get("token")), "token"), fact("deployed after block", esc(c.get("deployBlock")), "deployBlock"))));
        b.append(indexerLine(status));
        Map<String, Object> chart = new LinkedHashMap<>();
        List<Object[]> prices = new ArrayList<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) n.get("clearingPrices")) {
            prices.add(new Object[] {((Number) p.get("timestamp")).longValue() * 1000, vrt(p.get("pricePerUnit")), p.get("taskId")});
        }
        chart.put("prices", prices);
        chart.put("status", n.get("tasksByStatus"));
        return Html.page("Network", b.toString(), chart, true);
    }

    private static void card(StringBuilder b, String label, String value, String fact) {
        b.append("<div class=\"card\"><div class=\"v\" data-fact=\"").append(esc(fact)).append("\">").append(esc(value)).append("</div><div class=\"l\">")
                .append(esc(label)).append("</div></div>");
    }

    static String indexerLine(Map<String, Object> s) {
        return "<p class=\"indexer\" data-fact=\"indexer\">index: blocks up to " + esc(s.get("indexedTo")) + " of the chain's " + esc(s.get("head"))
                + ", " + esc(s.get("events")) + " events" + (s.get("error") == null ? "" : "; <span class=\"err\">chain: " + esc(s.get("error")) + "</span>")
                + "</p>";
    }

    static String taskTable(List<Map<String, Object>> tasks) {
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> t : tasks) {
            rows.add(List.of(Html.task(t.get("id")), "<span class=\"status s-" + esc(t.get("status")) + "\">" + esc(t.get("status")) + "</span>",
                    account(t.get("submitter")), account(t.get("solver")), esc(t.get("workUnits")), amount(t.get("price"))));
        }
        return table("tasks", List.of("task", "status", "submitter", "solver", "work units", "price per unit"), rows);
    }

    static String disputeTable(List<Map<String, Object>> ds) {
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> d : ds) {
            String outcome = !Boolean.TRUE.equals(d.get("resolved")) ? "open" : Boolean.TRUE.equals(d.get("challengerWon")) ? "challenger won" : "defender won";
            rows.add(List.of(Html.dispute(d.get("id")), Html.task(d.get("taskId")), account(d.get("challenger")), account(d.get("defender")),
                    esc(d.get("segment")), esc(outcome)));
        }
        return table("disputes", List.of("dispute", "task", "challenger", "defender", "segment", "outcome"), rows);
    }

    static String tasks(List<Map<String, Object>> tasks, String status) {
        StringBuilder b = new StringBuilder("<p class=\"filters\">");
        for (String s : List.of("", "BIDDING", "ASSIGNED", "COMMITTED", "DISPUTED", "SETTLED", "FAILED", "CANCELLED")) {
            b.append("<a href=\"/tasks").append(s.isEmpty() ? "" : "?status=" + s).append("\">").append(s.isEmpty() ? "all" : s.toLowerCase(java.util.Locale.ROOT))
                    .append("</a> ");
        }
        b.append("</p>").append(taskTable(tasks));
        return Html.page(status == null ? "Tasks" : "Tasks: " + status.toLowerCase(java.util.Locale.ROOT), b.toString(), null, true);
    }

    // ------------------------------------------------------------------ events

    /** A timeline of events: block, transaction (with its gas), contract, event and its arguments. */
    static String timeline(List<Map<String, Object>> events, boolean withRound) {
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> e : events) {
            List<String> r = new ArrayList<>();
            if (withRound) {
                r.add(esc(e.getOrDefault("round", "")));
            }
            r.addAll(List.of(esc(e.get("block")), Html.tx(e.get("tx")), Html.gas(e.get("gas")), esc(e.get("contract")),
                    "<b class=\"ev\">" + esc(e.get("name")) + "</b>", Html.args(e)));
            rows.add(r);
        }
        List<String> head = new ArrayList<>(withRound ? List.of("round") : List.of());
        head.addAll(List.of("block", "transaction", "gas", "contract", "event", "arguments"));
        return table("timeline", head, rows);
    }

    static String tx(Map<String, Object> t) {
        String body = facts(List.of(fact("hash", Html.hash(t.get("hash")), "hash"), fact("block", esc(t.get("block")), "block"),
                fact("gas used", Html.gas(t.get("gas")), "gas"))) + "<h2>Events</h2>" + timeline(castList(t.get("events")), false);
        return Html.page("Transaction", body, null, false);
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> castList(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    /** wei to VRT as a double, for charts only (the pages print exact amounts). */
    static double vrt(Object wei) {
        return new BigDecimal(new BigInteger(String.valueOf(wei))).movePointLeft(18).doubleValue();
    }

    static String error(int status, String message) {
        String title = status == 404 ? "Not found" : status == 400 ? "Bad request" : status == 503 ? "Chain unavailable" : status == 500 ? "Internal error" : "Error";
        return Html.page(title, "<p class=\"error\" data-fact=\"error\">" + esc(message) + "</p><p><a href=\"/\">Back to the network</a></p>", null,
                false);
    }
}
