package dev.outflow.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

/**
 * A webhook endpoint on 127.0.0.1: stores every request it reads (body, signature, the status it
 * answered) and answers per request number with {@code status}; a request answered with a
 * negative status is stored and left without an answer until {@link #close} (the sender's
 * timeout fires, as when a receiver's answer is lost).
 */
final class Receiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Request(int number, byte[] body, String signature, int status) {
        List<JsonNode> events() {
            try {
                List<JsonNode> out = new ArrayList<>();
                JSON.readTree(body).forEach(out::add);
                return out;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile IntUnaryOperator status;
    private final String scheme;

    Receiver(IntUnaryOperator status) throws IOException {
        this(status, null);
    }

    /** With {@code tls}: HTTPS with that server context (a self-signed certificate no client trusts). */
    Receiver(IntUnaryOperator status, javax.net.ssl.SSLContext tls) throws IOException {
        this.status = status;
        this.scheme = tls == null ? "http" : "https";
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            var https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", x -> {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            int n = requests.size() + 1;
            int s = this.status.applyAsInt(n);
            requests.add(new Request(n, body, x.getRequestHeaders().getFirst(WebhookSignature.HEADER), s));
            if (s < 0) {
                try {
                    closing.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                x.close();
                return;
            }
            byte[] answer = (s / 100 == 2 ? "ok" : "nope " + s).getBytes();
            x.sendResponseHeaders(s, answer.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    /** A server context with a fresh self-signed certificate for 127.0.0.1. */
    static javax.net.ssl.SSLContext selfSigned() throws Exception {
        var gen = java.security.KeyPairGenerator.getInstance("EC");
        gen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        var pair = gen.generateKeyPair();
        var subject = new org.bouncycastle.asn1.x500.X500Name("CN=127.0.0.1");
        var now = java.time.Instant.now();
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(subject, java.math.BigInteger.valueOf(now.toEpochMilli()),
                java.util.Date.from(now.minusSeconds(86400)), java.util.Date.from(now.plusSeconds(86400)), subject, pair.getPublic());
        var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                .getCertificate(builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        char[] password = "receiver".toCharArray();
        var ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("receiver", pair.getPrivate(), password, new java.security.cert.Certificate[] {cert});
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    void answer(IntUnaryOperator status) {
        this.status = status;
    }

    String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests answered 2xx. */
    List<Request> acknowledged() {
        return requests.stream().filter(r -> r.status() / 100 == 2).toList();
    }

    /** Message ids of every event the receiver read (also in requests it did not acknowledge). */
    List<String> idsRead() {
        return requests.stream().flatMap(r -> r.events().stream()).map(e -> e.get("messageId").asText()).toList();
    }

    List<String> idsAcknowledged() {
        return acknowledged().stream().flatMap(r -> r.events().stream()).map(e -> e.get("messageId").asText()).toList();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
