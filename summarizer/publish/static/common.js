// What the site's scripts share (window.Summarizer): the reader's browser storage, a paper's
// record read from its element, the COinS string, and the element of a paper shown by a script
// (search results, the starred page). Loaded as a file (the pages' CSP allows no inline script).
// Outside text only ever reaches the page through textContent, text nodes and setAttribute.
(function () {
  "use strict";
  var S = (window.Summarizer = window.Summarizer || {});
  S.root = document.body.getAttribute("data-root") || "";
  S.ID = /^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})$/;
  S.DAY = /^\d{4}-\d{2}-\d{2}$/;
  var CODE = /^https:\/\/(?:github\.com|gitlab(?:\.[a-z0-9-]+)*\.[a-z]{2,})\/[A-Za-z0-9._\/-]+$/;
  var PREFIX = "summarizer.";

  S.el = function (tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  };

  // --- storage: one JSON object per name; a browser that refuses storage loses nothing else ---
  S.load = function (name) {
    try {
      var value = JSON.parse(window.localStorage.getItem(PREFIX + name) || "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch (e) {
      return {};
    }
  };
  S.save = function (name, value) {
    try {
      window.localStorage.setItem(PREFIX + name, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  };

  // --- a tiny event bus: "prefs", "marks" (stars and read marks), "papers" (new ones shown) ---
  var handlers = {};
  S.on = function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); };
  S.emit = function (name, detail) {
    (handlers[name] || []).forEach(function (fn) { fn(detail); });
  };
  window.addEventListener("storage", function (e) {  // another tab of the site changed them
    if (e.key === PREFIX + "prefs") S.emit("prefs");
    if (e.key === PREFIX + "stars" || e.key === PREFIX + "read") S.emit("marks");
  });

  S.anchor = function (id) { return "p-" + id.replace("/", "-"); };
  S.absUrl = function (id) { return "https://arxiv.org/abs/" + id; };

  // The month an arXiv id was issued in, YYYY-MM (as citation.arxiv_month).
  S.month = function (id) {
    var m = /^(\d{2})(\d{2})\.\d{4,5}$/.exec(id);
    if (m) return "20" + m[1] + "-" + m[2];
    m = /^[a-z][a-z-]*(?:\.[A-Z]{2})?\/(\d{2})(\d{2})\d{3}$/.exec(id);
    if (m) return (Number(m[1]) >= 91 ? "19" : "20") + m[1] + "-" + m[2];
    return "";
  };

  // URL-encoding as Python's quote(value, safe=...) does it (citation.py builds the same string).
  function quote(value, keep) {
    var out = encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
    return keep ? out.replace(/%3A/g, ":").replace(/%2F/g, "/") : out;
  }

  S.coins = function (rec) {
    var url = S.absUrl(rec.id);
    var pairs = [
      ["ctx_ver", "Z39.88-2004"], ["rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"],
      ["rft.type", "preprint"], ["rft.title", quote(rec.t.split(/\s+/).join(" ").trim())]
    ];
    rec.a.forEach(function (name) { if (name.trim()) pairs.push(["rft.au", quote(name)]); });
    pairs.push(["rft.date", S.month(rec.id)], ["rft.source", "arXiv"],
      ["rft_id", quote("info:arxiv/" + rec.id, true)], ["rft_id", quote(url, true)]);
    return pairs.filter(function (p) { return p[1]; }).map(function (p) {
      return p[0] + "=" + p[1];
    }).join("&");
  };

  function text(node) { return node ? node.textContent.split(/\s+/).join(" ").trim() : ""; }

  function authorsOf(article) {
    try {
      var list = JSON.parse(article.getAttribute("data-authors") || "[]");
      return Array.isArray(list) ? list.map(String) : [];
    } catch (e) {
      return [];
    }
  }
  S.authorsOf = authorsOf;

  // A paper's record, read from its element: what a star keeps and an export writes.
  S.record = function (article) {
    var code = article.querySelector("a[data-code]");
    var venue = article.querySelector("[data-venue]");
    return {
      id: article.getAttribute("data-paper"),
      v: Number(article.getAttribute("data-version")) || 1,
      t: text(article.querySelector("[data-field=title]")),
      a: authorsOf(article),
      d: article.getAttribute("data-day") || "",
      c: article.getAttribute("data-category") || "",
      pc: article.getAttribute("data-primary") || "",
      j: article.getAttribute("data-journal") || "",
      code: code ? code.getAttribute("href") : "",
      venue: venue ? venue.getAttribute("data-venue") : "",
      tldr: text(article.querySelector("[data-field=tldr]")).slice(0, 600)
    };
  };

  // A record as stored may have been written by an older page: keep only what is well-formed.
  S.checked = function (rec) {
    if (!rec || typeof rec !== "object" || !S.ID.test(String(rec.id))) return null;
    var str = function (v) { return typeof v === "string" ? v : ""; };
    return {
      id: rec.id, v: Number(rec.v) || 1, t: str(rec.t) || rec.id,
      a: Array.isArray(rec.a) ? rec.a.map(String) : [],
      d: S.DAY.test(str(rec.d)) ? rec.d : "", c: str(rec.c), pc: str(rec.pc), j: str(rec.j),
      code: CODE.test(str(rec.code)) ? rec.code : "", venue: str(rec.venue), tldr: str(rec.tldr),
      at: Number(rec.at) || 0
    };
  };

  function link(href, label, cls) {
    var a = S.el("a", cls, label);
    a.href = href;
    a.rel = "noopener";
    return a;
  }

  // The element of a paper shown by a script: the same hooks as a day page's <article>.
  S.paperElement = function (rec) {
    var article = S.el("article", "paper hit");
    article.setAttribute("data-paper", rec.id);
    article.setAttribute("data-version", String(rec.v));
    article.setAttribute("data-day", rec.d);
    article.setAttribute("data-category", rec.c);
    article.setAttribute("data-primary", rec.pc);
    article.setAttribute("data-authors", JSON.stringify(rec.a));
    if (rec.j) article.setAttribute("data-journal", rec.j);
    var h = S.el("h3");
    var page = rec.d ? S.root + "days/" + rec.d + ".html#" + S.anchor(rec.id) : S.absUrl(rec.id);
    var title = link(page, rec.t);
    title.setAttribute("data-field", "title");
    h.appendChild(title);
    article.appendChild(h);
    var authors = S.el("p", "authors", rec.a.join(", "));
    authors.setAttribute("data-field", "authors");
    article.appendChild(authors);
    var meta = S.el("p", "meta");
    meta.appendChild(S.el("span", "where", [rec.d, rec.c].filter(Boolean).join(" · ")));
    var links = S.el("span", "links");
    links.appendChild(link(S.absUrl(rec.id), "arXiv"));
    links.appendChild(document.createTextNode(" "));
    links.appendChild(link("https://arxiv.org/pdf/" + rec.id + "v" + rec.v, "PDF"));
    if (rec.code) {
      links.appendChild(document.createTextNode(" "));
      var code = link(rec.code, "代码", "badge code");
      code.setAttribute("data-code", rec.code);
      links.appendChild(code);
    }
    meta.appendChild(links);
    if (rec.venue) {
      var venue = S.el("span", "badge venue", rec.venue);
      venue.setAttribute("data-venue", rec.venue);
      meta.appendChild(venue);
    }
    var actions = S.el("span", "actions");
    [["star", "☆ 收藏"], ["read", "标为已读"]].forEach(function (a, i) {
      var button = S.el("button", "", a[1]);
      button.type = "button";
      button.setAttribute("data-action", a[0]);
      button.setAttribute("aria-pressed", "false");
      if (i) actions.appendChild(document.createTextNode(" "));
      actions.appendChild(button);
    });
    meta.appendChild(actions);
    article.appendChild(meta);
    var coins = S.el("span", "Z3988");
    coins.title = S.coins(rec);
    article.appendChild(coins);
    if (rec.tldr) {
      var tldr = S.el("p", "snippet", rec.tldr);
      tldr.setAttribute("data-field", "tldr");
      article.appendChild(tldr);
    }
    return article;
  };
})();
