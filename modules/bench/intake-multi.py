#!/usr/bin/env python3
"""SMTP load for intake-run with several recipient domains per message (smtp-source sends one).

usage: intake-multi.py HOST:PORT MESSAGES SESSIONS DOMAINS BODY_BYTES
Each session keeps one connection (HELO once, then MAIL/RCPT*DOMAINS/DATA per message, no
pipelining, like smtp-source -d). Exits non-zero if any message is not answered 250.
"""
import smtplib
import sys
import threading

host, port = sys.argv[1].rsplit(":", 1)
messages, sessions, domains, body = (int(a) for a in sys.argv[2:6])
text = "Subject: intake\r\n\r\n" + ("x" * 76 + "\r\n") * max(1, body // 78)
rcpts = ["rcpt@d%d.test" % (i + 2) for i in range(domains)]
failures = []


def session(n):
    s = smtplib.SMTP(host, int(port), timeout=120)
    s.helo("bench.test")
    for _ in range(n):
        try:
            refused = s.sendmail("sender@bench.test", rcpts, text)
            if refused:
                failures.append(str(refused))
        except smtplib.SMTPException as e:
            failures.append(str(e))
    s.quit()


per = [messages // sessions + (1 if i < messages % sessions else 0) for i in range(sessions)]
threads = [threading.Thread(target=session, args=(n,)) for n in per]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    print("%d messages failed, first: %s" % (len(failures), failures[0]), file=sys.stderr)
    sys.exit(1)
