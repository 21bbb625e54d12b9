// The emulator's delivery dashboard: a static page over the management API and the
// emulator's own endpoints, so it shows what any client would see.
//
// Everything from the server (payloads, receivers' answers, labels) is untrusted: it only
// ever reaches the page as text (`textContent` / text nodes), never as HTML.
"use strict";

(() => {
  const API_VERSION = "2026-03-30";
  const KEY_NAME = "quo-emulator.api-key";
  const POLL_MS = 1000;
  const STATUSES = ["pending", "sending", "success", "failed"];
  const EVENT_TYPES = JSON.parse(document.getElementById("event-types").textContent);

  const main = document.getElementById("main");
  const nav = document.getElementById("nav");
  const notice = document.getElementById("notice");

  // ---- DOM helpers: elements and text only, never HTML strings ----

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") el.className = value;
      else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "value") el.value = value;
      else if (name === "checked") el.checked = Boolean(value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  function field(labelText, input, hint) {
    if (!input.id) input.id = nextId("f");
    return h("div", null,
      h("label", { for: input.id }, labelText, hint ? h("span", { class: "hint" }, " ", hint) : null),
      input);
  }

  function badge(status) {
    const known = [...STATUSES, "enabled", "disabled", "manual", "scheduled"];
    const cls = known.includes(status) ? status : "unknown";
    return h("span", { class: `badge ${cls}` }, status || "unknown");
  }

  function time(iso) {
    if (!iso) return h("span", { class: "muted" }, "—");
    const date = new Date(iso);
    const shown = Number.isNaN(date.getTime())
      ? iso
      : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
    return h("time", { datetime: iso, title: iso }, shown);
  }

  function facts(rows) {
    return h("dl", { class: "facts" },
      rows.filter(Boolean).map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
  }

  const webhookHref = (id) => `#/webhooks/${encodeURIComponent(id)}`;
  const deliveryHref = (webhookId, deliveryId) =>
    `${webhookHref(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}`;

  let noticeTimer = null;
  function notify(message, bad) {
    notice.textContent = message;
    notice.className = `notice show${bad ? " bad" : ""}`;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { notice.className = "notice"; }, bad ? 6000 : 3500);
  }

  // ---- The API ----

  class ApiError extends Error {
    constructor(status, body, text) {
      super(describeError(status, body, text));
      this.status = status;
      this.body = body;
    }
  }

  function describeError(status, body, text) {
    if (body && typeof body === "object" && (body.message || body.title)) {
      let message = String(body.message || body.title);
      if (Array.isArray(body.errors) && body.errors.length) {
        message += " " + body.errors.map((e) => `${e.path || ""} ${e.message || ""}`.trim()).join("; ");
      }
      return `${status}: ${message}`;
    }
    return `${status}: ${text || "the emulator answered with an error"}`;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function request(key, method, path, body) {
    const headers = { "Authorization": key, "x-quo-api-version": API_VERSION };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
      // Quo allows 10 requests a second per key: back off with jitter, as a client should.
      if (response.status === 429 && attempt < 5) {
        await sleep(250 * 2 ** attempt + Math.random() * 250);
        continue;
      }
      const text = await response.text();
      let json = null;
      if (text) {
        try { json = JSON.parse(text); } catch (_) { json = null; }
      }
      if (!response.ok) throw new ApiError(response.status, json, text);
      return json;
    }
  }

  async function api(method, path, body) {
    const key = sessionStorage.getItem(KEY_NAME);
    if (!key) { signOut(); throw new Error("signed out"); }
    try {
      return await request(key, method, path, body);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut("The API key was refused: sign in again.");
      }
      throw error;
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_NAME);
    route();
    if (message) notify(message, true);
  }

  // ---- Views and the hash router ----

  let view = null; // the current view's { stop() }

  function setView(title, ...nodes) {
    document.title = `${title} · Quo webhook emulator`;
    main.replaceChildren(...nodes.flat().filter(Boolean));
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  function route() {
    const hash = location.hash || "#/";
    if (!hash.startsWith("#/")) return; // an in-page link such as the skip link
    if (view) view.stop();
    view = null;
    if (!sessionStorage.getItem(KEY_NAME)) {
      nav.hidden = true;
      showLogin();
      return;
    }
    nav.hidden = false;
    let parts;
    try {
      parts = hash.slice(2).split("/").filter(Boolean).map(decodeURIComponent);
    } catch (_) {
      parts = ["?"];
    }
    if (parts.length === 0) view = showWebhooks();
    else if (parts.length === 1 && parts[0] === "trigger") view = showTrigger();
    else if (parts.length === 2 && parts[0] === "webhooks") view = showDeliveries(parts[1]);
    else if (parts.length === 4 && parts[0] === "webhooks" && parts[2] === "deliveries") {
      view = showDelivery(parts[1], parts[3]);
    } else {
      setView("Not found", h("h1", null, "Not found"), h("p", null, h("a", { href: "#/" }, "Back to the webhooks")));
    }
  }

  /// Calls `tick` now and every POLL_MS while the page is visible, until stopped. A failure
  /// is shown in `live` (the view's "updated" line) and the next tick tries again.
  function poll(tick, live) {
    let stopped = false;
    let timer = null;
    const run = async () => {
      if (stopped) return;
      if (!document.hidden) {
        try {
          await tick();
          live.classList.remove("error");
          live.textContent = `Live: updated ${new Date().toLocaleTimeString()}`;
        } catch (error) {
          if (!stopped) {
            live.classList.add("error");
            live.textContent = `Not updated (${error.message}); retrying`;
          }
        }
      }
      if (!stopped) timer = setTimeout(run, POLL_MS);
    };
    run();
    return { stop() { stopped = true; clearTimeout(timer); } };
  }

  /// Replaces `container`'s children, keeping keyboard focus on the element with the same
  /// `data-focus` key, so that live updates do not throw the reader out.
  function refill(container, nodes) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.getAttribute("data-focus") : null;
    container.replaceChildren(...[nodes].flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
    if (key) {
      const again = [...container.querySelectorAll("[data-focus]")].find((el) => el.getAttribute("data-focus") === key);
      if (again) again.focus({ preventScroll: true });
    }
  }

  // ---- Dialogs ----

  /// Opens a modal; resolves with the value of the button pressed, or null (Escape).
  /// `onAction(value, dialog)` may return false to keep it open (a failed save).
  function openDialog(title, body, buttons, onAction) {
    return new Promise((resolve) => {
      const dlg = h("dialog", { "aria-labelledby": nextId("dlg") });
      const heading = h("h2", { id: dlg.getAttribute("aria-labelledby") }, title);
      const row = h("div", { class: "actions" });
      for (const button of buttons) {
        row.append(h("button", {
          type: "button",
          class: button.class || "",
          onclick: async () => {
            if (onAction && button.value !== null) {
              const keep = (await onAction(button.value, dlg)) === false;
              if (keep) return;
            }
            dlg.close(button.value === null ? "" : button.value);
          },
        }, button.label));
      }
      append(dlg, [heading, body, row]);
      dlg.addEventListener("close", () => {
        dlg.remove();
        resolve(dlg.returnValue || null);
      });
      document.body.append(dlg);
      dlg.showModal();
    });
  }

  function confirmDialog(title, message, action, danger) {
    return openDialog(title, h("p", null, message), [
      { label: "Cancel", value: null },
      { label: action, value: "yes", class: danger ? "danger" : "primary" },
    ]).then((value) => value === "yes");
  }

  async function copyText(text, input) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      // Without the clipboard API (an insecure origin), select it for Ctrl+C.
      input.focus();
      input.select();
      return document.execCommand && document.execCommand("copy");
    }
  }

  function showKeyDialog(title, key) {
    const input = h("input", { type: "text", readonly: true, value: key, "aria-label": "Signing key", class: "key-value" });
    const copied = h("span", { class: "muted", role: "status" });
    const copy = h("button", {
      type: "button",
      class: "primary",
      onclick: async () => {
        copied.textContent = (await copyText(key, input)) ? "Copied." : "Select it and copy it by hand.";
      },
    }, "Copy");
    return openDialog(title, [
      h("p", null, "This is the only time the key is shown: store it where your receiver reads its secret."),
      h("div", { class: "secret" }, input, copy),
      copied,
    ], [{ label: "Done", value: null }]);
  }

  // ---- Login ----

  function showLogin() {
    const input = h("input", { type: "password", id: "api-key", autocomplete: "off", spellcheck: "false", required: true });
    const error = h("p", { class: "error", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
    const form = h("form", {
      class: "panel",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        const key = input.value.trim();
        if (!key) { error.textContent = "Enter the API key."; input.focus(); return; }
        submit.disabled = true;
        try {
          await request(key, "GET", "/webhooks");
          sessionStorage.setItem(KEY_NAME, key);
          route();
        } catch (e) {
          error.textContent = e instanceof ApiError && e.status === 401
            ? "That key was refused. Use the key the emulator printed (or its --api-key)."
            : `Could not reach the emulator: ${e.message}`;
          input.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field("API key", input),
    h("p", { class: "hint" }, "The key the emulator printed when it started, or the one given with --api-key (QUO_API_KEY). It is kept in this browser tab's session only and sent as the Authorization header, as any client of Quo's API does."),
    error,
    submit);
    setView("Sign in", h("div", { class: "login" }, h("h1", null, "Sign in"), form));
    input.focus();
  }

  // ---- Webhooks ----

  function eventChecks(selected, name) {
    return h("div", { class: "checks" }, EVENT_TYPES.map((type) =>
      h("label", null, h("input", { type: "checkbox", name, value: type, checked: selected.includes(type) }), type)));
  }

  const checkedValues = (root, name) =>
    [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => el.value);

  function parseResourceIds(text) {
    const ids = text.split(/[\s,]+/).filter(Boolean);
    return ids.length ? ids : null;
  }

  /// The fields of a webhook, for create and edit; `read()` gives the JSON to send.
  function webhookFields(webhook) {
    const name = nextId("events");
    const url = h("input", { type: "url", required: true, value: webhook ? webhook.url : "", placeholder: "https://example.com/webhooks/quo", class: "wh-url" });
    const label = h("input", { type: "text", value: webhook && webhook.label ? webhook.label : "", class: "wh-label" });
    const filter = webhook && !(webhook.resourceIds.length === 1 && webhook.resourceIds[0] === "*")
      ? webhook.resourceIds.join(", ") : "";
    const resources = h("input", { type: "text", value: filter, placeholder: "PNabc123, PNdef456", class: "wh-resources" });
    const events = h("fieldset", null, h("legend", null, "Events"),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "link", onclick: () => events.querySelectorAll("input").forEach((el) => { el.checked = true; }) }, "All"),
        h("button", { type: "button", class: "link", onclick: () => events.querySelectorAll("input").forEach((el) => { el.checked = false; }) }, "None")),
      eventChecks(webhook ? webhook.events : [], name));
    const nodes = [
      field("URL", url),
      field("Label", label, "(optional)"),
      events,
      field("Phone number filter", resources, "(PN ids, comma-separated; empty for every number; contact events are always workspace-wide)"),
    ];
    const read = () => ({
      url: url.value.trim(),
      label: label.value.trim() || null,
      events: checkedValues(events, name),
      resourceIds: parseResourceIds(resources.value),
    });
    return { nodes, read };
  }

  function showWebhooks() {
    const list = h("div", { "aria-live": "off" });
    const createError = h("p", { class: "error", role: "alert" });
    const form = webhookFields(null);
    const status = h("select", { class: "wh-status" }, h("option", { value: "enabled" }, "enabled"), h("option", { value: "disabled" }, "disabled"));
    const details = h("details", { class: "panel" },
      h("summary", null, h("strong", null, "New webhook")),
      h("form", {
        onsubmit: async (event) => {
          event.preventDefault();
          createError.textContent = "";
          const body = form.read();
          const payload = { url: body.url, events: body.events, status: status.value };
          if (body.label) payload.label = body.label;
          if (body.resourceIds) payload.resourceIds = body.resourceIds;
          try {
            const created = await api("POST", "/webhooks", payload);
            event.target.reset();
            details.open = false;
            await load();
            await showKeyDialog(`Webhook ${created.data.id} created: its signing key`, created.data.key);
          } catch (e) {
            createError.textContent = e.message;
          }
        },
      }, form.nodes, field("Status", status), createError, h("button", { type: "submit", class: "primary" }, "Create webhook")));

    async function load() {
      const answer = await api("GET", "/webhooks");
      const webhooks = answer.data || [];
      refill(list, webhooks.length
        ? webhooks.map(webhookCard)
        : [h("p", { class: "panel muted" }, "No webhooks yet. Create one above; its deliveries appear here.")]);
    }

    function webhookCard(webhook) {
      const all = webhook.resourceIds.length === 1 && webhook.resourceIds[0] === "*";
      const testType = h("select", { "aria-label": "Test event type", class: "test-type" },
        EVENT_TYPES.map((type) => h("option", { value: type, selected: webhook.events[0] === type }, type)));
      const act = (fn) => async () => {
        try { await fn(); } catch (e) { notify(e.message, true); }
      };
      const path = `/webhooks/${encodeURIComponent(webhook.id)}`;
      return h("article", { class: "card webhook", "data-id": webhook.id },
        h("header", null,
          h("h2", null, webhook.label || h("span", { class: "muted" }, "(no label)")),
          badge(webhook.status),
          h("span", { class: "muted" }, `#${webhook.id}`)),
        facts([
          ["URL", h("code", null, webhook.url)],
          ["Events", webhook.events.join(", ")],
          ["Phone numbers", all ? "every number" : webhook.resourceIds.join(", ")],
          ["API version", webhook.apiVersion],
          ["Created", time(webhook.createdAt)],
        ]),
        h("div", { class: "actions" },
          h("a", { class: "button primary-link", href: webhookHref(webhook.id) }, "Deliveries"),
          h("button", { type: "button", onclick: act(() => editWebhook(webhook)) }, "Edit"),
          h("button", {
            type: "button",
            onclick: act(async () => {
              const next = webhook.status === "enabled" ? "disabled" : "enabled";
              await api("PATCH", path, { status: next });
              notify(`Webhook ${webhook.id} ${next}.`);
              await load();
            }),
          }, webhook.status === "enabled" ? "Disable" : "Enable"),
          h("button", {
            type: "button",
            onclick: act(async () => {
              const sure = await confirmDialog("Rotate the signing key?",
                "A new key signs every delivery from now on; the old one keeps signing beside it for the grace period, so receivers can switch over.",
                "Rotate");
              if (!sure) return;
              const answer = await api("POST", `${path}/rotate`);
              await showKeyDialog(`Webhook ${webhook.id}: new signing key`, answer.data.key);
            }),
          }, "Rotate key"),
          h("span", { class: "inline" }, testType, h("button", {
            type: "button",
            onclick: act(async () => {
              const sample = await api("POST", `${path}/events/test`, { eventType: testType.value });
              notify(`Test ${sample.type} event sent (${sample.id}).`);
            }),
          }, "Send test event")),
          h("button", {
            type: "button",
            class: "danger",
            onclick: act(async () => {
              const sure = await confirmDialog(`Delete webhook ${webhook.id}?`,
                `${webhook.url} stops receiving events and its delivery history is deleted. This cannot be undone.`,
                "Delete", true);
              if (!sure) return;
              await api("DELETE", path);
              notify(`Webhook ${webhook.id} deleted.`);
              await load();
            }),
          }, "Delete")));
    }

    async function editWebhook(webhook) {
      const form = webhookFields(webhook);
      const error = h("p", { class: "error", role: "alert" });
      const saved = await openDialog(`Edit webhook ${webhook.id}`, [form.nodes, error], [
        { label: "Cancel", value: null },
        { label: "Save", value: "save", class: "primary" },
      ], async () => {
        try {
          await api("PATCH", `/webhooks/${encodeURIComponent(webhook.id)}`, form.read());
          return true;
        } catch (e) {
          error.textContent = e.message;
          return false;
        }
      });
      if (saved) {
        notify(`Webhook ${webhook.id} saved.`);
        await load();
      }
    }

    // Legacy webhooks (`/v1/webhooks`), shown while a migration rehearsal runs both systems.
    // Quo's legacy API has no update, rotation or delivery history, so neither has this list.
    const legacyList = h("div", { class: "legacy-list", "aria-live": "off" });

    async function loadLegacy() {
      const answer = await api("GET", "/v1/webhooks");
      const webhooks = answer.data || [];
      refill(legacyList, webhooks.length
        ? webhooks.map(legacyCard)
        : [h("p", { class: "muted" }, "None. Legacy webhooks are created through the legacy API (`/v1/webhooks/messages` and the other families).")]);
    }

    function legacyCard(webhook) {
      const numbers = webhook.resourceIds || [];
      const all = !numbers.length || (numbers.length === 1 && numbers[0] === "*");
      return h("article", { class: "card legacy-webhook", "data-id": webhook.id },
        h("header", null,
          h("h3", null, webhook.label || h("span", { class: "muted" }, "(no label)")),
          badge(webhook.status),
          h("span", { class: "muted" }, `#${webhook.id}`)),
        facts([
          ["URL", h("code", null, webhook.url)],
          ["Events", webhook.events.join(", ")],
          ["Phone numbers", all ? "every number" : numbers.join(", ")],
          ["Created", time(webhook.createdAt)],
        ]),
        h("div", { class: "actions" },
          h("button", {
            type: "button",
            class: "danger",
            onclick: async () => {
              try {
                const sure = await confirmDialog(`Delete legacy webhook ${webhook.id}?`,
                  `${webhook.url} stops receiving legacy events. This cannot be undone.`, "Delete", true);
                if (!sure) return;
                await api("DELETE", `/v1/webhooks/${encodeURIComponent(webhook.id)}`);
                notify(`Legacy webhook ${webhook.id} deleted.`);
                await loadLegacy();
              } catch (e) { notify(e.message, true); }
            },
          }, "Delete")));
    }

    setView("Webhooks", h("h1", null, "Webhooks"), details, list,
      h("section", { class: "legacy", "aria-labelledby": "legacy-heading" },
        h("h2", { id: "legacy-heading" }, "Legacy webhooks"),
        h("p", { class: "muted" }, "Signed with openphone-signature; no delivery history, as at Quo."),
        legacyList));
    load().catch((e) => notify(e.message, true));
    loadLegacy().catch((e) => notify(e.message, true));
    return { stop() {} };
  }

  // ---- Deliveries of one webhook ----

  function showDeliveries(webhookId) {
    const path = `/webhooks/${encodeURIComponent(webhookId)}`;
    const heading = h("h1", null, `Deliveries of webhook ${webhookId}`);
    const about = h("p", { class: "muted" });
    const tbody = h("tbody");
    const live = h("span", { class: "live" });
    const filters = { status: "", eventTypes: [], createdAfter: "", createdBefore: "", limit: "10" };
    let cursors = [null]; // the cursor of each page seen; the last is the current page's

    const statusSelect = h("select", { class: "filter-status" }, h("option", { value: "" }, "any"), STATUSES.map((s) => h("option", { value: s }, s)));
    const after = h("input", { type: "datetime-local", step: "1", class: "filter-after" });
    const before = h("input", { type: "datetime-local", step: "1", class: "filter-before" });
    const limit = h("select", { class: "filter-limit" }, ["10", "25", "50"].map((n) => h("option", { value: n }, n)));
    const typesName = nextId("types");
    const filterForm = h("form", {
      class: "panel filters",
      "aria-label": "Filters",
      onsubmit: (event) => {
        event.preventDefault();
        filters.status = statusSelect.value;
        filters.eventTypes = checkedValues(filterForm, typesName);
        filters.createdAfter = after.value ? new Date(after.value).toISOString() : "";
        filters.createdBefore = before.value ? new Date(before.value).toISOString() : "";
        filters.limit = limit.value;
        cursors = [null];
        refresh();
      },
    },
    field("Status", statusSelect),
    field("Created after", after),
    field("Created before", before),
    field("Per page", limit),
    h("details", null, h("summary", null, "Event types"), eventChecks([], typesName)),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply filters"),
      h("button", { type: "reset", onclick: () => setTimeout(() => filterForm.requestSubmit(), 0) }, "Clear")));

    const newer = h("button", { type: "button", onclick: () => { cursors.pop(); refresh(); } }, "← Newer");
    const older = h("button", { type: "button" }, "Older →");
    const pageLabel = h("span", { class: "muted" });
    let nextCursor = null;
    older.addEventListener("click", () => { if (nextCursor) { cursors.push(nextCursor); refresh(); } });

    function query() {
      const q = new URLSearchParams();
      q.set("limit", filters.limit);
      const cursor = cursors[cursors.length - 1];
      if (cursor) q.set("after", cursor);
      if (filters.status) q.set("status", filters.status);
      for (const type of filters.eventTypes) q.append("eventTypes", type);
      if (filters.createdAfter) q.set("createdAfter", filters.createdAfter);
      if (filters.createdBefore) q.set("createdBefore", filters.createdBefore);
      return q.toString();
    }

    let lastShown = "";
    async function tick() {
      const page = await api("GET", `${path}/events?${query()}`);
      nextCursor = page.nextCursor || null;
      newer.disabled = cursors.length <= 1;
      older.disabled = !nextCursor;
      pageLabel.textContent = `Page ${cursors.length}`;
      const shown = JSON.stringify(page.data);
      if (shown === lastShown) return; // nothing new: leave the table (and focus) alone
      lastShown = shown;
      refill(tbody, page.data.length ? page.data.map((d) => h("tr", { class: "delivery", "data-id": d.id },
        h("td", { "data-label": "Status" }, badge(d.status)),
        h("td", { "data-label": "Event" }, d.eventType),
        h("td", { "data-label": "Created" }, time(d.createdAt)),
        h("td", { "data-label": "Next attempt" }, time(d.nextAttemptAt)),
        h("td", { "data-label": "Delivery" }, h("a", { href: deliveryHref(webhookId, d.id), "data-focus": d.id }, h("code", null, d.id)))))
        : [h("tr", null, h("td", { colspan: "5", class: "muted" }, "No deliveries match. Trigger an event or send a test event."))]);
    }

    let poller = null;
    function refresh() {
      lastShown = "";
      if (poller) poller.stop();
      poller = poll(tick, live);
    }

    setView(`Deliveries of webhook ${webhookId}`,
      h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Webhooks"), " / ", `webhook ${webhookId}`),
      heading, about, filterForm,
      h("div", { class: "pager" }, newer, older, pageLabel, live),
      h("div", { class: "table-wrap" }, h("table", { class: "stack deliveries" },
        h("caption", { class: "skip" }, "Deliveries, newest first"),
        h("thead", null, h("tr", null, ["Status", "Event", "Created", "Next attempt", "Delivery"].map((c) => h("th", { scope: "col" }, c)))),
        tbody)));
    api("GET", path).then((answer) => {
      const webhook = answer.data;
      heading.textContent = `Deliveries of ${webhook.label || `webhook ${webhook.id}`}`;
      about.replaceChildren(badge(webhook.status), " ", h("code", null, webhook.url));
    }).catch((e) => notify(e.message, true));
    refresh();
    return { stop() { if (poller) poller.stop(); } };
  }

  // ---- One delivery ----

  function headerTable(pairs) {
    return h("div", { class: "table-wrap" }, h("table", { class: "stack headers" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Header"), h("th", { scope: "col" }, "Value"))),
      h("tbody", null, pairs.map(([name, value]) => h("tr", null,
        h("td", { "data-label": "Header" }, h("code", null, name)),
        h("td", { "data-label": "Value" }, h("code", null, value)))))));
  }

  function showDelivery(webhookId, deliveryId) {
    const path = `/webhooks/${encodeURIComponent(webhookId)}/events/${encodeURIComponent(deliveryId)}`;
    const summary = h("div");
    const body = h("div");
    const attempts = h("div");
    const live = h("span", { class: "live" });
    const retry = h("button", {
      type: "button",
      class: "primary",
      onclick: async () => {
        retry.disabled = true;
        try {
          await api("POST", `${path}/retry`);
          notify("Retry queued: the manual attempt appears below.");
        } catch (e) {
          notify(e.message, true);
        } finally {
          retry.disabled = false;
        }
      },
    }, "Retry now");

    let lastShown = "";
    async function tick() {
      const [answer, sent] = await Promise.all([
        api("GET", path),
        api("GET", `/emulator${path}/headers`),
      ]);
      const d = answer.data;
      const shown = JSON.stringify([d, sent.data]);
      if (shown === lastShown) return;
      const first = lastShown === "";
      lastShown = shown;
      const headersOf = new Map((sent.data || []).map((entry) => [entry.attemptId, entry.headers]));
      refill(summary, [facts([
        ["Status", badge(d.status)],
        ["Event type", d.eventType],
        ["Created", time(d.createdAt)],
        ["Next attempt", time(d.nextAttemptAt)],
        ["Event id", h("code", null, d.eventId || (d.requestBody && d.requestBody.id) || "—")],
        ["Resource id", d.resourceId ? h("code", null, d.resourceId) : h("span", { class: "muted" }, "none (a test event)")],
        ["Attempts", String(d.attempts.length)],
      ])]);
      if (first) {
        body.replaceChildren(h("pre", { class: "request-body", tabindex: "0", "aria-label": "Request body" }, JSON.stringify(d.requestBody, null, 2)));
      }
      const latest = d.attempts.length ? headersOf.get(d.attempts[0].id) : null;
      refill(attempts, [
        h("section", { class: "sent-headers" },
          h("h2", null, "Headers sent"),
          latest
            ? [h("p", { class: "muted" }, "By the most recent attempt; signatures are shortened."), headerTable(latest)]
            : h("p", { class: "muted" }, "No attempt has been sent yet.")),
        h("h2", null, `Attempts (${d.attempts.length}), most recent first`),
        d.attempts.length
          ? h("ol", { class: "attempts" }, d.attempts.map((a, i) => h("li", { class: "attempt", "data-id": a.id },
            h("div", { class: "attempt-head" },
              h("strong", null, `#${d.attempts.length - i}`),
              badge(a.status),
              h("span", { class: "code" }, a.responseStatusCode ? `HTTP ${a.responseStatusCode}` : "no response"),
              h("span", null, `${a.responseDurationMs} ms`),
              badge(a.triggerType),
              time(a.timestamp)),
            h("div", { class: "muted" }, h("code", null, a.url), " · ", h("code", null, a.id)),
            h("div", null, "Response body:"),
            h("pre", { class: "response-body", tabindex: "0", "aria-label": `Response body of attempt ${d.attempts.length - i}` }, a.responseBody || "(empty)"),
            headersOf.has(a.id)
              ? h("details", null, h("summary", { "data-focus": `h-${a.id}` }, "Request headers"), headerTable(headersOf.get(a.id)))
              : null)))
          : h("p", { class: "muted" }, "No attempts yet."),
      ]);
    }

    setView(`Delivery ${deliveryId}`,
      h("p", { class: "crumbs" },
        h("a", { href: "#/" }, "Webhooks"), " / ",
        h("a", { href: webhookHref(webhookId) }, `webhook ${webhookId}`), " / delivery"),
      h("h1", null, "Delivery ", h("code", null, deliveryId)),
      h("div", { class: "actions" }, retry, live),
      h("section", { class: "panel" }, summary),
      h("h2", null, "Request body"), body,
      attempts);
    const poller = poll(tick, live);
    return { stop() { poller.stop(); } };
  }

  // ---- Trigger an event ----

  function showTrigger() {
    const type = h("select", { id: "trigger-type" }, EVENT_TYPES.map((t) => h("option", { value: t }, t)));
    const phone = h("input", { type: "text", id: "trigger-phone", placeholder: "PNabc123" });
    const data = h("textarea", { id: "trigger-data", placeholder: "{\"resource\": {\"duration\": 7}}" });
    const system = h("select", { id: "trigger-system" },
      h("option", { value: "" }, "both systems (new and legacy), as during a migration"),
      h("option", { value: "new" }, "new webhooks only"),
      h("option", { value: "legacy" }, "legacy webhooks only"));
    const error = h("p", { class: "error", role: "alert" });
    const result = h("div", { "aria-live": "polite" });
    const form = h("form", {
      class: "panel",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        const payload = { type: type.value };
        if (phone.value.trim()) payload.phoneNumberId = phone.value.trim();
        if (system.value) payload.only = system.value;
        if (data.value.trim()) {
          try { payload.data = JSON.parse(data.value); } catch (e) {
            error.textContent = `The data is not JSON: ${e.message}`;
            data.focus();
            return;
          }
        }
        try {
          const answer = await api("POST", "/emulator/events", payload);
          const { event: sent, deliveries } = answer.data;
          const legacy = answer.data.legacyWebhooks || [];
          const items = [
            ...deliveries.map((d) => h("li", null,
              h("a", { href: deliveryHref(d.webhookId, d.id) }, `Delivery ${d.id}`), ` to webhook ${d.webhookId}`)),
            ...legacy.map((id) => h("li", { class: "legacy-target" }, `Legacy delivery to ${id} (openphone-signature; no history)`)),
          ];
          result.replaceChildren(h("section", { class: "panel" },
            h("h2", null, `Event ${sent.id} (${sent.type})`),
            items.length
              ? h("ul", null, items)
              : h("p", { class: "muted" }, "No enabled webhook is subscribed to it: nothing was sent."),
            h("details", null, h("summary", null, "The event as sent"), h("pre", null, JSON.stringify(sent, null, 2)))));
          const count = deliveries.length + legacy.length;
          notify(`Event triggered: ${count} deliver${count === 1 ? "y" : "ies"}.`);
        } catch (e) {
          error.textContent = e.message;
        }
      },
    },
    field("Event type", type),
    field("Phone number id", phone, "(optional; webhooks filtered on phone numbers hear only theirs)"),
    field("Deliver through", system),
    field("Data merged into the sample's data", data, "(optional JSON)"),
    error,
    h("button", { type: "submit", class: "primary" }, "Trigger event"));
    setView("Trigger an event",
      h("h1", null, "Trigger an event"),
      h("p", { class: "muted" }, "Makes an event happen, built from Quo's documented sample of its type, and delivers it to every enabled webhook subscribed to it: new webhooks in the new envelope, legacy ones in the legacy envelope with the same ids, as while a migration runs both."),
      form, result);
    return { stop() {} };
  }

  document.getElementById("sign-out").addEventListener("click", () => {
    signOut();
    notify("Signed out.");
  });
  window.addEventListener("hashchange", route);
  route();
})();
