/* Staff UI behaviour: toasts, the confirm dialog and htmx glue. No inline scripts anywhere
 * (CSP script-src 'self'), so everything interactive is wired here by data attributes. */
(function () {
  "use strict";

  var TOAST_MS = 6000;

  function toastContainer() {
    return document.getElementById("toasts");
  }

  function scheduleDismiss(toast) {
    if (toast.classList.contains("toast-error")) return; // errors stay until closed
    window.setTimeout(function () { toast.remove(); }, TOAST_MS);
  }

  /* Show a toast; level is one of success, info, warning, error. */
  function showToast(level, text) {
    var container = toastContainer();
    var template = document.getElementById("toast-template");
    if (!container || !template || !text) return;
    // The same message already on screen (a poll failing every second) is not repeated.
    var shown = Array.prototype.some.call(container.querySelectorAll(".toast-text"), function (el) {
      return el.textContent === text;
    });
    if (shown) return;
    var toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("toast-" + (level || "info"));
    toast.querySelector(".toast-text").textContent = text;
    container.appendChild(toast);
    scheduleDismiss(toast);
  }
  window.consorcioToast = showToast;

  /* The shared confirm dialog: onConfirm runs only after "Confirmar". */
  function askConfirmation(question, onConfirm) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(question)) onConfirm();
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = question;
    var ok = dialog.querySelector("[data-confirm-ok]");
    var cancel = dialog.querySelector("[data-confirm-cancel]");
    function close(confirmed) {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      dialog.close();
      if (confirmed) onConfirm();
    }
    function onOk() { close(true); }
    function onCancel(event) { if (event) event.preventDefault(); close(false); }
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    ok.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(scheduleDismiss);
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-toast-close]");
    if (close) close.closest("[data-toast]").remove();
  });

  /* Plain forms: <form data-confirm="Excluir?"> asks before submitting. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    event.preventDefault();
    var submitter = event.submitter || null;
    askConfirmation(form.dataset.confirm, function () {
      form.dataset.confirmed = "1";
      if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
    });
  }, true);

  /* htmx elements with hx-confirm="..." use the styled dialog instead of window.confirm. */
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail && event.detail.question;
    if (!question) return;
    event.preventDefault();
    askConfirmation(question, function () { event.detail.issueRequest(true); });
  });

  /* A response header `HX-Trigger: {"toast": {"level": "success", "text": "..."}}`. */
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.level, detail.text);
  });

  /* A page that needs login again answers htmx with HX-Redirect; other failures become toasts. */
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var elt = event.detail.elt;
    if (elt && /\bevery\b/.test(elt.getAttribute("hx-trigger") || "")) {
      // A poll the server refuses (job gone, no access): stop polling, say it once.
      var inert = elt.cloneNode(true);
      ["hx-get", "hx-trigger", "hx-swap"].forEach(function (name) { inert.removeAttribute(name); });
      inert.setAttribute("data-poll-stopped", String(status));
      elt.replaceWith(inert);
      showToast("warning", "O progresso deixou de ser atualizado (erro " + status + "). Recarregue a página.");
      return;
    }
    var text = status === 403
      ? "Você não tem permissão para esta ação."
      : "Não foi possível concluir a ação (erro " + status + ").";
    showToast("error", text);
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("error", "Sem conexão com o servidor. Tente novamente.");
  });
})();
