// Live connections: the notification stream (SSE) and a post's comments (WebSocket).
// Both authenticate with a fresh single-use ticket for every (re)connection (docs/realtime.md,
// docs/websocket.md), reconnect by themselves with a jittered backoff, and report their state.
import { ApiError, apiBase, refresh, ticket } from "./api.js";

const EVENT_TYPES = [
  "blog.submitted",
  "blog.updated",
  "blog.approved",
  "blog.rejected",
  "blog.deleted",
  "blog.revision_submitted",
  "blog.revision_approved",
  "blog.revision_rejected",
  "comment.created",
  "comment.updated",
  "comment.deleted",
  "feature_request.created",
  "feature_request.status_changed",
  "user.role_changed",
  "user.deactivated",
];

function backoff(attempt) {
  // 0.5 s, 1 s, 2 s ... capped at 5 s, with jitter so a restarted worker's clients spread out.
  const base = Math.min(5000, 500 * 2 ** Math.min(attempt, 4));
  return base / 2 + Math.random() * (base / 2);
}

/**
 * The caller's notification stream. Dispatches every event type as a DOM event (detail: the
 * envelope), "reset" (history was lost: reload what you show), "state" (detail: connecting,
 * live, reconnecting, off) and "ended" (detail: reason; the session is over).
 */
export class NotificationStream extends EventTarget {
  constructor() {
    super();
    this.lastEventId = null;
    this.source = null;
    this.attempt = 0;
    this.timer = null;
    this.running = false;
    this.state = "off";
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
    this.lastEventId = null;
    this.setState("off");
  }

  retry(delay) {
    if (this.source) this.source.close();
    this.source = null;
    if (!this.running) return;
    this.setState("reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay ?? backoff(this.attempt++));
  }

  async connect() {
    if (!this.running) return;
    this.setState(this.attempt ? "reconnecting" : "connecting");
    let fresh;
    try {
      fresh = await ticket("sse");
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 401) return this.end("signed-out");
      return this.retry();
    }
    if (!this.running) return;
    const url = new URL("/api/notifications/sse", apiBase);
    url.searchParams.set("ticket", fresh);
    // Resume exactly after the last event seen: the server replays what we missed, once.
    if (this.lastEventId) url.searchParams.set("last_event_id", this.lastEventId);
    const source = new EventSource(url);
    this.source = source;
    const remember = (event) => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
    };
    source.addEventListener("ready", (event) => {
      remember(event);
      this.attempt = 0;
      this.setState("live");
    });
    source.addEventListener("reset", (event) => {
      remember(event);
      this.dispatchEvent(new CustomEvent("reset", { detail: JSON.parse(event.data) }));
    });
    source.addEventListener("reconnect", (event) => {
      const { reason } = JSON.parse(event.data);
      source.close();
      if (reason === "deactivated") return this.end(reason);
      if (reason === "revoked" || reason === "reauthenticate") {
        // The login ended (logout, refresh-token reuse) or the role changed: a refresh tells
        // which; on a 401 the session is over and api.js signs this tab out.
        return refresh().then(
          () => this.retry(0),
          (exc) => (exc.status === 401 ? this.end(reason) : this.retry()),
        );
      }
      this.retry(reason === "shutdown" ? backoff(0) : 0); // token_expired, max_lifetime ...
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        remember(event);
        this.dispatchEvent(new CustomEvent(type, { detail: JSON.parse(event.data) }));
        this.dispatchEvent(new CustomEvent("event", { detail: JSON.parse(event.data) }));
      });
    }
    // EventSource would reconnect by itself with the same URL, whose ticket is spent: close it
    // and reconnect with a new ticket instead.
    source.onerror = () => this.retry();
  }

  end(reason) {
    this.stop();
    this.dispatchEvent(new CustomEvent("ended", { detail: reason }));
  }
}

