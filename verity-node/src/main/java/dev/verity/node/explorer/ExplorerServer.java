package dev.verity.node.explorer;

import dev.verity.node.Zoo;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The explorer's HTTP server (Jetty's core server, as the node's status API): the pages, their JSON
 * twins under {@code /api/}, verified blobs and model weights, and the static files (the page script,
 * the stylesheet, ECharts from its webjar). Read-only: GET and HEAD only.
 */
final class ExplorerServer implements AutoCloseable {
    /** No script but our own files; nothing framed; attacker-controlled text can never run. */
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private final Server server;
    private final ServerConnector connector;
    private final ExplorerData data;
    private final DisputeFacts disputes;
    private final Supplier<Map<String, Object>> status;

    ExplorerServer(String host, int port, ExplorerData data, Supplier<Map<String, Object>> status) throws IOException {
        this.data = data;
        this.disputes = new DisputeFacts(data);
        this.status = status;
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("verity-explorer-http");
        threads.setDaemon(true);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setStopTimeout(0);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(request, response, callback);
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IOException("cannot start the explorer on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    int port() {
        return connector.getLocalPort();
    }

    /** A response: status, content type, body, and an optional download file name. */
    private record Reply(int status, String type, byte[] body, String download) {
        static Reply html(int status, String page) {
            return new Reply(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), null);
        }

        static Reply json(int status, Object body) {
            try {
                return new Reply(status, "application/json", ExplorerData.JSON.writeValueAsBytes(body), null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        boolean api = path.startsWith("/api/") || path.equals("/api");
        Reply r;
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            r = failure(api, 405, "the explorer is read-only: GET and HEAD only");
        } else {
            try {
                Fields q = Request.extractQueryParameters(request);
                r = api ? api(path.substring(Math.min(path.length(), 4)), q) : page(path, q);
            } catch (ExplorerData.NotFound e) {
                r = failure(api, e.status, e.getMessage());
            } catch (NullPointerException | ClassCastException | IndexOutOfBoundsException | ArithmeticException e) {
                // a fault of the explorer itself, not of the chain: say so rather than blame the chain
                r = failure(api, 500, "internal error of the explorer: " + e);
            } catch (RuntimeException | IOException e) {
                r = failure(api, 503, "could not read the chain or the blob store: " + rootMessage(e)
                        + " (the explorer keeps serving, and its index catches up when the chain answers again)");
            }
        }
        write(request, response, callback, r);
    }

    private static void write(Request request, Response response, Callback callback, Reply r) {
        response.setStatus(r.status());
        var h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, r.type());
        h.put(HttpHeader.CONTENT_LENGTH, r.body().length);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Content-Security-Policy", CSP);
        h.put("Referrer-Policy", "no-referrer");
        h.put(HttpHeader.CACHE_CONTROL, r.type().startsWith("text/javascript") || r.type().startsWith("text/css") ? "max-age=3600" : "no-store");
        if (r.download() != null) {
            h.put("Content-Disposition", "attachment; filename=\"" + r.download() + "\"");
        }
        boolean head = HttpMethod.HEAD.is(request.getMethod());
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(r.body()), callback);
    }

    private Reply failure(boolean api, int status, String message) {
        if (api) {
            String kind = switch (status) {
                case 400 -> "bad-request";
                case 404 -> "not-found";
                case 405 -> "method-not-allowed";
                case 500 -> "internal";
                default -> "chain-unavailable";
            };
            return Reply.json(status, ExplorerData.row("error", kind, "message", message));
        }
        return Reply.html(status, ExplorerPages.error(status, message));
    }

    // ------------------------------------------------------------------ pages

