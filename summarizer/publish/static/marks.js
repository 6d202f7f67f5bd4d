// Stars and read marks, kept in this browser across days and pages: a starred paper carries
// data-starred, a read one data-read (dimmed) wherever it is shown. starred.html lists the
// starred papers from what each star kept, and exports them as BibTeX and RIS files.
(function () {
  "use strict";
  var S = window.Summarizer;

  function stars() { return S.load("stars"); }
  function reads() { return S.load("read"); }

  function set(article, attribute, on, button, labels) {
    if (on) article.setAttribute(attribute, "");
    else article.removeAttribute(attribute);
    if (button) {
      button.setAttribute("aria-pressed", String(on));
      button.textContent = labels[on ? 1 : 0];
    }
  }

  // Every paper element on the page shows its star and read mark.
  S.paintMarks = function () {
    var starred = stars();
    var read = reads();
    document.querySelectorAll("[data-paper]").forEach(function (article) {
      var id = article.getAttribute("data-paper");
      set(article, "data-starred", !!starred[id], article.querySelector("[data-action=star]"),
        ["☆ 收藏", "★ 已收藏"]);
      set(article, "data-read", !!read[id], article.querySelector("[data-action=read]"),
        ["标为已读", "已读"]);
    });
  };

  S.toggleStar = function (article) {
    var id = article.getAttribute("data-paper");
    if (!S.ID.test(id || "")) return;
    var all = stars();
    if (all[id]) {
      delete all[id];
    } else {
      var rec = S.record(article);
      rec.at = Date.now();
      all[id] = rec;
    }
    S.save("stars", all);
    S.emit("marks");
  };

  function toggleRead(article) {
    var id = article.getAttribute("data-paper");
    if (!S.ID.test(id || "")) return;
    var all = reads();
    if (all[id]) delete all[id];
    else all[id] = Date.now();
    S.save("read", all);
    S.emit("marks");
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-action=star], [data-action=read]");
    if (!button) return;
    var article = button.closest("[data-paper]");
    if (!article) return;
    if (button.getAttribute("data-action") === "star") S.toggleStar(article);
    else toggleRead(article);
  });

  // --- the starred page ------------------------------------------------------------------------
  S.starredRecords = function () {
    var all = stars();
    return Object.keys(all).map(function (id) { return S.checked(all[id]); })
      .filter(Boolean)
      .sort(function (a, b) { return b.at - a.at || (a.id < b.id ? -1 : 1); });
  };

  function renderStarred(list, count, empty) {
    var records = S.starredRecords();
    list.replaceChildren.apply(list, records.map(S.paperElement));
    count.textContent = records.length ? "共 " + records.length + " 篇" : "";
    empty.hidden = records.length > 0;
    S.emit("papers", list);
  }

  // --- BibTeX and RIS --------------------------------------------------------------------------
  var BIB_SPECIAL = { "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
    "%": "\\%", "#": "\\#", "_": "\\_", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}" };

  function oneLine(text) { return String(text).split(/\s+/).join(" ").trim(); }

  S.bibEscape = function (text) {
    return oneLine(text).replace(/[\\{}$&%#_^~]/g, function (c) { return BIB_SPECIAL[c]; });
  };

  function ascii(text) {
    return String(text).normalize("NFKD").replace(/[^A-Za-z0-9]/g, "").toLowerCase();
  }

  function bibName(name) {  // a name holding " and " would split in two: keep it one
    var escaped = S.bibEscape(name);
    return /\sand\s/i.test(escaped) ? "{" + escaped + "}" : escaped;
  }

  S.bibtex = function (records) {
    var used = {};
    return records.map(function (rec) {
      var year = S.month(rec.id).slice(0, 4);
      var first = rec.a[0] ? rec.a[0].trim().split(/\s+/).pop() : "";
      var word = (rec.t.match(/[\p{L}\p{N}]{3,}/u) || [""])[0];
      var base = (ascii(first) || "arxiv") + year + ascii(word);
      var key = base;
      for (var n = 0; used[key]; n++) key = base + String.fromCharCode(97 + (n % 26)) + (n >= 26 ? n : "");
      used[key] = true;
      var fields = [
        ["title", "{" + S.bibEscape(rec.t) + "}"],
        ["author", rec.a.map(bibName).join(" and ")],
        ["year", year], ["eprint", rec.id], ["archivePrefix", "arXiv"],
        ["primaryClass", S.bibEscape(rec.pc)], ["doi", "10.48550/arXiv." + rec.id],
        ["url", S.absUrl(rec.id)], ["note", S.bibEscape(rec.j || rec.venue)]
      ].filter(function (f) { return f[1]; });
      return "@misc{" + key + ",\n" + fields.map(function (f) {
        return "  " + f[0] + " = {" + f[1] + "}";
      }).join(",\n") + "\n}\n";
    }).join("\n");
  };

  function risName(name) {  // RIS wants "Last, First"
    var parts = oneLine(name).split(" ");
    return parts.length > 1 ? parts.pop() + ", " + parts.join(" ") : parts[0];
  }

  S.ris = function (records) {
    return records.map(function (rec) {
      var month = S.month(rec.id);
      var lines = [["TY", "JOUR"], ["TI", oneLine(rec.t)]];
      rec.a.forEach(function (name) { if (name.trim()) lines.push(["AU", risName(name)]); });
      lines.push(["PY", month.slice(0, 4)], ["DA", month.replace("-", "/")],
        ["T2", "arXiv preprint arXiv:" + rec.id], ["UR", S.absUrl(rec.id)],
        ["DO", "10.48550/arXiv." + rec.id]);
      if (rec.j || rec.venue) lines.push(["N1", oneLine(rec.j || rec.venue)]);
      if (rec.code) lines.push(["N1", "Code: " + rec.code]);
      lines.push(["ER", ""]);
      return lines.map(function (l) { return l[0] + "  - " + l[1]; }).join("\r\n") + "\r\n";
    }).join("\r\n");
  };

  function download(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = S.el("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function setupStarredPage() {
    var list = document.getElementById("starred-list");
    if (!list) return;
    var count = document.getElementById("starred-count");
    var empty = document.getElementById("starred-empty");
    var exports = {
      bibtex: function (r) { download("starred.bib", S.bibtex(r), "application/x-bibtex"); },
      ris: function (r) { download("starred.ris", S.ris(r), "application/x-research-info-systems"); }
    };
    document.querySelectorAll("[data-export]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = exports[button.getAttribute("data-export")];
        if (kind) kind(S.starredRecords());
      });
    });
    renderStarred(list, count, empty);
    S.on("marks", function () {
      var shown = list.querySelectorAll("[data-paper]").length;
      if (shown !== S.starredRecords().length) renderStarred(list, count, empty);
    });
  }

  S.on("marks", S.paintMarks);
  S.on("papers", S.paintMarks);
  setupStarredPage();
  S.paintMarks();
})();
