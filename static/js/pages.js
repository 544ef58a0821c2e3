// Hyperdesk's resource pages: drag-and-drop ordering, Escape to cancel an inline edit,
// focus after a row is removed, and "Copy" for share links. Every page works without it.
(function () {
  "use strict";

  // Lists marked data-sortable can be reordered by dragging a row's handle. Sortable fires
  // an "end" event on the list; the list's order form posts the ids in their new order.
  function makeSortable(root) {
    if (typeof Sortable === "undefined") return;
    var lists = root.matches && root.matches("[data-sortable]") ? [root] : [];
    lists = lists.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-sortable]") : []));
    lists.forEach(function (list) {
      if (list.sortable) return;
      list.sortable = Sortable.create(list, {
        handle: ".drag-handle",
        draggable: ".record",
        animation: 150,
        ghostClass: "record-ghost",
        chosenClass: "record-chosen",
      });
    });
  }
  htmx.onLoad(makeSortable);

  // A list's controls send only what is set, so the URL pushed to the history stays short
  // (?status=active rather than ?q=&status=active&due_date_from=&…).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.verb !== "get" || !form.matches || !form.matches("form.list-controls")) return;
    Array.from(new Set(event.detail.formData.keys())).forEach(function (name) {
      var empty = event.detail.formData.getAll(name).every(function (value) { return value === ""; });
      if (empty) delete event.detail.parameters[name];
    });
  });

  // Escape leaves an inline edit form without saving.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var form = event.target.closest(".record-form");
    var cancel = form && form.querySelector("[data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // When a row disappears (deleted), keep keyboard focus in the list: on the next row,
  // else the previous one, else the section. The removed row fires no later events, so
  // the focus moves once the swap (synchronous after this event) is done.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("record") || event.detail.serverResponse !== "") return;
    var next = target.nextElementSibling || target.previousElementSibling;
    var landing = next && next.classList.contains("record") ? next : target.closest("section");
    setTimeout(function () {
      if (target.isConnected || !landing || !landing.isConnected) return;
      var wanted = landing.querySelector("a, button") || landing;
      if (wanted === landing && !landing.hasAttribute("tabindex")) landing.setAttribute("tabindex", "-1");
      wanted.focus();
    }, 0);
  });

  // "Copy" buttons (hidden until this script runs) copy their target field's value.
  function enableCopy(root) {
    root.querySelectorAll && root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }
  htmx.onLoad(enableCopy);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
      }, function () {});
    }
  });
})();
