"""The static site (scripts/site.py): built from the package alone, byte for byte the same
each time, and working in a real browser (headless Chromium driven over the DevTools
protocol on a pipe, so no driver and no Python package beyond the standard library).

Expectations are computed from the CSVs, never written down, so adding rows does not
break these tests.
"""
from __future__ import annotations

import base64
import fcntl
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from scripts import site
from scripts.package_io import field_list, load_descriptor, resources

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("SITE_SHOTS")  # a folder to keep the screenshots in (default: a temp folder)
MB = 1_000_000


# ----------------------------------------------------------------------------------------
# Helpers: the package, its CSVs, and the built pages
# ----------------------------------------------------------------------------------------

def read_csv(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / "data" / f"{name}.csv", dtype=str, keep_default_na=False)


def copy_package(dest: Path) -> Path:
    """A copy of everything the site is built from."""
    dest.mkdir(parents=True)
    for name in ("datapackage.json", "CITATION.cff"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "data", dest / "data")
    shutil.copytree(REPO / "docs", dest / "docs")
    return dest


class Page(html.parser.HTMLParser):
    """The parts of a built page the tests look at."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.text_by_id: dict[str, list[str]] = {}
        self.open_ids: list[tuple[str, str]] = []
        self.rows: dict[str, list[list[str]]] = {}  # table id -> body rows as cell texts
        self.table: str | None = None
        self.in_body = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            assert attrs["id"] not in self.ids, f"duplicate id {attrs['id']}"
            self.ids.add(attrs["id"])
            self.open_ids.append((tag, attrs["id"]))
            self.text_by_id[attrs["id"]] = []
        if tag == "table":
            self.table = attrs.get("id", f"table{len(self.rows)}")
            self.rows[self.table] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows[self.table].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        for _, ident in self.open_ids:
            self.text_by_id[ident].append(data)

    def text(self, ident: str) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_by_id[ident])).strip()

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    assert site.main(["--out", str(out), str(REPO)]) == 0
    return out


def load_page(folder: Path, name: str) -> Page:
    return Page((folder / name).read_text(encoding="utf-8"))


def declared():
    return resources(load_descriptor(REPO))


# ----------------------------------------------------------------------------------------
# The build
# ----------------------------------------------------------------------------------------

def test_two_builds_are_byte_for_byte_the_same(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert site.main(["--out", str(first), str(REPO)]) == 0
    assert site.main(["--out", str(second), str(REPO)]) == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) > 5
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), f"{rel} differs between two builds"


def test_rebuild_replaces_an_earlier_build_but_never_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "site"
    assert site.main(["--out", str(out), str(REPO)]) == 0
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert site.main(["--out", str(out), str(REPO)]) == 0
    assert not (out / "stale.html").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    assert site.main(["--out", str(foreign), str(REPO)]) == 2
    assert "not a site built by" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_package_that_cannot_be_read_is_a_clear_error(tmp_path, capsys):
    assert site.main(["--out", str(tmp_path / "out"), str(tmp_path)]) == 2
    assert "datapackage.json" in capsys.readouterr().err
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "data" / "countries.csv").unlink()
    assert site.main(["--out", str(tmp_path / "out"), str(pkg)]) == 2
    err = capsys.readouterr().err
    assert "data/countries.csv" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_weight_without_csvs_is_under_one_megabyte(built):
    weight = sum(p.stat().st_size for p in built.rglob("*") if p.is_file() and p.suffix != ".csv")
    print(f"\nsite weight without CSVs: {weight} bytes")
    assert weight < MB


def test_nothing_is_loaded_from_another_server(built):
    for page in sorted(built.glob("*.html")):
        parsed = load_page(built, page.name)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for attrs in parsed.all(tag):
                value = attrs.get(attr) or ""
                if tag == "link" and attrs.get("rel") == "icon":
                    assert value == "data:,", page.name
                    continue
                assert not re.match(r"[a-z]+:|//", value, re.I), f"{page.name}: <{tag} {attr}={value}>"
                if value:
                    assert (built / value).is_file(), f"{page.name}: <{tag} {attr}={value}> is not in the site"
    assert "url(" not in (built / "site.css").read_text(encoding="utf-8")
    assert not re.search(r"\b(fetch|XMLHttpRequest|import)\s*\(", (built / "site.js").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------
# The overview
# ----------------------------------------------------------------------------------------

def test_overview_shows_the_package_version_and_description(built):
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    page = load_page(built, "index.html")
    assert page.text("version") == descriptor["version"]
    text = (built / "index.html").read_text(encoding="utf-8")
    assert site.esc(descriptor["title"]) in text and site.esc(descriptor["description"]) in text
    hrefs = {a.get("href") for a in page.all("a")}
    for name, resource in declared().items():
        assert f"{name}.html" in hrefs and f"data/{Path(resource.path).name}" in hrefs
    assert "conflicts.html" in hrefs


def test_headline_table_has_years_down_measures_across_and_gaps_as_gaps(built):
    headline = read_csv(REPO, "headline_series")
    page = load_page(built, "index.html")
    table = next(rows for rows in page.rows.values() if rows and rows[0][0].split("–")[0].isdigit())
    by_year = {row[0]: row[1:] for row in table}
    measures = set(headline["measure"])
    for record in headline.to_dict("records"):
        cells = by_year[record["reference_year"]]
        assert any(c.startswith(record["victims"]) for c in cells)
    # Gap years: in the span of the package's figures, no headline row. Each is a gap row, never a 0.
    years = set()
    for name in ("victim_demographics", "origin_countries", "headline_series"):
        years |= {int(y) for y in read_csv(REPO, name)["reference_year"]}
    gaps = [y for y in range(min(years), max(years) + 1) if str(y) not in set(headline["reference_year"])]
    covered = set()
    for label, cells in by_year.items():
        first, _, last = label.partition("–")
        span = range(int(first), int(last or first) + 1)
        if any(str(y) not in set(headline["reference_year"]) for y in span):
            assert cells == [f"no figure{'s' if len(span) > 1 else ''} for {'these years' if len(span) > 1 else 'this year'}"]
            covered |= set(span)
        else:
            # a year with figures: a missing measure is "no figure", never 0
            have = set(headline[headline["reference_year"] == label]["measure"])
            assert sum("no figure" in c for c in cells) == len(measures - have)
    assert covered == set(gaps)
    statement = page.text("coverage-gaps")
    for first, last in site.year_ranges(gaps):
        assert site.span_text(first, last) in statement


def test_secondary_figures_carry_a_dagger_and_a_note(built):
    headline = read_csv(REPO, "headline_series")
    secondary = (headline["primary_source"] != "true").sum()
    text = (built / "index.html").read_text(encoding="utf-8")
    assert text.count('<span class="vh"> (secondary source)</span>') == secondary
    if secondary:
        assert "from a secondary source" in text


def test_every_chart_is_embedded_with_alt_text(built):
    page = load_page(built, "index.html")
    images = {a["src"]: a for a in page.all("img")}
    for png in sorted((REPO / "docs" / "charts").glob("*.png")):
        assert f"charts/{png.name}" in images
        assert len(images[f"charts/{png.name}"].get("alt", "").strip()) > 10
        assert (built / "charts" / png.name).read_bytes() == png.read_bytes()


def test_citation_text_and_bibtex(built):
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    page = load_page(built, "index.html")
    bib = page.text("bibtex")
    assert bib.startswith("@misc{") and bib.endswith("}")
    assert re.search(r"version\s*=\s*\{" + re.escape(descriptor["version"]) + r"\}", bib)
    assert f"Version {descriptor['version']}" in page.text("citation-text")


# ----------------------------------------------------------------------------------------
# Resource pages
# ----------------------------------------------------------------------------------------

def test_each_resource_page_has_every_row_a_caption_and_described_columns(built):
    for name, resource in declared().items():
        frame = read_csv(REPO, name)
        page = load_page(built, f"{name}.html")
        assert len(page.rows[f"table-{name}"]) == len(frame), name
        text = (built / f"{name}.html").read_text(encoding="utf-8")
        assert f"Showing {len(frame)} of {len(frame)} rows" in text
        assert all(th.get("scope") in ("col", "row") for th in page.all("th")), name
        assert len(page.all("caption")) == len(page.rows)
        for field in resource.fields:
            assert site.esc(field.get("description", "")) in text, f"{name}.{field['name']}"
        assert f'href="data/{Path(resource.path).name}"' in text
        assert (built / "data" / Path(resource.path).name).read_bytes() == (REPO / resource.path).read_bytes()


def test_every_coded_column_has_a_labelled_filter(built):
    for name, resource in declared().items():
        page = load_page(built, f"{name}.html")
        selects = {a["name"]: a for a in page.all("select")}
        labels = {a.get("for") for a in page.all("label")}
        fks = {f for fk in resource.foreign_keys for f in field_list(fk["fields"])}
        for field in resource.fields:
            coded = field.get("constraints", {}).get("enum") or field["type"] == "boolean" or field["name"] in fks
            if coded:
                assert field["name"] in selects, f"{name}.{field['name']} has no filter"
        for attrs in selects.values():
            assert attrs["id"] in labels
        assert any(a.get("type") == "search" and a["id"] in labels for a in page.all("input"))


def test_source_ids_link_to_the_sources_row(built):
    sources = read_csv(REPO, "sources")
    page = load_page(built, "sources.html")
    for source_id in sources["source_id"]:
        assert f"src-{source_id}" in page.ids
    text = (built / "sources.html").read_text(encoding="utf-8")
    for record in sources.to_dict("records"):
        assert f'<a href="{site.esc(record["url"])}"' in text and f'<a href="{site.esc(record["consulted_url"])}"' in text
    for name, resource in declared().items():
        if "source_id" not in resource.field_names or name == "sources":
            continue
        links = [a["href"] for a in load_page(built, f"{name}.html").all("a") if a.get("href", "").startswith("sources.html#")]
        used = {s for s in read_csv(REPO, name)["source_id"] if s}
        assert {h.split("#src-")[1] for h in links} == used, name
        assert all(h.split("#")[1] in page.ids for h in links)


def test_suppressed_count_shows_as_below_n_never_empty_or_zero(tmp_path):
    pkg = copy_package(tmp_path / "pkg")
    frame = read_csv(pkg, "origin_countries")
    row = frame[frame["basis"] == "count"].iloc[0].copy() if (frame["basis"] == "count").any() else frame.iloc[0].copy()
    row["basis"], row["victims"], row["share_percent"], row["published_below"] = "count", "", "", "5"
    row["country_code"] = sorted(read_csv(pkg, "countries")["country_code"])[0]
    row["role"] = "transit"
    frame = pd.concat([frame, row.to_frame().T], ignore_index=True)
    frame.to_csv(pkg / "data" / "origin_countries.csv", index=False, lineterminator="\n")
    out = tmp_path / "out"
    assert site.main(["--out", str(out), str(pkg)]) == 0
    page = load_page(out, "origin_countries.html")
    victims = declared()["origin_countries"].field_names.index("victims")
    shown = [r[victims] for r in page.rows["table-origin_countries"]]
    expected = int((frame["published_below"].fillna("") == "5").sum())  # the package's own and the one added
    assert expected >= 1 and sum(c.startswith("<5 (suppressed)") for c in shown) == expected
    assert not any(c.strip() in ("", "0") for c in shown if "suppressed" in c)


def test_conflicts_page_and_claims_page_only_when_present(built, tmp_path):
    assert (built / "conflicts.html").is_file()
    conflicts = (built / "conflicts.html").read_text(encoding="utf-8")
    assert "<h1" in conflicts and "<table>" in conflicts
    assert (built / "claims.html").is_file() == (REPO / "docs" / "claims.md").is_file()
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "docs" / "claims.md").unlink(missing_ok=True)
    assert site.main(["--out", str(tmp_path / "without"), str(pkg)]) == 0
    assert not (tmp_path / "without" / "claims.html").exists()
    assert "claims.html" not in (tmp_path / "without" / "index.html").read_text(encoding="utf-8")
    source_id = read_csv(pkg, "sources")["source_id"].iloc[0]
    (pkg / "docs" / "claims.md").write_text(
        "# Claims checked\n\nA *claim* is **checked** against [the data](../data/sources.csv).\n\n"
        f"- first\n- second with `{source_id}`\n\n| claim | verdict |\n|---|---:|\n| 36 victims | 3 \\| 4 |\n",
        encoding="utf-8")
    assert site.main(["--out", str(tmp_path / "with"), str(pkg)]) == 0
    claims = (tmp_path / "with" / "claims.html").read_text(encoding="utf-8")
    assert "<em>claim</em>" in claims and "<strong>checked</strong>" in claims
    assert '<a href="data/sources.csv">the data</a>' in claims
    assert "<li>first</li>" in claims and f'href="sources.html#src-{source_id}"' in claims
    assert '<td class="num">3 | 4</td>' in claims
    assert 'href="claims.html"' in (tmp_path / "with" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("markdown, expected", [
    ("# Title #\n", '<h1 id="title">Title</h1>'),
    ("a <b> & c", "<p>a &lt;b&gt; &amp; c</p>"),
    ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
    ("snake_case_name stays", "<p>snake_case_name stays</p>"),
    ("`a*b*c`", "<p><code>a*b*c</code></p>"),
    ("[x](https://e.org/a_b_c)", '<p><a href="https://e.org/a_b_c">x</a></p>'),
    ("> quoted", "<blockquote><p>quoted</p></blockquote>"),
    ("```\n<x>\n```", "<pre><code>&lt;x&gt;</code></pre>"),
])
def test_markdown_renderer(markdown, expected):
    assert site.markdown_to_html(markdown) == expected


def test_first_sentence_is_not_cut_at_abbreviations():
    assert site.first_sentence("One row per edition of the U.S. State Department report. More.") == \
        "One row per edition of the U.S. State Department report."


# ----------------------------------------------------------------------------------------
# In a browser: headless Chromium over the DevTools protocol (pipe transport)
# ----------------------------------------------------------------------------------------

class Chromium:
    """A minimal DevTools-protocol client: Chromium reads commands on fd 3 and answers on
    fd 4, one JSON message per NUL-terminated chunk."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--mute-audio", "--remote-debugging-pipe"]

    def __init__(self, binary: str, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():  # in the child: our pipe ends become its fds 3 and 4
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen([binary, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=child_fds, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._replies[-1] = {"error": {"message": "browser closed the pipe"}}
                    self._lock.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                self._lock.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 15) -> dict:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while ident not in self._replies:
                if -1 in self._replies:
                    raise RuntimeError(f"{method}: the browser went away")
                if not self._lock.wait(timeout=deadline - time.monotonic()) and time.monotonic() >= deadline:
                    raise TimeoutError(f"{method}: no answer in {timeout} s")
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, session: str, since: int, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events[since:]:
                    if event.get("method") == method and event.get("sessionId") == session:
                        return event
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"no {method} in {timeout} s")
                self._lock.wait(timeout=deadline - time.monotonic())

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)


