// jobmock's dashboard: plain DOM, no build step, no dependency. It speaks only the control
// API (/_jobmock, described by control.yaml) and follows jobs over its event streams, read
// with fetch so the control token and namespace travel as headers, never in a URL.

const CONTROL = "/_jobmock";
const PAGE = 25; // jobs a page shows
const WATCHED = 500; // newest jobs the namespace stream follows
const REFRESH = 2000; // ms between journal, report and clock refreshes
const VIOLATIONS_SHOWN = 200; // the newest violations the table keeps (the rest: GET /_jobmock/violations)

const state = {
  namespace: sessionStorage.getItem("jobmock-namespace") || "",
  token: sessionStorage.getItem("jobmock-token") || "",
  apis: [],
  scenarios: [],
  jobs: new Map(), // id -> JobView, from the namespace stream
  page: 0,
  selected: null,
  clock: null, // {mode, now (ms), frozen, at (performance.now() when read)}
  streams: [],
  proxy: false, // served by `jobmock proxy`: its violations and who answered each request are shown
  violations: [], // the newest first, from the violations stream
};

const $ = (selector) => document.querySelector(selector);

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function headers(extra = {}) {
  const sent = { ...extra };
  if (state.namespace) sent["X-Jobmock-Namespace"] = state.namespace;
  if (state.token) sent["X-Jobmock-Token"] = state.token;
  return sent;
}

function showError(message, where = "#error") {
  // An error is shown next to what caused it (a form's own line), the page-wide line for the rest;
  // a locked control plane is shown as the token prompt, not as an error.
  $(where).textContent = message || "";
}

function failed(where) {
  return (error) => {
    if (!error.locked) showError(error.message, where);
  };
}

function locked() {
  return document.body.classList.contains("locked");
}

async function call(method, path, body) {
  const options = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) options.body = JSON.stringify(body);
  const answer = await fetch(CONTROL + path, options);
  if (answer.status === 401) {
    needToken();
    throw Object.assign(new Error("locked: give the control token"), { locked: true });
  }
  if (!answer.ok) {
    let detail = answer.statusText;
    try {
      detail = (await answer.json()).detail || detail;
    } catch {
      // not a problem document
    }
    throw new Error(`${method} ${path}: ${answer.status} ${detail}`);
  }
  return answer.status === 204 ? null : answer.json();
}

function needToken() {
  // Locked: only the token prompt shows (no empty lists, no error line).
  document.body.classList.add("locked");
  $("#token-box").hidden = false;
  $("#live").textContent = "locked: give the control token";
  $("#token-error").textContent = state.token ? "That token was refused; give the one jobmock was started with." : "";
  showError("");
}

function unlocked() {
  document.body.classList.remove("locked");
  $("#token-box").hidden = true;
  $("#token-error").textContent = "";
}

// --- event streams ----------------------------------------------------------------------

