// onboard's page script: live run counts over server-sent events, a
// drop zone for the upload, and buttons that start something once.
(function () {
  "use strict";
  var run = document.getElementById("run");
  if (run && run.dataset.events) {
    var es = new EventSource(run.dataset.events);
    var show = function (e) {
      var v = JSON.parse(e.data);
      Object.keys(v.counts).forEach(function (k) {
        var el = run.querySelector('[data-count="' + k + '"]');
        if (el) el.textContent = v.counts[k];
      });
    };
    es.addEventListener("counts", show);
    es.addEventListener("end", function (e) {
      show(e);
      es.close();
      location.reload(); // the downloads and the outcome
    });
  }
  // A plan being made in the server: look again until it shows.
  var pending = document.querySelector("[data-reload]");
  if (pending) {
    setTimeout(function () { location.reload(); }, Number(pending.dataset.reload) || 1000);
  }
  var drop = document.getElementById("drop");
  var input = document.getElementById("roster");
  if (drop && input) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
    });
  }
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function () {
      var b = f.querySelector("button[data-once]");
      if (b) setTimeout(function () { b.disabled = true; }, 0);
      var note = f.querySelector("[role=status][hidden]");
      if (note) note.hidden = false;
    });
  });
})();
