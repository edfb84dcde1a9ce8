// privgate report: severity and regulation filters, and every folded list
// opened for printing. The page is complete without this script.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  function checked(name) {
    var on = {};
    form.querySelectorAll("input[name=" + name + "]").forEach(function (i) {
      on[i.value] = i.checked;
    });
    return on;
  }
  function apply() {
    var sev = checked("severity");
    var reg = checked("regulation");
    var shown = 0;
    var total = 0;
    document.querySelectorAll("section.severity").forEach(function (section) {
      var any = false;
      section.querySelectorAll("article.rule").forEach(function (rule) {
        var n = parseInt(rule.getAttribute("data-count"), 10) || 0;
        var on = sev[rule.getAttribute("data-severity")] !== false &&
          reg[rule.getAttribute("data-regulation")] !== false;
        rule.hidden = !on;
        total += n;
        if (on) {
          any = true;
          shown += n;
        }
      });
      section.hidden = !any;
    });
    var status = document.getElementById("filter-status");
    status.textContent = shown === total ? "Showing all " + total + " findings" :
      "Showing " + shown + " of " + total + " findings";
  }
  if (form) {
    form.hidden = false;
    form.addEventListener("change", apply);
    apply();
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) {
      d.open = false;
    });
    opened = [];
  });
})();
