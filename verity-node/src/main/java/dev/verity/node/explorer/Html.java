package dev.verity.node.explorer;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * HTML building blocks for the explorer's pages. Everything that reaches a page from the chain or a
 * blob (addresses, names, spec strings, revert reasons) is attacker-controlled: it goes through
 * {@link #esc} on the way out, links are built only from values checked against a strict pattern,
 * and chart data travels as JSON inside a non-executable script element with {@code <} escaped.
 */
final class Html {
    private Html() {
    }

    /** Escapes text for an HTML element body or a quoted attribute value. */
    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** JSON for a {@code <script type="application/json">} element: no {@code <} can close it. */
    static String jsonForScript(Object o) {
        try {
            return ExplorerData.JSON.writeValueAsString(o).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final BigDecimal WEI = BigDecimal.TEN.pow(18);

    /** A token amount (wei, decimal) as VRT with 4 decimals; the exact wei in the title. */
    static String amount(Object wei) {
        if (wei == null) {
            return "–";
        }
        String s = String.valueOf(wei);
        if (!s.matches("[0-9]{1,80}")) {
            return esc(s);
        }
        BigDecimal v = new BigDecimal(new BigInteger(s)).divide(WEI).setScale(4, RoundingMode.HALF_EVEN);
        return "<span class=\"amt\" title=\"" + s + " wei\">" + String.format(java.util.Locale.ROOT, "%,.4f", v) + " VRT</span>";
    }

    static String account(Object a) {
        if (!(a instanceof String s) || !s.matches("0x[0-9a-f]{40}")) {
            return a == null ? "–" : esc(a);
        }
        return "<a class=\"addr\" href=\"/account/" + s + "\" title=\"" + s + "\">" + s.substring(0, 8) + "…" + s.substring(38) + "</a>";
    }

    static String task(Object id) {
        return id instanceof Number n ? "<a href=\"/task/" + n.longValue() + "\">task " + n.longValue() + "</a>" : "–";
    }

    static String dispute(Object id) {
        return id instanceof Number n ? "<a href=\"/dispute/" + n.longValue() + "\">dispute " + n.longValue() + "</a>" : "–";
    }

    static String model(Object root) {
        return hashLink(root, "/model/");
    }

    static String blob(Object key) {
        return hashLink(key, "/blob/");
    }

    static String tx(Object hash) {
        return hashLink(hash, "/tx/");
    }

    /** A 32-byte hash linked to what it names under {@code prefix}; the full value in the title. */
    static String hashLink(Object h, String prefix) {
        if (!(h instanceof String s) || !s.matches("0x[0-9a-f]{64}")) {
            return h == null ? "–" : esc(h);
        }
        return "<a class=\"hash\" href=\"" + prefix + s + "\" title=\"" + s + "\">" + s.substring(0, 12) + "…</a>";
    }

    static String hash(Object h) {
        if (!(h instanceof String s) || !s.matches("0x[0-9a-f]{64}")) {
            return h == null ? "–" : esc(h);
        }
        return "<code class=\"hash\" title=\"" + s + "\">" + s.substring(0, 12) + "…</code>";
    }

    private static final Set<String> AMOUNTS = Set.of("amount", "value", "escrow", "refund", "solverPay", "verifierPay", "fee", "slashed", "bond",
            "bondForfeited", "newStake", "totalLocked", "pricePerUnit", "maxPricePerUnit", "solverStake", "stake");

    /** An event argument, by its name: accounts, tasks, disputes, models, blobs and amounts become links or VRT. */
    static String arg(String contract, String name, Object value) {
        if (value instanceof String s && s.matches("0x[0-9a-f]{40}")) {
            return account(s);
        }
        if (value instanceof List<?> l) {
            return "<span class=\"list\">[" + l.size() + " items]</span>";
        }
        return switch (name) {
            case "taskId" -> task(value);
            case "disputeId" -> dispute(value);
            case "modelRoot", "parent" -> model(value);
            case "specHash", "manifestHash" -> blob(value);
            default -> AMOUNTS.contains(name) && !("value".equals(name) && !"VerityToken".equals(contract)) ? amount(value)
                    : value instanceof String s && s.matches("0x[0-9a-f]{64}") ? hash(s) : esc(value);
        };
    }

    /** An event's arguments as name: value pairs. */
    @SuppressWarnings("unchecked")
    static String args(Map<String, Object> event) {
        StringBuilder b = new StringBuilder("<span class=\"args\">");
        Map<String, Object> a = (Map<String, Object>) event.get("args");
        for (var e : a.entrySet()) {
            b.append("<span class=\"arg\"><span class=\"k\">").append(esc(e.getKey())).append("</span> ")
                    .append(arg(String.valueOf(event.get("contract")), e.getKey(), e.getValue())).append("</span> ");
        }
        return b.append("</span>").toString();
    }

    static String gas(Object g) {
        return g instanceof Number n && n.longValue() > 0 ? String.format(java.util.Locale.ROOT, "%,d", n.longValue()) : "–";
    }

    /** A table: header cells and rows of already-escaped cell HTML. */
    static String table(String cls, List<String> head, List<List<String>> rows) {
        StringBuilder b = new StringBuilder("<table class=\"" + esc(cls) + "\"><thead><tr>");
        for (String h : head) {
            b.append("<th>").append(esc(h)).append("</th>");
        }
        b.append("</tr></thead><tbody>");
        for (List<String> r : rows) {
            b.append("<tr>");
            for (String c : r) {
                b.append("<td>").append(c).append("</td>");
            }
            b.append("</tr>");
        }
        if (rows.isEmpty()) {
            b.append("<tr><td colspan=\"").append(head.size()).append("\" class=\"none\">none</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /** A definition list of (label, value HTML, fact name) rows; the fact name lets a test find the value. */
    static String facts(List<String[]> rows) {
        StringBuilder b = new StringBuilder("<dl class=\"facts\">");
        for (String[] r : rows) {
            b.append("<dt>").append(esc(r[0])).append("</dt><dd data-fact=\"").append(esc(r[2])).append("\">").append(r[1]).append("</dd>");
        }
        return b.append("</dl>").toString();
    }

    static String[] fact(String label, String html, String name) {
        return new String[] {label, html, name};
    }

    /** A whole page: title, navigation, body; charts read {@code chartData} (may be null); {@code live} polls for new blocks. */
    static String page(String title, String body, Object chartData, boolean live) {
        StringBuilder b = new StringBuilder(body.length() + 2048);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append(" · Verity explorer</title>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<link rel=\"stylesheet\" href=\"/static/explorer.css\"></head><body")
                .append(live ? " data-live=\"1\"" : "").append("><header><a class=\"brand\" href=\"/\">Verity explorer</a>")
                .append("<nav><a href=\"/\">Network</a><a href=\"/tasks\">Tasks</a><a href=\"/zoo\">Zoo</a><a href=\"/api/\">API</a></nav>")
                .append("<form action=\"/search\" method=\"get\"><input name=\"q\" placeholder=\"task, dispute, model root, account, tx\" size=\"40\">")
                .append("</form><span id=\"live\"></span></header><main><h1>").append(esc(title)).append("</h1>").append(body).append("</main>");
        if (chartData != null) {
            b.append("<script type=\"application/json\" id=\"chart-data\">").append(jsonForScript(chartData)).append("</script>")
                    .append("<script src=\"/static/echarts.min.js\"></script>");
        }
        b.append("<script src=\"/static/explorer.js\"></script></body></html>");
        return b.toString();
    }
}
