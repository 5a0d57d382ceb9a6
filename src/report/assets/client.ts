/**
 * The item browser's script, inlined into every report (a .ts constant so `tsc` carries it into dist/). It reads
 * the embedded JSON, and builds every node with createElement and textContent: run data never goes through
 * innerHTML or anything else that parses markup, and only into class names, option values, data-* attributes and
 * image sources (which are used only when they are JPEG data URLs). Plain ES5 style, no template literals (this
 * file is itself one).
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var items = data.items || [];
  var state = { status: "", category: "", query: "", page: 0 };
  var list = document.getElementById("items");
  var categoryNames = Object.create(null);
  (data.categoryOptions || []).forEach(function (o) { categoryNames[o[0]] = o[1]; });
  function label(map, key) { return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : key; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { if (child) parent.appendChild(child); return child; }
  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1); }
  function fillSelect(id, options) {
    var select = document.getElementById(id);
    options.forEach(function (o) { var opt = el("option", "", o[1]); opt.value = o[0]; select.appendChild(opt); });
    return select;
  }
  function textBlock(parent, title, text) {
    if (text === undefined || text === null) return;
    add(parent, el("h4", "", title));
    add(parent, el("pre", "text", text));
  }
  function thumb(item) {
    var fig = el("figure", "thumb");
    var url = item.img && Object.prototype.hasOwnProperty.call(data.thumbs, item.img) ? data.thumbs[item.img] : undefined;
    if (typeof url === "string" && url.indexOf("data:image/jpeg;base64,") === 0) {
      var img = el("img");
      img.alt = "image of item " + item.id;
      img.src = url;
      fig.appendChild(img);
    } else {
      fig.appendChild(el("div", "placeholder", item.img ? "no thumbnail" : "image not found"));
    }
    return fig;
  }
  function badge(kind, label) { return el("span", "badge " + kind, label); }
  function unitMatches(u) {
    return (!state.status || u[0] === state.status) && (!state.category || u[1] === state.category);
  }
  function searchText(item) {
    if (item._search === undefined) {
      item._search = [item.id, item.question, item.prediction, item.task, item.prompt, item.response].filter(function (s) { return typeof s === "string"; }).join("\n").toLowerCase();
    }
    return item._search;
  }
  function matches(item) {
    if (state.query && searchText(item).indexOf(state.query) < 0) return false;
    // The verdict filter selects by the item's own verdict (eval) or status (dataset), not by any one constraint's.
    var own = item.verdict !== undefined ? item.verdict : item.status;
    if (state.status && own !== state.status) return false;
    if (!state.category) return true;
    return item.units.some(function (u) { return u[1] === state.category; });
  }
  function headerRow(table, names) {
    var tr = add(add(table, el("thead")), el("tr"));
    names.forEach(function (n) { add(tr, el("th", "", n)); });
  }
  function filtering() { return Boolean(state.status || state.category); }
  var VERDICT = { pass: "pass", fail: "fail", failed: "failed judging", not_attempted: "not attempted" };
  var STATUS = { kept: "kept", not_kept: "not kept", unanswered: "not answered" };
  var METHOD = { rule_based: "rule-based", direct_gpt: "direct judge", cmp_gpt: "comparative judge" };

  function evalItem(item) {
    var box = el("article", "item");
    box.setAttribute("data-id", item.id);
    var head = add(box, el("div", "item-head"));
    add(head, el("span", "id", item.id));
    add(head, el("span", "muted", item.tag));
    add(head, badge(item.verdict, label(VERDICT, item.verdict)));
    add(head, el("span", "muted", item.score === null ? "excluded from the average" : "score " + pct(item.score)));
    if (item.rounds > 1) add(head, el("span", "muted", item.rounds + " rounds"));
    var body = add(box, el("div", "item-body"));
    add(body, thumb(item));
    var texts = add(body, el("div", "texts"));
    textBlock(texts, "Prompt", item.question);
    if (item.prediction !== undefined) {
      if (item.prediction === null) {
        add(texts, el("h4", "", "Answer"));
        add(texts, el("p", "error", "no answer" + (item.predictionError ? ": " + item.predictionError : "")));
      } else textBlock(texts, "Answer" + (item.finishReason && item.finishReason !== "stop" ? " (finish: " + item.finishReason + ")" : ""), item.prediction);
    }
    textBlock(texts, "Ground truth", item.truth);
    if (item.error) add(texts, el("p", "error", item.verdict === "not_attempted" ? item.error : "Judging failed: " + item.error));
    if (item.constraints.length) {
      var table = add(box, el("table", "data constraints"));
      headerRow(table, ["#", "constraint", "category", "method", "verdict", "note"]);
      var tbody = add(table, el("tbody"));
      item.constraints.forEach(function (c, i) {
        var tr = add(tbody, el("tr", filtering() && unitMatches([c.verdict, c.cat]) ? "match" : ""));
        add(tr, el("td", "", i + 1));
        var cell = add(tr, el("td"));
        add(cell, el("div", "key", c.key));
        if (c.value) add(cell, el("div", "", c.value));
        if (c.check) add(cell, el("div", "check", c.check));
        add(tr, el("td", "", label(categoryNames, c.cat)));
        add(tr, el("td", "", label(METHOD, c.method)));
        var v = add(tr, el("td"));
        add(v, badge(c.verdict, label(VERDICT, c.verdict)));
        if (c.score !== null && c.score !== 1 && c.score !== 0) add(v, el("span", "muted", " " + c.score));
        add(tr, el("td", "error", c.error || c.note || ""));
      });
    }
    item.replies.forEach(function (r) {
      var d = add(box, el("details", "reply"));
      add(d, el("summary", "", "Judge reply: " + r.name));
      add(d, el("pre", "text", r.text));
      textBlock(d, "Answer without this constraint", r.aux);
    });
    return box;
  }

  function datasetItem(item) {
    var box = el("article", "item");
    box.setAttribute("data-id", item.id);
    var head = add(box, el("div", "item-head"));
    add(head, el("span", "id", item.id));
    add(head, el("span", "muted", item.source));
    add(head, badge(item.status, label(STATUS, item.status)));
    if (item.score !== null) add(head, el("span", "muted", "score " + pct(item.score)));
    var body = add(box, el("div", "item-body"));
    add(body, thumb(item));
    var texts = add(body, el("div", "texts"));
    textBlock(texts, "Task", item.task);
    textBlock(texts, "Prompt", item.prompt);
    textBlock(texts, "Response", item.response);
    if (item.reasons.length) add(texts, el("p", "error", item.reasons.join("; ")));
    if (item.constraints.length) {
      var table = add(box, el("table", "data constraints"));
      headerRow(table, ["#", "constraint", "category", "method", "verdict"]);
      var tbody = add(table, el("tbody"));
      item.constraints.forEach(function (c, i) {
        var tr = add(tbody, el("tr", state.category && c.cat === state.category ? "match" : ""));
        add(tr, el("td", "", i + 1));
        var cell = add(tr, el("td"));
        add(cell, el("div", "key", c.key));
        if (c.value) add(cell, el("div", "", c.value));
        add(tr, el("td", "", label(categoryNames, c.cat)));
        var m = add(tr, el("td", "", label(METHOD, c.method)));
        if (c.assignment && c.assignment !== "default") add(m, el("div", "check", c.assignment));
        var v = add(tr, el("td"));
        if (c.verdict) add(v, badge(c.verdict, label(VERDICT, c.verdict)));
        if (c.error) add(v, el("div", "error", c.error));
      });
    }
    if (item.dropped.length) {
      var dt = add(box, el("table", "data constraints"));
      headerRow(dt, ["dropped constraint", "why"]);
      var db = add(dt, el("tbody"));
      item.dropped.forEach(function (d) {
        var tr = add(db, el("tr"));
        var cell = add(tr, el("td"));
        add(cell, el("div", "key", d.key));
        if (d.value) add(cell, el("div", "", d.value));
        add(tr, el("td", "error", d.reason));
      });
    }
    item.aux.forEach(function (a) {
      var d = add(box, el("details", "reply"));
      add(d, el("summary", "", "Answer without constraint " + a.key));
      add(d, el("pre", "text", a.text));
    });
    return box;
  }

  var pagers = Array.prototype.slice.call(document.querySelectorAll("[data-pager]"));
  function render() {
    var matched = items.filter(matches);
    var size = data.pageSize || 50;
    var pages = Math.max(1, Math.ceil(matched.length / size));
    if (state.page >= pages) state.page = pages - 1;
    if (state.page < 0) state.page = 0;
    var start = state.page * size;
    var shown = matched.slice(start, start + size);
    while (list.firstChild) list.removeChild(list.firstChild);
    shown.forEach(function (item) { list.appendChild(data.kind === "eval" ? evalItem(item) : datasetItem(item)); });
    if (shown.length === 0) list.appendChild(el("p", "hint", "No item matches the filters."));
    var count = document.getElementById("match-count");
    count.textContent = matched.length + " of " + items.length + " items match";
    count.setAttribute("data-query", state.query);
    pagers.forEach(function (p) {
      p.querySelector(".page-info").textContent = matched.length === 0 ? "page 0 of 0" : "items " + (start + 1) + "–" + (start + shown.length) + " · page " + (state.page + 1) + " of " + pages;
      p.querySelector(".prev").disabled = state.page === 0;
      p.querySelector(".next").disabled = state.page >= pages - 1;
    });
  }
  pagers.forEach(function (p) {
    p.querySelector(".prev").addEventListener("click", function () { state.page--; render(); });
    p.querySelector(".next").addEventListener("click", function () { state.page++; render(); });
  });
  fillSelect("f-status", data.statusOptions || []).addEventListener("change", function (e) { state.status = e.target.value; state.page = 0; render(); });
  fillSelect("f-category", data.categoryOptions || []).addEventListener("change", function (e) { state.category = e.target.value; state.page = 0; render(); });
  var timer = 0;
  document.getElementById("f-search").addEventListener("input", function (e) {
    clearTimeout(timer);
    var value = e.target.value;
    timer = setTimeout(function () { state.query = value.trim().toLowerCase(); state.page = 0; render(); }, 150);
  });
  render();
})();
`;
