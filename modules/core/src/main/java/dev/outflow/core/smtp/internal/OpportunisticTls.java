package dev.outflow.core.smtp.internal;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side STARTTLS for opportunistic outbound TLS, like Postfix's {@code smtp_tls_security_level
 * = may}: any certificate is accepted (self-signed, expired, wrong name) and the host name is not
 * checked. This encrypts against passive eavesdropping only; it authenticates no one, which is the
 * accepted trade-off for MX delivery under the {@code may} and {@code encrypt} policies; {@code verify}
 * and MTA-STS use {@link dev.outflow.core.tls.TlsTrust}. Thread-safe.
 */
public final class OpportunisticTls {
    private final SSLSocketFactory factory;

    /** The JVM's instance, made on first use (setting up JSSE costs about a second). */
    public static OpportunisticTls shared() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final OpportunisticTls INSTANCE = new OpportunisticTls();
    }

    public OpportunisticTls() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            this.factory = ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM", e);
        }
    }

    /** Runs the client handshake over a connected socket; SNI is the host name unless it is an IP literal. */
    public SSLSocket handshake(Socket raw, String host) throws IOException {
        String sni = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        SSLSocket ssl = (SSLSocket) factory.createSocket(raw, sni, raw.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        return ssl;
    }

    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
