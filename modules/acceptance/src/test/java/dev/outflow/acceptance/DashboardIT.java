package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real browser: Debian's headless chromium, driven through its chromedriver,
 * against a running {@code outflow up} with a bearer token and real traffic to two FakeMx domains
 * (one recipient bounced). The page takes the token, shows the traffic in the counters, the domain
 * table and the recent bounces, finds a message by id, and its pause and resume buttons stop and
 * restart delivery (checked on the process and the receiving server, not on the page). The browser
 * console stays free of errors. Saves {@code target/dashboard.png}.
 */
@ExtendWith(PrintLogsOnFailure.class)
class DashboardIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final Duration HOLD = Duration.ofSeconds(8);
    static final String TOKEN = "dashboard-it-token";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String SENDER = Stack.sender("dash-sender");
    static final ObjectMapper JSON = new ObjectMapper();

    static Stack stack;
    static Outflow outflow;
    static OutflowProcess up;
    static FakeMx mx13;
    static FakeMx mx14;
    static ChromeDriver browser;
    static String base;

    @BeforeAll
    static void start() {
        // CI installs them (.ci/run); a missing browser is a broken machine, not a reason to skip.
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("DashboardIT needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install chromium chromium-driver");
        }
        stack = new Stack("DashboardStack", Map.of("http.token", TOKEN), Map.of(), List.of(), o -> { }) { };
        outflow = stack.outflow();
        up = stack.process();
        mx13 = FakeMx.builder().bind("127.0.0.13").port(stack.port()).hostname("mx13.test")
                .rcpt("nobody@d13.test", 550, "5.1.1 <nobody@d13.test>: Recipient address rejected: User unknown").start();
        mx14 = FakeMx.builder().bind("127.0.0.14").port(stack.port()).hostname("mx14.test").start();
        base = "http://" + outflow.setting("http.listen") + "/";

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1400, 1900));
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) browser.quit();
        } finally {
            Closer.close(mx13, mx14, stack);
        }
    }

    @Test
    void showsLiveTrafficFindsMessagesAndPausesAndResumesDelivery() throws Exception {
        String first = outflow.send(SENDER, List.of("ann@d13.test", "nobody@d13.test"), "Dashboard 1", "one");
        String second = outflow.send(SENDER, List.of("bob@d14.test"), "Dashboard 2", "two");
        String third = outflow.send(SENDER, List.of("cid@d14.test"), "Dashboard 3", "three");
        outflow.events().await(first, Outcome.DELIVERED, WAIT);
        outflow.events().await(first, Outcome.BOUNCED, WAIT);
        outflow.events().await(second, Outcome.DELIVERED, WAIT);
        outflow.events().await(third, Outcome.DELIVERED, WAIT);
        // Reporting counts asynchronously; the page is opened once it answers with the traffic, so
        // no request of the page meets a reporting that is still starting (a 503 is a console error).
        Awaitility.await("reporting counted the traffic").atMost(WAIT).pollInterval(Duration.ofMillis(500))
                .until(() -> delivered(getApi("api/stats?window=1m&last=60")) >= 3);

        browser.get(base);
        WebElement tokenField = waitVisible(By.id("token"));
        assertThat(browser.findElement(By.cssSelector("label[for=token]")).getText()).contains("API token");
        tokenField.sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        Awaitility.await("token form gone once the token is given").atMost(WAIT).until(() -> !tokenField.isDisplayed());

        Awaitility.await("counters show the traffic").atMost(WAIT).ignoreExceptions()
                .until(() -> Integer.parseInt(text("count-delivered").replace(",", "")) >= 3
                        && Integer.parseInt(text("count-bounced").replace(",", "")) >= 1);
        Awaitility.await("domain table shows both domains").atMost(WAIT).ignoreExceptions()
                .until(() -> domainRows().containsAll(List.of("d13.test", "d14.test")));
        assertThat(rowOf("domains", "d14.test")).contains("100.0 %");
        assertThat(rowOf("domains", "d13.test")).contains("50.0 %").contains("User unknown");
        Awaitility.await("recent bounces show the bounce with class and reply").atMost(WAIT).ignoreExceptions()
                .until(() -> rowOf("bounces", "nobody@d13.test").contains("bad-mailbox") && rowOf("bounces", "nobody@d13.test").contains("5.1.1"));
        Awaitility.await("workers table lists the worker with partitions").atMost(WAIT).ignoreExceptions()
                .until(() -> text("workers").contains("outflow.outbound-"));
        Awaitility.await("queues table lists the outbound topic").atMost(WAIT).ignoreExceptions()
                .until(() -> text("queues").contains("outflow.outbound"));

        // Sorting by domain, ascending then descending.
        WebElement byDomain = browser.findElement(By.cssSelector("#domains button[data-key=domain]"));
        byDomain.click();
        assertThat(domainRows()).hasSizeGreaterThanOrEqualTo(2).isSorted();
        assertThat(browser.findElement(By.cssSelector("#domains th[aria-sort=ascending] button")).getText()).isEqualTo("Domain");
        byDomain.click();
        assertThat(domainRows()).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        WebElement search = browser.findElement(By.id("track-query"));
        search.sendKeys(second);
        browser.findElement(By.cssSelector("#track-form button[type=submit]")).click();
        Awaitility.await("tracking view shows the delivered recipient").atMost(WAIT).ignoreExceptions()
                .until(() -> text("track-result").contains(second) && rowOf("track-result", "bob@d14.test").contains("delivered"));

        saveScreenshot();

        OutflowProcess.Mark mark = up.mark();
        String held;
        click("pause");
        try {
            up.awaitOutputSince(mark, "delivery paused", WAIT);
            Awaitility.await("page shows delivery paused").atMost(WAIT).until(() -> text("delivery-state").equals("Delivery paused"));
            held = outflow.send(SENDER, List.of("held@d14.test"), "Held", "until resumed");
            Awaitility.await("nothing delivered while paused").during(HOLD).atMost(HOLD.plusSeconds(5))
                    .until(() -> outflow.events().forMessage(held).isEmpty()
                            && mx14.received().stream().noneMatch(m -> m.recipients().contains("held@d14.test")));
        } finally {
            mark = up.mark();
            click("resume");
        }
        up.awaitOutputSince(mark, "delivery resumed", WAIT);
        outflow.events().await(held, Outcome.DELIVERED, WAIT);
        assertThat(mx14.received()).anyMatch(m -> m.recipients().contains("held@d14.test"));
        Awaitility.await("page shows delivering").atMost(WAIT).until(() -> text("delivery-state").equals("Delivering"));

        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) errors.add(e.getMessage());
        }
        assertThat(errors).as("browser console errors").isEmpty();
    }

    @Test
    void controlEndpointsRefuseRequestsWithoutTheTokenOrTheJsonContentType() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(base + "api/control/pause"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(base + "api/control/pause"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("a=b")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(base + "dashboard.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        String etag = script.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(base + "dashboard.js")).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
    }

    private static void click(String button) {
        browser.findElement(By.id(button)).click();
        // The page asks first; the test answers yes.
        Awaitility.await(button + " asks for confirmation").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> {
                    browser.switchTo().alert().accept();
                    return true;
                });
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static WebElement waitVisible(By by) {
        Awaitility.await(by + " visible").atMost(WAIT).ignoreExceptions().until(() -> browser.findElement(by).isDisplayed());
        return browser.findElement(by);
    }

    private static List<String> domainRows() {
        return browser.findElements(By.cssSelector("#domains tbody tr th")).stream().map(WebElement::getText).toList();
    }

    private static String rowOf(String tableId, String firstCell) {
        for (WebElement row : browser.findElements(By.cssSelector("#" + tableId + " tbody tr"))) {
            if (row.getText().contains(firstCell)) return row.getText();
        }
        return "";
    }

    private static void saveScreenshot() throws Exception {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static JsonNode getApi(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
    }

    private static long delivered(JsonNode stats) {
        long n = 0;
        for (JsonNode w : stats.path("windows")) n += w.path("delivered").asLong();
        return n;
    }
}
