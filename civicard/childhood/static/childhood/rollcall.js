// The roll-call page keeps working offline: each mark is queued in the browser with its own
// idempotency key, shown at once, and sent when the network answers (a retry sends the same
// key, so a mark is recorded once). Without JavaScript the buttons post the form instead.
(function () {
  "use strict";
  var list = document.querySelector(".roll-call");
  var status = document.getElementById("roll-call-status");
  if (!list || !window.fetch || !window.localStorage) { return; }
  var name = list.dataset.queue;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

  function queue() { return JSON.parse(localStorage.getItem(name) || "[]"); }
  function save(marks) { localStorage.setItem(name, JSON.stringify(marks)); show(); }
  function show() {
    var waiting = queue().length;
    status.textContent = waiting ? status.dataset.waiting.replace("{count}", waiting) : "";
  }
  function key() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function send() {
    var marks = queue();
    if (!marks.length) { return; }
    fetch(list.dataset.marksUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({events: marks})
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (answer) {
      var answered = answer.results.map(function (r) { return r.idempotency_key; });
      save(queue().filter(function (m) { return answered.indexOf(m.idempotency_key) < 0; }));
      answer.results.forEach(function (r) {
        if (r.status === "rejected") {
          var mark = marks.filter(function (m) { return m.idempotency_key === r.idempotency_key; })[0];
          var item = mark && document.getElementById("child-" + mark.child);
          if (item) { item.querySelector("[data-state]").textContent = "⚠ " + (r.message || r.code); }
        }
      });
    }).catch(function () { /* offline: kept for the next try */ });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=mark]");
    if (!button) { return; }
    event.preventDefault();
    var item = button.closest("li");
    var marks = queue();
    marks.push({idempotency_key: key(), child: parseInt(item.id.replace("child-", ""), 10),
                mark: button.value, at: new Date().toISOString()});
    save(marks);
    item.querySelector("[data-state]").textContent = button.dataset.label;
    send();
  });
  window.addEventListener("online", send);
  setInterval(send, 10000);
  show();
  send();
}());
