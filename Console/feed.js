// The change feed (`GET /api/events`) read with fetch streaming rather than EventSource, which
// cannot send the Authorization header. After a dropped connection it reconnects with the id
// of the last event it saw as `Last-Event-ID`, so nothing is missed or seen twice.

import { authorized, tokenChanged } from "./api.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class EventFeed {
  /**
   * `onOpen()` runs on each (re)connection, `onEvent(type, event)` for each event,
   * `onReset(data)` when the events after our id are gone, `onState(text)` when the state changes.
   */
  constructor({ onOpen, onEvent, onReset, onState }) {
    Object.assign(this, { onOpen, onEvent, onReset, onState });
    this.lastEventId = null;
  }

  async run() {
    let delay = 500;
    for (;;) {
      try {
        const headers = authorized({ Accept: "text/event-stream" });
        if (this.lastEventId !== null) headers["Last-Event-ID"] = this.lastEventId;
        const response = await fetch("/api/events", { headers, cache: "no-store" });
        if (response.status === 401) {
          this.onState("Live updates: waiting for an API token");
          await tokenChanged();
          continue;
        }
        if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
        this.onState("Live updates: on");
        delay = 500;
        this.onOpen();
        await this.read(response.body);
        this.onState("Live updates: reconnecting…");
      } catch (failure) {
        this.onState(`Live updates: reconnecting (${failure.message})…`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  /** One Server-Sent Events frame (WHATWG HTML § 9.2); comments (`: heartbeat`) carry nothing. */
  dispatch(frame) {
    let type = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") this.lastEventId = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    const payload = JSON.parse(data.join("\n"));
    if (type === "reset") this.onReset(payload);
    else this.onEvent(type, payload);
  }
}
