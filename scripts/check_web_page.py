"""End-to-end check of the page `folio serve` answers at `/`, in Debian's headless Chromium through Selenium.

Starts `folio serve --model MODEL --data TMPDIR --port 0`, opens the page, creates a collection, uploads two
files at once (one named `<img src=x onerror=alert(1)>.md`), waits until both are done, opens a document's
chunks, searches by keyboard in every mode, checks titles and <mark> highlights in the DOM, that no alert fired
and no <img> was made from a file name, finds near-duplicates, views the page at 375 px, and deletes the
collection. Then starts a second server with `--api-key secret` and checks that the page asks for the key,
refuses a wrong one, and loads collections with the right one (kept in sessionStorage only). The first server has
no reranker (the Rerank switch is off and says so); the second also runs --reranker (default: the tiny Qwen3-Reranker
fixture), and a search with the switch on comes back reranked.
Saves a screenshot of every step into --artifacts. Exits non-zero with a message on the first failed check.

    pip install selenium   # CI: pip install --target DIR selenium, then PYTHONPATH=DIR
    python3 scripts/check_web_page.py --folio .build/release/folio --model Fixtures/models/qwen3-tiny-gqa2
"""
import argparse
import base64
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RERANKER_NAME = "qwen3-reranker-tiny"
XSS_NAME = "<img src=x onerror=alert(1)>.md"
PLAIN_NAME = "solar-notes.md"
PLAIN_TEXT = """# Solar notes

Photovoltaic panels turn sunlight into electricity. A photovoltaic cell is made of silicon,
and an inverter turns the direct current into alternating current for the house.

Panels facing south at a tilt close to the latitude collect the most light over a year.
"""
# The server may clean the file name (`<` and `>` become `_`), so the heading, which becomes the title, and the
# text carry markup of their own: the page must show all of it as text.
XSS_TEXT = """# <img src=x onerror=alert(2)> Baking bread

A sourdough starter is flour and water kept alive with regular feeding. The sourdough loaf
rises slowly overnight <script>alert(3)</script> and bakes in a hot covered pot <b>for a crisp crust</b>.
"""


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"ok: {what}", flush=True)


class Server:
    """`folio serve` on a free loopback port; stdout is drained on a thread so the pipe never fills."""

    def __init__(self, folio, model, data_dir, extra=()):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        command = [folio, "serve", "--model", model, "--data", data_dir, "--port", "0", *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 120
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise Failure(f"`{' '.join(command)}` printed no 'serving ... at URL' line; stderr:\n{self.stderr_tail()}")
            if " at http://" in line:
                self.url = line.split(" at ", 1)[1].split()[0]
                print(f"ok: server started: {line.strip()}", flush=True)
                return

    def _drain(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def stderr_tail(self, n=4000):
        self.stderr.seek(0)
        return self.stderr.read()[-n:]

    def get(self, path, key=None):
        request = urllib.request.Request(self.url + path)
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def post(self, path, body, key=None):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Page:
    """The browser plus the small vocabulary the checks need."""

    def __init__(self, args):
        options = Options()
        options.binary_location = args.chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=en-US", "--no-first-run"):
            options.add_argument(flag)
        # Leave any alert open so the checks can see it rather than have it dismissed silently.
        options.unhandled_prompt_behavior = "ignore"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
        self.artifacts = args.artifacts
        self.step = 0

    def shot(self, name):
        """A full-page PNG (beyond the viewport) through the DevTools protocol."""
        self.step += 1
        path = os.path.join(self.artifacts, f"{self.step:02d}-{name}.png")
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))
        print(f"   screenshot {path}", flush=True)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)

    def wait(self, what, condition, timeout=30):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except UnexpectedAlertPresentException:
                raise
            except WebDriverException as error:
                last_error = error
            time.sleep(0.1)
        raise Failure(f"timed out after {timeout} s waiting for {what}" + (f" ({last_error.msg})" if last_error else ""))

    def assert_no_alert(self, when):
        try:
            alert = self.driver.switch_to.alert
            raise Failure(f"an alert fired {when}: {alert.text!r}")
        except NoAlertPresentException:
            print(f"ok: no alert fired {when}", flush=True)

    def assert_no_img(self, when):
        count = self.js("return document.getElementsByTagName('img').length;")
        check(count == 0, f"no <img> element exists {when} (found {count})")

    def console_errors(self):
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def tab_until(self, what, predicate, presses=12):
        for _ in range(presses):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            if predicate():
                return
        raise Failure(f"keyboard focus never reached {what} in {presses} Tab presses "
                      f"(focus is on {self.js('return document.activeElement.outerHTML.slice(0, 120);')})")

    def active_id(self):
        return self.js("return document.activeElement && document.activeElement.id;")


