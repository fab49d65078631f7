package dev.verity.node.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A node's read-only HTTP API (Jetty's core server, as the blob server uses):
 * <pre>
 * GET /status   200 {@link NodeStatus} as JSON
 * GET /health   200 {"status":"ok",...} | 503 {"status":"stopping"|"failing"|"starting",...}
 * </pre>
 * It only reads a snapshot the node's loop publishes; it never touches the chain or the role, so a
 * slow chain cannot block it and it cannot disturb the role.
 */
final class StatusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final ServerConnector connector;

    StatusServer(String host, int port, Supplier<NodeStatus> status, Supplier<Map<String, Object>> health) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("verity-node-status");
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
                String path = Request.getPathInContext(request);
                try {
                    if (!HttpMethod.GET.is(request.getMethod())) {
                        response.getHeaders().put(HttpHeader.ALLOW, "GET");
                        json(response, callback, 405, Map.of("error", "method-not-allowed", "message", "only GET is served"));
                    } else if (path.equals("/status")) {
                        json(response, callback, 200, status.get());
                    } else if (path.equals("/health")) {
                        Map<String, Object> h = health.get();
                        json(response, callback, "ok".equals(h.get("status")) ? 200 : 503, h);
                    } else {
                        json(response, callback, 404, Map.of("error", "not-found", "message", "no such endpoint: " + path + " (endpoints: /status, /health)"));
                    }
                } catch (RuntimeException | IOException e) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("error", "internal");
                    body.put("message", String.valueOf(e));
                    try {
                        json(response, callback, 500, body);
                    } catch (IOException again) {
                        callback.failed(again);
                    }
                }
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IOException("cannot start the status API on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    int port() {
        return connector.getLocalPort();
    }

    private static void json(Response response, Callback callback, int code, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
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
