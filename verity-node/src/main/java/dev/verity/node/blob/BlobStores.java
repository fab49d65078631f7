package dev.verity.node.blob;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a blob store from one string, the form configs and the command line use.
 *
 * <pre>
 * /var/verity/blobs  or  file:/var/verity/blobs            local disk (LocalBlobStore)
 * http://127.0.0.1:8700                                     a Verity blob server (HttpBlobStore)
 * s3://bucket/prefix?endpoint=http://127.0.0.1:9000&amp;region=us-east-1&amp;pathStyle=true
 *                                                           S3 or an S3-compatible server (S3BlobStore)
 * ...?cache=/var/verity/cache                               a remote store behind a local cache (CachedBlobStore)
 * </pre>
 *
 * S3 credentials come from the SDK's default chain: {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY}, the {@code aws.accessKeyId}/{@code aws.secretAccessKey} system
 * properties, or the {@code ~/.aws} profile ({@code AWS_PROFILE}); never from the URI, so that a
 * store URI can be logged and shared.
 */
public final class BlobStores {
    private BlobStores() {
    }

    /** What {@link #open} accepts, for error messages and help texts. */
    public static final String FORMS = "a blob store is one of: a directory path or file:/path (local disk); "
            + "http://host:port (a Verity blob server, see 'verity blob serve'); "
            + "s3://bucket[/prefix][?endpoint=http://host:port&region=us-east-1&pathStyle=true] "
            + "(S3 or an S3-compatible server; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile); "
            + "a remote store may add cache=DIR (e.g. http://host:port?cache=/tmp/blobs) to keep verified copies of what it reads";

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):");
    private static final Set<String> HTTP_PARAMS = Set.of("cache", "timeout");
    private static final Set<String> S3_PARAMS = Set.of("cache", "timeout", "endpoint", "region", "pathStyle");

    /**
     * Opens the store {@code uri} names. Remote stores hold connections: release them with
     * {@link #close(BlobStore)}.
     *
     * @throws IllegalArgumentException if {@code uri} is none of the accepted forms ({@link #FORMS})
     */
    public static BlobStore open(String uri) throws IOException {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("no blob store given; " + FORMS);
        }
        String s = uri.strip();
        Matcher m = SCHEME.matcher(s);
        if (!m.find()) {
            return new LocalBlobStore(Path.of(s)); // a plain path (a one-letter "scheme" is a Windows drive)
        }
        String scheme = m.group(1).toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "file" -> new LocalBlobStore(filePath(s));
            case "http", "https" -> http(s);
            case "s3" -> s3(s);
            default -> throw new IllegalArgumentException("unknown blob store scheme '" + scheme + ":' in '" + s + "'; " + FORMS);
        };
    }

    /** Closes a store that holds connections (HTTP, S3, a cache around them); a no-op for local disk. */
    public static void close(BlobStore store) throws IOException {
        if (store instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("cannot close " + store + ": " + e.getMessage(), e);
            }
        }
    }

    private static Path filePath(String s) {
        String rest = s.substring("file:".length());
        if (rest.startsWith("//")) {
            // file:///abs/path (the URL form); file://host/... names another machine, which is not a local store
            try {
                URI u = new URI(s);
                if (u.getAuthority() != null && !u.getAuthority().equals("localhost")) {
                    throw new IllegalArgumentException("file: blob store must be on this machine, got host '"
                            + u.getAuthority() + "' in '" + s + "'; " + FORMS);
                }
                return Path.of(u.getPath());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a file: URI: '" + s + "' (" + e.getMessage() + "); " + FORMS);
            }
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("file: blob store needs a directory, e.g. file:/var/verity/blobs; " + FORMS);
        }
        if (rest.contains("?")) {
            throw new IllegalArgumentException("a local blob store takes no options (cache= is for remote stores), got '" + s + "'");
        }
        return Path.of(rest); // file:/abs/path or file:relative/path, taken literally
    }

    private static BlobStore http(String s) throws IOException {
        URI u = parse(s);
        Map<String, String> q = query(u, HTTP_PARAMS);
        if (u.getHost() == null) {
            throw new IllegalArgumentException("blob server URI has no host: '" + s + "'; " + FORMS);
        }
        if (u.getPort() < 0) {
            throw new IllegalArgumentException("blob server URI needs a port, e.g. http://127.0.0.1:8700, got '" + s + "'");
        }
        URI base;
        try {
            base = new URI(u.getScheme(), u.getRawAuthority(), u.getPath(), null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad blob server URI '" + s + "': " + e.getMessage());
        }
        HttpBlobStore remote = new HttpBlobStore(new HttpBlobStore.Config(base,
                timeout(q, HttpBlobStore.Config.of(base).timeout()), HttpBlobServer.DEFAULT_MAX_BLOB_BYTES));
        return cached(q, remote);
    }

    private static BlobStore s3(String s) throws IOException {
        String afterScheme = s.substring("s3:".length());
        if (!afterScheme.startsWith("//") || afterScheme.length() == 2 || "/?".indexOf(afterScheme.charAt(2)) >= 0) {
            throw new IllegalArgumentException("s3: blob store needs a bucket, e.g. s3://verity-blobs/prefix, got '" + s + "'");
        }
        URI u = parse(s);
        Map<String, String> q = query(u, S3_PARAMS);
        // The authority, not getHost(): a bucket name with dots or digits-only labels is still a bucket.
        String bucket = u.getRawAuthority();
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("s3: blob store needs a bucket, e.g. s3://verity-blobs/prefix, got '" + s + "'");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        String prefix = path.startsWith("/") ? path.substring(1) : path;
        URI endpoint = null;
        if (q.containsKey("endpoint")) {
            try {
                endpoint = new URI(q.get("endpoint"));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("bad S3 endpoint '" + q.get("endpoint") + "': " + e.getMessage());
            }
        }
        boolean pathStyle = false;
        if (q.containsKey("pathStyle")) {
            String v = q.get("pathStyle");
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("pathStyle must be true or false, got '" + v + "'");
            }
            pathStyle = v.equals("true");
        }
        S3BlobStore.Config base = S3BlobStore.Config.of(bucket, prefix);
        S3BlobStore.Config config = new S3BlobStore.Config(bucket, prefix, q.get("region"), endpoint, pathStyle, null,
                timeout(q, base.timeout()), base.maxBlobBytes());
        return cached(q, new S3BlobStore(config));
    }

    private static BlobStore cached(Map<String, String> q, BlobStore remote) throws IOException {
        String dir = q.get("cache");
        if (dir == null) {
            return remote;
        }
        if (dir.isBlank()) {
            close(remote);
            throw new IllegalArgumentException("cache= needs a directory, e.g. cache=/var/verity/cache");
        }
        return new CachedBlobStore(new LocalBlobStore(Path.of(dir)), remote);
    }

    private static Duration timeout(Map<String, String> q, Duration dflt) {
        String v = q.get("timeout");
        if (v == null) {
            return dflt;
        }
        try {
            long seconds = Long.parseLong(v);
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("timeout= is a positive number of seconds, got '" + v + "'");
    }

    private static URI parse(String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid blob store URI: '" + s + "' (" + e.getMessage() + "); " + FORMS);
        }
    }

    private static Map<String, String> query(URI u, Set<String> allowed) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = u.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("blob store option '" + part + "' must be name=value in '" + u + "'");
            }
            String name = URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8);
            String value = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown blob store option '" + name + "' for " + u.getScheme()
                        + ": (accepted: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            if (out.put(name, value) != null) {
                throw new IllegalArgumentException("blob store option '" + name + "' given twice in '" + u + "'");
            }
        }
        return out;
    }
}
