// The task list: newest first, paged with the API's cursor, filtered as the API filters, and
// kept current by the change feed. Every task field is written with textContent, never as HTML.

import { call } from "./api.js";

const PAGE = 50;

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago". */
export function age(isoTime, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** Which of two states of a task is newer: its own changes and its observations both count. */
function version(task) {
  const observed = task.execution ? task.execution.observedAt : "";
  return observed > task.updatedAt ? observed : task.updatedAt;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export function bindingText(task) {
  if (task.schedulerTaskId === null) return "not bound";
  // Events stored before bindingOrigin existed carry none.
  const origin = { CREATED: " · created", ATTACHED: " · attached" }[task.bindingOrigin] ?? "";
  return `DTP task ${task.schedulerTaskId}${origin}`;
}

export class TaskList {
  constructor({ rows, empty, more, onSelect, onError }) {
    Object.assign(this, { rows, empty, more, onSelect, onError });
    this.filters = {};
    this.tasks = new Map();
    this.cursor = null;
    this.selectedId = null;
    // Each reload starts a generation; a page that comes back for an older one is dropped.
    this.generation = 0;
    more.addEventListener("click", () => this.loadMore());
    setInterval(() => this.refreshAges(), 1000);
  }

  query() {
    const parameters = new URLSearchParams({ limit: String(PAGE) });
    for (const [name, value] of Object.entries(this.filters)) {
      if (value) parameters.set(name, value);
    }
    if (this.cursor) parameters.set("cursor", this.cursor);
    return `/api/tasks?${parameters}`;
  }

  async reload(filters = this.filters) {
    const generation = ++this.generation;
    this.filters = filters;
    this.cursor = null;
    const page = await call("GET", this.query());
    if (generation !== this.generation) return;
    this.tasks.clear();
    this.rows.replaceChildren();
    this.append(page);
  }

  async loadMore() {
    const generation = this.generation;
    this.more.disabled = true;
    try {
      const page = await call("GET", this.query());
      if (generation === this.generation) this.append(page);
    } catch (error) {
      this.onError(error);
    } finally {
      this.more.disabled = false;
    }
  }

  append(page) {
    for (const task of page.items) {
      if (this.tasks.has(task.id)) continue;
      this.tasks.set(task.id, task);
      this.rows.append(this.row(task));
    }
    this.cursor = page.nextCursor;
    this.more.hidden = this.cursor === null;
    this.empty.hidden = this.tasks.size > 0;
  }

  /** Whether `task` belongs in the list as filtered, judged as the server judges it. */
  matches(task) {
    const { status, bound, executionStatus, type } = this.filters;
    if (status && task.status !== status) return false;
    if (bound && String(task.schedulerTaskId !== null) !== bound) return false;
    if (type && task.type !== type) return false;
    if (executionStatus) {
      const observed = task.execution ? task.execution.status : "NONE";
      if (!executionStatus.split(",").map((s) => s.trim()).includes(observed)) return false;
    }
    return true;
  }

  /** A task as an event carried it: its row is updated, or added at the top when new. */
  apply(task) {
    const known = this.tasks.get(task.id);
    if (known) {
      if (version(task) < version(known)) return;
      this.tasks.set(task.id, task);
      this.rows.querySelector(`tr[data-task-id="${task.id}"]`)?.replaceWith(this.row(task));
      return;
    }
    const newest = this.tasks.size ? Math.max(...this.tasks.keys()) : 0;
    if (task.id > newest && this.matches(task)) {
      this.tasks.set(task.id, task);
      this.rows.prepend(this.row(task));
      this.empty.hidden = true;
    }
  }

  select(id) {
    this.selectedId = id;
    for (const tr of this.rows.children) {
      tr.classList.toggle("selected", tr.dataset.taskId === String(id));
    }
  }

  row(task) {
    const tr = document.createElement("tr");
    tr.dataset.taskId = String(task.id);
    if (task.id === this.selectedId) tr.classList.add("selected");
    const idCell = document.createElement("td");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "link";
    open.textContent = String(task.id);
    open.setAttribute("aria-label", `Open task ${task.id}`);
    open.addEventListener("click", () => this.onSelect(task.id));
    idCell.append(open);
    tr.append(idCell, cell(task.type, "type"), cell(task.status, "status"), cell(bindingText(task), "binding"));
    const execution = cell("", "execution");
    execution.dataset.status = task.execution ? task.execution.status : "NONE";
    if (task.execution) execution.dataset.observedAt = task.execution.observedAt;
    tr.append(execution);
    this.showAge(execution);
    return tr;
  }

  showAge(td) {
    td.textContent = td.dataset.observedAt ? `${td.dataset.status} · ${age(td.dataset.observedAt)}` : "not observed";
  }

  refreshAges() {
    for (const td of this.rows.querySelectorAll("td.execution")) this.showAge(td);
  }
}