class Tab:
    """One page of the browser, with the console problems it reported."""

    def __init__(self, browser: Chromium):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.mark = len(browser.events)

    def send(self, method, params=None, timeout=15):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def open(self, url: str) -> None:
        self.mark = len(self.browser.events)
        self.send("Page.navigate", {"url": url})
        self.browser.wait_event("Page.loadEventFired", self.session, self.mark)

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads since the page was opened."""
        found = []
        with self.browser._lock:
            events = [e for e in self.browser.events[self.mark:] if e.get("sessionId") == self.session]
        for event in events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:300])
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f'{params["entry"]["text"]} {params["entry"].get("url", "")}')
        return found

    def press(self, key: str, code: str, keycode: int, text: str = "") -> None:
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": keycode}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": keycode})

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": mobile})


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # the browser hanging up mid-file is not a failure
        pass


@pytest.fixture(scope="module")
def browser(built):
    """One headless Chromium for the module, and the built site served on 127.0.0.1."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
                    "or set CHROMIUM to a Chromium binary; .ci/run installs it")
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = Path(tempfile.mkdtemp(prefix="site-chromium-"))
    chromium = Chromium(CHROMIUM, profile)
    try:
        tab = Tab(chromium)
        tab.base = f"http://127.0.0.1:{server.server_address[1]}/"
        yield tab
    finally:
        chromium.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
