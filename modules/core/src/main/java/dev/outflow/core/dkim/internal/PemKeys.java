package dev.outflow.core.dkim.internal;

import dev.outflow.core.dkim.DkimAlgorithm;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes private keys as PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}, what OpenSSL 3 and
 * {@code outflow dkim keygen} write, RSA or Ed25519) and PKCS#1 ({@code BEGIN RSA PRIVATE KEY},
 * what older {@code opendkim-genkey} writes). Encrypted keys are refused: a delivery process has
 * no one to type the pass phrase. Stateless.
 */
public final class PemKeys {
    /** The smallest RSA modulus accepted (RFC 8301 3.2: signers MUST use at least 1024, we ask what receivers expect now). */
    public static final int MIN_RSA_BITS = 2048;
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemKeys() {}

    /** A parsed key and the algorithm it signs with. */
    public record Parsed(PrivateKey key, DkimAlgorithm algorithm) {}

    /** @throws IllegalArgumentException with a one-line reason when the text is no usable key */
    public static Parsed parse(String pem) {
        Matcher m = PEM.matcher(pem);
        if (!m.find()) throw new IllegalArgumentException("no PEM block (expected -----BEGIN PRIVATE KEY-----)");
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad base64 in the PEM block: " + e.getMessage());
        }
        return switch (type) {
            case "PRIVATE KEY" -> pkcs8(der);
            case "RSA PRIVATE KEY" -> checkRsa(generate("RSA", pkcs1ToPkcs8(der)));
            case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("the key is encrypted; store it unencrypted with mode 0600");
            default -> throw new IllegalArgumentException("a PEM block of type '" + type + "' is not a private key");
        };
    }

    private static Parsed pkcs8(byte[] der) {
        PrivateKey rsa = tryGenerate("RSA", der);
        if (rsa != null) return checkRsa(rsa);
        PrivateKey ed = tryGenerate("Ed25519", der);
        if (ed instanceof EdECPrivateKey) return new Parsed(ed, DkimAlgorithm.ED25519_SHA256);
        throw new IllegalArgumentException("the PKCS#8 key is neither RSA nor Ed25519");
    }

    private static Parsed checkRsa(PrivateKey k) {
        int bits = ((RSAPrivateKey) k).getModulus().bitLength();
        if (bits < MIN_RSA_BITS) throw new IllegalArgumentException("RSA key of " + bits + " bits; at least " + MIN_RSA_BITS + " are required");
        return new Parsed(k, DkimAlgorithm.RSA_SHA256);
    }

    private static PrivateKey tryGenerate(String algorithm, byte[] der) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    private static PrivateKey generate(String algorithm, byte[] der) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("malformed " + algorithm + " key: " + e.getMessage());
        }
    }

    /** PKCS#8 PEM of a private key, 64 characters a line. */
    public static String toPem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** The {@code p=} value of the DNS record: SubjectPublicKeyInfo for RSA (RFC 6376), the raw 32 bytes for Ed25519 (RFC 8463). */
    public static String publicKeyValue(PublicKey key, DkimAlgorithm algorithm) {
        byte[] spki = key.getEncoded();
        if (algorithm == DkimAlgorithm.ED25519_SHA256) {
            byte[] raw = new byte[32];
            System.arraycopy(spki, spki.length - 32, raw, 0, 32);
            return Base64.getEncoder().encodeToString(raw);
        }
        return Base64.getEncoder().encodeToString(spki);
    }

    /** The RSA public key of a CRT private key (what Java and OpenSSL produce). */
    public static PublicKey rsaPublic(PrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) throw new IllegalArgumentException("not an RSA CRT key");
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 }. */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(pkcs1.length + 32);
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM_ID);
        body.write(0x04);
        writeLength(body, pkcs1.length);
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 4);
        out.write(0x30);
        writeLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len & 0xff);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write((len >> 8) & 0xff);
            out.write(len & 0xff);
        }
    }
}