def job_states(page):
    return page.js("return Array.from(document.querySelectorAll('#jobs .job')).map(r => "
                   "[r.querySelector('.file-name').textContent, r.dataset.state, "
                   "(r.querySelector('.job-error') || {}).textContent || null]);")


def check_main_flow(page, server, files):
    info = server.get("/info")
    page.driver.get(server.url + "/")
    page.wait("the model name in the header", lambda: info["model_id"] in (page.text("#model") or ""))
    check(page.driver.title == "Folio", "the page is titled Folio")
    check(str(info["dimension"]) in page.text("#model") and str(info["max_input_length"]) in page.text("#model"),
          "the header shows the model's dimensions and context length")
    page.wait("the empty collection list", lambda: page.find("#collections-empty").is_displayed())
    page.shot("start")

    # 1. Create a collection with its own dimensions.
    dimensions = max(1, info["dimension"] // 2)
    page.find("#create-name").send_keys("notes")
    page.find("#create-dimensions").send_keys(str(dimensions))
    check(page.find("#create-model").get_attribute("value") == info["model_id"], "the create form names the served model")
    page.find("#create-form button[type=submit]").click()
    page.wait("the new collection to be selected", lambda: page.text("#current-heading") == "notes")
    check([e.text for e in page.all("#collections .name")] == ["notes"], "the collection is listed")
    check(f"{dimensions} dims" in page.text("#current-meta"), f"the collection has {dimensions} dimensions")
    page.shot("collection-created")

    # 2. Upload both files at once and watch the jobs; record every state a row passes through.
    page.js("""window.__states = new Set(); window.__sawProgress = false;
        new MutationObserver(() => document.querySelectorAll('#jobs .job').forEach(r => {
            window.__states.add(r.dataset.state);
            if (r.querySelector('progress[value]')) window.__sawProgress = true;
        })).observe(document.getElementById('jobs'), {subtree: true, childList: true, attributes: true});""")
    page.find("#file-input").send_keys("\n".join(files))
    page.wait("two upload rows", lambda: len(page.all("#jobs .job")) == 2)
    page.shot("uploading")
    names = sorted(row[0] for row in job_states(page))
    server_names = sorted(job["file_name"] for job in server.get("/v1/kb/collections/notes/jobs")["data"])
    check(names == server_names, f"each file has a row showing its name as text: {names}")
    check(any("img src=x onerror=alert(1)" in name for name in names), "the markup-named file's row is there")

    def all_done():
        rows = job_states(page)
        failed = [row for row in rows if row[1] == "failed"]
        if failed:
            raise Failure(f"an upload failed: {failed}")
        return all(row[1] == "done" for row in rows)
    page.wait("both uploads to be done", all_done, timeout=180)
    print(f"   job states seen: {sorted(page.js('return Array.from(window.__states);'))}, "
          f"progress bar seen: {page.js('return window.__sawProgress;')}", flush=True)
    page.assert_no_alert("after the upload")
    page.assert_no_img("after the upload")

    documents = server.get("/v1/kb/collections/notes/documents")["data"]
    check(len(documents) == 2, "the server holds two documents")
    title_of = {("plain" if d["source"] == PLAIN_NAME else "markup"): d["title"] for d in documents}
    check(len(title_of) == 2, f"the two documents are told apart by source: {[d['source'] for d in documents]}")
    page.wait("two rows in the documents table", lambda: len(page.all("#documents tbody tr")) == 2)
    shown = sorted(page.js("return Array.from(document.querySelectorAll('#documents .doc-title')).map(e => e.textContent);"))
    check(shown == sorted(d["title"] for d in documents), f"the documents table shows both titles as text: {shown}")
    page.wait("document counts in the collection list", lambda: "2 documents" in page.text("#collections"))
    page.shot("uploaded")

    # 3. A document's chunks.
    page.find("#documents tbody tr .actions button").click()
    page.wait("the chunk view", lambda: page.find("#chunks").is_displayed() and page.all("#chunk-list .chunk"))
    check(all(e.text.strip() for e in page.all("#chunk-list .passage")), "every chunk shows its text")
    page.shot("chunks")
    page.find("#chunks-close").click()

    # 4. Keyboard: from the collection heading, Tab reaches the search box, then the mode switch.
    page.js("document.getElementById('current-heading').focus();")
    page.tab_until("the search box", lambda: page.active_id() == "search-query")
    check(True, "keyboard focus reaches the search box")
    page.driver.switch_to.active_element.send_keys("photovoltaic", Keys.ENTER)
    plain_title = title_of["plain"]
    page.wait("hybrid results", lambda: page.all("#results .result"))
    check_results(page, plain_title, "photovoltaic", "Hybrid")
    page.shot("search-hybrid")

    check(page.js("return document.getElementById('search-rerank').disabled;"), "without a reranker the Rerank switch is off")
    check("no reranker loaded" in (page.text("#rerank-note") or ""), "and says that no reranker is loaded")

    page.tab_until("the mode switch", lambda: page.js(
        "return document.activeElement.name === 'mode' && document.activeElement.type === 'radio';"))
    check(True, "keyboard focus reaches the mode switch")
    page.driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    page.wait("meaning results", lambda: "Meaning" in (page.text("#search-summary") or ""))
    check(page.js("return document.querySelector('input[name=mode]:checked').value;") == "vector",
          "an arrow key switches the mode to Meaning and searches again")
    page.shot("search-meaning")
    page.driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    page.wait("keyword results", lambda: "Keywords" in (page.text("#search-summary") or ""))
    check_results(page, plain_title, "photovoltaic", "Keywords")

    # 5. The file named like markup is found and shown as text.
    box = page.find("#search-query")
    box.clear()
    box.send_keys("sourdough", Keys.ENTER)
    xss_title = title_of["markup"]
    check("<img src=x onerror=alert(2)>" in xss_title, f"the markup file's title holds markup: {xss_title!r}")
    page.wait("results for the markup-named file",
              lambda: page.text("#results .result-title") == xss_title)
    check_results(page, xss_title, "sourdough", "Keywords")
    passage = page.text("#results .result .passage")
    check("<script>alert(3)</script>" in passage, "the passage shows the <script> markup as text")
    check(not page.all("#results script, #results b"), "no element was made from markup in the passage")
    page.assert_no_alert("after showing the markup-named file")
    page.assert_no_img("after showing the markup-named file")
    page.shot("search-markup-title")

    # 6. Near-duplicates, at a low threshold so the two unrelated files likely form a group to look at.
    page.find("#dup-threshold").clear()
    page.find("#dup-threshold").send_keys("0.01")
    page.find("#dup-form button").click()
    page.wait("the duplicates summary", lambda: (page.text("#dup-summary") or "").startswith(("No near", "1 group", "2 group")))
    page.shot("duplicates")

    # 7. Phone width: one column, nothing wider than the screen.
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
    page.driver.refresh()
    page.wait("the remembered collection after a reload", lambda: page.text("#current-heading") == "notes")
    page.wait("the documents after a reload", lambda: len(page.all("#documents tbody tr")) == 2)
    layout = page.js("""const s = document.querySelector('.side').getBoundingClientRect();
        const c = document.querySelector('.content').getBoundingClientRect();
        return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
                stacked: c.top >= s.bottom - 1 && Math.abs(c.left - s.left) < 2};""")
    check(layout["inner"] == 375, f"the viewport is 375 px wide ({layout['inner']})")
    check(layout["stacked"], "at 375 px the page is one column (collections above the workspace)")
    check(layout["scroll"] <= 375, f"nothing is wider than 375 px (scroll width {layout['scroll']})")
    page.shot("phone-375")
    page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # The dark theme, for a look at the artifacts (no check: colours are a matter of taste).
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    page.shot("dark")
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    # 8. Delete the collection (confirm() is accepted here on purpose).
    page.assert_no_alert("before deleting")
    page.find("#collections li button.danger").click()
    page.driver.switch_to.alert.accept()
    page.wait("the empty collection list after deleting", lambda: page.find("#collections-empty").is_displayed())
    check(page.find("#nothing").is_displayed(), "deleting the selected collection shows the start card")
    check(server.get("/v1/kb/collections")["data"] == [], "the server has no collections left")
    errors = page.console_errors()
    check(not errors, f"the browser console has no errors {errors}")


def check_results(page, title, word, mode):
    first = page.js("""const r = document.querySelector('#results .result');
        return {title: r.querySelector('.result-title').textContent,
                marks: Array.from(r.querySelectorAll('.passage mark')).map(m => m.textContent),
                score: r.querySelector('.score').textContent};""")
    check(first["title"] == title, f"{mode}: the top result is titled {title!r}")
    check(any(m.lower() == word for m in first["marks"]), f"{mode}: the passage highlights {word!r} in a <mark> ({first['marks']})")
    check(first["score"].startswith("score "), f"{mode}: the result shows a score ({first['score']})")


def check_key_flow(page, server):
    page.driver.get(server.url + "/")
    status = page.js("return fetch('/').then(r => r.status);")
    check(status == 200, "the page itself loads without a key (static files are outside API-key auth)")
    page.wait("the key prompt", lambda: page.js("return document.getElementById('key-dialog').open;"))
    check(page.active_id() == "key-input", "the key prompt takes keyboard focus")
    page.shot("key-prompt")

    page.find("#key-input").send_keys("wrong-key", Keys.ENTER)
    page.wait("the prompt to come back after a wrong key", lambda: page.js(
        "return document.getElementById('key-dialog').open && "
        "document.getElementById('key-message').textContent.includes('refused');"))
    check(True, "a 401 brings the key prompt back with a message")
    page.shot("key-refused")

    page.find("#key-input").send_keys("secret", Keys.ENTER)
    page.wait("the collections to load with the key", lambda: page.find("#collections-empty").is_displayed())
    check(not page.js("return document.getElementById('key-dialog').open;"), "the prompt closes with the right key")
    check(page.js("return sessionStorage.getItem('folio.apiKey');") == "secret", "the key is in sessionStorage")
    check(page.js("return localStorage.length;") == 0, "nothing is written to localStorage")
    page.find("#create-name").send_keys("keyed", Keys.ENTER)
    page.wait("the collection made with the key", lambda: page.text("#current-heading") == "keyed")
    check([c["name"] for c in server.get("/v1/kb/collections", key="secret")["data"]] == ["keyed"],
          "a collection created through the page exists on the server")
    page.shot("key-accepted")

    # This server also runs a reranker: the switch is on offer, and a reranked search says so.
    server.post("/v1/kb/collections/keyed/documents", {"text": PLAIN_TEXT, "title": "plain"}, key="secret")
    server.post("/v1/kb/collections/keyed/documents", {"text": XSS_TEXT, "title": "markup"}, key="secret")
    page.wait("the two texts to be stored", lambda: all(
        j["state"] == "done" for j in server.get("/v1/kb/collections/keyed/jobs", key="secret")["data"]))
    check(not page.js("return document.getElementById('search-rerank').disabled;"), "with a reranker the Rerank switch is on offer")
    check(RERANKER_NAME in (page.text("#rerank-note") or ""), f"and names the reranker ({page.text('#rerank-note')!r})")
    page.find("#search-rerank").click()
    box = page.find("#search-query")
    box.send_keys("photovoltaic", Keys.ENTER)
    page.wait("reranked results", lambda: "reranked" in (page.text("#search-summary") or ""))
    details = page.js("return Array.from(document.querySelectorAll('#results .result')).map(r => r.textContent);")
    check(details and all("before reranking" in d for d in details), "each reranked result says where it stood before")
    page.shot("search-reranked")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folio", required=True, help="path to the folio executable")
    parser.add_argument("--model", required=True, help="model folder or GGUF file to serve")
    parser.add_argument("--reranker", default=os.path.join(ROOT, "Fixtures", "rerankers", RERANKER_NAME),
                        help="reranker the keyed server also runs (default: the tiny Qwen3-Reranker fixture)")
    parser.add_argument("--artifacts", default="artifacts/web", help="folder for the screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    page, server = None, None
    with tempfile.TemporaryDirectory(prefix="folio-web-") as scratch:
        files = []
        for name, text in ((PLAIN_NAME, PLAIN_TEXT), (XSS_NAME, XSS_TEXT)):
            path = os.path.join(scratch, "upload", name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            files.append(path)
        try:
            page = Page(args)
            server = Server(args.folio, args.model, os.path.join(scratch, "data"))
            check_main_flow(page, server, files)
            server.stop()
            server = Server(args.folio, args.model, os.path.join(scratch, "data-keyed"),
                            ["--api-key", "secret", "--model", args.reranker])
            check_key_flow(page, server)
            page.assert_no_alert("at the end")
            print("web page check passed", flush=True)
            return 0
        except UnexpectedAlertPresentException as error:
            print(f"FAIL: an alert fired: {error.alert_text!r}", file=sys.stderr)
        except Failure as failure:
            print(f"FAIL: {failure}", file=sys.stderr)
        finally:
            if page:
                try:
                    page.shot("last")
                except WebDriverException:
                    pass
                page.driver.quit()
            if server:
                server.stop()
        if server:
            print(f"server stderr (tail):\n{server.stderr_tail()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
