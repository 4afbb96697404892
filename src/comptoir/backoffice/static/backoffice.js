/* Comptoir back office: what htmx cannot say by itself.
   When a request fails (network down, server error, an item that vanished), say so in the
   flash region, which screen readers announce, instead of leaving the page silent. */
(function () {
  "use strict";
  function announce(text) {
    var region = document.getElementById("flash");
    if (!region) { return; }
    var message = document.createElement("p");
    message.className = "flash flash--error";
    message.textContent = text;
    region.replaceChildren(message);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("flash");
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    var key = status === 403 ? "errorForbidden" : "errorGeneric";
    if (region && region.dataset[key]) { announce(region.dataset[key]); }
  });
  /* A form with data-confirm asks before it is sent (no inline handlers: the page's content
     security policy allows scripts from files only). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm &&
        !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("flash");
    if (region && region.dataset.errorNetwork) { announce(region.dataset.errorNetwork); }
  });
})();
