package dev.outflow.acceptance.harness;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A delivery status notification (RFC 3464) as received by the sender's MX, parsed with Jakarta
 * Mail: the {@code multipart/report} structure, the per-message and per-recipient fields of the
 * {@code message/delivery-status} part (names lower-cased, folded lines joined), and the returned
 * original. Immutable.
 *
 * @param contentType   the top-level content type, e.g. {@code multipart/report; report-type=delivery-status; ...}
 * @param partTypes     base types of the parts, in order
 * @param humanReadable the first (text) part
 * @param perMessage    fields such as {@code reporting-mta}, {@code arrival-date}
 * @param perRecipient  one map per recipient: {@code final-recipient}, {@code action}, {@code status}, {@code diagnostic-code}, ...
 * @param original      the third part (the returned message or its headers), as text
 */
public record Dsn(String contentType, List<String> partTypes, String humanReadable, Map<String, String> perMessage,
                  List<Map<String, String>> perRecipient, String original) {

    /** @throws AssertionError when the bytes are not a multipart/report DSN */
    public static Dsn parse(byte[] message) {
        try {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(message));
            String type = m.getContentType();
            ContentType ct = new ContentType(type);
            if (!ct.match("multipart/report")) throw new AssertionError("not multipart/report but " + type);
            MimeMultipart mp = new MimeMultipart(m.getDataHandler().getDataSource());
            List<String> types = new ArrayList<>();
            String human = null;
            String status = null;
            String original = null;
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart p = mp.getBodyPart(i);
                String base = new ContentType(p.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
                types.add(base);
                String text = raw(p);
                if (i == 0) human = text;
                else if (base.equals("message/delivery-status")) status = text;
                else if (original == null) original = text;
            }
            if (status == null) throw new AssertionError("no message/delivery-status part; parts: " + types);
            List<Map<String, String>> groups = fieldGroups(status);
            if (groups.isEmpty()) throw new AssertionError("empty delivery-status part");
            return new Dsn(type, types, human, groups.get(0), groups.subList(1, groups.size()), original);
        } catch (MessagingException | IOException e) {
            throw new AssertionError("cannot parse the DSN: " + e + "\n" + new String(message, StandardCharsets.UTF_8), e);
        }
    }

    /** The report-type parameter of the content type. */
    public String reportType() {
        try {
            return new ContentType(contentType).getParameter("report-type");
        } catch (jakarta.mail.internet.ParseException e) {
            throw new AssertionError(e);
        }
    }

    /** The per-recipient group of one final recipient ({@code rfc822; ADDRESS}). */
    public Map<String, String> recipient(String address) {
        for (Map<String, String> r : perRecipient) {
            String fr = r.getOrDefault("final-recipient", "");
            if (fr.toLowerCase(Locale.ROOT).endsWith(address.toLowerCase(Locale.ROOT))) return r;
        }
        throw new AssertionError("no per-recipient fields for " + address + " in " + perRecipient);
    }

    private static String raw(BodyPart p) throws MessagingException, IOException {
        try (InputStream in = p instanceof MimeBodyPart mb ? mb.getRawInputStream() : p.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Splits a delivery-status body into blank-line separated groups of header fields. */
    static List<Map<String, String>> fieldGroups(String body) {
        List<Map<String, String>> groups = new ArrayList<>();
        Map<String, String> cur = new LinkedHashMap<>();
        String last = null;
        for (String line : body.replace("\r\n", "\n").split("\n", -1)) {
            if (line.isBlank()) {
                if (!cur.isEmpty()) groups.add(cur);
                cur = new LinkedHashMap<>();
                last = null;
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
                cur.put(last, cur.get(last) + " " + line.strip());
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) continue;
                last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                cur.put(last, line.substring(colon + 1).strip());
            }
        }
        if (!cur.isEmpty()) groups.add(cur);
        return groups;
    }
}
