// flexcord sandbox page: renders GET /ui/state, re-reads it on every server-sent "changed"
// event, and turns clicks into POST /ui/... actions. Plain JS, no build step.
"use strict";

const view = { channel: null, task: null, modalSeq: 0, state: null, seen: {} };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function post(path, body, errorBox) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const box = errorBox ? $(errorBox) : null;
  if (!res.ok) {
    let text = res.statusText;
    try { text = (await res.json()).error || text; } catch (_) { /* not JSON */ }
    if (box) box.textContent = text;
    throw new Error(text);
  }
  if (box) box.textContent = "";
  return res.json();
}

function readFile(input) {
  const file = input.files && input.files[0];
  if (!file) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const data = String(reader.result);
      resolve({ filename: file.name, content_type: file.type || null,
                data_base64: data.slice(data.indexOf(",") + 1) });
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// ----- Discord markdown -------------------------------------------------------------------
// What Discord renders in messages and embeds: code blocks, quotes, inline code, bold, italics,
// underline, strike-through, links and mentions. Everything is built as DOM nodes and text nodes,
// never as HTML, so user text cannot inject markup.

const INLINE = new RegExp([
  "(`+)([^`]+?)\\1",                               // 1,2 inline code
  "\\*\\*([\\s\\S]+?)\\*\\*",                       // 3 bold
  "__([\\s\\S]+?)__",                               // 4 underline
  "\\*([^*\\s](?:[^*]*[^*\\s])?)\\*",               // 5 italics
  "\\b_([^_\\s](?:[^_]*[^_\\s])?)_\\b",             // 6 italics
  "~~([\\s\\S]+?)~~",                               // 7 strike-through
  "\\[([^\\]\\n]+)\\]\\((https?://[^\\s)]+)\\)",    // 8,9 masked link
  "<(https?://[^\\s>]+)>",                          // 10 unfurl-less link
  "(https?://[^\\s<]*[^\\s<.,:;\"')\\]])",          // 11 bare link
  "<@!?(\\d+)>",                                    // 12 user mention
  "<#(\\d+)>",                                      // 13 channel mention
  "<@&(\\d+)>",                                     // 14 role mention
].join("|"), "g");

function link(href, ...children) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, ...children);
}

function mention(label) { return el("span", { class: "mention" }, label); }

function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== undefined) out.push(el("code", {}, m[2]));
    else if (m[3] !== undefined) out.push(el("strong", {}, inline(m[3])));
    else if (m[4] !== undefined) out.push(el("u", {}, inline(m[4])));
    else if (m[5] !== undefined) out.push(el("em", {}, inline(m[5])));
    else if (m[6] !== undefined) out.push(el("em", {}, inline(m[6])));
    else if (m[7] !== undefined) out.push(el("s", {}, inline(m[7])));
    else if (m[8] !== undefined) out.push(link(m[9], inline(m[8])));
    else if (m[10] !== undefined) out.push(link(m[10], m[10]));
    else if (m[11] !== undefined) out.push(link(m[11], m[11]));
    else if (m[12] !== undefined) out.push(mention("@" + userName(m[12])));
    else if (m[13] !== undefined) out.push(mention("#" + channelName(m[13])));
    else out.push(mention("@role"));
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function userName(id) {
  const d = view.state && view.state.discord;
  if (d && String(d.player.id) === id) return d.player.name;
  return "unknown-user";
}

function channelName(id) {
  const d = view.state && view.state.discord;
  const c = d && d.channels.find((c) => String(c.id) === id);
  return c ? c.name : "unknown-channel";
}

// Blocks: ``` fences, then "> " / ">>> " quotes; other lines stay as text (white-space: pre-wrap).
function markdown(text) {
  const out = [];
  const parts = String(text).split(/```(?:[a-z0-9_+-]*\n)?([\s\S]*?)```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) { out.push(el("pre", { class: "codeblock" }, el("code", {}, part))); return; }
    const lines = part.split("\n");
    let quote = null;
    let plain = [];
    const flush = () => { if (plain.length) { out.push(...inline(plain.join("\n"))); plain = []; } };
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      if (line.startsWith(">>> ")) {
        flush();
        out.push(el("blockquote", {}, inline([line.slice(4), ...lines.slice(n + 1)].join("\n"))));
        return;
      }
      if (line.startsWith("> ") || line === ">") {
        flush();
        if (!quote) { quote = []; }
        quote.push(line.slice(2));
        continue;
      }
      if (quote) { out.push(el("blockquote", {}, inline(quote.join("\n")))); quote = null; }
      plain.push(line);
    }
    if (quote) out.push(el("blockquote", {}, inline(quote.join("\n"))));
    flush();
  });
  return out;
}