    private Reply page(String path, Fields q) throws IOException {
        List<String> p = segments(path);
        String first = p.isEmpty() ? "" : p.get(0);
        return switch (first) {
            case "" -> Reply.html(200, ExplorerPages.network(data.network(), status.get()));
            case "tasks" -> Reply.html(200, ExplorerPages.tasks(tasks(q), status(q)));
            case "task" -> Reply.html(200, task(arg(p, 1)));
            case "dispute" -> Reply.html(200, EntityPages.dispute(disputes.dispute(arg(p, 1))));
            case "zoo" -> Reply.html(200, EntityPages.zoo(data.models()));
            case "model" -> p.size() == 3 && p.get(2).equals("weights") ? weights(p.get(1)) : Reply.html(200, EntityPages.model(data.model(arg(p, 1))));
            case "account" -> Reply.html(200, EntityPages.accountPage(data.account(arg(p, 1))));
            case "tx" -> Reply.html(200, ExplorerPages.tx(data.tx(arg(p, 1))));
            case "blob" -> blob(arg(p, 1));
            case "search" -> search(q.getValue("q"));
            case "static" -> staticFile(arg(p, 1));
            default -> throw new ExplorerData.NotFound(404, "no page " + path + " (pages: /, /tasks, /task/N, /dispute/N, /zoo, /model/ROOT, "
                    + "/account/0xADDRESS, /tx/0xHASH; JSON under /api/)");
        };
    }

    private String task(String id) {
        Map<String, Object> t = data.task(id);
        Object root = t.get("modelRoot");
        boolean inZoo = root instanceof String s && data.v.modelRegistered(Sha256.unhex(s.substring(2)));
        return EntityPages.task(t, inZoo);
    }

    private List<Map<String, Object>> tasks(Fields q) {
        String s = status(q);
        long offset = q.getValue("offset") == null ? 0 : ExplorerData.number(q.getValue("offset"), "offset");
        long limit = q.getValue("limit") == null ? 100 : Math.min(1000, ExplorerData.number(q.getValue("limit"), "limit"));
        return data.db.query("SELECT id, status, submitter, solver, work_units AS workUnits, price FROM tasks WHERE (? IS NULL OR status = ?)"
                + " ORDER BY id DESC LIMIT ? OFFSET ?", s, s, limit, offset);
    }

    private static String status(Fields q) {
        String s = q.getValue("status");
        if (s == null || s.isBlank()) {
            return null;
        }
        String u = s.toUpperCase(Locale.ROOT);
        if (!u.matches("BIDDING|ASSIGNED|COMMITTED|DISPUTED|SETTLED|FAILED|CANCELLED")) {
            throw new ExplorerData.NotFound(400, "no task status '" + s + "' (bidding, assigned, committed, disputed, settled, failed, cancelled)");
        }
        return u;
    }

    private Reply weights(String root) throws IOException {
        Map<String, Object> m = data.model(root);
        String hex = ((String) m.get("modelRoot")).substring(2);
        Zoo.Model model = Zoo.fetch(data.v, data.store, Sha256.unhex(hex));
        return new Reply(200, "application/octet-stream", model.safetensors(), "model-" + hex.substring(0, 16) + ".safetensors");
    }

    /** A blob by its key, checked by the store; text if it is UTF-8 (specs, manifests), else a download. */
    private Reply blob(String key) throws IOException {
        String k = key.toLowerCase(Locale.ROOT).replaceFirst("^0x", "");
        if (!k.matches("[0-9a-f]{64}")) {
            throw new ExplorerData.NotFound(400, "a blob is named by its SHA-256 key: 64 hex digits, got '" + key + "'");
        }
        byte[] b;
        try {
            b = data.store.get(k);
        } catch (BlobStore.MissingBlobException e) {
            throw new ExplorerData.NotFound(404, "blob " + k + " is not in the blob store");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
            return new Reply(200, "text/plain; charset=utf-8", b, null);
        } catch (CharacterCodingException binary) {
            return new Reply(200, "application/octet-stream", b, k + ".bin");
        }
    }

