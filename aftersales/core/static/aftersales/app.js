// aftersales: keyboard shortcuts and small progressive enhancements (no build step).
// "/" focuses the search, "n" opens a new case, "j"/"k" move through list rows and Enter opens
// the selected one. Shortcuts are ignored while typing in a field.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row-link]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("selected", i === index);
      row.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var link = all[index].querySelector("a");
    if (link) link.focus({ preventScroll: true });
    all[index].scrollIntoView({ block: "nearest" });
  }

  function current() {
    return rows().findIndex(function (row) { return row.classList.contains("selected"); });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var search = document.querySelector("[data-shortcut-search]");
    var newCase = document.querySelector("[data-shortcut-new]");
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "n" && newCase) {
      event.preventDefault();
      window.location.href = newCase.getAttribute("href");
    } else if (event.key === "j") {
      select(current() + 1);
    } else if (event.key === "k") {
      select(current() <= 0 ? 0 : current() - 1);
    } else if (event.key === "Enter" && current() >= 0 && document.activeElement === document.body) {
      var link = rows()[current()].querySelector("a");
      if (link) window.location.href = link.getAttribute("href");
    }
  });

  // A C-1 request needs a confirmation of what C-1 means before it can be submitted.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("[data-severity]")) return;
    var box = document.querySelector("[data-c1-confirm]");
    if (!box) return;
    var critical = field.value === "C-1";
    box.hidden = !critical;
    var input = box.querySelector("input");
    if (input) input.required = critical;
  });

  // Selects marked data-autosubmit (the language switch) send their form when changed.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });

  // Chat forms: a 400 answer is the error text to show; after sending, clear the form.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.target.closest && event.target.closest("[data-chat-form]");
    if (form && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("[data-chat-form]");
    if (!form || !event.detail.successful) return;
    form.reset();
    var error = form.querySelector(".chat-error");
    if (error) error.textContent = "";
  });
})();
