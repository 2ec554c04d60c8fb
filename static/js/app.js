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
  // organization's users.
  function selectedGrant(form) {
    var checked = form.querySelector("input[data-grant-choice]:checked");
    return checked ? checked.value : "";
  }
  function updateOwnerField(form) {
    var wrapper = form.querySelector("#owner-field");
    if (!wrapper) { return; }
    var shown = selectedGrant(form) === wrapper.getAttribute("data-shown-for");
    wrapper.hidden = !shown;
    var select = wrapper.querySelector("select");
    if (select) { select.disabled = !shown; }
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
    form.addEventListener("change", function () { updateOwnerField(form); });
    updateOwnerField(form);
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
