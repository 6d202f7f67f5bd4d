// Keys: j / k the next / previous paper shown (it becomes current, data-current, and scrolls
// into view), s stars it, o opens its arXiv page, / goes to the search box, ? shows the help.
// Keys typed into a field are the field's.
(function () {
  "use strict";
  var S = window.Summarizer;

  function shown() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-paper]"), function (p) {
      return p.getClientRects().length > 0;  // not hidden, nor inside something hidden
    });
  }

  function current() { return document.querySelector("[data-paper][data-current]"); }

  function move(step) {
    var papers = shown();
    if (!papers.length) return;
    var at = papers.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : papers.length - 1) :
      Math.min(Math.max(at + step, 0), papers.length - 1);
    document.querySelectorAll("[data-current]").forEach(function (p) {
      p.removeAttribute("data-current");
    });
    papers[next].setAttribute("data-current", "");
    papers[next].scrollIntoView({ block: "nearest" });
  }

  function toggleHelp(open) {
    var help = document.getElementById("keys-help");
    if (help) help.hidden = open === undefined ? !help.hidden : !open;
  }

  var actions = {
    j: function () { move(1); },
    k: function () { move(-1); },
    s: function () { var p = current(); if (p) S.toggleStar(p); },
    o: function () {
      var p = current();
      var id = p && p.getAttribute("data-paper");
      if (id && S.ID.test(id)) window.open(S.absUrl(id), "_blank", "noopener");
    },
    "/": function () { var q = document.getElementById("q"); if (q) q.focus(); },
    "?": function () { toggleHelp(); },
    Escape: function () { toggleHelp(false); }
  };

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    var target = e.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      if (e.key === "Escape" && target.blur) target.blur();
      return;
    }
    var action = Object.prototype.hasOwnProperty.call(actions, e.key) && actions[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  });

  var help = document.querySelector("[data-action=help]");
  if (help) help.addEventListener("click", function () { toggleHelp(); });
})();
