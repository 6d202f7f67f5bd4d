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

  // --- the index (see summarizer/publish/search_index.py) ---------------------------------------
  // search/days.js: SUMMARIZER_DAYS, SUMMARIZER_MONTHS; search/M/meta.js: the month's days and
  // paper counts; search/M/bb.js: token -> delta-coded paper numbers; search/docs/D.js: results.
  var TOKEN = /[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
  var MONTH = /^\d{4}-\d{2}$/;
  var BUCKETS = 256;
  var loaded = {};

  function w(name) {
    return (window[name] = window[name] || {});
  }

  function queryTokens(query) {
    var out = [];
    (norm(query).match(TOKEN) || []).forEach(function (run) {
      if (CJK.test(run)) {
        if (run.length === 1) out.push(run);
        for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
      } else if (run.length >= 2) {
        out.push(run);
      }
    });
    return out.filter(function (t, i) { return out.indexOf(t) === i; });
  }

  function bucketOf(token) {
    var key = CJK.test(token.charAt(0)) ? token.slice(0, 1) : token.slice(0, 2);
    var h = 0;
    for (var i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) & 0xffffff;
    var b = (h % BUCKETS).toString(16);
    return b.length < 2 ? "0" + b : b;
  }

  function loadScript(src) {
    if (loaded[src]) return loaded[src];
    loaded[src] = new Promise(function (resolve) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(true); };
      s.onerror = function () { resolve(false); };
      document.head.appendChild(s);
    });
    return loaded[src];
  }

  function months() {
    return (window.SUMMARIZER_MONTHS || []).filter(function (m) { return MONTH.test(m); });
  }

  // Papers of `month` holding every token (each as a prefix of an indexed token), as [day, i].
  function searchMonth(month, toks) {
    var files = [loadScript(root + "search/" + month + "/meta.js")];
    toks.forEach(function (t) {
      files.push(loadScript(root + "search/" + month + "/" + bucketOf(t) + ".js"));
    });
    return Promise.all(files).then(function () {
      var meta = w("SUMMARIZER_META")[month] || [];
      var result = null;
      toks.forEach(function (t) {
        var table = w("SUMMARIZER_IDX")[month + "/" + bucketOf(t)] || {};
        var docs = {};
        Object.keys(table).forEach(function (indexed) {
          if (indexed.indexOf(t) !== 0) return;
          var n = 0;
          table[indexed].forEach(function (d) { n += d; docs[n] = true; });
        });
        if (result === null) result = docs;
        else Object.keys(result).forEach(function (n) { if (!docs[n]) delete result[n]; });
      });
      var numbers = Object.keys(result || {}).map(Number).sort(function (a, b) { return b - a; });
      return numbers.map(function (n) {
        for (var i = 0; i < meta.length; i++) {
          if (n < meta[i][1]) return [meta[i][0], n];
          n -= meta[i][1];
        }
        return null;
      }).filter(function (hit) { return hit && DAY.test(hit[0]); });
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function render(box, query, hits, done, total) {
    box.replaceChildren();
    box.appendChild(el("p", "where", "「" + query + "」：" + hits.length + " 篇" +
      (done < total ? "（已查 " + done + " / " + total + " 个月，继续查找中…）" : "")));
    var list = el("ol");
    var docs = w("SUMMARIZER_DOCS");
    hits.slice(0, MAX_SHOWN).forEach(function (hit) {
      var rec = (docs[hit[0]] || [])[hit[1]];
      if (!rec || !ANCHOR.test(rec[0])) return;
      var li = el("li");
      var a = el("a", "", rec[1]);
      a.href = root + "days/" + hit[0] + ".html#" + rec[0];
      li.appendChild(a);
      li.appendChild(el("div", "where", hit[0] + " · " + rec[2]));
      if (rec[3]) li.appendChild(el("p", "snippet", rec[3]));
      list.appendChild(li);
    });
    box.appendChild(list);
    if (hits.length > MAX_SHOWN) {
      box.appendChild(el("p", "where", "只显示最新的 " + MAX_SHOWN + " 篇，请加关键词缩小范围。"));
    }
    box.hidden = false;
  }

  function setupSearch() {
    var input = document.getElementById("q");
    var box = document.getElementById("search-results");
    if (!input || !box) return;
    var form = input.form;
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
    var timer = null;
    var current = 0;
    function run() {
      var query = input.value.trim();
      var mine = ++current;
      var toks = queryTokens(query);
      if (!toks.length) { box.hidden = true; box.replaceChildren(); return; }
      var all = months();
      var hits = [];
      var step = function (i) {
        if (mine !== current) return Promise.resolve();
        if (i >= all.length) return Promise.resolve(render(box, query, hits, i, all.length));
        return searchMonth(all[i], toks).then(function (found) {
          hits = hits.concat(found);
          var days = hits.slice(0, MAX_SHOWN).map(function (h) { return h[0]; });
          var needed = days.filter(function (d, k) { return days.indexOf(d) === k; });
          return Promise.all(needed.map(function (d) {
            return loadScript(root + "search/docs/" + d + ".js");
          }));
        }).then(function () {
          if (mine === current) render(box, query, hits, i + 1, all.length);
          return step(i + 1);
        });
      };
      step(0);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
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
