package dev.outflow.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The configuration table: every key Outflow reads, declared once with type, default and doc.
 * {@code outflow config} prints it; unknown keys are errors, except under {@link #KAFKA_CLIENT_PREFIX}.
 * Hot keys are re-read from the config file while running.
 */
public final class OutflowKeys {
    private static final Map<String, ConfigKey<?>> ALL = new LinkedHashMap<>();

    /** Keys under this prefix are passed, without it, to every Kafka client (e.g. security.protocol). */
    public static final String KAFKA_CLIENT_PREFIX = "kafka.client.";

    // --- identity and storage
    public static final ConfigKey<String> ME = string("me", null,
            "Host name used in EHLO, Received headers, Message-IDs and DSNs (Haraka's config/me). Unset: this machine's host name.");
    public static final ConfigKey<Path> DATA_DIR = path("data.dir", "./data",
            "Where the embedded broker keeps its log, the generated TLS certificate and the broker address file.");
    public static final ConfigKey<List<String>> PLUGINS = list("plugins", "",
            "Ordered plugin names (OutboundPlugin.name()) to run; plugins found but not listed run after these, in class-name order.");
    public static final ConfigKey<Path> PLUGINS_DIR = path("plugins.dir", "./plugins",
            "Folder of plugin jars loaded with ServiceLoader in addition to the class path.");

    // --- Kafka
    public static final ConfigKey<String> KAFKA_BOOTSTRAP = string("kafka.bootstrap.servers", null,
            "Kafka cluster to use. Unset: the embedded broker (started by 'up' or 'broker', found through data.dir).");
    public static final ConfigKey<String> SCHEMA_REGISTRY_URL = string("schema.registry.url", null,
            "Confluent-compatible schema registry. Set: records use the Confluent wire format (magic byte + schema id). Unset: Avro single-object encoding.");
    // Readers take both formats whatever this says, so a cluster can switch without draining the topics.
    public static final ConfigKey<String> EVENTS_FORMAT = define("events.format", ValueType.STRING, "avro",
            "Encoding of the event topics (delivered, deferred, bounced): 'avro' (like every other topic) or 'json' (docs/events.schema.json, for consumers without Avro). Every Outflow reader takes both.",
            false, v -> { if (!v.equals("avro") && !v.equals("json")) throw new IllegalArgumentException("'" + v + "' is not avro or json"); });
    public static final ConfigKey<String> TOPIC_PREFIX = string("topic.prefix", "outflow.",
            "Prefix of every Outflow topic name.");
    public static final ConfigKey<Integer> TOPIC_OUTBOUND_PARTITIONS = intKey("topic.outbound_partitions", "12",
            "Partitions of the outbound topic (the unit of worker parallelism).", v -> positive(v));
    public static final ConfigKey<Integer> TOPIC_PARTITIONS = intKey("topic.partitions", "6",
            "Partitions of the other topics (submissions, events, delay buckets, DLQ).", v -> positive(v));
    public static final ConfigKey<Integer> TOPIC_REPLICATION_FACTOR = intKey("topic.replication_factor", "-1",
            "Replication factor of created topics; -1 uses the broker's default (1 embedded; set 3 on a cluster).",
            v -> { if (v == 0 || v < -1) throw new IllegalArgumentException("must be -1 or >= 1"); });
    // A cluster's durability rests on this topic config, not only on acks=all: with RF 3 and 2,
    // an acknowledged record is on two brokers before the producer hears back.
    public static final ConfigKey<Integer> TOPIC_MIN_INSYNC_REPLICAS = intKey("topic.min_insync_replicas", "-1",
            "min.insync.replicas of created topics; -1 uses the broker's default (set 2 with replication factor 3). Must not exceed topic.replication_factor.",
            v -> { if (v == 0 || v < -1) throw new IllegalArgumentException("must be -1 or >= 1"); });
    public static final ConfigKey<HostPort> BROKER_LISTEN = hostPort("broker.listen", "127.0.0.1:9092",
            "Listener of the embedded broker (loopback by default); its KRaft controller takes the next port, on loopback. A non-loopback address needs broker.sasl_user or broker.allow_insecure=true.");
    // Embedded broker access: a broker reachable from the network must authenticate its clients.
    public static final ConfigKey<String> BROKER_SASL_USER = string("broker.sasl_user", null,
            "SCRAM-SHA-512 user the embedded broker's listener requires (with broker.sasl_password); the stages of 'up' and the CLI connect with it. Unset: no authentication.");
    public static final ConfigKey<String> BROKER_SASL_PASSWORD = string("broker.sasl_password", null,
            "Password of broker.sasl_user (prefer OUTFLOW_BROKER_SASL_PASSWORD or the config file to the command line).");
    public static final ConfigKey<Boolean> BROKER_ALLOW_INSECURE = bool("broker.allow_insecure", "false",
            "Allow broker.listen on a non-loopback address without broker.sasl_user: anyone who reaches it can read and write every topic.");
    public static final ConfigKey<Boolean> BROKER_FSYNC = bool("broker.fsync", "true",
            "Embedded broker fsyncs every append (log.flush.interval.messages=1): a single node has no replica to recover from.");

    // --- delivery (Haraka outbound.* names)
    public static final ConfigKey<Integer> CONCURRENCY_MAX = hotInt("outbound.concurrency_max", "100",
            "Maximum deliveries (connections) in progress per worker.", v -> positive(v));
    public static final ConfigKey<Integer> DOMAIN_CONCURRENCY = intKey("outbound.domain_concurrency", "10",
            "Maximum deliveries in progress to one domain per worker.", v -> positive(v));
    public static final ConfigKey<List<String>> DOMAIN_SHARDS = list("outbound.domain_shards", "",
            "Hot domains spread over n routing keys, e.g. gmail.com:8,yahoo.com:4.");
    public static final ConfigKey<Boolean> ENABLE_TLS = hotBool("outbound.enable_tls", "true",
            "Use STARTTLS when the remote server offers it (opportunistic; a failed handshake retries that host once in plaintext). false = tls.policy none (tls.policy_map entries and MTA-STS still apply).");
    public static final ConfigKey<Boolean> DISABLED = hotBool("outbound.disabled", "false",
            "Stop delivery (mail keeps queueing). Re-read from the config file while running.");
    public static final ConfigKey<Boolean> IPV6_ENABLED = bool("outbound.ipv6_enabled", "false",
            "Try AAAA addresses of each MX before A addresses.");
    public static final ConfigKey<Path> BOUNCE_MESSAGE = path("outbound.bounce_message", "config/outbound.bounce_message",
            "Template of the human-readable part of DSNs: {pid} {date} {me} {from} {msgid} {to} {reason}. A missing file uses the built-in text.");
    // Validated by RetrySchedule.parse, so a bad value fails at load (config -> retry; retry imports nothing back).
    public static final ConfigKey<String> TEMP_FAIL_INTERVALS = define("outbound.temp_fail_intervals", ValueType.STRING, "",
            "Retry delays in Haraka syntax, e.g. '1m, 5m*2, 1h*3'; 'none' bounces on the first temporary failure; empty: 2^(attempt+5) s for 12 attempts.",
            true, v -> dev.outflow.core.retry.RetrySchedule.parse(v));
    public static final ConfigKey<Long> MAX_MESSAGE_BYTES = size("outbound.max_message_bytes", "10m",
            "Largest message accepted for delivery (also sizes topic max.message.bytes).", v -> positive(v));
    public static final ConfigKey<Integer> SMTP_PORT = intKey("outbound.smtp_port", "25",
            "Port of a remote MX when the route names none.", v -> port(v));
    public static final ConfigKey<Duration> CONNECT_TIMEOUT = duration("outbound.connect_timeout", "30s",
            "TCP connect timeout per address.");
    public static final ConfigKey<Duration> COMMAND_TIMEOUT = duration("outbound.command_timeout", "5m",
            "Wait for the greeting and for replies to EHLO, MAIL, RCPT, DATA (RFC 5321 4.5.3.2: 5 min; DATA 2 min is not shorter here).");
    public static final ConfigKey<Duration> DATA_TIMEOUT = duration("outbound.data_timeout", "10m",
            "Wait for the reply to the final dot of DATA (RFC 5321 4.5.3.2: 10 min).");
    public static final ConfigKey<Duration> POOL_IDLE = duration("outbound.pool_idle", "10s",
            "How long an idle connection to an MX is kept for reuse.");
    public static final ConfigKey<Integer> POOL_MAX_MESSAGES = intKey("outbound.pool_max_messages", "100",
            "Messages sent on one connection before it is closed.", v -> positive(v));
    public static final ConfigKey<String> BIND = string("outbound.bind", null,
            "Local address to connect from, unless a get_mx route names one.");
    public static final ConfigKey<Integer> INFLIGHT_PER_PARTITION = intKey("outbound.inflight_per_partition", "1000",
            "Records of one partition in progress at once; when full and a domain is at its limit, its records are parked (throttled).", v -> positive(v));
    public static final ConfigKey<Duration> DELAY_WARNING = duration("outbound.delay_warning", "4h",
            "After this long in the queue, a recipient submitted with NOTIFY=DELAY (RFC 3461) gets one 'delayed' DSN while Outflow keeps trying.");
    public static final ConfigKey<Duration> THROTTLE_DELAY = duration("outbound.throttle_delay", "10s",
            "Delay of a record parked because its domain was at its connection limit.");
    // Per-destination traffic shaping (docs/shaping.md): connections, per-connection, rates, back-off
    public static final ConfigKey<String> SHAPING_RULES = string("shaping.rules", "",
            "Shaping rules file (docs/shaping.md): per recipient domain or *.mx-suffix, connections, per_connection, rate=N/UNIT, backoff, backoff_after; overrides the built-in rules for Google, Microsoft and Yahoo. Re-read when it changes (a bad file then keeps the rules in force). Empty: the built-in rules only.");
    // Worker memory and hold-ups (docs/security.md, "Worker: loss windows and memory").
    public static final ConfigKey<Long> INFLIGHT_BYTES = size("outbound.inflight_bytes", "0",
            "Bytes of records a worker holds taken but not yet committed (outputs included) before it stops taking more; 0: a quarter of the maximum heap.",
            v -> { if (v < 0) throw new IllegalArgumentException(v + " must be 0 or more"); });
    public static final ConfigKey<Duration> PARTITION_HOLD_TIMEOUT = duration("outbound.partition_hold_timeout", "2m",
            "How long one delivery may hold back the commit of finished records after it on its partition; then its attempt is cut short and deferred.");

    // --- delivery: what a remote server may cost one attempt (Postfix smtp_* limits; docs/security.md)
    public static final ConfigKey<Duration> TRANSACTION_TIMEOUT = duration("outbound.transaction_timeout", "10m",
            "Total time one delivery attempt may take (DNS, every connection and transaction), whatever the per-command timeouts allow; the rest is deferred.");
    public static final ConfigKey<Integer> MX_ADDRESS_LIMIT = intKey("outbound.mx_address_limit", "5",
            "Most MX addresses tried per delivery attempt, 0 = no limit (Postfix smtp_mx_address_limit).", v -> notNegative(v));
    public static final ConfigKey<Integer> MX_SESSION_LIMIT = intKey("outbound.mx_session_limit", "2",
            "Most SMTP sessions (connections that got through greeting and EHLO) per delivery attempt, 0 = no limit (Postfix smtp_mx_session_limit).",
            v -> notNegative(v));
    public static final ConfigKey<Integer> RECIPIENT_LIMIT = intKey("outbound.recipient_limit", "50",
            "Most recipients per SMTP transaction; more are sent in further transactions of the same attempt (Postfix default_destination_recipient_limit).",
            v -> positive(v));
    public static final ConfigKey<Boolean> ALLOW_PRIVATE = bool("outbound.allow_private", "false",
            "Deliver to loopback, private and link-local addresses found through DNS or address literals (routes of a get_mx hook always may).");
    public static final ConfigKey<Integer> HOP_LIMIT = intKey("outbound.hop_limit", "50",
            "A message with more Received: headers than this bounces with 5.4.6 (mail loop; Postfix hopcount_limit).", v -> positive(v));

    // --- DKIM (RFC 6376, RFC 8463): intake signs once, retries and DSNs keep the signature
    public static final ConfigKey<Path> DKIM_KEYS_DIR = path("dkim.keys_dir", "config/dkim",
            "Signing keys, one PEM file per key: DIR/DOMAIN/SELECTOR.pem (RSA >= 2048 bits or Ed25519; write with 'outflow dkim keygen'). Mail whose From domain has keys is signed with each of them. A missing folder means no keys.");
    public static final ConfigKey<List<String>> DKIM_KEYS = list("dkim.keys", "",
            "More keys as domain:selector:file entries (file absolute or relative to dkim.keys_dir), e.g. example.com:s2026:/etc/outflow/example.pem.");
    public static final ConfigKey<Boolean> DKIM_REQUIRED = bool("dkim.required", "true",
            "A message whose From domain has a key but that cannot be signed (e.g. two From fields) is refused with a temporary error (451 4.7.0); false: it is queued unsigned with a warning.");
    public static final ConfigKey<List<String>> DKIM_HEADERS = list("dkim.headers", "from,to,cc,subject,date,message-id,reply-to,sender,mime-version,content-type,"
            + "content-transfer-encoding,in-reply-to,references,list-id,list-unsubscribe,list-unsubscribe-post",
            "Header fields signed when present (From is always signed, and listed once more than it occurs so none can be added).");

    // --- TLS policy of outgoing sessions (docs/tls.md)
    public static final ConfigKey<String> TLS_POLICY = define("tls.policy", ValueType.STRING, "may",
            "Default TLS policy of deliveries: none, may (STARTTLS when offered, any certificate, plaintext when it fails), encrypt (TLS required, any certificate) or verify (TLS required with a certificate valid for the MX name). Required policies never fall back to plaintext: the host fails and the mail is deferred. outbound.enable_tls=false means none.",
            false, (String v) -> dev.outflow.core.tls.TlsLevel.parse(v));
    public static final ConfigKey<Path> TLS_POLICY_MAP = define("tls.policy_map", ValueType.PATH, "config/tls_policy",
            "Per-domain TLS policies, one 'DOMAIN LEVEL' per line (.example.com = every subdomain); wins over MTA-STS and tls.policy. Re-read when the file changes; a missing file is an empty map.",
            false, (Path v) -> new dev.outflow.core.tls.TlsPolicyMap(v));
    public static final ConfigKey<String> TLS_CA_FILE = define("tls.ca_file", ValueType.STRING, "",
            "PEM file of the CAs trusted for verify and MTA-STS (relative to OUTFLOW_HOME); empty = the JVM's system trust store.",
            false, (String v) -> { if (!v.isBlank()) dev.outflow.core.tls.TlsTrust.fromPem(caFile(v)); });
    public static final ConfigKey<Boolean> MTA_STS_ENABLED = bool("mta_sts.enabled", "false",
            "Honour MTA-STS policies (RFC 8461) of recipient domains without a tls.policy_map entry: enforce = deliver only to matching MX hosts with a verified certificate, else defer; testing = deliver and log.");
    public static final ConfigKey<Integer> MTA_STS_HTTPS_PORT = intKey("mta_sts.https_port", "443",
            "Port of the policy host https://mta-sts.DOMAIN; only for tests (policy servers on 127.0.0.1).", v -> port(v));
    public static final ConfigKey<Duration> MTA_STS_FETCH_TIMEOUT = duration("mta_sts.fetch_timeout", "10s",
            "Whole time one policy fetch may take (DNS, connect, TLS, body of at most 64 KiB).");

    // --- DNS
    public static final ConfigKey<List<String>> DNS_SERVERS = list("dns.servers", "",
            "DNS servers as ip or ip:port, e.g. 127.0.0.1:5353. Empty: the system resolver.");
    public static final ConfigKey<Duration> DNS_TIMEOUT = duration("dns.timeout", "5s",
            "Timeout of one DNS query (a timeout defers the message).");
    public static final ConfigKey<Duration> DNS_CACHE_MAX_TTL = duration("dns.cache_max_ttl", "5m",
            "Upper bound on how long an MX answer is cached (the record TTL bounds it too).");

    // --- scheduler
    public static final ConfigKey<List<String>> SCHEDULER_BUCKETS = list("scheduler.buckets", "10s,1m,5m,15m,1h,4h",
            "Delay buckets (one topic each); a record waits in the largest bucket not longer than its remaining delay.");
    public static final ConfigKey<Integer> SCHEDULER_READ_AHEAD = intKey("scheduler.read_ahead", "10000",
            "Records of one partition of the smallest delay bucket held in memory so each leaves at its own notBefore; further records wait in Kafka.",
            v -> positive(v));
    public static final ConfigKey<Long> SCHEDULER_READ_AHEAD_BYTES = size("scheduler.read_ahead_bytes", "64m",
            "Bytes of record values of one partition of the smallest delay bucket held in memory (with scheduler.read_ahead).",
            v -> positive(v));

    // --- submission
    public static final ConfigKey<Boolean> SMTPD_ENABLED = bool("smtpd.enabled", "true",
            "Whether 'up' starts the SMTP submission listener.");
    public static final ConfigKey<HostPort> SMTPD_LISTEN = hostPort("smtpd.listen", "127.0.0.1:2587",
            "Address of the SMTP submission listener.");
    public static final ConfigKey<Path> SMTPD_USERS = path("smtpd.users", "config/smtpd.users",
            "File of user:pbkdf2-hash lines (write with 'outflow users add'); re-read when it changes. Hashes under 100,000 iterations are refused.");
    public static final ConfigKey<List<String>> SMTPD_RELAY_NETWORKS = list("smtpd.relay_networks", "",
            "CIDRs allowed to relay without AUTH, e.g. 127.0.0.0/8,10.0.0.0/8. Default: none.");
    public static final ConfigKey<String> SMTPD_TLS_CERT = string("smtpd.tls_cert", null,
            "PEM certificate chain for STARTTLS. Unset: a self-signed one generated once into data.dir.");
    public static final ConfigKey<String> SMTPD_TLS_KEY = string("smtpd.tls_key", null,
            "PEM private key for smtpd.tls_cert.");
    public static final ConfigKey<Boolean> SMTPD_AUTH_REQUIRES_TLS = bool("smtpd.auth_requires_tls", "true",
            "Refuse AUTH before STARTTLS.");
    public static final ConfigKey<Integer> SMTPD_MAX_RECIPIENTS = intKey("smtpd.max_recipients", "1000",
            "Recipients accepted per message.", v -> positive(v));
    public static final ConfigKey<Integer> SMTPD_MAX_CONNECTIONS = intKey("smtpd.max_connections", "500",
            "Concurrent SMTP client connections.", v -> positive(v));
    public static final ConfigKey<Duration> SMTPD_TIMEOUT = duration("smtpd.timeout", "5m",
            "Idle time allowed between client commands and data lines.");
    // Per-client limits (Postfix anvil). Clients in smtpd.relay_networks are exempt from the
    // connection count and rate limits, as Postfix's smtpd_client_event_limit_exceptions=$mynetworks.
    public static final ConfigKey<Integer> SMTPD_CLIENT_CONNECTION_LIMIT = intKey("smtpd.client_connection_limit", "50",
            "Concurrent connections from one client IP (Postfix smtpd_client_connection_count_limit); 0 = no limit. Beyond it: 421 4.7.0.", v -> notNegative(v));
    public static final ConfigKey<Integer> SMTPD_CLIENT_CONNECTION_RATE_LIMIT = intKey("smtpd.client_connection_rate_limit", "300",
            "New connections per minute from one client IP (Postfix smtpd_client_connection_rate_limit); 0 = no limit. Beyond it: 421 4.7.0.", v -> notNegative(v));
    public static final ConfigKey<Integer> SMTPD_JUNK_COMMAND_LIMIT = intKey("smtpd.junk_command_limit", "100",
            "RSET, NOOP, VRFY and HELP commands per session before each further one counts as an error (Postfix smtpd_junk_command_limit).", v -> positive(v));
    public static final ConfigKey<Duration> SMTPD_MAX_SESSION_TIME = duration("smtpd.max_session_time", "1h",
            "Longest SMTP session, however busy; then 421 4.4.2 and disconnect.");
    public static final ConfigKey<Integer> SMTPD_CLIENT_AUTH_FAILURE_LIMIT = intKey("smtpd.client_auth_failure_limit", "10",
            "Failed AUTH attempts from one client IP within smtpd.client_auth_failure_window; beyond it AUTH answers 450 4.7.1 at once. Each failure is answered after 1 s, doubled for each recent failure of that IP (at most 16 s).", v -> positive(v));
    public static final ConfigKey<Duration> SMTPD_CLIENT_AUTH_FAILURE_WINDOW = duration("smtpd.client_auth_failure_window", "15m",
            "How long a failed AUTH counts against its client IP.");
    public static final ConfigKey<Integer> SMTPD_AUTH_THREADS = intKey("smtpd.auth_threads", "2",
            "Threads that check passwords (PBKDF2, deliberately slow); up to 32 checks per thread wait, beyond that AUTH answers 454 4.7.0.", v -> positive(v));
    public static final ConfigKey<Duration> SMTPD_QUEUE_TIMEOUT = duration("smtpd.queue_timeout", "30s",
            "How long a submission waits for the broker to acknowledge a message (also the producer's delivery.timeout.ms); then SMTP answers 451 4.3.0.");
    public static final ConfigKey<Duration> ROUTER_DEDUPE_WINDOW = duration("router.dedupe_window", "24h",
            "A submission id seen again within this window is queued once.");
    public static final ConfigKey<Duration> ROUTER_COMMIT_INTERVAL = duration("router.commit_interval", "100ms",
            "How often the router commits one Kafka transaction (Kafka Streams commit.interval.ms, exactly-once v2) holding the outbound parts, rejections, dedupe entries and input offsets of the submissions read since the last one.");
    // The router is a Kafka Streams application (docs/architecture.md, "Router on Kafka Streams").
    public static final ConfigKey<String> ROUTER_STATE_DIR = string("router.state_dir", null,
            "Kafka Streams state (RocksDB) of the router: dedupe ids and retries waiting until due, in a folder named after worker.id (else the host name). Unset: <data.dir>/router. Rebuilt from changelogs when lost.");
    // Kafka intake limits and retries (docs/security.md, "Kafka intake (router)").
    public static final ConfigKey<Integer> ROUTER_MAX_RECIPIENTS = intKey("router.max_recipients", "1000",
            "Recipients accepted per submission on the submissions topic; more: REJECTED 550 5.5.3 and a DLQ copy.", v -> positive(v));
    // Same grammar as outbound.temp_fail_intervals, validated by RetrySchedule.parse; each distinct delay is a topic <prefix>router.retry.<delay>.
    public static final ConfigKey<String> ROUTER_RETRY_INTERVALS = define("router.retry_intervals", ValueType.STRING, "1m, 5m, 15m, 1h*4",
            "Waits before a submission refused temporarily on the submissions topic (queue_outbound DENYSOFT, a failing plugin) is tried again, Haraka syntax; when used up: REJECTED 451 and a DLQ copy. 'none': at once.",
            false, v -> { if (v.isBlank()) throw new IllegalArgumentException("empty (use 'none' for no retries)");
                          dev.outflow.core.retry.RetrySchedule.parse(v); });
    // OutflowClient and outflow send queue through the router, which applies policy for every channel but SMTP
    // (docs/architecture.md, "One place where policy runs").
    public static final ConfigKey<Duration> CLIENT_OUTCOME_TIMEOUT = duration("client.outcome_timeout", "60s",
            "How long OutflowClient and outflow send wait for the router's outcome of a submission (queued on the outbound topic, or REJECTED) once the broker acknowledged it.");

    // --- reporting (Kafka Streams over the event topics) and the suppression list
    public static final ConfigKey<Boolean> REPORTING_ENABLED = bool("reporting.enabled", "true",
            "Whether 'up' runs reporting (tracking, statistics, suppression list, /api on http.listen).");
    public static final ConfigKey<String> REPORTING_STATE_DIR = string("reporting.state_dir", null,
            "Kafka Streams state (RocksDB) of reporting. Unset: <data.dir>/reporting. Rebuilt from changelogs when lost.");
    public static final ConfigKey<Duration> REPORTING_RETENTION = duration("reporting.retention", "7d",
            "How long messages stay trackable (by id and by recipient) after they were first seen; also how long 1-hour statistics are kept.");
    public static final ConfigKey<Duration> REPORTING_COMMIT_INTERVAL = duration("reporting.commit_interval", "1s",
            "How often reporting commits its exactly-once transaction (Kafka Streams commit.interval.ms): tracking and statistics lag delivery by up to this much. Shorter costs broker work per transaction (profile in docs/benchmarks.md).");
    public static final ConfigKey<Path> REPORTING_BOUNCE_RULES = path("reporting.bounce_rules", "config/bounce_rules",
            "File of bounce classification rules ('<class> code|text <pattern>' per line), tried before the built-in rules. A missing file: built-in rules only.");
    public static final ConfigKey<Integer> REPORTING_ATTEMPT_HISTORY = intKey("reporting.attempt_history", "20",
            "Attempts remembered per recipient in tracking (the oldest are dropped first).", v -> positive(v));
    public static final ConfigKey<String> REPORTING_ADVERTISED = string("reporting.advertised_address", null,
            "host:port other reporting instances use to reach this one's /api (Kafka Streams application.server). Unset: http.listen, with a wildcard host replaced by this host's name.");
    public static final ConfigKey<Boolean> SUPPRESSION_ENABLED = bool("suppression.enabled", "true",
            "Refuse suppressed recipients at intake (SMTP RCPT 550 5.1.1, router and OutflowClient: REJECTED event). false: the list is kept but not enforced.");
    public static final ConfigKey<Duration> SUPPRESSION_TTL = duration("suppression.ttl", "30d",
            "How long an address stays suppressed after a bad-mailbox bounce (or a manual add without its own expiry).");

    // --- webhooks: the event topics POSTed as signed JSON batches (docs/webhooks.md)
    public static final ConfigKey<List<String>> WEBHOOKS_URLS = define("webhooks.urls", ValueType.LIST, "",
            "http(s) endpoints that receive every delivery event (the JSON of 'outflow events') as signed JSON-array batches; each has its own consumer group. Set: 'up' runs the webhooks stage.",
            false, (List<String> v) -> v.forEach(OutflowKeys::httpUrl));
    public static final ConfigKey<String> WEBHOOKS_SECRET = string("webhooks.secret", null,
            "HMAC-SHA256 key of the Outflow-Signature header (t=<unix>,v1=<hex of HMAC(\"t.body\")>); required with webhooks.urls.");
    public static final ConfigKey<List<String>> WEBHOOKS_OUTCOMES = define("webhooks.outcomes", ValueType.LIST, "",
            "Outcomes sent (DELIVERED, DEFERRED, BOUNCED, DROPPED, REJECTED); empty: all.",
            false, (List<String> v) -> v.forEach(OutflowKeys::outcome));
    public static final ConfigKey<Integer> WEBHOOKS_BATCH_MAX = intKey("webhooks.batch_max", "100",
            "Events per POST at most; a batch is sent when full or one second after its first event.", v -> positive(v));
    public static final ConfigKey<Duration> WEBHOOKS_TIMEOUT = duration("webhooks.timeout", "10s",
            "Time an endpoint has to connect and answer one POST; longer counts as a failure (timeout) and is retried.");
    public static final ConfigKey<Duration> WEBHOOKS_BACKOFF_MAX = duration("webhooks.backoff_max", "5m",
            "Longest wait between two attempts of a failing batch (the wait starts at 500ms and doubles).");
    public static final ConfigKey<Duration> WEBHOOKS_MAX_AGE = duration("webhooks.max_age", "24h",
            "A batch still undelivered when its oldest event is this old goes to <prefix>webhooks.dlq (reason in headers) and the endpoint moves on.");

    // --- process
    public static final ConfigKey<HostPort> HTTP_LISTEN = hostPort("http.listen", "127.0.0.1:8700",
            "HTTP endpoint: /health (503 when Kafka is unreachable or a stage stopped), /ready, /metrics, and the reporting API (/api).");
    public static final ConfigKey<String> HTTP_TOKEN = string("http.token", null,
            "Bearer token required on /api when http.listen is not a loopback address (then it must be set). Also sent by the CLI.");
    public static final ConfigKey<Boolean> LOG_DELIVERIES = bool("log.deliveries", "true",
            "One INFO line per recipient and delivery outcome on the logger outflow.delivery, like Postfix's maillog: id, recipient, relay host[ip]:port, delay, attempt, enhanced status, outcome, TLS, the remote reply.");
    public static final ConfigKey<String> WORKER_ID = string("worker.id", null,
            "Id of this process in events and transactional ids. Unset: host name + pid.");
    public static final ConfigKey<Duration> SHUTDOWN_TIMEOUT = duration("worker.shutdown_timeout", "30s",
            "On stop, how long in-flight deliveries may finish before the worker gives up on them (they are redelivered).");
    public static final ConfigKey<Duration> WORKER_COMMIT_INTERVAL = duration("worker.commit_interval", "50ms",
            "How often the worker commits one Kafka transaction holding the events and offsets of the deliveries completed since the last one.");

    private OutflowKeys() {}

    /** Every declared key, in declaration order. */
    public static Map<String, ConfigKey<?>> all() {
        return Collections.unmodifiableMap(ALL);
    }

    public static ConfigKey<?> get(String name) {
        return ALL.get(name);
    }

    // --- declaration helpers

    private static <T> ConfigKey<T> define(String name, ValueType type, String def, String doc, boolean hot, Consumer<T> check) {
        ConfigKey<T> key = new ConfigKey<>(name, type, def, doc, hot, check);
        if (ALL.putIfAbsent(name, key) != null) throw new IllegalStateException("duplicate config key " + name);
        return key;
    }

    private static ConfigKey<String> string(String n, String d, String doc) { return define(n, ValueType.STRING, d, doc, false, null); }
    private static ConfigKey<String> hotString(String n, String d, String doc) { return define(n, ValueType.STRING, d, doc, true, null); }
    private static ConfigKey<Integer> intKey(String n, String d, String doc, Consumer<Integer> c) { return define(n, ValueType.INT, d, doc, false, c); }
    private static ConfigKey<Integer> hotInt(String n, String d, String doc, Consumer<Integer> c) { return define(n, ValueType.INT, d, doc, true, c); }
    private static ConfigKey<Boolean> bool(String n, String d, String doc) { return define(n, ValueType.BOOLEAN, d, doc, false, null); }
    private static ConfigKey<Boolean> hotBool(String n, String d, String doc) { return define(n, ValueType.BOOLEAN, d, doc, true, null); }
    private static ConfigKey<Duration> duration(String n, String d, String doc) {
        return define(n, ValueType.DURATION, d, doc, false, v -> { if (v.isZero()) throw new IllegalArgumentException("must be more than 0"); });
    }
    private static ConfigKey<Long> size(String n, String d, String doc, Consumer<Long> c) { return define(n, ValueType.SIZE, d, doc, false, c); }
    private static ConfigKey<List<String>> list(String n, String d, String doc) { return define(n, ValueType.LIST, d, doc, false, null); }
    private static ConfigKey<Path> path(String n, String d, String doc) { return define(n, ValueType.PATH, d, doc, false, null); }
    private static ConfigKey<HostPort> hostPort(String n, String d, String doc) { return define(n, ValueType.HOST_PORT, d, doc, false, null); }

    /** {@code tls.ca_file} as a path: relative to the installation, like the other files. */
    public static Path caFile(String v) {
        Path p = Path.of(v.strip());
        return p.isAbsolute() ? p : ConfigLoader.home().resolve(p).normalize();
    }

    private static void positive(long v) {
        if (v <= 0) throw new IllegalArgumentException(v + " must be more than 0");
    }

    private static void notNegative(long v) {
        if (v < 0) throw new IllegalArgumentException(v + " must not be negative");
    }

    private static void httpUrl(String v) {
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("'" + Secrets.shown("url", v) + "' is not a URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("'" + Secrets.shown("url", v) + "' is not an http:// or https:// URL with a host");
        }
    }

    private static void outcome(String v) {
        if (!List.of("DELIVERED", "DEFERRED", "BOUNCED", "DROPPED", "REJECTED").contains(v.trim().toUpperCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("'" + v + "' is not an outcome (DELIVERED, DEFERRED, BOUNCED, DROPPED, REJECTED)");
        }
    }

    private static void port(int v) {
        if (v < 1 || v > 65535) throw new IllegalArgumentException(v + " is not a port (1-65535)");
    }

    static List<ConfigKey<?>> hotKeys() {
        List<ConfigKey<?>> hot = new ArrayList<>();
        for (ConfigKey<?> k : ALL.values()) if (k.hot()) hot.add(k);
        return hot;
    }
}