// ----- Discord pane -----------------------------------------------------------------------

function renderChannels(d) {
  const nav = $("#channels");
  nav.replaceChildren();
  nav.append(el("div", { class: "group" }, "Fake Guild"));
  for (const c of d.channels.filter((c) => !c.dm)) nav.append(channelLink(c, "# " + c.name));
  nav.append(el("div", { class: "group" }, "Direct messages"));
  const dm = d.channels.find((c) => c.dm);
  if (dm) nav.append(channelLink(dm, "@ flexcord"));
  else nav.append(el("button", { type: "button", class: "channel", id: "open-dm", onclick: openDm }, "+ message flexcord"));
}

function channelLink(c, label) {
  const count = (view.state.discord.messages[c.id] || []).length;
  const unseen = c.id !== view.channel && count > (view.seen[c.id] || 0);
  return el("button", {
    type: "button",
    id: c.dm ? "channel-dm" : "channel-" + c.name,
    class: "channel" + (c.id === view.channel ? " active" : ""),
    "aria-current": c.id === view.channel ? "page" : null,
    onclick: () => { view.channel = c.id; render(); },
  }, label, unseen ? el("span", { class: "badge" }, count - (view.seen[c.id] || 0)) : null);
}

async function openDm() {
  const r = await post("/ui/dm/open", {}, "#discord-error");
  view.channel = r.channel_id;
  await refresh();
}

