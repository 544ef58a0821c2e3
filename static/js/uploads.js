// Image fields (templates/uploads/macros.html): refuse a too-large file before sending it,
// drive the progress bar from htmx's upload progress events, and keep the surrounding form
// from being submitted while an upload is on its way. Without this file the field still works
// as a plain file input in a multipart form.
(function () {
  "use strict";

  var held = new WeakMap(); // upload request (its XMLHttpRequest) -> the submit buttons it disabled

  function fieldOf(element) {
    return element && element.closest ? element.closest("[data-image-field]") : null;
  }

  function submitButtons(field) {
    var form = field.closest("form");
    return form ? Array.prototype.slice.call(form.querySelectorAll("button:not([type=button]), input[type=submit]")) : [];
  }

  function say(field, message) {
    var status = field.querySelector("[role=status], [role=alert]");
    if (!status) return;
    status.textContent = message;
    status.className = "field-error";
    status.setAttribute("role", "alert");
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var input = event.detail.elt;
    var field = fieldOf(input);
    if (!field || input.type !== "file") return;
    var file = input.files && input.files[0];
    var limit = Number(field.dataset.maxBytes);
    if (file && limit && file.size > limit) {
      event.preventDefault();
      say(field, "The image is larger than " + Math.round(limit / 1048576) + " MB. Please choose a smaller file.");
      input.value = "";
      return;
    }
    var bar = field.querySelector("progress");
    bar.value = 0;
    bar.hidden = false;
    field.setAttribute("aria-busy", "true");
    var buttons = submitButtons(field).filter(function (button) { return !button.disabled; });
    buttons.forEach(function (button) { button.disabled = true; });
    held.set(event.detail.xhr, buttons);
  });

  // htmx reports upload and then download progress under one name; the bar only moves forward.
  document.body.addEventListener("htmx:xhr:progress", function (event) {
    var field = fieldOf(event.detail.elt || event.target);
    if (!field || !event.detail.lengthComputable || !event.detail.total) return;
    var bar = field.querySelector("progress");
    bar.value = Math.max(bar.value, Math.round((event.detail.loaded / event.detail.total) * 100));
  });

  // The answer replaces the field (and its input) before this event, which htmx then fires
  // on the nearest element still on the page: the request is what ties it to its buttons.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var buttons = held.get(event.detail.xhr);
    if (!buttons) return;
    held.delete(event.detail.xhr);
    buttons.forEach(function (button) { button.disabled = false; });
    var field = fieldOf(event.detail.elt);
    if (!field || event.detail.successful) return;
    // Nothing was swapped (network failure, unexpected error): put the field back as it was.
    field.removeAttribute("aria-busy");
    field.querySelector("progress").hidden = true;
    if (!event.detail.xhr.status) say(field, "The upload did not reach the server. Please try again.");
    else if (event.detail.xhr.status === 503) say(field, "The server is busy with other images. Please try again in a few seconds.");
  });
})();
