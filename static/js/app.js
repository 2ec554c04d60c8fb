// Small, unobtrusive behaviour for the back-office; every page works without it.
(function () {
  "use strict";

  // Menus (navigation and More Options): one open at a time; Escape or a click elsewhere closes.
  var MENUS = "details.menu-group, details.row-menu";
  function closeMenus(except) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("toggle", function (event) {
    var target = event.target;
    if (target.matches && target.matches(MENUS) && target.open) { closeMenus(target); }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest(MENUS)) { closeMenus(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });

  // Create form: the Users field is for Client Credentials only, and lists the chosen
  // organization's users; Redirect URLs and the two switches are for Authorization Code only.
  function selectedGrant(form) {
    var checked = form.querySelector("input[data-grant-choice]:checked");
    return checked ? checked.value : "";
  }
  function updateGrantFields(form) {
    form.querySelectorAll("[data-shown-for]").forEach(function (wrapper) {
      var shown = selectedGrant(form) === wrapper.getAttribute("data-shown-for");
      wrapper.hidden = !shown;
      wrapper.querySelectorAll("input, select, button").forEach(function (control) {
        control.disabled = !shown;
      });
    });
    updateOwnerOptions(form);
  }
  function updateOwnerOptions(form) {
    var select = form.querySelector("#owner-field select");
    var organization = form.querySelector("select[data-organization-select]");
    if (!organization || !select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      var orgs = (option.getAttribute("data-organizations") || "").split(" ");
      var fits = !option.value || orgs.indexOf(organization.value) !== -1;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { select.value = ""; }
    });
  }
  document.querySelectorAll("#application-form").forEach(function (form) {
    form.addEventListener("change", function () { updateGrantFields(form); });
    updateGrantFields(form);
  });

  // Redirect URL rows: Add another URL and Remove work in place; without this script they
  // send the form back to the server, which answers with one row more or less.
  function renumberRows(list) {
    list.querySelectorAll("[data-redirect-row]").forEach(function (row, index) {
      var input = row.querySelector("input");
      var remove = row.querySelector("[data-remove-row]");
      input.id = "redirect_uris-" + index;
      input.setAttribute("aria-label", "Redirect URL " + (index + 1));
      remove.value = String(index + 1);
      remove.setAttribute("aria-label", "Remove redirect URL " + (index + 1));
    });
  }
  function addRow(list) {
    var rows = list.querySelectorAll("[data-redirect-row]");
    var row = rows[rows.length - 1].cloneNode(true);
    row.classList.remove("has-error");
    row.querySelectorAll(".field-errors").forEach(function (errors) { errors.remove(); });
    var input = row.querySelector("input");
    input.value = "";
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    list.appendChild(row);
    renumberRows(list);
    input.focus();
  }
  function removeRow(list, row) {
    if (list.querySelectorAll("[data-redirect-row]").length > 1) {
      row.remove();
      renumberRows(list);
      list.querySelector("input").focus();
    } else {
      row.querySelector("input").value = "";
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row], [data-remove-row]");
    var fieldset = button && button.closest("fieldset");
    var list = fieldset && fieldset.querySelector("[data-redirect-rows]");
    if (!list) { return; }
    event.preventDefault();
    if (button.hasAttribute("data-add-row")) {
      addRow(list);
    } else {
      removeRow(list, button.closest("[data-redirect-row]"));
    }
  });

  // Copy-to-clipboard buttons on the one-time secret page.
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-target"));
      var status = document.querySelector(".copy-status");
      if (!source || !navigator.clipboard) {
        if (status) { status.textContent = "Select the text and copy it by hand."; }
        return;
      }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) { status.textContent = button.textContent.replace("Copy ", "") + " copied."; }
      }, function () {
        if (status) { status.textContent = "Could not copy: select the text and copy it by hand."; }
      });
    });
  });
}());
