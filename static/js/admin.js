// The back office's own behaviour, replacing Flask-Admin's inline handlers (the CSP forbids them).
(function () {
  "use strict";

  // Flask-Admin uses javascript: links as inert anchors (the CSP would refuse to run them), and
  // our filter menu uses "#" links: neither should navigate.
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="javascript:"], a.filter[href="#"]');
    if (link) event.preventDefault();
  });

  // Anything with data-confirm asks first; capture phase, so a "no" stops every other handler.
  // Batch actions ask later, once they know rows are ticked.
  document.addEventListener("click", function (event) {
    var element = event.target.closest("[data-confirm]:not([data-admin-action])");
    if (element && !window.confirm(element.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Batch actions: copy the ticked rows into the hidden action form and post it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-admin-action]");
    if (!button) return;
    event.preventDefault();
    var form = document.getElementById("action_form");
    var ticked = document.querySelectorAll("input.action-checkbox:checked");
    if (!form) return;
    if (ticked.length === 0) {
      window.alert(form.getAttribute("data-empty-message"));
      return;
    }
    var question = button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    form.querySelector("input[name=action]").value = button.getAttribute("data-admin-action");
    form.querySelectorAll("input[name=rowid]").forEach(function (input) { input.remove(); });
    ticked.forEach(function (checkbox) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "rowid";
      input.value = checkbox.value;
      form.appendChild(input);
    });
    form.submit();
  });

  // The header checkbox ticks every row; it stays in step when rows are ticked one by one.
  document.addEventListener("change", function (event) {
    var boxes = document.querySelectorAll("input.action-checkbox");
    var toggle = document.querySelector("input.action-rowtoggle");
    if (event.target.matches("input.action-rowtoggle")) {
      boxes.forEach(function (box) { box.checked = event.target.checked; });
    } else if (event.target.matches("input.action-checkbox") && toggle) {
      toggle.checked = Array.prototype.every.call(boxes, function (box) { return box.checked; });
    }
  });
})();
