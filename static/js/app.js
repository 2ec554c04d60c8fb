// Menus: one open at a time; Escape or a click elsewhere closes them.
(function () {
  "use strict";
  function groups() { return document.querySelectorAll("details.menu-group"); }
  function closeAll(except) {
    groups().forEach(function (group) { if (group !== except) { group.removeAttribute("open"); } });
  }
  document.addEventListener("toggle", function (event) {
    var target = event.target;
    if (target.matches && target.matches("details.menu-group") && target.open) { closeAll(target); }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details.menu-group")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAll(null); }
  });
}());
