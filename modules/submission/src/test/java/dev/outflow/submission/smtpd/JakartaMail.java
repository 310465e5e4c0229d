package dev.outflow.submission.smtpd;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/** Sends with Jakarta Mail's SMTP transport (STARTTLS required, AUTH) and answers the server's last reply. */
final class JakartaMail {
    private JakartaMail() {}

    static Session session(int port, boolean auth) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.auth", Boolean.toString(auth));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "20000");
        return Session.getInstance(p);
    }

    static MimeMessage message(Session session, String from, List<String> to, String subject) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from));
        for (String t : to) m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        m.setSubject(subject);
        m.setText("Hello from the test.\r\n.leading dot line\r\n");
        m.saveChanges();
        return m;
    }

    /** Connects, authenticates, sends one message and returns the reply to the final dot. */
    static String send(int port, String user, String password, String from, List<String> to) throws MessagingException {
        Session session = session(port, true);
        MimeMessage m = message(session, from, to, "test");
        try (SMTPTransport t = (SMTPTransport) session.getTransport("smtp")) {
            t.connect(user, password);
            t.sendMessage(m, m.getAllRecipients());
            return t.getLastServerResponse().strip();
        }
    }

    static Address[] addresses(List<String> to) throws MessagingException {
        Address[] a = new Address[to.size()];
        for (int i = 0; i < a.length; i++) a[i] = new InternetAddress(to.get(i));
        return a;
    }
}
