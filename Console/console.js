// The console's entry point: wires the list, the detail panel, the create form, the token
// dialog and the change feed together.

import { call, onTokenNeeded, setToken, token } from "./api.js";
import { EventFeed } from "./feed.js";
import { TaskDetail } from "./task-detail.js";
import { TaskList } from "./task-list.js";

const $ = (id) => document.getElementById(id);
const message = $("message");

/** Shows an error as the server worded it; `null` clears it. */
function showError(error) {
  message.hidden = !error;
  message.textContent = error ? (error.summary ?? String(error.message ?? error)) : "";
}

const list = new TaskList({
  rows: $("task-rows"),
  empty: $("list-empty"),
  more: $("more-button"),
  onSelect: (id) => openTask(id),
  onError: showError,
});

const detail = new TaskDetail($("detail"), {
  onTask: (task) => list.apply(task),
  onError: showError,
});

async function openTask(id) {
  list.select(id);
  await detail.open(id);
}

async function reloadList() {
  try {
    await list.reload();
    showError(null);
  } catch (error) {
    showError(error);
  }
}

// The token dialog: opened by a 401, or by the header's button. Requests that meet a 401
// while it is open wait for the same answer.
const dialog = $("token-dialog");
let pendingAnswer = null;
let answerDialog = null;

function askForToken(reason) {
  if (pendingAnswer) return pendingAnswer;
  $("token-reason").textContent = `${reason}. The token is kept for this browser session only.`;
  $("token-input").value = "";
  dialog.showModal();
  pendingAnswer = new Promise((resolve) => {
    answerDialog = resolve;
  });
  return pendingAnswer;
}

function closeDialog(given) {
  if (dialog.open) dialog.close();
  answerDialog?.(given);
  answerDialog = null;
  pendingAnswer = null;
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("token-input").value.trim();
  setToken(value);
  closeDialog(value !== "");
});
$("token-cancel").addEventListener("click", () => closeDialog(false));
dialog.addEventListener("cancel", () => closeDialog(false));
$("token-button").addEventListener("click", async () => {
  if (await askForToken(token() ? "Replace the API token" : "Enter the API token")) await reloadList();
});
onTokenNeeded(askForToken);

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const task = await call("POST", "/api/tasks", { json: { type: $("create-type").value, payload: $("create-payload").value } });
    showError(null);
    list.apply(task);
    await openTask(task.id);
  } catch (error) {
    showError(error);
  }
});

$("filter-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await list.reload({
      status: $("filter-status").value,
      bound: $("filter-bound").value,
      executionStatus: $("filter-execution").value.trim(),
      type: $("filter-type").value.trim(),
    });
    showError(null);
  } catch (error) {
    showError(error);
  }
});

const feed = new EventFeed({
  // The list was read before the stream opened: read it once more so that nothing that changed
  // in between is missed. A reconnection resumes with Last-Event-ID and needs no reload, unless
  // no event had come yet (the stream then starts afresh).
  onOpen: () => {
    if (!feed.opened || feed.lastEventId === null) {
      feed.opened = true;
      reloadList();
    }
  },
  onEvent: (type, event) => {
    list.apply(event.task);
    if (event.webTaskId === detail.id) detail.refresh();
  },
  onReset: () => reloadList(),
  onState: (text) => {
    $("feed-state").textContent = text;
  },
});
// The first read asks for a token when the server needs one; the feed waits for it.
reloadList().then(() => feed.run());