function renderEmbed(e) {
  const color = typeof e.color === "number" ? "#" + e.color.toString(16).padStart(6, "0") : null;
  return el("div", { class: "embed", style: color ? "border-left-color:" + color : null },
    e.title ? el("div", { class: "title" }, /^https?:\/\//.test(e.url || "") ? link(e.url, e.title) : e.title) : null,
    e.author && e.author.name ? el("div", { class: "embed-author" }, e.author.name) : null,
    e.description ? el("div", { class: "content" }, markdown(e.description)) : null,
    (e.fields || []).map((f) => el("div", { class: "field" },
      el("div", { class: "name" }, inline(f.name)), el("div", { class: "content" }, markdown(f.value)))),
    e.footer && e.footer.text ? el("div", { class: "meta" }, e.footer.text) : null);
}

// Buttons the player used (a rating is given once) or that no longer apply (End chat after the
// chat ended), by message id; kept for the tab's life so a reload does not re-enable them.
const used = new Set(JSON.parse(sessionStorage.getItem("flexcord-used") || "[]"));

function markUsed(id) {
  used.add(String(id));
  sessionStorage.setItem("flexcord-used", JSON.stringify([...used]));
}

function renderComponents(m, ended) {
  return (m.components || []).map((row) => el("div", { class: "row" },
    (row.components || []).filter((b) => b.type === 2).map((b) => {
      const stale = used.has(String(m.id)) || (ended && b.custom_id === "fc:end");
      return el("button", {
        type: "button",
        class: "style-" + b.style,
        "data-custom-id": b.custom_id,
        disabled: b.disabled || stale,
        title: stale ? "Already used" : null,
        onclick: async (ev) => {
          ev.currentTarget.disabled = true;
          try {
            await post("/ui/button", { channel_id: m.channel_id, custom_id: b.custom_id, label: b.label || "" }, "#discord-error");
            if (b.custom_id.startsWith("fc:rate:")) { markUsed(m.id); render(); }
          } catch (_) { render(); }
        },
      }, b.label || b.custom_id);
    })));
}

function renderAttachment(a) {
  const img = a.content_type && a.content_type.startsWith("image/");
  return el("a", { class: "attachment", href: a.url, target: "_blank" },
    img ? el("img", { src: a.url, alt: a.filename }) : null, "📎 " + a.filename);
}

function renderMessages(d) {
  const box = $("#messages");
  const channel = d.channels.find((c) => c.id === view.channel);
  $("#channel-title").textContent = channel ? (channel.dm ? "@ flexcord (direct message)" : "# " + channel.name) : "";
  const list = d.messages[view.channel] || [];
  view.seen[view.channel] = list.length;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
  // Follow new messages like Discord: on a channel switch, a new message, or when already at the end.
  const stick = atBottom || view.shownChannel !== view.channel || list.length > (view.shownCount || 0);
  view.shownChannel = view.channel;
  view.shownCount = list.length;
  // A rating row after "End chat" means that chat has ended.
  const lastRating = list.map((m) => JSON.stringify(m.components || [])).findLastIndex((c) => c.includes("fc:rate:"));
  box.replaceChildren(...list.map((m, i) => el("div", {
    class: "msg" + (m.bot ? " bot" : " user") + (m.ephemeral ? " ephemeral" : ""),
    "data-message-id": m.id,
  },
    m.reply_to ? el("div", { class: "reply-to" }, "↪ " + m.reply_to) : null,
    el("div", { class: "meta" }, el("span", { class: "author" }, m.author + (m.bot ? " BOT" : "")),
      m.ephemeral ? "Only you can see this" : ""),
    m.thinking ? el("div", { class: "thinking" }, "flexcord is thinking…") : null,
    m.content ? el("div", { class: "content" }, markdown(m.content)) : null,
    (m.embeds || []).map(renderEmbed),
    (m.attachments || []).map(renderAttachment),
    renderComponents(m, i < lastRating))));
  if (stick) {
    box.scrollTop = box.scrollHeight;
    // Images grow the list after they load: stay at the end.
    box.querySelectorAll("img").forEach((img) => img.addEventListener("load", () => {
      box.scrollTop = box.scrollHeight;
    }, { once: true }));
  }
}

function renderModal(d) {
  const modal = d.modal;
  const backdrop = $("#modal-backdrop");
  if (!modal) { backdrop.classList.add("hidden"); view.modalSeq = 0; return; }
  if (modal.seq === view.modalSeq) return; // keep what the user typed
  view.modalSeq = modal.seq;
  const form = $("#modal");
  form.replaceChildren(el("h3", {}, modal.title),
    ...modal.fields.map((f) => el("label", {}, f.label + (f.required ? " *" : ""),
      f.style === 2
        ? el("textarea", { name: f.custom_id, id: "field-" + f.custom_id, rows: 3, required: f.required })
        : el("input", { name: f.custom_id, id: "field-" + f.custom_id, required: f.required }))),
    el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => post("/ui/modal/cancel", {}) }, "Cancel"),
      el("button", { type: "submit", class: "primary", id: "modal-submit" }, "Submit")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const f of modal.fields) values[f.custom_id] = form.elements[f.custom_id].value;
    await post("/ui/modal/submit", { values }, "#discord-error");
  };
  backdrop.classList.remove("hidden");
}

async function runCommand(name, caseId) {
  if (view.channel === null) return;
  if (name === "case" && caseId === undefined) {
    // /case needs a number: put the command in the composer for the user to complete.
    const input = $("#composer-text");
    input.value = "/case ";
    input.focus();
    $("#discord-error").textContent = "Type the case number after /case and press Send (runs as the moderator, Kai).";
    return;
  }
  const body = { name, channel_id: view.channel };
  if (caseId !== undefined) body.case_id = caseId;
  await post("/ui/command", body, "#discord-error");
}