async function follow(path, onEvent, controller, onOpen) {
  // Reads text/event-stream with fetch; reconnects after a second until aborted.
  while (!controller.signal.aborted) {
    try {
      const answer = await fetch(CONTROL + path, { headers: headers(), signal: controller.signal });
      if (answer.status === 401) {
        needToken();
        return;
      }
      if (answer.status === 404) return; // the job is gone
      if (!answer.ok) throw new Error(`${path}: ${answer.status}`);
      $("#live").textContent = "live";
      if (onOpen) onOpen(); // a (re)connected stream starts with the whole picture again
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let kind = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) kind = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) onEvent(kind, JSON.parse(data));
        }
      }
      if (path.startsWith("/jobs/")) return; // a job's stream ends with the job
    } catch (error) {
      if (controller.signal.aborted) return;
      $("#live").textContent = "reconnecting…";
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function stream(path, onEvent, onOpen) {
  const controller = new AbortController();
  state.streams.push(controller);
  follow(path, onEvent, controller, onOpen);
  return controller;
}

// --- APIs and the create form -------------------------------------------------------------

async function loadApis() {
  const [{ apis }, { scenarios }] = await Promise.all([call("GET", "/apis"), call("GET", "/scenarios")]);
  state.apis = apis;
  state.scenarios = scenarios;
  const list = $("#apis");
  list.replaceChildren(
    ...apis.map((api) => {
      const base = api.base_path === "/" ? "" : api.base_path;
      const own = scenarios.filter((s) => s.api === api.name);
      return h(
        "li",
        {},
        h("strong", {}, api.name),
        ` ${api.title} · `,
        h("a", { href: `${base}/openapi.json` }, "openapi.json"),
        h("br"),
        h("span", { class: "muted" }, `states: ${api.states.join(", ")}`),
        h(
          "details",
          {},
          h("summary", {}, `${own.length} scenarios`),
          h("ul", {}, own.map((s) => h("li", {}, h("code", {}, s.name), ` ${s.description}`))),
        ),
      );
    }),
  );
  const select = $("#create-api");
  select.replaceChildren(...apis.map((api) => h("option", { value: api.name }, api.name)));
  fillCreateChoices();
}

function fillCreateChoices() {
  const api = state.apis.find((a) => a.name === $("#create-api").value);
  if (!api) return;
  $("#create-type").replaceChildren(h("option", { value: "" }, "any"), ...api.types.map((t) => h("option", {}, t)));
  const own = state.scenarios.filter((s) => s.api === api.name);
  $("#create-scenario").replaceChildren(h("option", { value: "" }, "none"), ...own.map((s) => h("option", {}, s.name)));
  // no outcome asked: the API's success state (or the config's default scenario)
  const fallback = api.success ? `default (${api.success})` : "default";
  $("#create-outcome").replaceChildren(h("option", { value: "" }, fallback), ...api.terminal.map((t) => h("option", {}, t)));
  $("#create-outcome").disabled = false;
}

async function createJob(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { api: form.get("api") };
  for (const name of ["type", "scenario", "outcome"]) if (form.get(name)) body[name] = form.get(name);
  if (form.get("duration")) body.duration = Number(form.get("duration"));
  if (body.scenario) delete body.outcome;
  try {
    const job = await call("POST", "/jobs", body);
    state.jobs.set(job.id, job);
    state.created = job.id;
    $("#create-result").replaceChildren(
      "Created ",
      h("button", { type: "button", class: "link", onclick: () => select(job.id), "aria-label": `Follow ${job.id}` }, job.id),
      " (",
      h("span", { class: "created-status" }, job.status),
      ").",
    );
    showError("", "#create-error");
    render();
  } catch (error) {
    $("#create-result").textContent = "";
    failed("#create-error")(error);
  }
}

function renderCreated() {
  // The line under the form follows the job it made, as the stream tells (never stale).
  const shown = $("#create-result .created-status");
  if (!shown || !state.created) return;
  const job = state.jobs.get(state.created);
  shown.textContent = job ? `now ${job.status}` : "deleted";
}

// --- jobs ---------------------------------------------------------------------------------

function clockNow() {
  if (!state.clock) return Date.now();
  const running = state.clock.mode === "real" && !state.clock.frozen;
  return state.clock.now + (running ? performance.now() - state.clock.at : 0);
}

function since(iso) {
  return duration((clockNow() - Date.parse(iso)) / 1000);
}

function duration(value) {
  const seconds = Math.max(0, value);
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

function steps(body) {
  if (!body || typeof body !== "object") return "";
  if (Array.isArray(body.steps)) {
    const done = body.steps.filter((s) => s.completed).length;
    const active = body.steps.find((s) => s.active);
    return `${done}/${body.steps.length}${active ? ` · ${active.name}` : ""}`;
  }
  if (Number.isInteger(body.scenes_total)) return `${body.scenes_completed ?? 0}/${body.scenes_total} scenes`;
  return body.progress_stage || body.message || "";
}

function apiOf(job) {
  return state.apis.find((a) => a.name === job.api) || { terminal: [], approval: null };
}

function barKind(job) {
  // A finished job's bar says how it ended: the success state green, a cancel grey, any other end red.
  const api = apiOf(job);
  if (!api.terminal.includes(job.status)) return null;
  if (job.status === api.success) return "bar-succeeded";
  return /cancel/i.test(job.status) ? "bar-cancelled" : "bar-failed";
}

function progressCell(job) {
  if (job.progress === null || job.progress === undefined) return h("td", {}, "—");
  return h(
    "td",
    {},
    h("progress", { max: "100", value: String(job.progress), class: barKind(job), "aria-label": `${job.id} progress` }),
    ` ${Math.round(job.progress)}%`,
  );
}

function jobRow(job) {
  const api = apiOf(job);
  const live = !api.terminal.includes(job.status);
  const waiting = api.approval && job.status === api.approval.state;
  const decide = (verb, label) =>
    h("button", { type: "button", onclick: () => act("POST", `/jobs/${job.id}/${verb}`), "aria-label": `${label} ${job.id}` }, label);
  return h(
    "tr",
    { "data-job": job.id, class: job.id === state.selected ? "selected" : null },
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => select(job.id) }, job.id)),
    h("td", {}, job.api),
    h("td", {}, h("span", { class: `status status-${job.status}` }, job.status)),
    progressCell(job),
    h("td", {}, steps(job.body)),
    h("td", { class: "in-state", "data-since": job.state_since }, since(job.state_since)),
    h("td", {}, job.owner),
    h("td", {}, job.scenario || ""),
    h(
      "td",
      { class: "actions" },
      waiting ? [decide("approve", "Approve"), " ", decide("reject", "Reject"), " "] : null,
      h("button", { type: "button", disabled: !live, onclick: () => act("POST", `/jobs/${job.id}/cancel`), "aria-label": `Cancel ${job.id}` }, "Cancel"),
      " ",
      h("button", { type: "button", onclick: () => act("DELETE", `/jobs/${job.id}`), "aria-label": `Delete ${job.id}` }, "Delete"),
    ),
  );
}