def test_every_page_opens_without_console_errors(browser, built):
    browser.viewport(320, 640, True)  # the narrowest phone: nothing may be wider than the screen
    for page in sorted(built.glob("*.html")):
        browser.open(browser.base + page.name)
        assert browser.js("document.title"), page.name
        assert browser.problems() == [], page.name
        assert browser.js("document.documentElement.scrollWidth") <= 320, f"{page.name} scrolls sideways at 320 px"
        # the script ran: the controls are shown and the count is live
        if browser.js("document.querySelector('[data-table]') !== null"):
            assert browser.js("document.querySelector('form.controls').hidden") is False, page.name
    # file:// works too (no fetch, nothing from a server)
    browser.open((built / "victim_demographics.html").as_uri())
    assert browser.problems() == []
    assert browser.js("document.querySelector('form.controls').hidden") is False


def visible_rows(tab: Tab) -> int:
    return tab.js("document.querySelectorAll('table.data tbody tr:not([hidden])').length")


def choose(tab: Tab, name: str, value: str) -> None:
    tab.js(f"(() => {{ const s = document.querySelector('select[name={name}]'); s.value = {json.dumps('=' + value)};"
           " s.dispatchEvent(new Event('change', {bubbles: true})); })()")


@pytest.mark.browser
def test_filters_narrow_the_rows_to_what_the_csv_says(browser):
    frame = read_csv(REPO, "victim_demographics")
    browser.open(browser.base + "victim_demographics.html")
    assert visible_rows(browser) == len(frame)
    population = frame["population"].value_counts().index[0]
    choose(browser, "population", population)
    expected = int((frame["population"] == population).sum())
    assert visible_rows(browser) == expected
    assert browser.js("document.querySelector('.count').textContent") == f"Showing {expected} of {len(frame)} rows"
    year = frame["reference_year"].value_counts().index[0]
    choose(browser, "reference_year", year)
    assert visible_rows(browser) == int(((frame["population"] == population) & (frame["reference_year"] == year)).sum())
    browser.js("document.querySelector('form.controls').reset()")
    browser.js("new Promise(r => setTimeout(r, 50))")
    assert visible_rows(browser) == len(frame)
    # full-text search: every row holding the text somewhere, here a source_id
    source = frame["source_id"].value_counts().index[-1]
    browser.js("document.getElementById('q').focus()")
    browser.send("Input.insertText", {"text": source})
    holding = frame.apply(lambda r: any(source.lower() in str(v).lower() for v in r), axis=1)
    assert visible_rows(browser) == int(holding.sum())
    # a link with ?reference_year= opens the table filtered
    browser.open(browser.base + f"victim_demographics.html?reference_year={year}")
    assert visible_rows(browser) == int((frame["reference_year"] == year).sum())