async function sendComposer(ev) {
  ev.preventDefault();
  const input = $("#composer-text");
  const text = input.value.trim();
  const command = text.match(/^\/(helpme|bug|new_feature)\b/);
  if (command) { input.value = ""; await runCommand(command[1]); return; }
  const staffCommand = text.match(/^\/(block|unblock)\b/);
  if (staffCommand) { input.value = ""; await runCommand(staffCommand[1]); return; }
  const caseCommand = text.match(/^\/case\b\s*#?(\d*)/);
  if (caseCommand) {
    if (!caseCommand[1]) { await runCommand("case"); return; }
    input.value = "";
    await runCommand("case", Number(caseCommand[1]));
    return;
  }
  const d = view.state.discord;
  const channel = d.channels.find((c) => c.id === view.channel);
  if (!channel || !channel.dm) {
    $("#discord-error").textContent = "The bot reads only its DMs: use a slash command here.";
    return;
  }
  const file = await readFile($("#composer-file"));
  if (!text && !file) return;
  await post("/ui/dm", { text, files: file ? [file] : [] }, "#discord-error");
  input.value = "";
  $("#composer-file").value = "";
}

// ----- Flex pane --------------------------------------------------------------------------

function renderTasks(f) {
  const box = $("#tasks");
  if (!f.tasks.length) { box.replaceChildren(el("p", { class: "hint" }, "No tasks. Ask for a live agent in the DM.")); return; }
  if (!view.task || !f.tasks.some((t) => t.conversation_sid === view.task)) view.task = f.tasks[0].conversation_sid;
  box.replaceChildren(...f.tasks.map((t) => {
    const name = customerName(t);
    return el("div", {
      class: "task" + (t.conversation_sid === view.task ? " selected" : "") + (!t.accepted && t.state === "active" ? " incoming" : ""),
      "data-conversation": t.conversation_sid,
      id: "task-" + t.conversation_sid,
      tabindex: 0,
      role: "button",
      "aria-pressed": t.conversation_sid === view.task ? "true" : "false",
      onclick: () => { view.task = t.conversation_sid; render(); },
      onkeydown: (ev) => {
        if (ev.target === ev.currentTarget && (ev.key === "Enter" || ev.key === " ")) {
          ev.preventDefault();
          view.task = t.conversation_sid;
          render();
        }
      },
    },
      el("div", { class: "who" }, "Chat with " + name),
      el("div", { class: "state" }, t.accepted ? "accepted · " + t.state : "incoming · " + t.state),
      !t.accepted && t.state === "active"
        ? el("button", { class: "primary", "data-action": "accept", onclick: (ev) => {
            ev.stopPropagation();
            view.task = t.conversation_sid;
            post("/ui/agent/accept", { conversation_sid: t.conversation_sid }, "#flex-error");
          } }, "Accept")
        : null);
  }));
}

// The customer as Flex shows them: the name from the task, not the channel identity.
function customerName(t) {
  const a = t.attributes || {};
  const d = view.state.discord;
  if (a.customerName || a.name) return a.customerName || a.name;
  if (t.customer === "discord:" + d.player.id) return d.player.name;
  return t.customer || "customer";
}

function renderConversation(f) {
  const box = $("#conversation");
  const task = f.tasks.find((t) => t.conversation_sid === view.task);
  const canSend = !!task && task.accepted && task.state === "active";
  $("#agent-send").disabled = !canSend;
  $("#agent-close").disabled = !canSend;
  if (!task) { box.replaceChildren(el("p", { class: "hint" }, "No task selected.")); return; }
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
  box.replaceChildren(
    el("div", { class: "channel-title" }, "Chat with " + customerName(task) + " — " + task.state),
    ...task.messages.map((m) => el("div", { class: "msg " + (m.agent ? "agent" : m.author === "system" ? "system" : "customer") },
      el("div", { class: "meta" }, el("span", { class: "author" }, m.agent ? f.agent.name + " (you)" : m.author === task.customer ? customerName(task) : m.author)),
      m.body ? el("div", { class: "content" }, m.body) : null,
      m.media.map((a) => renderAttachment({ url: a.url, filename: a.filename || "file", content_type: a.content_type })))));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

async function agentSend(ev) {
  ev.preventDefault();
  const text = $("#agent-text").value;
  const file = await readFile($("#agent-file"));
  if (!text.trim() && !file) return;
  await post("/ui/agent/say", { conversation_sid: view.task, text, file }, "#flex-error");
  $("#agent-text").value = "";
  $("#agent-file").value = "";
}

// ----- cases ------------------------------------------------------------------------------

function renderCases(cases) {
  const box = $("#cases");
  if (!cases.length) { box.replaceChildren(el("p", { class: "hint" }, "No cases yet.")); return; }
  const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.case));
  box.replaceChildren(...cases.map((c) => el("div", { class: "case", "data-case": c.id },
    el("div", { class: "head" }, "#" + c.id + " " + c.title),
    el("div", { class: "sub" }, c.kind + " · " + c.status + " · " +
      (c.rating ? "rated " + c.rating + "/5" : "not rated") + " · " + c.reporter.name),
    el("div", { class: "content" }, c.description.length > 280 ? c.description.slice(0, 279) + "…" : c.description),
    (c.fields || []).map(([name, value]) => el("div", { class: "sub" }, name + ": " + value)),
    (c.notes || []).length
      ? el("details", { "data-case": String(c.id), open: open.has(String(c.id)) },
          el("summary", {}, c.notes.length + " note(s)"),
          c.notes.map((n) => el("pre", {}, (n.kind || "note") + " by " + n.author + "\n" + n.body)))
      : null)));
}

