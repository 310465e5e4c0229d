# Verifies every DKIM-Signature of the message on stdin with dkimpy (an independent implementation),
# fetching keys from the DNS server given as argv[1] (ip) and argv[2] (port). Prints one line per
# signature: "<index> pass|fail <algorithm> <domain>"; exit 0 unless a signature failed.
import sys
import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [sys.argv[1]]
resolver.port = int(sys.argv[2])

def txt(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    try:
        answer = resolver.resolve(name, 'TXT', lifetime=timeout)
    except Exception:
        return None
    for record in answer:
        return b''.join(record.strings)
    return None

message = sys.stdin.buffer.read()
d = dkim.DKIM(message)
count = sum(1 for name, _ in d.headers if name.lower() == b'dkim-signature')
failed = count == 0
for i in range(count):
    ok = d.verify(idx=i, dnsfunc=txt)
    fields = d.signature_fields
    print(i, 'pass' if ok else 'fail', fields.get(b'a', b'').decode(), fields.get(b'd', b'').decode())
    failed = failed or not ok
sys.exit(1 if failed else 0)
