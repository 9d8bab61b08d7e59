/* kaffee-site's part of the editor page (admin/index.html, made by cms/page.py).
 *
 * Runs after Decap CMS has loaded (with window.CMS_MANUAL_INIT set, so the CMS waits for us):
 * registers the `kaffee-name` widget (a line of text offering the names the archive already
 * uses), gives the preview the archive's stylesheet and colours, and starts the CMS. Under
 * `kaffee-site serve` the page holds window.KAFFEE_CMS_LOCAL: the address of serve's local
 * backend, which reads and writes the content folder on this machine.
 */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("kaffee-cms").textContent);
  var CMS = window.CMS;
  if (!CMS || !window.createClass || !window.h) {
    var note = document.createElement("p");
    note.setAttribute("role", "alert");
    note.textContent = settings.failed;
    document.body.appendChild(note);
    return;
  }
  var h = window.h;

  /* A line of text whose suggestions are the field's `options` (a <datalist>): any other
   * name may be written too, for a speaker or organisation new to the archive. */
  var NameControl = window.createClass({
    handleChange: function (event) {
      this.props.onChange(event.target.value);
    },
    render: function () {
      var options = this.props.field.get("options");
      var names = options && options.toArray ? options.toArray() : [];
      var listId = this.props.forID + "-names";
      return h("div", null,
        h("input", {
          type: "text",
          id: this.props.forID,
          className: this.props.classNameWrapper,
          value: this.props.value || "",
          onChange: this.handleChange,
          onFocus: this.props.setActiveStyle,
          onBlur: this.props.setInactiveStyle,
          list: listId,
          autoComplete: "off"
        }),
        h("datalist", { id: listId }, names.map(function (name) {
          return h("option", { key: name, value: name });
        })));
    }
  });
  var NamePreview = window.createClass({
    render: function () {
      return h("span", null, this.props.value || "");
    }
  });
  CMS.registerWidget("kaffee-name", NameControl, NamePreview);

  /* Before every save, with any backend: keys left blank are left out of the file (an empty
   * `next:` or `image:` would be an error for the build, `draft: false` says nothing), and an
   * object that is filled in has what it needs: a picture its file and alternative text, an
   * announcement its date. Decap shows the thrown message and saves nothing. */
  function isBlank(value) {
    return value === undefined || value === null || (typeof value === "string" && value.trim() === "") ||
      (value && typeof value.size === "number" && typeof value.toJS === "function" && value.size === 0);
  }
  function tidy(value) {
    if (value && typeof value.toJS === "function" && typeof value.map === "function") {
      return value.map(tidy).filter(function (inner) { return !isBlank(inner); });
    }
    return value;
  }
  /* Rich text escapes the wikilinks' first bracket (`\[[Verstetigung]]`), which would make them
   * plain text: they are put back as written. */
  function restoreWikilinks(body) {
    return body.replace(/\\\[\[([^\]\n]+)\]\]/g, function (whole, inner) {
      return "[[" + inner.replace(/\\([|_*])/g, "$1") + "]]";
    });
  }
  CMS.registerEventListener({
    name: "preSave",
    handler: function (event) {
      var collection = event.entry.get("collection");
      var rule = settings.rules[collection];
      var data = event.entry.get("data");
      if (!rule || !data) {
        return undefined;
      }
      rule.unticked.forEach(function (key) {
        if (data.get(key) === false) {
          data = data.delete(key);
        }
      });
      data = tidy(data);
      if (typeof data.get("body") === "string") {
        data = data.set("body", restoreWikilinks(data.get("body")));
      }
      rule.together.forEach(function (object) {
        var value = data.get(object.key);
        if (isBlank(value)) {
          return;
        }
        var missing = object.needs.filter(function (need) { return isBlank(value.get(need[0])); });
        if (missing.length) {
          throw new Error(settings.message.replace("%(what)s", object.label)
            .replace("%(fields)s", missing.map(function (need) { return need[1]; }).join(", ")));
        }
      });
      return data;
    }
  });

  /* The Markdown editor opens on the file's own text ("Markdown") unless the editor chose rich
   * text before: rich text writes the whole body anew in Decap's style. */
  try {
    if (!window.localStorage.getItem("cms.md-mode")) {
      window.localStorage.setItem("cms.md-mode", "raw");
    }
  } catch (error) { /* storage refused: Decap's own default */ }

  CMS.registerPreviewStyle(settings.style);
  if (settings.css) {
    CMS.registerPreviewStyle(settings.css, { raw: true });
  }

  var local = window.KAFFEE_CMS_LOCAL;
  if (local) {
    CMS.init({ config: {
      backend: { name: "proxy", proxy_url: local.proxy_url },
      site_url: local.site_url,
      display_url: local.site_url
    } });
  } else {
    CMS.init();
  }
})();
