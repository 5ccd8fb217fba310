/* Sorting, filtering and searching the tables of the package's static site.
   Plain JavaScript, no library; the tables are complete HTML without it. */
(function () {
  "use strict";

  function value(cell) {
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
  }

  function compare(a, b, numeric) {
    if (a === b) { return 0; }
    if (a === "") { return 1; }   /* empty cells last, whichever the direction */
    if (b === "") { return -1; }
    if (numeric) {
      var x = parseFloat(a), y = parseFloat(b);
      if (!isNaN(x) && !isNaN(y) && x !== y) { return x < y ? -1 : 1; }
    }
    return a.localeCompare(b, "en", { numeric: true });
  }

  function setUp(block) {
    var table = block.querySelector("table.data");
    var form = block.querySelector("form.controls");
    var status = block.querySelector(".count");
    if (!table || !form || !status) { return; }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var texts = rows.map(function (row) {
      return Array.prototype.map.call(row.cells, function (c) { return c.textContent; }).join("\n").toLowerCase();
    });
    var order = rows.map(function (row, i) { return i; });
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-col]"));
    var search = form.querySelector("input[type=search]");
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

    function apply() {
      var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = selects.filter(function (s) { return s.value !== ""; }).map(function (s) {
        return { col: +s.getAttribute("data-col"), v: s.value.slice(1) };
      });
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = wanted.every(function (w) { return value(row.cells[w.col]) === w.v; }) &&
          terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      status.textContent = "Showing " + shown + " of " + rows.length + " rows";
    }

    function sortBy(col, direction) {
      var numeric = headers[col].getAttribute("data-type") === "number";
      var sign = direction === "ascending" ? 1 : -1;
      var sorted = order.slice().sort(function (i, j) {
        var a = value(rows[i].cells[col]), b = value(rows[j].cells[col]);
        if (a === "" || b === "") { return compare(a, b, numeric) || i - j; }
        return sign * compare(a, b, numeric) || i - j;
      });
      sorted.forEach(function (i) { tbody.appendChild(rows[i]); });
      headers.forEach(function (th, k) {
        if (k === col) { th.setAttribute("aria-sort", direction); } else { th.removeAttribute("aria-sort"); }
      });
    }

    headers.forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        sortBy(col, th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending");
      });
    });
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    search.addEventListener("input", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });

    /* A link such as victim_demographics.html?reference_year=2019 opens the table filtered. */
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) {
      var v = params.get(s.name);
      if (v !== null && s.querySelector('option[value="=' + v.replace(/["\\]/g, "\\$&") + '"]')) {
        s.value = "=" + v;
      }
    });
    if (params.get("q")) { search.value = params.get("q"); }
    form.hidden = false;
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-table]"), setUp);
}());
