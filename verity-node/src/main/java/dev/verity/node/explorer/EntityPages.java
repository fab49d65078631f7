package dev.verity.node.explorer;

import static dev.verity.node.explorer.ExplorerPages.castList;
import static dev.verity.node.explorer.ExplorerPages.castMap;
import static dev.verity.node.explorer.Html.account;
import static dev.verity.node.explorer.Html.amount;
import static dev.verity.node.explorer.Html.esc;
import static dev.verity.node.explorer.Html.fact;
import static dev.verity.node.explorer.Html.facts;
import static dev.verity.node.explorer.Html.table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pages of one thing: a task, a dispute, the zoo and a model, an account. */
final class EntityPages {
    private EntityPages() {
    }

    static String task(Map<String, Object> t, boolean modelInZoo) {
        Map<String, Object> spec = castMap(t.get("onChainSpec"));
        StringBuilder b = new StringBuilder();
        b.append(facts(List.of(fact("status", "<span class=\"status s-" + esc(t.get("status")) + "\">" + esc(t.get("status")) + "</span>", "status"),
                fact("submitter", account(t.get("submitter")), "submitter"), fact("solver", account(t.get("solver")), "solver"),
                fact("price per work unit", amount(t.get("pricePerUnit")), "price"), fact("work units", esc(spec.get("workUnits")), "workUnits"),
                fact("escrow held", amount(t.get("escrow")), "escrow"), fact("attestations", esc(t.get("attestations")), "attestations"),
                fact("trace root", linkedTo(t.get("traceRoot"), t.get("manifestHash")), "traceRoot"),
                fact("model root", modelInZoo ? Html.model(t.get("modelRoot")) : Html.hash(t.get("modelRoot")), "modelRoot"),
                fact("manifest", Html.blob(t.get("manifestHash")), "manifestHash"))));
        b.append("<h2>Spec</h2>").append(specSection(t, spec));
        b.append("<h2 id=\"losses\">Training loss</h2>").append(lossSection(castMap(t.get("losses"))));
        b.append("<h2>Auction</h2>").append(ExplorerPages.timeline(castList(t.get("bids")), false));
        List<List<String>> draw = new ArrayList<>();
        for (Map<String, Object> a : castList(t.get("verifiers"))) {
            draw.add(List.of(esc(a.get("index")), account(a.get("verifier")), esc(a.get("segment")),
                    Boolean.TRUE.equals(a.get("attested")) ? "<span class=\"ok\">attested</span>" : "not attested",
                    Boolean.TRUE.equals(a.get("proven")) ? "<span class=\"ok\">proven</span>" : "–",
                    a.get("jackpot") != null ? "caught: jackpot " + amount(a.get("jackpot"))
                            : Boolean.TRUE.equals(a.get("forced")) ? "drawn, no jackpot" : "–",
                    Boolean.TRUE.equals(a.get("challenged")) ? "challenged" : "–",
                    Boolean.TRUE.equals(a.get("slashed")) ? "<span class=\"bad\">seat stake slashed</span>" : "–"));
        }
        b.append("<h2>Verifier draw</h2>").append(table("draw", List.of("seat", "verifier", "segment replayed", "attestation",
                "replay at the probe", "forced error", "dispute", "seat stake"), draw));
        b.append("<h2>Disputes</h2>").append(ExplorerPages.disputeTable(castList(t.get("disputes"))));
        b.append("<h2>Payments</h2>").append(ExplorerPages.timeline(castList(t.get("payments")), false));
        b.append("<h2>Timeline</h2>").append(ExplorerPages.timeline(castList(t.get("timeline")), false));
        return Html.page("Task " + t.get("id"), b.toString(), lossChart(castMap(t.get("losses")), castList(t.get("verifiers"))), true);
    }

    /**
     * A root that is no blob key of its own, linked to the blob that commits to it: a trace root to the manifest that lists its
     * checkpoints, a dataset or graph root to the spec they are computed from.
     */
    private static String linkedTo(Object root, Object blob) {
        if (!(root instanceof String r) || !r.matches("0x[0-9a-f]{64}") || !(blob instanceof String b) || !b.matches("0x[0-9a-f]{64}")) {
            return Html.hash(root);
        }
        return "<a class=\"hash\" href=\"/blob/" + b + "\" title=\"" + r + "\">" + r.substring(0, 12) + "…</a>";
    }

