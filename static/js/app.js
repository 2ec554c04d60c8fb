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
    updateNoOwner(form);
  }
  // Why nobody may own an application in the organization chosen (its option's data-no-owner).
  function updateNoOwner(form) {
    var hint = form.querySelector("[data-owner-empty]");
    var organization = form.querySelector("select[data-organization-select]");
    if (!hint || !organization) { return; }
    var chosen = organization.options[organization.selectedIndex];
    var why = chosen ? chosen.getAttribute("data-no-owner") || "" : "";
    if (hint.textContent !== why) { hint.textContent = why; }
    hint.hidden = !why;
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

  // Create form: the search beside Users. As one types, it asks the back-office for the
  // matching accounts (JSON, one page) and offers them in a list (an ARIA combobox); choosing one
  // selects it in Users. Without this script the box sends a GET that narrows the Users list.
  function ownerSearch(box) {
    var form = document.getElementById("application-form");
    var select = form && form.querySelector("#owner-field select");
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[role=status]");
    var url = box.getAttribute("data-owner-search");
    if (!select || !input || !list || !status || !url || !window.fetch) { return; }
    var organizationSelect = form.querySelector("select[data-organization-select]");
    var found = [];
    var active = -1;
    var timer = null;
    var asked = 0;
    var refilled = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    box.querySelectorAll("[data-owner-search-button]").forEach(function (button) {
      button.hidden = true;
    });

    function ask(query) {
      var organization = organizationSelect ? organizationSelect.value : "";
      if (organization) { query += "&organization=" + encodeURIComponent(organization); }
      return fetch(url + "?" + query, {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("no search results");
        }
        return response.json();
      });
    }
    function close() {
      found = [];
      active = -1;
      list.textContent = "";
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function described(data, text) {
      if (!data.total) { return "No match for “" + text + "”."; }
      if (data.total > data.owners.length) {
        return "Showing " + data.owners.length + " of " + data.total +
          " matches: type more to narrow them.";
      }
      return data.total + (data.total === 1 ? " match" : " matches") +
        ": use the arrow keys to choose.";
    }
    function show(data, text) {
      close();
      found = data.owners;
      found.forEach(function (owner, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + owner.id;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-index", String(index));
        item.textContent = owner.label;
        if (owner.email && owner.email !== owner.label) {
          var email = document.createElement("span");
          email.className = "suggestion-detail";
          email.textContent = " " + owner.email;
          item.appendChild(email);
        }
        list.appendChild(item);
      });
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      status.textContent = described(data, text);
    }
    function search() {
      var text = input.value.trim();
      var number = ++asked;
      if (!text) { close(); status.textContent = ""; return; }
      ask("per_page=10&q=" + encodeURIComponent(text)).then(function (data) {
        if (number === asked) { show(data, text); }
      }, function () {
        if (number === asked) {
          close();
          status.textContent = "The search is not available: reload the page and try again.";
        }
      });
    }
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      active = index;
      items.forEach(function (item, number) {
        item.setAttribute("aria-selected", number === index ? "true" : "false");
      });
      if (items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }
    function optionFor(owner) {
      var option = new Option(owner.label, String(owner.id));
      option.setAttribute("data-organizations", owner.organizations.join(" "));
      return option;
    }
    function choose(owner) {
      var value = String(owner.id);
      var option = Array.prototype.filter.call(select.options, function (candidate) {
        return candidate.value === value;
      })[0];
      if (!option) {
        option = optionFor(owner);
        select.add(option, select.options.length ? 1 : null);
      }
      option.hidden = false;
      option.disabled = false;
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = owner.label;
      close();
      status.textContent = owner.label + " is chosen in Users.";
    }
    // The Users list of the organization chosen now: its first accounts, and the one chosen
    // before if it belongs there too.
    function refill() {
      var number = ++refilled;
      ask("per_page=50").then(function (data) {
        if (number !== refilled) { return; }
        var kept = select.selectedIndex > 0 ? select.options[select.selectedIndex] : null;
        while (select.options.length > 1) { select.remove(1); }
        data.owners.forEach(function (owner) { select.add(optionFor(owner)); });
        if (kept && (kept.getAttribute("data-organizations") || "").split(" ")
            .indexOf(organizationSelect.value) !== -1) {
          var again = Array.prototype.some.call(select.options, function (option) {
            return option.value === kept.value;
          });
          if (!again) { select.add(kept, 1); }
          select.value = kept.value;
        }
      }, function () { /* the list as the page came keeps working */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!found.length) { return; }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + found.length) % found.length);
      } else if (event.key === "Enter") {
        event.preventDefault(); // Enter chooses or searches; it never sends a form
        if (active >= 0) {
          choose(found[active]);
        } else {
          window.clearTimeout(timer);
          search();
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // the focus stays in the box until the choice is made
      var item = event.target.closest("[role=option]");
      if (item) { choose(found[Number(item.getAttribute("data-index"))]); }
    });
    if (organizationSelect) {
      organizationSelect.addEventListener("change", function () {
        refill();
        if (input.value.trim()) { search(); } else { close(); }
      });
      if (!input.value.trim()) { refill(); } // a list the server narrowed by a search stays
    }
  }
  document.querySelectorAll("[data-owner-search]").forEach(ownerSearch);

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
