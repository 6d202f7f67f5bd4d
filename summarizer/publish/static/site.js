// Search across every day, and the filter on a day page. Loaded as a file (no inline script),
// works from file:// because the search index is plain <script> files, loaded on first use.
// Everything shown comes from the index through textContent: outside text never becomes markup.
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var DAY = /^\d{4}-\d{2}-\d{2}$/;
  var ANCHOR = /^p-[A-Za-z0-9.\-]+$/;
  var MAX_SHOWN = 50;

  function norm(text) {
    return (text || "").normalize("NFKC").toLowerCase();
  }

  function terms(query) {
    return norm(query).split(/\s+/).filter(function (t) { return t.length > 0; });
  }

  function bigrams(term) {
    var out = [];
    for (var i = 0; i + 1 < term.length; i++) out.push(term.slice(i, i + 2));
    return out;
  }

  // A term matches where it occurs as written; a Chinese term of 3+ characters also matches
  // where all its two-character pieces occur (word order and particles differ between texts).
  function termScore(term, text) {
    if (text.indexOf(term) >= 0) return 2;
    if (CJK.test(term) && term.length >= 3) {
      var grams = bigrams(term);
      for (var i = 0; i < grams.length; i++) if (text.indexOf(grams[i]) < 0) return 0;
      return 1;
    }
    return 0;
  }

  function matchScore(words, title, text) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var s = termScore(words[i], text);
      if (!s) return 0;
      total += s + (title.indexOf(words[i]) >= 0 ? 2 : 0);
    }
    return total;
  }

  // --- the index: search/days.js lists the days, search/{day}.js holds one day's papers -------
  var shards = (window.SUMMARIZER_SHARDS = window.SUMMARIZER_SHARDS || {});
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(true); };
      s.onerror = function () { resolve(false); };
      document.head.appendChild(s);
    });
  }

  function days() {
    var list = window.SUMMARIZER_DAYS || [];
    return list.filter(function (d) { return DAY.test(d); });
  }

  function loadAll(onProgress) {
    if (loading) return loading;
    var todo = days().filter(function (d) { return !shards[d]; });
    loading = todo.reduce(function (chain, day) {
      return chain.then(function () {
        return loadScript(root + "search/" + day + ".js").then(onProgress);
      });
    }, Promise.resolve());
    return loading;
  }

  function search(query) {
    var words = terms(query);
    var hits = [];
    if (!words.length) return hits;
    days().forEach(function (day) {
      (shards[day] || []).forEach(function (rec) {
        // rec: [anchor, title, category, tldr, searchable text]
        var score = matchScore(words, norm(rec[1]), rec[4]);
        if (score) hits.push({ day: day, rec: rec, score: score });
      });
    });
    hits.sort(function (a, b) {
      return b.score - a.score || (a.day < b.day ? 1 : a.day > b.day ? -1 : 0);
    });
    return hits;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function showResults(box, query) {
    var hits = search(query);
    var loaded = days().filter(function (d) { return shards[d]; }).length;
    box.replaceChildren();
    var head = el("p", "where", "「" + query + "」：" + hits.length + " 篇" +
      (loaded < days().length ? "（已载入 " + loaded + " / " + days().length + " 天，继续查找中…）" : ""));
    box.appendChild(head);
    var list = el("ol");
    hits.slice(0, MAX_SHOWN).forEach(function (hit) {
      var rec = hit.rec;
      if (!ANCHOR.test(rec[0])) return;
      var li = el("li");
      var a = el("a", "", rec[1]);
      a.href = root + "days/" + hit.day + ".html#" + rec[0];
      li.appendChild(a);
      li.appendChild(el("div", "where", hit.day + " · " + rec[2]));
      if (rec[3]) li.appendChild(el("p", "snippet", rec[3]));
      list.appendChild(li);
    });
    box.appendChild(list);
    if (hits.length > MAX_SHOWN) box.appendChild(el("p", "where", "只显示前 " + MAX_SHOWN + " 篇，请加关键词缩小范围。"));
    box.hidden = false;
  }

  function setupSearch() {
    var input = document.getElementById("q");
    var box = document.getElementById("search-results");
    if (!input || !box) return;
    var form = input.form;
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
    var timer = null;
    function run() {
      var query = input.value.trim();
      if (!query) { box.hidden = true; box.replaceChildren(); return; }
      showResults(box, query);
      loadAll(function () {
        if (input.value.trim() === query) showResults(box, query);
      }).then(function () {
        if (input.value.trim() === query) showResults(box, query);
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { input.value = params.get("q"); run(); }
  }

  // --- the day page: a filter box and category toggles ----------------------------------------
  function setupFilter() {
    var box = document.getElementById("filter");
    if (!box) return;
    var papers = Array.prototype.slice.call(document.querySelectorAll("article.paper"));
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.category"));
    var toggles = Array.prototype.slice.call(document.querySelectorAll("input.cat-toggle"));
    var count = document.getElementById("filter-count");
    var texts = papers.map(function (p) { return norm(p.textContent); });
    function apply() {
      var words = terms(box.value);
      var on = {};
      toggles.forEach(function (t) { on[t.getAttribute("data-category")] = t.checked; });
      var shown = 0;
      papers.forEach(function (p, i) {
        var visible = on[p.getAttribute("data-category")] !== false &&
          (!words.length || matchScore(words, "", texts[i]) > 0);
        p.hidden = !visible;
        if (visible) shown++;
      });
      sections.forEach(function (s) {
        s.hidden = !s.querySelector("article.paper:not([hidden])");
      });
      if (count) count.textContent = "显示 " + shown + " / " + papers.length + " 篇";
    }
    box.addEventListener("input", apply);
    toggles.forEach(function (t) { t.addEventListener("change", apply); });
  }

  setupSearch();
  setupFilter();
})();