// ----- the loop ---------------------------------------------------------------------------

function render() {
  const s = view.state;
  if (!s) return;
  // Re-rendering replaces elements: keep the keyboard focus on the same control.
  const focused = document.activeElement && document.activeElement.id;
  const d = s.discord;
  if (view.channel === null || !d.channels.some((c) => c.id === view.channel)) {
    const cs = d.channels.find((c) => c.name === "customer-service");
    view.channel = cs ? cs.id : d.channels[0].id;
  }
  $("#player-name").textContent = d.player.name;
  if (d.player.locale && $("#player-locale").value !== d.player.locale) $("#player-locale").value = d.player.locale;
  $("#agent-name").textContent = s.flex.agent.name;
  renderChannels(d);
  renderMessages(d);
  renderModal(d);
  renderTasks(s.flex);
  renderConversation(s.flex);
  renderCases(s.cases);
  const incoming = s.flex.tasks.filter((t) => !t.accepted && t.state === "active").length;
  $("#show-flex").textContent = incoming ? "Flex (" + incoming + " waiting)" : "Flex";
  if (focused && document.activeElement && document.activeElement.id !== focused) {
    const again = document.getElementById(focused);
    if (again) again.focus();
  }
  const status = $("#status");
  status.textContent = s.bridge ? "bridge running" : "starting the bridge…";
  status.classList.toggle("live", !!s.bridge);
}

let refreshing = null;
let again = false;
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      try {
        const res = await fetch("/ui/state");
        if (res.ok) { view.state = await res.json(); render(); }
      } catch (_) { /* the server is restarting; the next event retries */ }
    } while (again);
  })();
  try { await refreshing; } finally { refreshing = null; }
}

function connect() {
  const events = new EventSource("/ui/events");
  events.addEventListener("changed", () => refresh());
  events.onopen = () => refresh();
  events.onerror = () => { $("#status").textContent = "reconnecting…"; };
}

document.querySelectorAll("[data-command]").forEach((b) =>
  b.addEventListener("click", () => runCommand(b.dataset.command)));
document.querySelectorAll("[data-show]").forEach((b) => b.addEventListener("click", () => {
  $("#main").className = "show-" + b.dataset.show;
  document.querySelectorAll("[data-show]").forEach((o) =>
    o.setAttribute("aria-selected", o === b ? "true" : "false"));
}));
$("#composer").addEventListener("submit", sendComposer);
// Discord sends the client's language with every interaction; flexcord answers in it and
// remembers it for the DM.
$("#player-locale").addEventListener("change", (ev) =>
  post("/ui/locale", { locale: ev.target.value }, "#discord-error"));
$("#agent-composer").addEventListener("submit", agentSend);
$("#agent-close").addEventListener("click", () =>
  post("/ui/agent/close", { conversation_sid: view.task }, "#flex-error"));
$("#announce-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const answer = await post("/ui/announce",
    { title: $("#announce-title").value, body: $("#announce-body").value }, "#announce-notice");
  // The bridge posts each announcement once: say so rather than appear to ignore the click.
  $("#announce-notice").textContent = answer.status === "duplicate"
    ? "Already announced: the bridge posts the same announcement only once. Change the title or body to post another."
    : "Announced: see #announcements on the Discord side.";
});
connect();
refresh();
