// One task: its fields, the actions on it (bind, query and cancel the execution, cancel the
// web task), the last answer verbatim, its command log and its events.

import { ApiError, call, messageOf, send } from "./api.js";
import { bindingText } from "./task-list.js";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function executionText(execution) {
  if (!execution) return "not observed";
  const parts = [execution.status, `retry state ${execution.retryState ?? "–"}`];
  parts.push(`attempt ${execution.attemptCount ?? "–"} of ${execution.maxAttempts ?? "–"}`);
  if (execution.lastError) parts.push(`last error: ${execution.lastError}`);
  parts.push(`DTP updated ${execution.schedulerUpdatedAt ?? "–"}`, `observed ${execution.observedAt}`);
  return parts.join(" · ");
}

export class TaskDetail {
  /** `onTask(task)` gets each state of the task read here; `onError(error)` each failure (`null` clears). */
  constructor(root, { onTask, onError }) {
    this.root = root;
    Object.assign(this, { onTask, onError });
    this.id = null;
    const $ = (id) => root.querySelector(`#${id}`);
    this.heading = $("detail-heading");
    this.fields = $("detail-fields");
    this.answerStatus = $("answer-status");
    this.answerMessage = $("answer-message");
    this.answerBody = $("answer-body");
    this.commandRows = $("command-rows");
    this.eventList = $("event-list");
    this.bindInput = $("bind-id");
    $("bind-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.bindInput.value.trim();
      if (text !== "" && !/^[0-9]+$/.test(text)) {
        this.onError(new ApiError(0, "", "A scheduler task id is a positive whole number, or empty to create a DTP task.", ""));
        return;
      }
      // Written as it was typed: an id past 2^53 would lose digits as a JavaScript number.
      this.act("POST", "scheduler", text === "" ? undefined : `{"schedulerTaskId":${text}}`);
    });
    $("query-button").addEventListener("click", () => this.act("GET", "execution"));
    $("cancel-execution-button").addEventListener("click", () => this.act("PUT", "execution/cancel"));
    $("cancel-task-button").addEventListener("click", () => this.act("PUT", "cancel"));
  }

  async open(id) {
    this.id = id;
    this.root.hidden = false;
    this.showAnswer(null);
    await this.refresh();
  }

  /** Reads the task, its command log and its events again. */
  async refresh() {
    const id = this.id;
    if (id === null) return;
    try {
      const [task, commands, events] = await Promise.all([
        call("GET", `/api/tasks/${id}`),
        call("GET", `/api/tasks/${id}/commands`),
        this.events(id),
      ]);
      this.onTask(task);
      if (id !== this.id) return;
      this.showTask(task);
      this.showCommands(commands.items);
      this.showEvents(events);
    } catch (error) {
      this.onError(error);
    }
  }

  /** The task's events, oldest first: the feed's JSON pages, followed to the last. The first
   * page names no `after`, so it starts at the oldest event kept (`after=0` would be a reset
   * once old events are pruned). */
  async events(id) {
    const events = [];
    let query = `taskId=${id}`;
    for (;;) {
      const page = await call("GET", `/api/events?${query}`);
      if (page.items.length === 0 || page.reset) return events;
      events.push(...page.items);
      query = `taskId=${id}&after=${page.nextAfter}`;
    }
  }

  /** Sends one action and shows the answer exactly as it came, status and source included. */
  async act(method, path, json) {
    const id = this.id;
    try {
      const answer = await send(method, `/api/tasks/${id}/${path}`, { json });
      this.showAnswer(answer, `${method} /api/tasks/${id}/${path}`);
      if (answer.status >= 400) {
        this.onError(new ApiError(answer.status, answer.statusText, messageOf(answer.text, answer.status), answer.text));
      } else {
        this.onError(null);
      }
    } catch (error) {
      this.onError(error);
    }
    await this.refresh();
  }

  showAnswer(answer, request) {
    if (!answer) {
      this.answerStatus.textContent = "Nothing asked yet.";
      this.answerMessage.textContent = "";
      this.answerBody.textContent = "";
      return;
    }
    const source = answer.headers.get("TaskPilot-Source");
    this.answerStatus.textContent = `${request} → ${answer.status} ${answer.statusText} · ${source ? `TaskPilot-Source: ${source}` : "answered by TaskPilot"}`;
    this.answerMessage.textContent = answer.status >= 400 ? messageOf(answer.text, answer.status) : "";
    this.answerBody.textContent = answer.text;
  }

  showTask(task) {
    this.heading.textContent = `Task ${task.id}`;
    const rows = [
      ["Type", task.type],
      ["Payload", task.payload === "" ? "(empty)" : task.payload],
      ["Status", task.status],
      ["Binding", bindingText(task)],
      ["Execution", executionText(task.execution)],
      ["Created", task.createdAt],
      ["Updated", task.updatedAt],
    ];
    this.fields.replaceChildren(...rows.flatMap(([name, value]) => {
      const dd = element("dd", value);
      dd.dataset.field = name.toLowerCase();
      return [element("dt", name), dd];
    }));
  }

  showCommands(commands) {
    if (commands.length === 0) {
      const row = element("tr");
      const td = element("td", "No command sent to the DTP yet.", "muted");
      td.colSpan = 6;
      row.append(td);
      this.commandRows.replaceChildren(row);
      return;
    }
    this.commandRows.replaceChildren(...commands.map((command) => {
      const row = element("tr");
      const outcome = command.finishedAt === null ? "no answer recorded"
        : `${command.httpStatus ?? "no status"}${command.message ? ` · ${command.message}` : ""}`;
      row.append(
        element("td", String(command.id)),
        element("td", command.command),
        element("td", command.schedulerTaskId === null ? "–" : String(command.schedulerTaskId)),
        element("td", command.startedAt),
        element("td", outcome),
        element("td", command.requestId ?? "–"),
      );
      return row;
    }));
  }

  showEvents(events) {
    this.eventList.replaceChildren(...events.slice().reverse().map((event) => {
      const item = element("li");
      const status = event.task.execution ? ` · execution ${event.task.execution.status}` : "";
      const scheduler = event.scheduler ? ` · DTP ${event.scheduler.status}: ${event.scheduler.message}` : "";
      item.append(element("code", event.type), document.createTextNode(` ${event.at} (#${event.id})${status}${scheduler}`));
      return item;
    }));
  }
}