@pytest.mark.browser
def test_sort_buttons_work_from_the_keyboard(browser):
    frame = read_csv(REPO, "victim_demographics")
    browser.open(browser.base + "victim_demographics.html")
    col = list(frame.columns).index("victims")
    header = f"document.querySelectorAll('table.data thead th')[{col}]"
    cells = (f"Array.from(document.querySelectorAll('table.data tbody tr')).map(r => r.cells[{col}].textContent)")
    browser.js(f"{header}.querySelector('button').focus()")
    browser.press("Enter", "Enter", 13, "\r")
    assert browser.js(f"{header}.getAttribute('aria-sort')") == "ascending"
    values = [int(v) for v in browser.js(cells) if v]
    assert values == sorted(int(v) for v in frame["victims"] if v)
    browser.press(" ", "Space", 32, " ")
    assert browser.js(f"{header}.getAttribute('aria-sort')") == "descending"
    values = [int(v) for v in browser.js(cells) if v]
    assert values == sorted((int(v) for v in frame["victims"] if v), reverse=True)
    # every control can take the keyboard focus and has a label
    assert browser.js("Array.from(document.querySelectorAll('select, input')).every(e => e.labels.length > 0 && e.tabIndex >= 0)")


@pytest.mark.browser
def test_a_source_link_leads_to_its_row_on_the_sources_page(browser):
    frame = read_csv(REPO, "victim_demographics")
    browser.open(browser.base + "victim_demographics.html")
    source = frame["source_id"].iloc[-1]
    mark = len(browser.browser.events)
    browser.js(f"document.querySelector('a[href=\"sources.html#src-{source}\"]').click()")
    browser.browser.wait_event("Page.loadEventFired", browser.session, mark)
    browser.mark = mark
    assert browser.js("location.pathname + location.hash") == f"/sources.html#src-{source}"
    assert browser.js(f"document.getElementById('src-{source}').cells[0].textContent") == source
    assert browser.js("document.querySelector(':target').id") == f"src-{source}"
    assert browser.problems() == []