/**
 * Live comments of one post. Dispatches "state" (connecting, live, reconnecting, closed),
 * "comments" (detail: the list, oldest first), "presence" (count), "typing" (user),
 * "problem" (message) and "ended" (close code; no reconnect).
 */
export class LiveComments extends EventTarget {
  constructor(blogId) {
    super();
    this.blogId = blogId;
    this.comments = new Map(); // id -> comment
    this.pending = new Map(); // client_id -> {client_id, body}
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.running = false;
    this.lastTyping = 0;
    this.me = null;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  start() {
    this.running = true;
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
  }

  list() {
    const done = [...this.comments.values()].sort((a, b) => a.id - b.id);
    const waiting = [...this.pending.values()].map((p) => ({
      id: `pending-${p.client_id}`,
      pending: true,
      body: p.body,
      author: this.me,
    }));
    return [...done, ...waiting];
  }

  changed() {
    this.emit("comments", this.list());
  }

  retry() {
    this.socket = null;
    if (!this.running) return;
    this.emit("state", "reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), backoff(this.attempt++));
  }

  async connect() {
    if (!this.running) return;
    this.emit("state", this.attempt ? "reconnecting" : "connecting");
    let fresh;
    try {
      fresh = await ticket("ws");
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 401) return this.end(4401);
      return this.retry();
    }
    if (!this.running) return;
    const url = new URL(`/api/blogs/${this.blogId}/ws`, apiBase);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("ticket", fresh);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      if (event.code === 4403 || event.code === 4404) return this.end(event.code);
      if (event.code === 4401) {
        // Token expired (refresh and go on) or session revoked (refresh fails: signed out).
        return refresh().then(
          () => this.retry(),
          (exc) => (exc.status === 401 ? this.end(4401) : this.retry()),
        );
      }
      this.retry(); // 1001 (worker going away), 1006 (it died), 1011, 1013, 4408, 4429 ...
    };
  }

  end(code) {
    this.stop();
    this.emit("state", "closed");
    this.emit("ended", code);
  }

  receive(msg) {
    switch (msg.type) {
      case "hello":
        this.me = msg.user;
        this.attempt = 0;
        this.emit("state", "live");
        // Comments sent but not acknowledged before a drop: send them again with the same
        // client_id; the server stores each once and acks the retry.
        for (const p of this.pending.values()) this.sendRaw({ type: "comment.create", ...p });
        break;
      case "history":
        // The newest comments as of now: what was missed while disconnected is in here.
        for (const c of msg.comments) this.comments.set(c.id, c);
        this.changed();
        break;
      case "presence":
        this.emit("presence", msg.count);
        break;
      case "comment.created":
      case "comment.updated":
      case "comment.deleted":
        this.comments.set(msg.comment.id, msg.comment);
        this.changed();
        break;
      case "comment.ack":
        this.pending.delete(msg.client_id);
        this.comments.set(msg.comment.id, msg.comment);
        this.changed();
        break;
      case "typing":
        this.emit("typing", msg.user);
        break;
      case "ping":
        this.sendRaw({ type: "pong" });
        break;
      case "reset":
        // Events may have been missed: reconnect, which starts with a fresh `history`.
        if (this.socket) this.socket.close(1000);
        this.retry();
        break;
      case "error":
        if (msg.client_id && msg.code !== "rate-limited") this.pending.delete(msg.client_id);
        this.emit("problem", msg.detail || msg.code);
        this.changed();
        break;
      default:
        break;
    }
  }

  sendRaw(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  /** Post a comment; kept until acknowledged, so a drop before the ack loses nothing. */
  send(body, clientId) {
    const message = { client_id: clientId, body };
    this.pending.set(clientId, message);
    this.sendRaw({ type: "comment.create", ...message });
    this.changed();
  }

  typing() {
    const now = Date.now();
    if (now - this.lastTyping < 2000) return; // the server drops more than one per 2 s anyway
    this.lastTyping = now;
    this.sendRaw({ type: "typing" });
  }
}
