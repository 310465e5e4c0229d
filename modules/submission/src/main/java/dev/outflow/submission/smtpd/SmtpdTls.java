package dev.outflow.submission.smtpd;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The STARTTLS identity of the submission listener: the PEM certificate chain and key of
 * {@code smtpd.tls_cert}/{@code smtpd.tls_key}, or else a self-signed certificate for {@code me}
 * generated once into {@code data.dir/smtpd-tls/} and reused on later starts (regenerated only
 * when it has expired). The generated key is EC P-256: instant to create and cheap per handshake;
 * a site with clients that only know RSA configures its own certificate. Failures are
 * {@link ConfigException}s naming the key.
 */
public final class SmtpdTls {
    static final String SELF_SIGNED_DIR = "smtpd-tls";
    private static final char[] STORE_PASSWORD = "outflow".toCharArray();

    private SmtpdTls() {}

    /** The server SSLContext for a configuration. */
    public static SSLContext serverContext(Config config) {
        String cert = config.get(OutflowKeys.SMTPD_TLS_CERT);
        String key = config.get(OutflowKeys.SMTPD_TLS_KEY);
        if (cert != null && !cert.isBlank()) {
            if (key == null || key.isBlank()) throw new ConfigException(OutflowKeys.SMTPD_TLS_KEY.name(), "not set but smtpd.tls_cert is");
            return context(readChain(Path.of(cert)), readKey(Path.of(key)));
        }
        if (key != null && !key.isBlank()) throw new ConfigException(OutflowKeys.SMTPD_TLS_CERT.name(), "not set but smtpd.tls_key is");
        Path dir = config.get(OutflowKeys.DATA_DIR).resolve(SELF_SIGNED_DIR);
        return selfSigned(dir, config.me());
    }

    /** Loads the self-signed pair from {@code dir}, generating (or renewing) it first when needed. */
    static synchronized SSLContext selfSigned(Path dir, String me) {
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            List<X509Certificate> chain = readChain(certFile);
            if (chain.get(0).getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(1)))) {
                return context(chain, readKey(keyFile));
            }
        }
        generate(dir, certFile, keyFile, me);
        return context(readChain(certFile), readKey(keyFile));
    }

    private static void generate(Path dir, Path certFile, Path keyFile, String me) {
        try {
            Files.createDirectories(dir);
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = gen.generateKeyPair();
            X500Name subject = new X500Name("CN=" + sanitize(me));
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, pair.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, sanitize(me))));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            // Key first: a reader that sees the certificate then also finds its key.
            writePem(dir, keyFile, new JcaPKCS8Generator(pair.getPrivate(), null));     // PKCS#8 "PRIVATE KEY"
            writePem(dir, certFile, cert);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new ConfigException(OutflowKeys.DATA_DIR.name(), "cannot create the self-signed STARTTLS certificate in " + dir + ": " + e.getMessage());
        }
    }

    private static void writePem(Path dir, Path target, Object o) throws IOException {
        Path tmp = Files.createTempFile(dir, ".tls", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not POSIX
            }
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
                pem.writeObject(o);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static List<X509Certificate> readChain(Path file) {
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) chain.add(conv.getCertificate(h));
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(OutflowKeys.SMTPD_TLS_CERT.name(), "cannot read certificate " + file + ": " + e.getMessage());
        }
        if (chain.isEmpty()) throw new ConfigException(OutflowKeys.SMTPD_TLS_CERT.name(), file + " holds no PEM certificate");
        return chain;
    }

    private static PrivateKey readKey(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMKeyPair kp) return conv.getPrivateKey(kp.getPrivateKeyInfo());
                if (o instanceof PrivateKeyInfo pki) return conv.getPrivateKey(pki);
            }
        } catch (IOException e) {
            throw new ConfigException(OutflowKeys.SMTPD_TLS_KEY.name(), "cannot read key " + file + ": " + e.getMessage());
        }
        throw new ConfigException(OutflowKeys.SMTPD_TLS_KEY.name(), file + " holds no unencrypted PEM private key");
    }

    private static SSLContext context(List<X509Certificate> chain, PrivateKey key) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("smtpd", key, STORE_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, STORE_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(OutflowKeys.SMTPD_TLS_CERT.name(), "certificate and key do not make a TLS identity: " + e.getMessage());
        }
    }

    private static String sanitize(String me) {
        StringBuilder b = new StringBuilder();
        for (char c : me.toCharArray()) if (Character.isLetterOrDigit(c) || c == '.' || c == '-') b.append(c);
        return b.isEmpty() ? "localhost" : b.toString();
    }
}