@pytest.mark.browser
def test_overview_screenshots_and_first_render(browser, tmp_path):
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    for label, width, mobile in (("desktop", 1280, False), ("phone", 375, True)):
        browser.viewport(width, 800, mobile)
        browser.open(browser.base + "index.html")
        assert browser.problems() == []
        # nothing wider than the screen: wide tables scroll inside their own box
        assert browser.js("document.documentElement.scrollWidth") <= width
        # let the lazy charts load, then photograph the whole page
        browser.js("Promise.all(Array.from(document.images).map(i => { i.loading = 'eager'; return i.decode(); }))"
                   ".then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))")
        assert browser.js("Array.from(document.images).every(i => i.naturalWidth > 0 && i.alt.trim().length > 0)")
        height = browser.js("document.documentElement.scrollHeight")
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                      "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                                               "scale": 1},
                                                      "optimizeForSpeed": True}, timeout=30)  # same pixels, larger file
        path = shots / f"index-{label}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.stat().st_size > 10_000
    # time to first render of the overview, on a fresh load
    browser.viewport(1280, 800)
    browser.open(browser.base + "index.html")
    paint = browser.js("new Promise(r => { const f = () => { const e = performance.getEntriesByName("
                       "'first-contentful-paint')[0]; if (e) r(e.startTime); else setTimeout(f, 20); }; f(); })")
    print(f"\nfirst contentful paint of index.html: {paint:.0f} ms")
    assert 0 < paint < 3000