async function act(method, path, where = "#jobs-error") {
  try {
    await call(method, path);
    showError("", where);
  } catch (error) {
    failed(where)(error);
  }
}

function ordered() {
  return [...state.jobs.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

function render() {
  const jobs = ordered();
  const pages = Math.max(1, Math.ceil(jobs.length / PAGE));
  state.page = Math.min(state.page, pages - 1);
  const shown = jobs.slice(state.page * PAGE, (state.page + 1) * PAGE);
  keepingFocus($("#jobs tbody"), (body) => body.replaceChildren(...shown.map(jobRow)));
  $("#page-info").textContent = `page ${state.page + 1} of ${pages} · ${jobs.length} jobs${jobs.length >= WATCHED ? ` (the newest ${WATCHED})` : ""}`;
  $("#newer").disabled = state.page === 0;
  $("#older").disabled = state.page >= pages - 1;
  renderCreated();
  renderDetail();
}

// The table is drawn again on every change the stream tells (a second, under a running job):
// a keyboard user's focus stays on the same control (by its name), not lost with the old row.
function keepingFocus(box, draw) {
  const name = (el) => `${el.tagName}|${el.getAttribute("aria-label") || el.textContent}`;
  const had = box.contains(document.activeElement) ? name(document.activeElement) : null;
  draw(box);
  if (had === null) return;
  const again = [...box.querySelectorAll("button, a, input, select")].find((el) => name(el) === had);
  if (again) again.focus();
}

function select(id) {
  state.selected = id;
  if (state.jobStream) state.jobStream.abort();
  state.selectedBody = undefined;
  state.jobStream = stream(`/jobs/${encodeURIComponent(id)}/events`, (kind, data) => {
    if (kind === "state") state.selectedBody = data;
    if (kind === "deleted") state.selectedBody = null;
    renderDetail();
  });
  render();
}

function renderDetail() {
  const box = $("#job-detail");
  const job = state.jobs.get(state.selected);
  if (!state.selected) return;
  if (!job) {
    box.replaceChildren(h("p", {}, `${state.selected} is gone.`));
    return;
  }
  const body = state.selectedBody === undefined ? job.body : state.selectedBody;
  box.replaceChildren(
    h("h3", {}, `${job.id} · ${job.api}`),
    h("p", {}, "Poll: ", h("code", {}, job.poll_url)),
    h(
      "ol",
      { class: "timeline", "aria-label": "States it went through" },
      job.history.map((step, i) => {
        const next = job.history[i + 1];
        const last = !next && !apiOf(job).terminal.includes(step.status);
        const spent = next
          ? h("span", { class: "spent" }, ` · ${duration((Date.parse(next.at) - Date.parse(step.at)) / 1000)}`)
          : last
            ? h("span", { class: "spent so-far", "data-since": step.at }, ` · ${since(step.at)} so far`)
            : null;
        return h("li", {}, h("span", { class: `status status-${step.status}` }, step.status), ` from ${moment(step.at)}`, spent);
      }),
    ),
    h("h4", {}, "Current vendor body"),
    h("pre", { class: "body" }, JSON.stringify(body, null, 2)),
  );
}

function moment(iso) {
  // whole seconds, as a person reads them: "2026-04-19 10:14:02 UTC"
  return iso.replace(/\.\d+/, "").replace("T", " ").replace(/Z$|\+00:00$/, " UTC");
}

function watchJobs() {
  state.jobs.clear();
  stream(
    `/events?limit=${WATCHED}`,
    (kind, data) => {
      if (kind === "job") state.jobs.set(data.id, data);
      if (kind === "removed") state.jobs.delete(data.id);
      render();
    },
    () => state.jobs.clear(), // jobs removed while the stream was down do not linger
  );
}

// --- clock, journal, report ---------------------------------------------------------------

async function refreshClock() {
  const clock = await call("GET", "/clock");
  const before = state.clock && state.clock.mode;
  state.clock = { ...clock, now: Date.parse(clock.now), at: performance.now() };
  $("#clock-now").textContent = `${clock.mode}${clock.frozen ? ", frozen" : ""} · ${clock.now}`;
  // only when the mode changed: a refresh must not undo a choice the user has not switched to yet
  if (clock.mode !== before) $("#clock-mode").value = clock.mode;
}

async function clockAction(path, body, method = "POST") {
  try {
    await call(method, path, body);
    await refreshClock();
    showError("", "#clock-error");
  } catch (error) {
    failed("#clock-error")(error);
  }
}

async function refreshJournal() {
  const { entries } = await call("GET", "/journal");
  const latest = entries.slice(-50).reverse();
  $("#journal tbody").replaceChildren(
    ...latest.map((e) =>
      h(
        "tr",
        {},
        h("td", {}, e.at),
        h("td", {}, e.client),
        h("td", {}, h("code", {}, `${e.method} ${e.path}${e.query ? `?${e.query}` : ""}`)),
        h("td", {}, e.status ?? "dropped"),
        h("td", {}, e.job_status || ""),
        h("td", {}, e.fault || ""),
        h("td", { class: "proxy-only" }, e.via || ""),
      ),
    ),
  );
  const report = await call("GET", "/journal/report");
  $("#report").textContent = report.text || "No polls yet.";
}

async function refreshAll() {
  if (locked()) return;
  try {
    await Promise.all([refreshClock(), refreshJournal()]);
  } catch (error) {
    failed("#error")(error);
  }
  for (const cell of document.querySelectorAll("td.in-state")) cell.textContent = since(cell.dataset.since);
  for (const spent of document.querySelectorAll(".so-far")) spent.textContent = ` · ${since(spent.dataset.since)} so far`;
}

// --- violations (under jobmock proxy) -----------------------------------------------------

async function detectProxy() {
  // Only `jobmock proxy` answers /violations (`serve` has no upstream to judge): a 404 here
  // leaves the page as `serve`'s.
  const answer = await fetch(`${CONTROL}/violations?limit=1`, { headers: headers() });
  state.proxy = answer.ok;
  document.body.classList.toggle("proxy", state.proxy);
  $("#violations-box").hidden = !state.proxy;
}

function violationRow(v) {
  return h(
    "tr",
    { "data-violation": v.id },
    h("td", {}, moment(v.first_seen)),
    h("td", {}, h("code", {}, v.check)),
    h("td", {}, v.job || ""),
    h("td", {}, h("code", {}, v.request)),
    h("td", {}, v.status),
    h("td", {}, v.expected),
    h("td", {}, v.actual),
  );
}

function renderViolations() {
  const shown = state.violations;
  $("#violations-summary").textContent = shown.length
    ? `${shown.length}${shown.length >= VIOLATIONS_SHOWN ? "+" : ""} found (newest first; all at /_jobmock/violations)`
    : "None found yet.";
  $("#violations tbody").replaceChildren(...shown.map(violationRow));
}

function watchViolations() {
  state.violations = [];
  renderViolations();
  stream(
    "/violations/events",
    (kind, data) => {
      if (kind !== "violation") return;
      state.violations = [data, ...state.violations.filter((v) => v.id !== data.id)].slice(0, VIOLATIONS_SHOWN);
      renderViolations();
    },
    () => {
      state.violations = []; // a reconnected stream sends every kept one again
    },
  );
}

// --- start --------------------------------------------------------------------------------

function restart() {
  for (const controller of state.streams) controller.abort();
  state.streams = [];
  state.selected = null;
  $("#job-detail").replaceChildren(h("p", {}, "Choose a job's id in the list to follow it."));
  watchJobs();
  if (state.proxy) watchViolations();
  refreshAll();
}

function tokenFromFragment() {
  // A link may carry the control token after `#` (never sent to a server); it is kept in
  // this tab and taken out of the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.get("token")) return false;
  state.token = fragment.get("token");
  sessionStorage.setItem("jobmock-token", state.token);
  history.replaceState(null, "", location.pathname);
  return true;
}

async function start() {
  tokenFromFragment();
  window.addEventListener("hashchange", () => {
    if (tokenFromFragment()) boot();
  });
  $("#namespace").value = state.namespace;
  $("#namespace-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.namespace = $("#namespace").value.trim();
    sessionStorage.setItem("jobmock-namespace", state.namespace);
    restart();
  });
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("#token").value;
    sessionStorage.setItem("jobmock-token", state.token);
    boot();
  });
  $("#create-api").addEventListener("change", fillCreateChoices);
  $("#create-scenario").addEventListener("change", () => {
    $("#create-outcome").disabled = Boolean($("#create-scenario").value);
  });
  $("#create-form").addEventListener("submit", createJob);
  $("#newer").addEventListener("click", () => {
    state.page -= 1;
    render();
  });
  $("#older").addEventListener("click", () => {
    state.page += 1;
    render();
  });
  $("#clock-mode-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clockAction("/clock", { mode: $("#clock-mode").value }, "PUT");
  });
  $("#clock-advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clockAction("/clock/advance", { seconds: Number($("#clock-advance").value) });
  });
  $("#clock-set-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clockAction("/clock/set", { time: $("#clock-set").value.trim() });
  });
  $("#clock-freeze").addEventListener("click", () => clockAction("/clock/freeze"));
  $("#clock-resume").addEventListener("click", () => clockAction("/clock/resume"));
  $("#journal-clear").addEventListener("click", () => act("DELETE", "/journal", "#journal-error").then(refreshJournal));
  setInterval(refreshAll, REFRESH);
  await boot();
}

async function boot() {
  try {
    await loadApis();
    await detectProxy();
    unlocked();
    restart();
    showError("");
  } catch (error) {
    failed("#error")(error);
  }
}

start();