    private static String specSection(Map<String, Object> t, Map<String, Object> spec) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> blob = castMap(t.get("spec"));
        b.append(facts(List.of(fact("spec hash", Html.blob(spec.get("specHash")), "specHash"), fact("dataset root", linkedTo(spec.get("datasetRoot"), spec.get("specHash")), "datasetRoot"),
                fact("graph root", linkedTo(spec.get("graphRoot"), spec.get("specHash")), "graphRoot"), fact("parent model", Html.model(spec.get("parentModel")), "parentModel"),
                fact("steps", esc(spec.get("totalSteps")), "steps"), fact("checkpoint interval", esc(spec.get("checkpointInterval")), "checkpointInterval"),
                fact("graph ops per step", esc(spec.get("graphOps")), "graphOps"), fact("verifiers", esc(spec.get("numVerifiers")), "numVerifiers"),
                fact("max price per unit", amount(spec.get("maxPricePerUnit")), "maxPrice"), fact("replay fee", amount(spec.get("replayFee")), "replayFee"),
                fact("solver stake", amount(spec.get("solverStake")), "solverStake"))));
        if ("verified".equals(blob.get("state"))) {
            Map<String, Object> j = castMap(blob.get("json"));
            b.append("<p class=\"note\">From the spec blob (checked against the spec hash):</p>").append(facts(List.of(
                    fact("model", esc(j.get("model")), "specModel"), fact("dataset", esc(castMap(j.get("dataset")).get("name")), "specDataset"),
                    fact("optimizer", esc(j.get("optimizer")), "specOptimizer"), fact("schedule", esc(j.get("schedule")), "specSchedule"),
                    fact("batch", esc(j.get("batch")), "specBatch"), fact("steps", esc(j.get("steps")), "specSteps"))));
        } else {
            b.append("<p class=\"note\" data-fact=\"specState\">").append(esc(blob.get("detail"))).append("</p>");
        }
        return b.toString();
    }

    private static String lossSection(Map<String, Object> l) {
        StringBuilder b = new StringBuilder("<p class=\"note\" data-fact=\"lossState\">").append(esc(l.get("state"))).append(": ")
                .append(esc(l.get("detail"))).append("</p>");
        if (l.get("points") instanceof List<?> p && !p.isEmpty()) {
            b.append("<div class=\"chart\" data-chart=\"losses\"><div class=\"plot\"></div></div>");
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> s : castList(l.get("segments"))) {
                rows.add(List.of(esc(s.get("segment")), esc(s.get("startStep")) + "–" + esc(s.get("endStep")),
                        ((Number) s.get("lands")).intValue() == 1 ? "<span class=\"ok\">lands on the solver's checkpoint</span>"
                                : "<span class=\"bad\">does NOT land on the solver's checkpoint</span>"));
            }
            b.append(table("segments", List.of("segment", "steps", "replay from the solver's checkpoint"), rows));
        }
        return b.toString();
    }

    private static Map<String, Object> lossChart(Map<String, Object> l, List<Map<String, Object>> verifiers) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<Object[]> pts = new ArrayList<>();
        if (l.get("points") instanceof List<?>) {
            for (Map<String, Object> p : castList(l.get("points"))) {
                pts.add(new Object[] {p.get("step"), p.get("loss"), p.get("segment")});
            }
        }
        c.put("losses", pts);
        List<Object[]> marks = new ArrayList<>();
        if (l.get("segments") instanceof List<?>) {
            for (Map<String, Object> s : castList(l.get("segments"))) {
                boolean attested = verifiers.stream().anyMatch(a -> Boolean.TRUE.equals(a.get("attested"))
                        && ((Number) a.get("segment")).longValue() == ((Number) s.get("segment")).longValue());
                boolean lands = ((Number) s.get("lands")).intValue() == 1;
                if (attested || !lands) {
                    marks.add(new Object[] {s.get("startStep"), s.get("endStep"), lands ? "replayed by a verifier (attested)" : "replay does not land"});
                }
            }
        }
        c.put("lossMarks", marks);
        return c;
    }

    static String dispute(Map<String, Object> d) {
        Map<String, Object> n = castMap(d.get("narrowing"));
        String outcome = !Boolean.TRUE.equals(d.get("resolved")) ? "open (round " + d.get("nextRound") + " to play)"
                : Boolean.TRUE.equals(d.get("challengerWon")) ? "the challenger won" : "the defender won";
        StringBuilder b = new StringBuilder();
        b.append(facts(List.of(fact("task", Html.task(d.get("taskId")), "task"), fact("challenger", account(d.get("challenger")), "challenger"),
                fact("defender (solver)", account(d.get("defender")), "defender"), fact("outcome", esc(outcome), "outcome"),
                fact("gas of all moves", Html.gas(d.get("totalGas")), "totalGas"))));
        b.append("<h2>Narrowing</h2>").append(facts(List.of(fact("segment", esc(n.getOrDefault("segment", "–")), "segment"),
                fact("segment steps", esc(n.getOrDefault("segmentSteps", "–")), "segmentSteps"), fact("step", esc(n.getOrDefault("step", "–")), "step"),
                fact("op", esc(n.getOrDefault("opIndex", "–")), "opIndex"), fact("element", esc(n.getOrDefault("element", "–")), "element"),
                fact("element chain", Html.hash(n.get("chainRoot")) + " (" + esc(n.getOrDefault("chainLength", "–")) + " links)", "chainRoot"),
                fact("link ruled", esc(n.getOrDefault("link", "–")), "link"), fact("link correct", esc(n.getOrDefault("linkCorrect", "–")), "linkCorrect"),
                fact("claim ruled", esc(n.getOrDefault("claim", "–")), "claim"), fact("claim right", esc(n.getOrDefault("claimRight", "–")), "claimRight"))));
        b.append("<h2>The ruled operation</h2>").append(ruled(castMap(d.get("ruledOperation"))));
        b.append("<h2>Moves</h2>").append(ExplorerPages.timeline(castList(d.get("moves")), true));
        return Html.page("Dispute " + d.get("id"), b.toString(), null, true);
    }

    private static String ruled(Map<String, Object> op) {
        if (!"ruled".equals(op.get("state"))) {
            return "<p class=\"note\" data-fact=\"ruledState\">" + esc(op.get("detail")) + "</p>";
        }
        StringBuilder b = new StringBuilder();
        b.append(facts(List.of(fact("op", esc(op.get("opName")), "opName"), fact("link", esc(op.get("link")), "ruledLink"),
                fact("IEEE operation", "<b>" + esc(op.get("operation")) + "</b>", "operation"),
                fact("defender's result", esc(op.get("defenderResult")) + " <code>" + esc(op.get("defenderResultBits")) + "</code>", "defenderResult"),
                fact("recomputed (as the contract's referee does)", esc(op.get("recomputedResult")) + " <code>" + esc(op.get("recomputedResultBits"))
                        + "</code>", "recomputedResult"),
                fact("defender right", esc(op.get("defenderRight")), "defenderRight"), fact("link read from", esc(op.get("source")), "source"))));
        List<List<String>> rows = new ArrayList<>();
        int i = 0;
        for (Map<String, Object> o : castList(op.get("operands"))) {
            rows.add(List.of(esc(i++), esc(o.get("kind")), esc(o.get("number")), esc(o.get("index")), esc(o.get("value")), "<code>" + esc(o.get("bits")) + "</code>"));
        }
        return b.append(table("operands", List.of("operand", "from", "input/link", "element", "value", "bits"), rows)).toString();
    }

    static String zoo(Map<String, Object> z) {
        List<List<String>> rows = new ArrayList<>();
        List<Map<String, Object>> nodes = new ArrayList<>();
        List<Map<String, Object>> links = new ArrayList<>();
        for (Map<String, Object> m : castList(z.get("models"))) {
            rows.add(List.of(Html.model(m.get("modelRoot")), Html.task(m.get("taskId")), Html.blob(m.get("specHash")), Html.hash(m.get("traceRoot")),
                    Html.model(m.get("parent")), account(m.get("solver"))));
            String root = String.valueOf(m.get("modelRoot"));
            nodes.add(ExplorerData.row("id", root, "name", root.substring(0, 12) + "… (task " + m.get("taskId") + ")"));
            if (m.get("parent") != null) {
                links.add(ExplorerData.row("source", m.get("parent"), "target", root));
            }
        }
        String body = "<p data-fact=\"modelCount\" class=\"note\">" + esc(z.get("count")) + " models in the registry</p>"
                + table("models", List.of("model root", "task", "spec", "trace root", "parent", "solver"), rows)
                + "<h2>Fine-tunes</h2><div class=\"chart\" data-chart=\"zoo\"><div class=\"plot\"></div></div>";
        return Html.page("Model zoo", body, ExplorerData.row("zooNodes", nodes, "zooLinks", links), true);
    }

    static String model(Map<String, Object> m) {
        StringBuilder b = new StringBuilder();
        b.append(facts(List.of(fact("model root", Html.hash(m.get("modelRoot")), "modelRoot"), fact("task", Html.task(m.get("taskId")), "task"),
                fact("spec", Html.blob(m.get("specHash")), "specHash"), fact("trace root", Html.hash(m.get("traceRoot")), "traceRoot"),
                fact("parent model", Html.model(m.get("parent")), "parent"), fact("solver", account(m.get("solver")), "solver"),
                fact("registered at (unix time)", esc(m.get("registeredAt")), "registeredAt"))));
        b.append("<p><a class=\"button\" data-fact=\"weights\" href=\"").append(esc(m.get("weights")))
                .append("\">Download the weights (safetensors, verified against the model root)</a></p>");
        List<List<String>> rows = new ArrayList<>();
        for (Object a : (List<?>) m.get("ancestors")) {
            rows.add(List.of("ancestor", Html.model(a)));
        }
        for (Object c : (List<?>) m.get("children")) {
            rows.add(List.of("fine-tune", Html.model(c)));
        }
        b.append("<h2>Lineage</h2>").append(table("lineage", List.of("relation", "model"), rows));
        b.append("<h2>Registry events</h2>").append(latest(m, "events")).append(ExplorerPages.timeline(castList(m.get("events")), false));
        return Html.page("Model", b.toString(), null, false);
    }

    /** "latest N of M" above a list the data cut, with the total in a fact a test can read. */
    private static String latest(Map<String, Object> m, String key) {
        Object total = m.get(key + "Count");
        int shown = ((List<?>) m.get(key)).size();
        return "<p class=\"note\" data-fact=\"" + esc(key) + "Count\">" + esc(total) + " in all" + (total instanceof Number n && n.longValue() > shown
                ? ", the latest " + shown + " shown" : "") + "</p>";
    }

    static String accountPage(Map<String, Object> a) {
        StringBuilder b = new StringBuilder();
        b.append(facts(List.of(fact("address", "<code>" + esc(a.get("address")) + "</code>", "address"),
                fact("role", esc(a.get("role") == null ? "–" : a.get("role")), "role"), fact("balance", amount(a.get("balance")), "balance"),
                fact("stake", amount(a.get("staked")), "staked"), fact("free stake", amount(a.get("freeStake")), "freeStake"),
                fact("locked stake", amount(a.get("locked")), "locked"), fact("unbonding", amount(a.get("unbonding")), "unbonding"),
                fact("unbonding release (unix time)", esc(a.get("unbondingReleaseAt")), "unbondingReleaseAt"),
                fact("registered verifier", esc(a.get("verifier")), "verifier"))));
        b.append("<h2>Tasks submitted</h2>").append(latest(a, "tasksSubmitted")).append(ExplorerPages.taskTable(castList(a.get("tasksSubmitted"))));
        b.append("<h2>Tasks solved</h2>").append(latest(a, "tasksSolved")).append(ExplorerPages.taskTable(castList(a.get("tasksSolved"))));
        b.append("<h2>Bids</h2>").append(latest(a, "bids")).append(ExplorerPages.timeline(castList(a.get("bids")), false));
        b.append("<h2>Attestations</h2>").append(latest(a, "attestations")).append(ExplorerPages.timeline(castList(a.get("attestations")), false));
        b.append("<h2>Disputes</h2>").append(ExplorerPages.disputeTable(castList(a.get("disputes"))));
        b.append("<h2>Recent events</h2>").append(ExplorerPages.timeline(castList(a.get("recentEvents")), false));
        return Html.page("Account", b.toString(), null, true);
    }
}
