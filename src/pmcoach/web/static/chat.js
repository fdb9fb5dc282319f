// pmcoach chat page: send turns without reloading, keep the clock, never lose a draft.
// The page works without this script (the form posts and the server redirects back).
// Everything the candidate wrote is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) return;
  var form = document.getElementById("turn-form");
  var box = document.getElementById("text");
  var list = document.getElementById("turns");
  var errorBox = document.getElementById("error");
  var count = document.getElementById("count");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var draftKey = "pmcoach-draft-" + root.dataset.sid;
  var LIMIT = 20000;

  // ---- clock: server time at render, advanced by the browser's clock
  var loaded = Date.now() / 1000;
  var elapsed0 = parseFloat(root.dataset.elapsed) || 0;
  var budget = root.dataset.budget === "" ? null : parseFloat(root.dataset.budget);
  var budgetAt = loaded;
  var finished = root.dataset.finished === "1";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    if (finished) return;
    var e = Math.floor(elapsed0 + Date.now() / 1000 - loaded);
    var clock = document.getElementById("clock");
    if (clock) clock.textContent = Math.floor(e / 60) + ":" + pad(e % 60);
    var b = document.getElementById("budget");
    if (b && budget !== null) {
      var left = budget - (Date.now() / 1000 - budgetAt);
      b.textContent = left >= 0 ? Math.round(left / 60) + " min left in this stage" : "over time for this stage";
    }
  }
  setInterval(tick, 1000);

  // ---- drafts survive reloads and server errors
  if (box) {
    var saved = sessionStorage.getItem(draftKey);
    if (saved && !box.value) box.value = saved;
    box.addEventListener("input", function () { sessionStorage.setItem(draftKey, box.value); counter(); });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send(box.value, true); }
    });
    counter();
  }
  function counter() {
    if (!count || !box) return;
    var n = box.value.length;
    count.textContent = n > LIMIT * 0.8 ? n.toLocaleString() + " / " + LIMIT.toLocaleString() : "";
    count.className = "count" + (n > LIMIT ? " over" : "");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderTurn(t) {
    var li = el("li", "turn " + t.role + (t.kind ? " kind-" + t.kind : ""));
    li.id = "t" + t.seq;
    li.dataset.seq = t.seq;
    var who = el("div", "who", t.role === "interviewer" ? "Interviewer" : "You");
    who.appendChild(el("span", "stage", t.stage));
    if (t.kind === "pushback" || t.kind === "fact" || t.kind === "hint") {
      who.appendChild(document.createTextNode(" "));
      who.appendChild(el(t.kind === "pushback" ? "strong" : "span", "badge " + t.kind, t.kind));
    }
    li.appendChild(who);
    li.appendChild(el("div", "text", t.text));
    if (t.role === "candidate") {
      var a = t.analysis || {};
      var chips = el("ul", "chips");
      (a.metrics || []).forEach(function (m) {
        if (m.rejected) return;
        chips.appendChild(el("li", "chip" + (m.vanity ? " vanity" : ""),
          m.text + " · " + String(m.tier).replace(/_/g, " ") + (m.vanity ? " · vanity" : "")));
      });
      (a.dimensions || []).forEach(function (d) {
        if (d !== "other") chips.appendChild(el("li", "chip dim", "asked: " + d.replace(/_/g, " ")));
      });
      if (chips.children.length) li.appendChild(chips);
    }
    return li;
  }

  function renderState(s) {
    var stages = document.getElementById("stages");
    var cur = s.stages.indexOf(s.stage);
    if (stages) {
      Array.prototype.forEach.call(stages.children, function (li, i) {
        li.className = i < cur ? "done" : (i === cur ? "current" : "");
      });
    }
    var name = document.getElementById("stage-name");
    if (name) name.textContent = s.stage;
    elapsed0 = s.elapsed_s; loaded = Date.now() / 1000;
    budget = s.budget_left_s; budgetAt = loaded;
    renderGame(s.game);
    if (s.finished) {
      finished = true;
      if (form) form.hidden = true;
      var fin = document.getElementById("finish-form");
      if (fin) fin.hidden = true;
      var done = document.getElementById("done");
      if (done) done.hidden = false;
    }
  }

  function renderGame(g) {
    var aside = document.getElementById("game");
    if (!aside) return;
    while (aside.firstChild) aside.removeChild(aside.firstChild);
    aside.hidden = !g;
    if (!g) return;
    aside.appendChild(el("h2", "", "Troubleshooting"));
    var p = el("p", "metric");
    p.appendChild(el("b", "", g.metric));
    p.appendChild(document.createTextNode(": " + g.change));
    aside.appendChild(p);
    aside.appendChild(el("p", "", "Questions so far: " + g.questions + " · hints: " + g.hints_used));
    Object.keys(g.checklist).forEach(function (group) {
      aside.appendChild(el("h3", "", group));
      var ul = el("ul", "checklist");
      g.checklist[group].forEach(function (d) {
        var li = el("li", g.asked.indexOf(d) >= 0 ? "asked" : "", d.replace(/_/g, " "));
        li.dataset.dim = d;
        ul.appendChild(li);
      });
      aside.appendChild(ul);
    });
    aside.appendChild(el("h3", "", "What you found out"));
    var facts = el("ul", "facts");
    g.facts.forEach(function (f) {
      var li = el("li");
      li.appendChild(el("b", "", f.dimension.replace(/_/g, " ")));
      li.appendChild(document.createTextNode(": " + f.fact));
      facts.appendChild(li);
    });
    aside.appendChild(facts);
  }

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = !msg;
  }

  var busy = false;
  function send(text, fromBox) {
    if (busy || !text.trim()) return;
    if (text.length > LIMIT) {
      showError("A turn is limited to 20,000 characters and this one has " + text.length.toLocaleString() +
        ": split it into two turns.");
      return;
    }
    busy = true;
    showError("");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var done = function (body) {
      list.appendChild(renderTurn(body.candidate));
      var reply = renderTurn(body.reply);
      list.appendChild(reply);
      if (fromBox) { box.value = ""; sessionStorage.removeItem(draftKey); counter(); }
      renderState(body.state);
      reply.scrollIntoView({ block: "nearest" });
    };
    var release = function () {
      busy = false;
      buttons.forEach(function (b) { b.disabled = false; });
      if (box && !finished) box.focus();
    };
    if (root.dataset.stream === "1" && window.ReadableStream) {
      streamTurn(text, done, release);
      return;
    }
    fetch(root.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: text })
    }).then(function (r) {
      return r.json().catch(function () { return { error: "the server answered " + r.status }; })
        .then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        showError(res.body.error || ("the server answered " + res.status));
        if (res.status === 401) window.location = "/login?next=" + encodeURIComponent(window.location.pathname);
        return;
      }
      done(res.body);
    }).catch(function () {
      showError("Could not reach the server. Your text is still here; try again.");
    }).then(release);
  }

  // With a model configured, the interviewer's words arrive as server-sent events: show them
  // in a draft bubble as they come, then replace it with the stored turns.
  function streamTurn(text, done, release) {
    var draft = el("li", "turn interviewer streaming");
    var who = el("div", "who", "Interviewer");
    var words = el("div", "text", "");
    draft.appendChild(who);
    draft.appendChild(words);
    var shown = false;
    fetch(root.dataset.api + "/stream", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: text })
    }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          showError(b.error || ("the server answered " + r.status));
        });
      }
      var reader = r.body.getReader();
      var decoder = new TextDecoder();
      var buf = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buf += decoder.decode(chunk.value, { stream: true });
          var parts = buf.split("\n\n");
          buf = parts.pop();
          parts.forEach(function (block) {
            var m = /^event: (\w+)\ndata: ([\s\S]*)$/.exec(block);
            if (!m) return;
            var data = JSON.parse(m[2]);
            if (m[1] === "token") {
              if (!shown) { list.appendChild(draft); shown = true; }
              words.textContent += data.text;
            } else if (m[1] === "done") {
              if (shown) list.removeChild(draft);
              done(data);
            } else if (m[1] === "error") {
              if (shown) list.removeChild(draft);
              showError(data.error);
            }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (shown && draft.parentNode) list.removeChild(draft);
      showError("Could not reach the server. Your text is still here; try again.");
    }).then(release);
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btn = ev.submitter;
      if (btn && btn.name === "command") send(btn.value, false);
      else send(box.value, true);
    });
  }
  var last = list && list.lastElementChild;
  if (last) last.scrollIntoView({ block: "nearest" });
})();
