// The reader's preferences (keywords, followed authors, exclusions), kept in this browser, and
// what they do to a day page: matching papers first in a "for you" group (most matches first),
// the matched words in <mark>, excluded papers hidden with a count and a way to show them. Also
// the page's own filters (the filter box, the category toggles, "has code"), since all of them
// decide together which papers are shown. Marks are built as DOM text nodes and <mark>
// elements: whatever the reader types and whatever a title holds stays text.
(function () {
  "use strict";
  var S = window.Summarizer;
  var MAX_TERMS = 50;

  function split(value) {
    var seen = {};
    return String(value || "").split(/[,，;；\n]+/).map(function (t) {
      return t.split(/\s+/).join(" ").trim();
    }).filter(function (t) {
      var key = t.toLowerCase();
      if (!t || seen[key]) return false;
      seen[key] = true;
      return true;
    }).slice(0, MAX_TERMS);
  }

  S.prefs = function () {
    var stored = S.load("prefs");
    var list = function (v) { return Array.isArray(v) ? split(v.join(",")) : []; };
    return { keywords: list(stored.keywords), authors: list(stored.authors),
      exclude: list(stored.exclude) };
  };

  function escapeRe(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // One pattern per term: any case; runs of spaces match any whitespace; a Latin term matches
  // at the start of a word (so "beamform" finds "beamforming"), a name as a whole word, and a
  // Chinese term anywhere. `probe`: lower-case ASCII the pattern cannot match without (a quick
  // test first, so a page of 1,000 papers is not run through every pattern).
  function term(text, whole) {
    var body = text.split(" ").map(escapeRe).join("\\s+");
    var latinStart = /^[\p{L}\p{N}]/u.test(text) && !/^\p{Script=Han}/u.test(text);
    var latinEnd = /[\p{L}\p{N}]$/u.test(text) && !/\p{Script=Han}$/u.test(text);
    var before = latinStart ? "(?<![\\p{L}\\p{N}])" : "";
    var after = whole && latinEnd ? "(?![\\p{L}\\p{N}])" : "";
    var ascii = (text.toLowerCase().match(/[\x21-\x7e]{2,}/g) || []).sort(function (a, b) {
      return b.length - a.length;
    });
    return { re: new RegExp(before + body + after, "giu"), probe: ascii[0] || "" };
  }

  S.matcher = function (prefs) {
    prefs = prefs || S.prefs();
    return {
      keywords: prefs.keywords.map(function (t) { return term(t, false); }),
      authors: prefs.authors.map(function (t) { return term(t, true); }),
      exclude: prefs.exclude.map(function (t) { return term(t, false); }),
      empty: !(prefs.keywords.length || prefs.authors.length || prefs.exclude.length)
    };
  };

  function finds(t, text, lower) {
    if (t.probe && lower.indexOf(t.probe) < 0) return false;
    t.re.lastIndex = 0;
    return t.re.test(text);
  }

  // --- marks: the page's own <mark>s (the site's keywords) are kept, the reader's added -------
  var FIELDS = ["title", "authors", "tldr", "abstract"];

  function field(node) {
    var text = node.textContent;
    return { node: node, text: text, lower: text.toLowerCase(), own: null, dirty: false };
  }

  function fieldsOf(article) {
    if (!article._fields) {
      article._fields = {};
      article.querySelectorAll("[data-field]").forEach(function (node) {
        article._fields[node.getAttribute("data-field")] = field(node);
      });
    }
    if (!article._authors) {
      article._authors = S.authorsOf(article).map(function (name) {
        return { text: name, lower: name.toLowerCase() };
      });
    }
    return article._fields;
  }

  // The fields of every paper in `papers` (in document order) at once: one query for the page.
  function primeFields(root, papers) {
    var k = 0;
    papers.forEach(function (p) { p._fields = {}; });
    root.querySelectorAll("[data-paper] [data-field]").forEach(function (node) {
      while (k < papers.length && !papers[k].contains(node)) k++;
      if (k < papers.length) papers[k]._fields[node.getAttribute("data-field")] = field(node);
    });
  }

  function ownMarks(field) {  // where the page marked the site's keywords, before any change
    var ranges = [];
    var offset = 0;
    field.node.childNodes.forEach(function (child) {
      var length = child.textContent.length;
      if (child.nodeName === "MARK") ranges.push([offset, offset + length, false]);
      offset += length;
    });
    return ranges;
  }

  function found(terms, text) {
    var ranges = [];
    terms.forEach(function (t) {
      var re = t.re;
      re.lastIndex = 0;
      var m;
      while ((m = re.exec(text)) !== null) {
        if (!m[0].length) { re.lastIndex++; continue; }
        ranges.push([m.index, m.index + m[0].length, true]);
      }
    });
    return ranges;
  }

  function paint(field, terms) {
    if (!terms.length && !field.dirty) return;
    if (field.own === null) field.own = ownMarks(field);
    var mine = terms.length ? found(terms, field.text) : [];
    var ranges = field.own.concat(mine).sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) {
        last[1] = Math.max(last[1], r[1]);
        last[2] = last[2] || r[2];
      } else {
        merged.push(r.slice());
      }
    });
    var nodes = [];
    var at = 0;
    merged.forEach(function (r) {
      if (r[0] > at) nodes.push(document.createTextNode(field.text.slice(at, r[0])));
      var mark = S.el("mark", r[2] ? "mine" : "");
      mark.textContent = field.text.slice(r[0], r[1]);
      nodes.push(mark);
      at = r[1];
    });
    if (at < field.text.length) nodes.push(document.createTextNode(field.text.slice(at)));
    field.node.replaceChildren.apply(field.node, nodes);
    field.dirty = mine.length > 0;
  }

  // Mark the reader's terms in one paper; sets data-match / data-excluded. Returns the number
  // of terms (keywords and authors) it matches.
  S.applyTo = function (article, matcher) {
    var fields = fieldsOf(article);
    var inField = function (t, name) {
      return !!fields[name] && finds(t, fields[name].text, fields[name].lower);
    };
    var words = matcher.keywords.filter(function (t) {
      return inField(t, "title") || inField(t, "abstract") || inField(t, "tldr");
    });
    var people = matcher.authors.filter(function (t) {
      return article._authors.some(function (a) { return finds(t, a.text, a.lower); });
    });
    var count = words.length + people.length;
    FIELDS.forEach(function (name) {
      if (fields[name]) paint(fields[name], name === "authors" ? people : words);
    });
    if (count) article.setAttribute("data-match", String(count));
    else if (article.hasAttribute("data-match")) article.removeAttribute("data-match");
    var excluded = matcher.exclude.some(function (t) {
      return inField(t, "title") || inField(t, "abstract");
    });
    if (excluded) article.setAttribute("data-excluded", "");
    else if (article.hasAttribute("data-excluded")) article.removeAttribute("data-excluded");
    return count;
  };

  // --- the day page ----------------------------------------------------------------------------
  function dayPage() {
    var forYou = document.getElementById("for-you");
    if (!forYou) return null;
    var papers = Array.prototype.slice.call(document.querySelectorAll("main article.paper"));
    return {
      forYou: forYou,
      papers: papers,
      homes: papers.map(function (p) { return p.parentNode; }),
      sections: Array.prototype.slice.call(document.querySelectorAll("main section.category")),
      box: document.getElementById("filter"),
      toggles: Array.prototype.slice.call(document.querySelectorAll("input.cat-toggle")),
      code: document.querySelector("[data-filter=code]"),
      count: document.getElementById("filter-count"),
      note: document.getElementById("excluded-note"),
      texts: null,
      showExcluded: false,
      moved: false
    };
  }

  function words(query) {
    return query.normalize("NFKC").toLowerCase().split(/\s+/).filter(Boolean);
  }

  // A filter word is in a paper's text as written; a Chinese word of three or more characters
  // also where all its two-character pieces are (word order and particles differ).
  var HAN = /\p{Script=Han}/u;
  function holds(text, word) {
    if (text.indexOf(word) >= 0) return true;
    if (word.length < 3 || !HAN.test(word)) return false;
    for (var i = 0; i + 1 < word.length; i++) {
      if (text.indexOf(word.slice(i, i + 2)) < 0) return false;
    }
    return true;
  }

  // Which papers are shown: category toggles, the filter box, "has code", exclusions.
  function refresh(page) {
    var filter = page.box ? words(page.box.value) : [];
    if (filter.length && !page.texts) {
      page.texts = page.papers.map(function (p) {
        return p.textContent.normalize("NFKC").toLowerCase();
      });
    }
    var on = {};
    page.toggles.forEach(function (t) { on[t.getAttribute("data-category")] = t.checked; });
    var codeOnly = page.code && page.code.checked;
    var shown = 0;
    var excluded = 0;
    page.papers.forEach(function (p, i) {
      var out = p.hasAttribute("data-excluded");
      if (out) excluded++;
      var visible = on[p.getAttribute("data-category")] !== false &&
        (!out || page.showExcluded) &&
        (!codeOnly || !!p.querySelector("a[data-code]")) &&
        filter.every(function (w) { return holds(page.texts[i], w); });
      if (p.hidden === visible) p.hidden = !visible;
      if (visible) shown++;
    });
    page.sections.forEach(function (s) {
      s.hidden = !s.querySelector("article.paper:not([hidden])");
    });
    if (page.count) page.count.textContent = "显示 " + shown + " / " + page.papers.length + " 篇";
    if (page.note) {
      page.note.hidden = excluded === 0;
      page.note.firstElementChild.textContent = "按你的排除词" +
        (page.showExcluded ? "标出了 " : "隐藏了 ") + excluded + " 篇。";
      var button = page.note.querySelector("[data-action=show-excluded]");
      button.textContent = page.showExcluded ? "隐藏" : "显示";
      button.setAttribute("aria-pressed", String(page.showExcluded));
    }
  }

  function apply(page) {
    performance.mark("summarizer:prefs-start");
    var matcher = S.matcher();
    if (page.moved) {  // the "for you" papers back in their categories, in the page's order
      var following = new Map();  // home -> the paper after, going backwards
      for (var i = page.papers.length - 1; i >= 0; i--) {
        var p = page.papers[i];
        if (p.parentNode !== page.homes[i]) {
          page.homes[i].insertBefore(p, following.get(page.homes[i]) || null);
        }
        following.set(page.homes[i], p);
      }
      page.moved = false;
    }
    if (!matcher.empty && !page.primed) {
      primeFields(document.querySelector("main"), page.papers);
      page.primed = true;
    }
    var matched = [];
    page.papers.forEach(function (p, i) {
      if (matcher.empty && !p._fields) return;  // nothing to mark, nothing marked before
      var count = S.applyTo(p, matcher);
      if (count) matched.push([count, i, p]);
    });
    matched.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    page.forYou.append.apply(page.forYou, matched.map(function (m) { return m[2]; }));
    page.moved = matched.length > 0;
    page.forYou.querySelector("small").textContent = matched.length + " 篇";
    refresh(page);
    performance.measure("summarizer:prefs", "summarizer:prefs-start");
    document.body.setAttribute("data-prefs-applied", String(Date.now()));
  }

  // --- the form ---------------------------------------------------------------------------------
  function setupForm() {
    var form = document.querySelector("form[data-prefs]");
    var toggle = document.querySelector("[data-action=prefs]");
    if (!form) return;
    function fill() {
      var prefs = S.prefs();
      ["keywords", "authors", "exclude"].forEach(function (name) {
        form.elements[name].value = prefs[name].join(", ");
      });
    }
    function show(open) {
      form.hidden = !open;
      if (toggle) toggle.setAttribute("aria-expanded", String(open));
      if (open) { fill(); form.elements.keywords.focus(); }
    }
    if (toggle) toggle.addEventListener("click", function () { show(form.hidden); });
    form.querySelector("[data-action=prefs-close]").addEventListener("click", function () {
      show(false);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var prefs = {};
      ["keywords", "authors", "exclude"].forEach(function (name) {
        prefs[name] = split(form.elements[name].value);
      });
      var saved = S.save("prefs", prefs);
      form.querySelector(".prefs-status").textContent = saved ? "已保存" : "浏览器拒绝保存（隐私模式？）";
      S.emit("prefs");
    });
  }

  function setupDayPage() {
    var page = dayPage();
    if (!page) return;
    if (page.box) page.box.addEventListener("input", function () { refresh(page); });
    page.toggles.concat(page.code ? [page.code] : []).forEach(function (t) {
      t.addEventListener("change", function () { refresh(page); });
    });
    if (page.note) {
      page.note.querySelector("[data-action=show-excluded]").addEventListener("click", function () {
        page.showExcluded = !page.showExcluded;
        refresh(page);
      });
    }
    S.on("prefs", function () { apply(page); });
    apply(page);
  }

  // Papers a script shows (search results, the starred page) are marked too; not reordered.
  function markShown(container) {
    if (!container) return;
    var matcher = S.matcher();
    container.querySelectorAll("[data-paper]").forEach(function (a) { S.applyTo(a, matcher); });
  }
  S.on("papers", markShown);
  S.on("prefs", function () {
    markShown(document.getElementById("search-results"));
    markShown(document.getElementById("starred-list"));
  });

  setupForm();
  setupDayPage();
})();
