// Hyperdesk's small amount of JavaScript: toasts from HX-Trigger, focus after swaps.
// Everything else is hx-* attributes; every page also works without this file.
(function () {
  "use strict";

  var TOAST_LIFETIME_MS = 6000;

  function toastRegion() {
    return document.getElementById("toasts");
  }

  function showToast(message, category) {
    var region = toastRegion();
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (category || "success");
    toast.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    toast.appendChild(close);
    region.appendChild(toast);
    if (category !== "error") {
      setTimeout(function () { toast.remove(); }, TOAST_LIFETIME_MS);
    }
  }

  // The server sends {"toast": [{"message": ..., "category": ...}]} in HX-Trigger.
  document.body.addEventListener("toast", function (event) {
    var toasts = event.detail && event.detail.value ? event.detail.value : event.detail;
    (Array.isArray(toasts) ? toasts : [toasts]).forEach(function (item) {
      if (item && item.message) showToast(item.message, item.category);
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.classList.contains("toast-close")) event.target.parentElement.remove();
  });

  // After a swap, move focus to what the new content asks for (autofocus or data-focus),
  // so keyboard and screen-reader users land where the action left them.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.querySelector) return;
    var wanted = target.matches("[data-focus], [autofocus]") ? target : target.querySelector("[data-focus], [autofocus]");
    if (!wanted) return;
    wanted.focus({ preventScroll: false });
  });

  // A network failure never swaps anything: say so instead of failing silently.
  document.body.addEventListener("htmx:sendError", function () {
    showToast("The server could not be reached. Check your connection and try again.", "error");
  });

  // Auto-dismiss server-rendered success messages too.
  document.querySelectorAll(".toast:not(.toast-error)").forEach(function (toast) {
    setTimeout(function () { toast.remove(); }, TOAST_LIFETIME_MS);
  });
})();