    private Reply search(String q) {
        String s = q == null ? "" : q.strip().toLowerCase(Locale.ROOT);
        String target;
        if (s.matches("[0-9]{1,18}")) {
            target = "/task/" + s;
        } else if (s.matches("(dispute|d) ?[0-9]{1,18}")) {
            target = "/dispute/" + s.replaceAll("[^0-9]", "");
        } else if (s.matches("0x[0-9a-f]{40}")) {
            target = "/account/" + s;
        } else if (s.matches("(0x)?[0-9a-f]{64}")) {
            String h = s.startsWith("0x") ? s : "0x" + s;
            target = data.v.modelRegistered(Sha256.unhex(h.substring(2))) ? "/model/" + h
                    : data.db.count("SELECT COUNT(*) FROM events WHERE tx = ?", h) > 0 ? "/tx/" + h : "/blob/" + h;
        } else {
            throw new ExplorerData.NotFound(400, "search for a task number, 'dispute N', an account (0x + 40 hex digits), a model root, a transaction or a "
                    + "blob key (0x + 64 hex digits); got '" + q + "'");
        }
        String page = "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"0; url=" + Html.esc(target) + "\"></head><body><a href=\""
                + Html.esc(target) + "\">" + Html.esc(target) + "</a></body></html>";
        return Reply.html(200, page);
    }

    private static final String WEBJAR = "/META-INF/resources/webjars/echarts/";

    private Reply staticFile(String name) throws IOException {
        String res = switch (name) {
            case "explorer.js" -> "/dev/verity/node/explorer/explorer.js";
            case "explorer.css" -> "/dev/verity/node/explorer/explorer.css";
            case "echarts.min.js" -> WEBJAR + echartsVersion() + "/dist/echarts.min.js";
            default -> throw new ExplorerData.NotFound(404, "no static file " + name);
        };
        try (InputStream in = ExplorerServer.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new ExplorerData.NotFound(404, "static file " + name + " is missing from the classpath (" + res + ")");
            }
            return new Reply(200, name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8", in.readAllBytes(), null);
        }
    }

    /** The ECharts version of the webjar on the classpath (its Maven properties), so a version bump needs no code change. */
    static String echartsVersion() throws IOException {
        try (InputStream in = ExplorerServer.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/echarts/pom.properties")) {
            if (in == null) {
                throw new IOException("the ECharts webjar (org.webjars.npm:echarts) is not on the classpath");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }

    // ------------------------------------------------------------------ api

    private Reply api(String path, Fields q) throws IOException {
        List<String> p = segments(path);
        String first = p.isEmpty() ? "" : p.get(0);
        Object body = switch (first) {
            case "" -> ExplorerData.row("endpoints", List.of("/api/status", "/api/network", "/api/tasks?status=S&offset=N&limit=N", "/api/task/N",
                    "/api/dispute/N", "/api/models", "/api/model/ROOT", "/api/account/0xADDRESS", "/api/tx/0xHASH"), "documentation", "docs/explorer.md");
            case "status" -> status.get();
            case "network" -> data.network();
            case "tasks" -> tasks(q);
            case "task" -> data.task(arg(p, 1));
            case "dispute" -> disputes.dispute(arg(p, 1));
            case "models" -> data.models();
            case "model" -> data.model(arg(p, 1));
            case "account" -> data.account(arg(p, 1));
            case "tx" -> data.tx(arg(p, 1));
            default -> throw new ExplorerData.NotFound(404, "no endpoint /api" + path + " (see /api/)");
        };
        return Reply.json(200, body);
    }

    private static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    private static String arg(List<String> p, int i) {
        if (p.size() <= i) {
            throw new ExplorerData.NotFound(400, "/" + String.join("/", p) + " needs a name after it, e.g. /" + p.get(0) + "/1");
        }
        if (p.size() > i + 1) {
            throw new ExplorerData.NotFound(404, "no page /" + String.join("/", p));
        }
        return java.net.URLDecoder.decode(p.get(i), StandardCharsets.UTF_8);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping frees the socket even if a handler misbehaves; nothing to recover
        } finally {
            server.destroy();
        }
    }
}
