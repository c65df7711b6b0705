// The TaskPilot API over fetch. The token lives in sessionStorage: it is gone when the browser
// session ends, and never reaches a URL or the page.

const TOKEN_KEY = "taskpilot.token";
const tokenWaiters = [];
let askForToken = async () => false;

/** An answer that was not a 2xx, with the server's own message. */
export class ApiError extends Error {
  constructor(status, statusText, message, text) {
    super(message);
    this.status = status;
    this.statusText = statusText;
    this.text = text;
  }

  /** "409 Conflict: Task 2 cannot be canceled in state CANCELED", as the server worded it. */
  get summary() {
    return this.status ? `${this.status} ${this.statusText}: ${this.message}` : this.message;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
  tokenWaiters.splice(0).forEach((resolve) => resolve());
}

/** Resolves the next time the token is set. */
export function tokenChanged() {
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

/** `handler(reason)` asks the user for a token and answers whether one was given. */
export function onTokenNeeded(handler) {
  askForToken = handler;
}

export function authorized(headers = {}) {
  const value = token();
  return value ? { ...headers, Authorization: `Bearer ${value}` } : headers;
}

/** The `message` of a JSON error body, else the text itself. */
export function messageOf(text, status) {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.message === "string") return body.message;
  } catch {
    // Not JSON: the text is the message.
  }
  return text || `HTTP ${status}`;
}

/**
 * Sends one request (`json`: a value, or JSON text already written) and answers
 * `{status, statusText, headers, text}` whatever the status.
 * A 401 asks for a token once and sends the request again with it.
 */
export async function send(method, path, { json, accept = "application/json" } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const init = { method, headers: authorized({ Accept: accept }), cache: "no-store" };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = typeof json === "string" ? json : JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (failure) {
      throw new ApiError(0, "", `TaskPilot cannot be reached: ${failure.message}`, "");
    }
    const text = await response.text();
    if (response.status === 401 && attempt === 0 && (await askForToken(messageOf(text, response.status)))) {
      continue;
    }
    return { status: response.status, statusText: response.statusText, headers: response.headers, text };
  }
}

/** The parsed body of a 2xx answer; any other answer throws an `ApiError`. */
export async function call(method, path, options) {
  const answer = await send(method, path, options);
  if (answer.status < 200 || answer.status > 299) {
    throw new ApiError(answer.status, answer.statusText, messageOf(answer.text, answer.status), answer.text);
  }
  return JSON.parse(answer.text);
}
