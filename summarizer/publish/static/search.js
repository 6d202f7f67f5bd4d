// Search across every day, from file:// as well as over http: the index is plain <script> files
// (see summarizer/publish/search_index.py), loaded on first use, every month at once. The
// reader's preferences are looked up in the same index: results matching their keywords or
// authors come first (most matches first, then newest), excluded ones are left out and counted.
(function () {
  "use strict";
  var S = window.Summarizer;
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var TOKEN = /[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
  var MONTH = /^\d{4}-\d{2}$/;
  var BUCKETS = 256;
  var PAGE = 20;  // results shown at once; a button shows the next ones
  var DOCS_CHUNK = 25;  // as search_index.DOCS_CHUNK
  var PAUSE = 150;  // ms after the last keystroke
  var loaded = {};

  function w(name) { return (window[name] = window[name] || {}); }

  // The index tokens of a query, cut as search_index.tokens cuts text.
  function queryTokens(query) {
    var out = [];
    (query.normalize("NFKC").toLowerCase().match(TOKEN) || []).forEach(function (run) {
      if (HAN.test(run)) {
        if (run.length === 1) out.push(run);
        for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
      } else if (run.length >= 2) {
        out.push(run);
      }
    });
    return out.filter(function (t, i) { return out.indexOf(t) === i; });
  }

  function bucketOf(token) {
    var key = HAN.test(token.charAt(0)) ? token.slice(0, 1) : token.slice(0, 2);
    var h = 0;
    for (var i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) & 0xffffff;
    var b = (h % BUCKETS).toString(16);
    return b.length < 2 ? "0" + b : b;
  }

  // Whether the month's index has a file for the bucket (search/days.js says; an older one
  // does not, and every bucket is tried).
  function hasBucket(month, bucket) {
    var bitmap = (window.SUMMARIZER_BUCKETS || {})[month];
    if (typeof bitmap !== "string" || bitmap.length !== 64) return true;
    var b = parseInt(bucket, 16);
    return (parseInt(bitmap.charAt(63 - (b >> 2)), 16) >> (b & 3) & 1) === 1;
  }

  function bucketFiles(month, toks) {
    var files = [];
    toks.forEach(function (t) {
      var b = bucketOf(t);
      var file = S.root + "search/" + month + "/" + b + ".js";
      if (hasBucket(month, b) && files.indexOf(file) < 0) files.push(file);
    });
    return files;
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

  // The month's papers (numbers) holding every token, each as a prefix of an indexed token.
  function holding(month, toks) {
    var result = null;
    toks.forEach(function (t) {
      var table = w("SUMMARIZER_IDX")[month + "/" + bucketOf(t)] || {};
      var docs = new Set();
      Object.keys(table).forEach(function (indexed) {
        if (indexed.lastIndexOf(t, 0) !== 0) return;
        var n = 0;
        table[indexed].forEach(function (d) { n += d; docs.add(n); });
      });
      result = result === null ? docs : new Set(Array.from(result).filter(function (n) {
        return docs.has(n);
      }));
    });
    return result || new Set();
  }

  function locate(meta, n) {
    for (var i = 0; i < meta.length; i++) {
      if (n < meta[i][1]) return [meta[i][0], n];
      n -= meta[i][1];
    }
    return null;
  }

  // One month: the hits of the query, each [day, index in day, matches], excluded ones counted.
  function searchMonth(month, toks, terms) {
    var files = [S.root + "search/" + month + "/meta.js"].concat(
      bucketFiles(month, toks.concat(terms.all)));
    return Promise.all(files.map(loadScript)).then(function () {
      var meta = w("SUMMARIZER_META")[month] || [];
      var liked = terms.liked.map(function (t) { return holding(month, t); });
      var out = terms.out.map(function (t) { return holding(month, t); });
      var hits = [];
      var excluded = 0;
      holding(month, toks).forEach(function (n) {
        if (out.some(function (set) { return set.has(n); })) { excluded++; return; }
        var hit = locate(meta, n);
        if (!hit || !S.DAY.test(hit[0])) return;
        hit.push(liked.filter(function (set) { return set.has(n); }).length);
        hits.push(hit);
      });
      return { hits: hits, excluded: excluded };
    });
  }

  // What a search will need, asked for ahead of it: as the box gets focus, every month's list
  // of days and the index pieces of the reader's preferences; as each key is typed, the pieces
  // of the words so far (a piece holds every word with the same first two letters).
  function prefetch(toks) {
    months().forEach(function (month) {
      loadScript(S.root + "search/" + month + "/meta.js");
      bucketFiles(month, toks).forEach(loadScript);
    });
  }

  function prefTerms() {
    var prefs = S.prefs();
    var cut = function (list) {
      return list.map(queryTokens).filter(function (t) { return t.length; });
    };
    var liked = cut(prefs.keywords.concat(prefs.authors));
    var out = cut(prefs.exclude);
    var all = [];
    liked.concat(out).forEach(function (t) { all = all.concat(t); });
    return { liked: liked, out: out, all: all };
  }

  function record(doc, day) {
    if (!Array.isArray(doc) || !S.ID.test(String(doc[0]))) return null;
    return S.checked({ id: doc[0], t: doc[1], c: doc[2], tldr: doc[3], a: doc[4], v: doc[5],
      pc: doc[6], code: doc[7], venue: doc[8], j: doc[9], d: day });
  }

  function docsFile(hit) { return hit[0] + "/" + Math.floor(hit[1] / DOCS_CHUNK); }

  function loadDocs(hits) {
    var files = [];
    hits.forEach(function (h) { if (files.indexOf(docsFile(h)) < 0) files.push(docsFile(h)); });
    return Promise.all(files.map(function (f) {
      return loadScript(S.root + "search/docs/" + f + ".js");
    }));
  }

  // The results from `from` on, a page of them, appended to the list; a "more" button after.
  function showPage(box, list, hits, from) {
    var docs = w("SUMMARIZER_DOCS");
    var shown = [];
    hits.slice(from, from + PAGE).forEach(function (hit) {
      var rec = record((docs[docsFile(hit)] || [])[hit[1] % DOCS_CHUNK], hit[0]);
      if (!rec) return;
      shown.push([S.paperElement(rec), hit[2]]);
      list.appendChild(shown[shown.length - 1][0]);
    });
    S.emit("papers", list);  // marks the reader's words in what a result shows
    shown.forEach(function (s) {  // whether it matches is the index's word: the abstract counts
      if (s[1]) s[0].setAttribute("data-match", String(s[1]));
      else s[0].removeAttribute("data-match");
    });
    var old = box.querySelector("[data-action=more-results]");
    if (old) old.remove();
    var next = from + PAGE;
    if (next >= hits.length) return;
    var more = S.el("button", "more", "再显示 " + Math.min(PAGE, hits.length - next) + " 篇（共 " +
      hits.length + " 篇）");
    more.type = "button";
    more.setAttribute("data-action", "more-results");
    more.addEventListener("click", function () {
      more.disabled = true;
      loadDocs(hits.slice(next, next + PAGE)).then(function () {
        showPage(box, list, hits, next);
      });
    });
    box.appendChild(more);
  }

  function render(box, query, hits, excluded) {
    var liked = hits.filter(function (h) { return h[2] > 0; }).length;
    var head = "「" + query + "」：" + hits.length + " 篇" +
      (liked ? "，其中 " + liked + " 篇符合你的关注，排在最前" : "") +
      (excluded ? "；另有 " + excluded + " 篇含你的排除词，未显示" : "");
    var list = S.el("div", "hits");
    box.replaceChildren(S.el("p", "where", head), list);
    box.hidden = false;
    showPage(box, list, hits, 0);
  }

  function setupSearch() {
    var input = document.getElementById("q");
    var box = document.getElementById("search-results");
    if (!input || !box) return;
    if (input.form) input.form.addEventListener("submit", function (e) { e.preventDefault(); });
    var timer = null;
    var latest = 0;
    function run() {
      var query = input.value.trim();
      var mine = ++latest;
      var toks = queryTokens(query);
      if (!toks.length) { box.hidden = true; box.replaceChildren(); return; }
      performance.mark("summarizer:search-start");
      var terms = prefTerms();
      Promise.all(months().map(function (m) { return searchMonth(m, toks, terms); }))
        .then(function (found) {
          if (mine !== latest) return null;
          performance.measure("summarizer:search-index", "summarizer:search-start");
          var hits = [];
          var excluded = 0;
          found.forEach(function (f) { hits = hits.concat(f.hits); excluded += f.excluded; });
          hits.sort(function (a, b) {
            return b[2] - a[2] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : b[1] - a[1]);
          });
          return loadDocs(hits.slice(0, PAGE)).then(function () {
            if (mine !== latest) return;
            render(box, query, hits, excluded);
            performance.measure("summarizer:search", "summarizer:search-start");
            box.setAttribute("data-query", query);
          });
        });
    }
    var warmed = false;
    input.addEventListener("focus", function () {
      if (!warmed) prefetch(prefTerms().all);
      warmed = true;
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      prefetch(queryTokens(input.value));
      timer = setTimeout(run, PAUSE);
    });
    S.on("prefs", function () {
      warmed = false;
      if (!box.hidden) run();
    });
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { input.value = params.get("q"); run(); }
  }

  setupSearch();
})();
