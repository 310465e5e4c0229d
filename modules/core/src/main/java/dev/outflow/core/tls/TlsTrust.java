package dev.outflow.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Verified client TLS: the trust anchors ({@code tls.ca_file}, else the JVM's system trust store)
 * and a handshake that checks the chain and that the certificate names the host we meant to
 * reach (the JDK's HTTPS endpoint identification: subjectAltName DNS names, a wildcard only as the
 * whole left-most label, as RFC 6125 describes). Used for {@code verify} and MTA-STS MX sessions and
 * for fetching MTA-STS policies. Thread-safe.
 */
public final class TlsTrust {
    private static volatile TlsTrust system;

    private final SSLSocketFactory factory;
    private final String source;

    private TlsTrust(SSLSocketFactory factory, String source) {
        this.factory = factory;
        this.source = source;
    }

    /** The JVM's default trust store, built once. */
    public static TlsTrust system() {
        TlsTrust t = system;
        if (t == null) {
            try {
                t = new TlsTrust(context((KeyStore) null).getSocketFactory(), "the system trust store");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("TLS is not available in this JVM", e);
            }
            system = t;
        }
        return t;
    }

    /**
     * Trusts exactly the certificates of a PEM file (one or more {@code BEGIN CERTIFICATE} blocks).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate
     */
    public static TlsTrust fromPem(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) throw new IllegalArgumentException(file + " holds no certificate");
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) ks.setCertificateEntry("ca" + i++, c);
            return new TlsTrust(context(ks).getSocketFactory(), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    private static SSLContext context(KeyStore anchors) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * Runs a client handshake over a connected socket, sending {@code host} as SNI and failing
     * unless the certificate chains to a trust anchor and is valid for {@code host}.
     */
    public SSLSocket handshake(Socket raw, String host) throws IOException {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        SSLSocket ssl = (SSLSocket) factory.createSocket(raw, name, raw.getPort(), true);
        ssl.setUseClientMode(true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        return ssl;
    }

    /** Where the anchors come from, for messages. */
    @Override
    public String toString() {
        return source;
    }
}
