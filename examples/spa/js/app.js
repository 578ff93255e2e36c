// The reference client: hash routes, one view at a time, live updates from one notification
// stream (SSE) and, on a post's page, its comments socket (WebSocket). No framework, no build.
//
// Mailed links land here with FRONTEND_URL set to this page's address followed by "#" (e.g.
// https://blog.example.com/demo/#): the API appends /verify-email?token=..., /reset-password?
// token=... or /oidc/callback#login_code=..., which makes them hash routes of this page, so any
// static file server works and the token never reaches a server's access log.
import * as auth from "./api.js";
import { ApiError, api, apiUrl, randomId } from "./api.js";
import { LiveComments, NotificationStream } from "./realtime.js";

const $ = (selector, root = document) => root.querySelector(selector);
const view = $("#view");
const stream = new NotificationStream();
let cleanups = [];

/** Build an element: h("button", {type: "button", onclick}, "Save"). Text is never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute("aria-describedby", `${id}-hint`);
  return h("div", { class: "field" }, h("label", { for: id }, label), input,
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

function alertBox() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

function showError(box, exc) {
  box.hidden = false;
  box.textContent = exc instanceof ApiError ? exc.message : String(exc);
}

function toast(text, kind = "info") {
  // Click (or tap) to dismiss; they go by themselves after a while. The log keeps at most four.
  const item = h("div", { class: `toast ${kind}`, onclick: () => item.remove() }, text);
  const log = $("#toasts");
  log.append(item);
  while (log.children.length > 4) log.firstElementChild.remove();
  setTimeout(() => item.remove(), 8000);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function onStream(type, handler) {
  stream.addEventListener(type, handler);
  cleanups.push(() => stream.removeEventListener(type, handler));
}

function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

function requireUser() {
  if (auth.user()) return true;
  location.hash = "#/login";
  return false;
}

// A message for the next view (e.g. "password changed" shown by the login page).
let notice = "";

function noticeBox() {
  // A live region is announced when its text changes, so the text goes in after it is shown.
  const box = h("p", { class: "notice", role: "status", id: "notice", hidden: !notice });
  const text = notice;
  notice = "";
  if (text) setTimeout(() => { box.textContent = text; }, 50);
  return box;
}

/** Take a token out of the address bar (and this history entry) once the page has read it. */
function forgetToken(path) {
  history.replaceState(history.state, "", location.pathname + location.search + path);
}

// --- session, navigation, connection state ----------------------------------------------------

function updateChrome() {
  const me = auth.user();
  for (const el of document.querySelectorAll("[data-auth]")) {
    const need = el.dataset.auth;
    el.hidden = need === "anon" ? !!me : need === "reviewer" ? !auth.isReviewer() : !me;
  }
  $("#who").textContent = me ? `${me.username} (${me.role.replace("_", " ")})` : "";
}

const STATE_TEXT = {
  off: "Live: off",
  connecting: "Live: connecting…",
  live: "Live: connected",
  reconnecting: "Live: reconnecting…",
};

stream.addEventListener("state", (event) => {
  $("#conn").dataset.state = event.detail;
  $("#conn-text").textContent = STATE_TEXT[event.detail];
});

stream.addEventListener("ended", () => auth.logout());

stream.addEventListener("event", (event) => {
  // Toasts for what happened to me or needs me; my own actions are not news to me.
  const e = event.detail;
  const me = auth.user();
  if (!me || e.actor_id === me.id) return;
  const title = e.data.title ? `“${e.data.title}”` : "";
  const messages = {
    "blog.approved": `Your post ${title} was approved.`,
    "blog.rejected": `Your post ${title} was rejected: ${e.data.reason || ""}`,
    "blog.submitted": `New post to review: ${title}`,
    "blog.updated": `Post to review was edited: ${title}`,
    "comment.created": `New comment on your post from ${e.data.author?.username ?? "someone"}.`,
    "feature_request.status_changed": `Feature request ${title} is now ${e.data.new_status}.`,
  };
  // Authors hear about their posts' decisions; reviewers about the queue.
  const decision = e.type === "blog.approved" || e.type === "blog.rejected";
  if (e.type.startsWith("blog.") && decision === auth.isReviewer()) return;
  if (messages[e.type]) toast(messages[e.type], e.type === "blog.rejected" ? "warn" : "info");
});

auth.session.addEventListener("change", (event) => {
  updateChrome();
  if (event.detail.user) {
    stream.start();
  } else {
    stream.stop();
    if (event.detail.reason === "session-ended") {
      toast("Your session ended (signed out everywhere). Please log in again.", "warn");
    }
    if (location.hash === "#/login") route();
    else location.hash = "#/login"; // hashchange renders it
  }
});

$("#logout").addEventListener("click", async () => {
  await auth.logout();
});

// --- views ----------------------------------------------------------------------------------

function postItem(post) {
  return h("li", { class: "card" },
    h("h2", {}, h("a", { href: `#/post/${post.id}` }, post.title)),
    h("p", { class: "meta" }, `by ${post.author.username} · ${when(post.published_at || post.created_at)}`,
      post.tags.length ? ` · ${post.tags.join(", ")}` : ""),
    h("p", {}, post.excerpt));
}

async function viewPosts() {
  const list = h("ul", { class: "cards", id: "posts", "aria-label": "Published posts" });
  const status = h("p", { class: "hint", role: "status" });
  const more = h("button", { type: "button", id: "more" }, "Load more");
  const box = alertBox();
  view.replaceChildren(heading("Posts"), box, list, status, more);
  let cursor = null;
  let done = false;
  let loading = false;
  async function load() {
    if (loading || done) return;
    loading = true;
    status.textContent = "Loading…";
    try {
      const params = new URLSearchParams({ limit: "10" });
      if (cursor) params.set("cursor", cursor);
      const page = await api(`/api/blogs?${params}`);
      list.append(...page.items.map(postItem));
      cursor = page.next_cursor;
      done = !cursor;
      status.textContent = done ? (list.children.length ? "That is everything." : "No posts yet.") : "";
      more.hidden = done;
    } catch (exc) {
      showError(box, exc);
      status.textContent = "";
    } finally {
      loading = false;
    }
  }
  more.addEventListener("click", load);
  // Infinite scroll: the next page loads when the end of the list comes into view (the button
  // does the same for keyboard and screen-reader users).
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) load();
  }, { rootMargin: "200px" });
  observer.observe(more);
  cleanups.push(() => observer.disconnect());
  await load();
}

function commentItem(c) {
  if (c.deleted) return h("li", { class: "comment deleted" }, "(deleted)");
  return h("li", { class: c.pending ? "comment pending" : "comment", dataset: { id: c.id } },
    h("span", { class: "who" }, c.author ? c.author.username : "?"), " ",
    h("span", { class: "body" }, c.body),
    c.pending ? h("span", { class: "hint" }, " (sending…)") : null);
}

async function viewPost(id) {
  const box = alertBox();
  view.replaceChildren(heading("Post"), box);
  let post;
  try {
    post = await api(`/api/blogs/${id}`);
  } catch (exc) {
    return showError(box, exc);
  }
  const article = h("article", { class: "post" },
    h("p", { class: "meta" }, `by ${post.author.username} · ${when(post.published_at)} · ${post.status}`),
    ...post.images.map((img) => h("img", { src: apiUrl(img.url), alt: `Image ${img.id} of the post`, width: img.width, height: img.height })));
  const content = h("div", { class: "content" });
  // content_html is rendered and sanitised by the API (raw HTML in markdown is shown as text).
  content.innerHTML = post.content_html;
  article.append(content);
  view.replaceChildren(heading(post.title), box, article);
  $("h1", view).id = "post-title";

  const list = h("ol", { class: "comments", id: "comments", role: "log", "aria-label": "Comments" });
  const section = h("section", { "aria-labelledby": "comments-heading", class: "chat" },
    h("h2", { id: "comments-heading" }, "Comments"));
  view.append(section);
  if (!auth.user()) {
    const page = await api(`/api/blogs/${id}/comments?limit=100`);
    list.append(...page.items.map(commentItem));
    section.append(list, h("p", {}, h("a", { href: "#/login" }, "Log in"), " to join the conversation."));
    return;
  }
  const chatState = h("p", { id: "chat-state", class: "conn", role: "status", dataset: { state: "connecting" } }, "Chat: connecting…");
  const presence = h("p", { id: "presence", "aria-live": "polite" });
  const typing = h("p", { id: "typing", class: "hint", "aria-live": "polite" });
  const input = h("textarea", { rows: 2, maxlength: 5000, required: true });
  const problem = alertBox();
  const form = h("form", { class: "comment-form" },
    field("comment-body", "Write a comment", input),
    h("button", { type: "submit" }, "Send"), problem);
  section.append(chatState, presence, list, typing, form);

  const live = new LiveComments(id);
  cleanups.push(() => live.stop());
  const stateText = { connecting: "Chat: connecting…", live: "Chat: connected", reconnecting: "Chat: reconnecting…", closed: "Chat: closed" };
  live.addEventListener("state", (e) => {
    chatState.dataset.state = e.detail;
    chatState.textContent = stateText[e.detail];
  });
  live.addEventListener("comments", (e) => list.replaceChildren(...e.detail.map(commentItem)));
  live.addEventListener("presence", (e) => {
    presence.textContent = e.detail === 1 ? "1 person here (you)" : `${e.detail} people here`;
  });
  let typingTimer;
  live.addEventListener("typing", (e) => {
    typing.textContent = `${e.detail.username} is typing…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.textContent = ""; }, 3000);
  });
  live.addEventListener("problem", (e) => showError(problem, e.detail));
  live.addEventListener("ended", (e) => {
    const why = { 4404: "This post is no longer public.", 4403: "Your account is deactivated.", 4401: "Signed out." };
    showError(problem, why[e.detail] || "The chat closed.");
  });
  input.addEventListener("input", () => live.typing());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    problem.hidden = true;
    live.send(body, randomId());
    input.value = "";
    input.focus();
  });
  live.start();
}

async function viewWrite() {
  if (!requireUser()) return;
  let draft = null;
  let draftProblem = "";
  const restoredImages = [];
  try {
    draft = await api("/api/session/draft", { auth: true });
    for (const id of draft.image_ids) {
      try {
        restoredImages.push(await api(`/api/media/${id}`, { auth: true }));
      } catch {
        // deleted since: leave it out
      }
    }
  } catch (exc) {
    draftProblem = exc.status === 503 ? "Drafts are unavailable right now." : `Could not load the draft: ${exc.message}`;
  }
  const title = h("input", { type: "text", maxlength: 200, autocomplete: "off" });
  const content = h("textarea", { rows: 10 });
  const tags = h("input", { type: "text", autocomplete: "off" });
  const file = h("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif" });
  const images = h("ul", { class: "thumbs", "aria-label": "Attached images" });
  const draftStatus = h("p", { id: "draft-status", class: "hint", role: "status" });
  const box = alertBox();
  const verify = h("div", { id: "verify-prompt", class: "prompt", hidden: true });
  const form = h("form", { class: "editor" },
    field("title", "Title", title),
    field("content", "Text (markdown)", content),
    field("tags", "Tags", tags, "Comma-separated, e.g. python, web"),
    field("image", "Attach an image", file, "PNG, JPEG, WebP or GIF"),
    images, draftStatus, box, verify,
    h("button", { type: "submit" }, "Submit for review"));

  const imageIds = [];
  let revision = 0;
  let saveTimer = null;
  let saving = null;
  let dirty = false;

  function addImage(img) {
    imageIds.push(img.id);
    images.append(h("li", {}, h("img", { src: apiUrl(img.url), alt: `Attached image ${img.id}`, width: 96 })));
  }

  async function saveDraft() {
    if (saving) {
      dirty = true;
      return saving;
    }
    const body = () => ({ title: title.value, content: content.value, image_ids: imageIds, revision });
    saving = (async () => {
      try {
        let saved;
        try {
          saved = await api("/api/session/draft", { method: "POST", auth: true, body: body() });
        } catch (exc) {
          if (exc.status !== 409) throw exc;
          // Saved meanwhile from another tab: this page holds what the user is typing, so it
          // wins; take the current revision and save again.
          revision = (await api("/api/session/draft", { auth: true })).revision;
          saved = await api("/api/session/draft", { method: "POST", auth: true, body: body() });
        }
        revision = saved.revision;
        draftStatus.textContent = `Draft saved at ${new Date().toLocaleTimeString()}`;
      } catch (exc) {
        draftStatus.textContent = exc.status === 503
          ? "Drafts are unavailable right now; your text stays on this page."
          : `Draft not saved: ${exc.message}`;
      } finally {
        saving = null;
      }
      if (dirty) {
        dirty = false;
        await saveDraft();
      }
    })();
    return saving;
  }

  function scheduleSave() {
    draftStatus.textContent = "Unsaved changes…";
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 600);
  }
  cleanups.push(() => {
    if (saveTimer) {
      clearTimeout(saveTimer);
      saveDraft();
    }
  });
  title.addEventListener("input", scheduleSave);
  content.addEventListener("input", scheduleSave);

  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const data = new FormData();
    data.append("file", file.files[0]);
    box.hidden = true;
    try {
      addImage(await api("/api/media", { method: "POST", auth: true, body: data }));
      file.value = "";
      scheduleSave();
    } catch (exc) {
      showError(box, exc);
    }
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    verify.hidden = true;
    clearTimeout(saveTimer);
    saveTimer = null;
    try {
      const body = {
        title: title.value,
        content: content.value,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
        image_ids: imageIds,
      };
      // The Idempotency-Key makes a retried submit (a lost answer) create one post, not two;
      // draft_key deletes the autosaved draft once the post exists.
      const post = await api("/api/blogs?draft_key=current", {
        method: "POST", auth: true, body, headers: { "Idempotency-Key": randomId() },
      });
      toast(`Submitted “${post.title}” for review.`);
      location.hash = "#/mine";
    } catch (exc) {
      if (exc.code !== "email-not-verified") return showError(box, exc);
      // REQUIRE_VERIFIED_EMAIL_TO_POST: the draft stays; offer a new link right here.
      showError(box, `Confirm your email address first: open the link we mailed to ${auth.user().email}, then submit again.`);
      verify.hidden = false;
      verify.replaceChildren(resendControl());
    }
  });

  // Restored before the form is shown, so nothing typed can be overwritten by it.
  if (draft) {
    revision = draft.revision;
    title.value = draft.title;
    content.value = draft.content;
    for (const img of restoredImages) addImage(img);
    if (draft.updated_at) draftStatus.textContent = `Draft restored (saved ${when(draft.updated_at)})`;
  } else {
    draftStatus.textContent = draftProblem;
  }
  view.replaceChildren(heading("Write a post"), form);
}

async function viewMine() {
  if (!requireUser()) return;
  const list = h("ul", { class: "cards", id: "my-posts", "aria-label": "Your posts" });
  const box = alertBox();
  view.replaceChildren(heading("My posts"), box, list);
  async function load() {
    try {
      const page = await api("/api/blogs?mine=true&limit=50", { auth: true });
      list.replaceChildren(...page.items.map((post) => h("li", { class: "card", dataset: { id: post.id, status: post.status } },
        h("h2", {}, post.status === "approved" ? h("a", { href: `#/post/${post.id}` }, post.title) : post.title),
        h("p", { class: `badge ${post.status}` }, post.status),
        post.status === "rejected" || post.status === "pending"
          ? h("p", {}, h("a", { href: `#/edit/${post.id}` }, post.status === "rejected" ? `Edit and resubmit “${post.title}”` : `Edit “${post.title}”`))
          : null)));
      if (!page.items.length) list.append(h("li", {}, "Nothing yet: ", h("a", { href: "#/write" }, "write a post"), "."));
    } catch (exc) {
      showError(box, exc);
    }
  }
  for (const type of ["blog.approved", "blog.rejected", "blog.submitted", "blog.deleted", "reset"]) onStream(type, load);
  await load();
}

async function viewEdit(id) {
  if (!requireUser()) return;
  const box = alertBox();
  view.replaceChildren(heading("Edit post"), box);
  let res;
  let post;
  try {
    ({ res, data: post } = await api(`/api/blogs/${id}`, { auth: true, raw: true }));
  } catch (exc) {
    return showError(box, exc);
  }
  const etag = res.headers.get("ETag"); // readable cross-origin: the API exposes it (CORS)
  const title = h("input", { type: "text", value: post.title, maxlength: 200 });
  const content = h("textarea", { rows: 10 });
  content.value = post.content;
  const tags = h("input", { type: "text", value: post.tags.join(", ") });
  const form = h("form", { class: "editor" },
    post.rejection_reason ? h("p", { class: "warn", id: "rejection" }, `Rejected: ${post.rejection_reason}`) : null,
    field("title", "Title", title),
    field("content", "Text (markdown)", content),
    field("tags", "Tags", tags, "Comma-separated"),
    h("button", { type: "submit" }, post.status === "rejected" ? "Resubmit for review" : "Save"));
  view.append(form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    try {
      await api(`/api/blogs/${id}`, {
        method: "PUT", auth: true, headers: etag ? { "If-Match": etag } : {},
        body: {
          title: title.value, content: content.value,
          tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
          image_ids: post.images.map((i) => i.id),
        },
      });
      toast("Resubmitted for review.");
      location.hash = "#/mine";
    } catch (exc) {
      showError(box, exc.status === 412 ? "The post changed meanwhile: reload the page." : exc);
    }
  });
}

async function viewReview() {
  if (!requireUser()) return;
  if (!auth.isReviewer()) {
    view.replaceChildren(heading("Review queue"), h("p", {}, "Only approvers see the review queue."));
    return;
  }
  const list = h("ul", { class: "cards", id: "queue", "aria-label": "Posts waiting for review", "aria-live": "polite" });
  const box = alertBox();
  const empty = h("p", { class: "hint", id: "queue-empty" }, "Nothing to review.");
  view.replaceChildren(heading("Review queue"), h("p", { class: "hint" }, "New submissions appear here live."), box, empty, list);
  const items = new Map();

  function refreshEmpty() {
    empty.hidden = items.size > 0;
  }

  function render(post) {
    const reason = h("textarea", { rows: 2, maxlength: 2000 });
    const problem = alertBox();
    const full = h("div", { class: "content" });
    const details = h("details", {}, h("summary", {}, "Full text"), full);
    details.addEventListener("toggle", async () => {
      if (!details.open || full.childNodes.length) return;
      const data = await api(`/api/blogs/${post.id}`, { auth: true });
      full.innerHTML = data.content_html; // sanitised by the API
    });
    const decide = async (action, body) => {
      problem.hidden = true;
      try {
        await api(`/api/blogs/${post.id}/${action}`, { method: "POST", auth: true, body });
        remove(post.id);
        toast(action === "approve" ? `Approved “${post.title}”.` : `Rejected “${post.title}”.`);
      } catch (exc) {
        if (exc.status === 409 || exc.status === 404) remove(post.id);
        else showError(problem, exc);
      }
    };
    const reasonId = `reason-${post.id}`;
    const item = h("li", { class: "card", dataset: { id: post.id } },
      h("h2", {}, post.title),
      h("p", { class: "meta" }, `by ${post.author.username} · submitted ${when(post.submitted_at)}`),
      h("p", {}, post.excerpt), details,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "approve", onclick: () => decide("approve") }, `Approve “${post.title}”`)),
      h("form", { class: "reject", onsubmit: (e) => { e.preventDefault(); decide("reject", { reason: reason.value }); } },
        field(reasonId, `Reason for rejecting “${post.title}”`, reason),
        h("button", { type: "submit" }, "Reject")),
      problem);
    return item;
  }

  function upsert(post) {
    const el = render(post);
    const old = items.get(post.id);
    if (old) old.replaceWith(el);
    else list.prepend(el);
    items.set(post.id, el);
    refreshEmpty();
  }

  function remove(id) {
    const el = items.get(id);
    if (el) el.remove();
    items.delete(id);
    refreshEmpty();
  }

  async function load() {
    try {
      const page = await api("/api/blogs?status=pending&limit=100", { auth: true });
      for (const el of items.values()) el.remove();
      items.clear();
      for (const post of page.items.reverse()) upsert(post);
    } catch (exc) {
      showError(box, exc);
    }
    refreshEmpty();
  }

  const fetchOne = async (event) => {
    const id = event.detail.subject.id;
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const post = await api(`/api/blogs/${id}`, { auth: true });
        if (post.status === "pending") upsert(post);
        else remove(id);
        return;
      } catch (exc) {
        if (exc.status === 404 || exc.status === 403) return remove(id);
        // Network or server trouble (a worker going away): the post is still to be reviewed.
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
    showError(box, `Could not load post ${id}; reload the queue.`);
  };
  onStream("blog.submitted", fetchOne);
  onStream("blog.updated", fetchOne);
  for (const type of ["blog.approved", "blog.rejected", "blog.deleted"]) onStream(type, (e) => remove(e.detail.subject.id));
  onStream("reset", load);
  await load();
}

async function viewFeatures() {
  if (!requireUser()) return;
  const list = h("ul", { class: "cards", id: "features", "aria-label": "Feature requests" });
  const box = alertBox();
  const title = h("input", { type: "text", maxlength: 200, required: true });
  const description = h("textarea", { rows: 3, required: true });
  const form = h("form", { class: "editor" }, h("h2", {}, "Suggest a feature"),
    field("fr-title", "Title", title), field("fr-description", "Description", description),
    h("button", { type: "submit" }, "Submit request"));
  view.replaceChildren(heading("Feature requests"), box, list, form);

  function item(fr) {
    const vote = h("button", { type: "button", "aria-pressed": String(fr.voted), class: "vote" },
      `${fr.voted ? "Voted" : "Vote"} (${fr.vote_count})`);
    vote.setAttribute("aria-label", `${fr.voted ? "Remove your vote for" : "Vote for"} “${fr.title}”, ${fr.vote_count} votes`);
    vote.addEventListener("click", async () => {
      try {
        const updated = await api(`/api/feature-requests/${fr.id}/vote`, { method: fr.voted ? "DELETE" : "POST", auth: true });
        const fresh = item(updated);
        el.replaceWith(fresh);
        $("button.vote", fresh).focus();
      } catch (exc) {
        showError(box, exc);
      }
    });
    const el = h("li", { class: "card", dataset: { id: fr.id } },
      h("h2", {}, fr.title), h("p", { class: "meta" }, `${fr.status} · by ${fr.author.username}`),
      h("p", {}, fr.description), fr.response ? h("p", { class: "hint" }, `Answer: ${fr.response}`) : null, vote);
    return el;
  }

  async function load() {
    try {
      const page = await api("/api/feature-requests?sort=votes&limit=50", { auth: true });
      list.replaceChildren(...page.items.map(item));
    } catch (exc) {
      showError(box, exc);
    }
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    try {
      await api("/api/feature-requests", { method: "POST", auth: true, body: { title: title.value, description: description.value } });
      title.value = "";
      description.value = "";
      await load();
    } catch (exc) {
      showError(box, exc);
    }
  });
  await load();
}

// --- signing in and the account flows ---------------------------------------------------------

const OIDC_ERRORS = {
  invalid_state: "This sign-in expired or was already used: start again.",
  invalid_id_token: "The provider's answer could not be verified: start again.",
  email_not_verified: "The provider has not confirmed your email address, so it cannot sign you in here.",
  provider_refused: "The sign-in was cancelled at the provider.",
  account_inactive: "This account is deactivated.",
};

/**
 * The second login step (after a password, or a provider, was accepted for an account with
 * two-factor on): a code from the authenticator app or a recovery code. `restart(message)`
 * goes back to the first step: after five wrong codes, or when the step's time is up, the API
 * wants a new login.
 */
function secondFactorForm(challenge, restart) {
  const deadline = Date.now() + challenge.expires_in * 1000;
  const code = h("input", {
    type: "text", autocomplete: "one-time-code", autocapitalize: "off", spellcheck: "false",
    required: true, maxlength: 16,
  });
  const box = alertBox();
  const form = h("form", { class: "editor", "aria-labelledby": "second-factor-heading" },
    h("h2", { id: "second-factor-heading" }, "Two-step verification"),
    h("p", {}, "Enter the code your authenticator app shows now, or one of your recovery codes."),
    field("second-factor-code", "Authentication code", code, "Six digits, or a recovery code such as abcde-12345"),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, "Verify"),
      h("button", { type: "button", class: "secondary", onclick: () => restart("") }, "Start again")),
    box);
  let wrong = 0;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    if (Date.now() > deadline) return restart("The code step timed out: log in again.");
    try {
      await auth.loginSecondFactor(challenge, code.value.trim());
      location.hash = "#/";
    } catch (exc) {
      wrong += 1;
      if (exc.status === 401 && wrong >= 5) return restart("Too many wrong codes: log in again.");
      showError(box, exc);
      code.select();
      code.focus();
    }
  });
  // Called once the form is in the page: keyboard and screen-reader users continue here.
  form.focusCode = () => code.focus();
  return form;
}

/** "Sign in with ..." buttons for the OpenID Connect providers the API lists (if any). */
function providerButtons() {
  const box = alertBox();
  const section = h("section", { class: "providers", "aria-labelledby": "providers-heading", hidden: true },
    h("h2", { id: "providers-heading" }, "Or sign in with"));
  auth.oidcProviders().then((providers) => {
    if (!providers.length) return;
    section.append(...providers.map((p) => h("button", {
      type: "button", class: "secondary",
      onclick: async () => {
        box.hidden = true;
        try {
          await auth.oidcStart(p.name); // leaves the page
        } catch (exc) {
          showError(box, exc);
        }
      },
    }, `Sign in with ${p.label}`)), box);
    section.hidden = false;
  }).catch(() => {
    // No providers shown: password login still works.
  });
  return section;
}

/** "Send a new verification link", with what happened announced next to it. */
function resendControl() {
  const status = h("p", { class: "hint", role: "status" });
  const box = alertBox();
  const button = h("button", { type: "button", class: "secondary" }, "Send a new verification link");
  button.addEventListener("click", async () => {
    box.hidden = true;
    status.textContent = "";
    try {
      await auth.resendVerification();
      status.textContent = `A new link is on its way to ${auth.user().email}. Earlier links no longer work.`;
    } catch (exc) {
      if (exc.code === "already-verified") {
        await auth.reloadUser();
        status.textContent = "Your address is already confirmed.";
      } else {
        showError(box, exc);
      }
    }
  });
  return h("div", { class: "resend" }, button, status, box);
}

function viewLogin() {
  if (auth.user()) {
    location.hash = "#/";
    return;
  }
  const email = h("input", { type: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", autocomplete: "current-password", required: true });
  const loginBox = alertBox();
  const loginForm = h("form", { class: "editor", "aria-labelledby": "login-heading" },
    h("h2", { id: "login-heading" }, "Log in"),
    field("login-email", "Email", email), field("login-password", "Password", password),
    h("button", { type: "submit" }, "Log in"), loginBox);
  const firstStep = [loginForm, h("p", {}, h("a", { href: "#/forgot-password" }, "Forgot your password?")), providerButtons()];
  const column = h("div", { class: "stack" }, ...firstStep);
  loginForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    loginBox.hidden = true;
    try {
      const result = await auth.login(email.value, password.value);
      if (result.user) {
        location.hash = "#/";
        return;
      }
      const step = secondFactorForm(result.challenge, (message) => {
        column.replaceChildren(...firstStep);
        password.value = "";
        if (message) showError(loginBox, message);
        password.focus();
      });
      column.replaceChildren(step);
      step.focusCode();
    } catch (exc) {
      showError(loginBox, exc);
    }
  });

  const regEmail = h("input", { type: "email", autocomplete: "email", required: true });
  const username = h("input", { type: "text", autocomplete: "username", required: true, pattern: "[A-Za-z0-9_.\\-]{3,32}" });
  const regPassword = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 12 });
  const regBox = alertBox();
  const regForm = h("form", { class: "editor", "aria-labelledby": "register-heading" },
    h("h2", { id: "register-heading" }, "Create an account"),
    field("reg-email", "Email", regEmail), field("reg-username", "Username", username, "3 to 32 letters, digits, . _ -"),
    field("reg-password", "Password", regPassword, "At least 12 characters, a letter and something else; not a common password"),
    h("button", { type: "submit" }, "Create account"), regBox);
  regForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    regBox.hidden = true;
    try {
      await auth.register(regEmail.value, username.value, regPassword.value);
      toast(`Welcome! To confirm your address, open the link we mailed to ${regEmail.value}.`);
      location.hash = "#/";
    } catch (exc) {
      showError(regBox, exc);
    }
  });
  view.replaceChildren(heading("Welcome"), noticeBox(), h("div", { class: "two" }, column, regForm));
}

function viewForgotPassword() {
  const email = h("input", { type: "email", autocomplete: "email", required: true });
  const status = h("p", { id: "forgot-status", role: "status" });
  const box = alertBox();
  const form = h("form", { class: "editor", "aria-label": "Ask for a reset link" },
    h("p", {}, "Enter the address of your account: we mail it a link to choose a new password."),
    field("forgot-email", "Email", email),
    h("button", { type: "submit" }, "Send me a reset link"), box);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    status.textContent = "";
    try {
      await auth.forgotPassword(email.value);
      // The API answers the same whether or not the address has an account, and so does this.
      status.textContent = `If an account uses ${email.value}, a link is on its way. It works once and for a short time; a newer request replaces it.`;
    } catch (exc) {
      showError(box, exc);
    }
  });
  view.replaceChildren(heading("Forgot your password?"), form, status,
    h("p", {}, h("a", { href: "#/login" }, "Back to log in")));
}

function viewResetPassword(token) {
  forgetToken("#/reset-password");
  const box = alertBox();
  if (!token) {
    view.replaceChildren(heading("Choose a new password"), box,
      h("p", {}, h("a", { href: "#/forgot-password" }, "Ask for a new link")));
    return showError(box, "This address has no reset token: open the link from the mail again.");
  }
  const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 12 });
  const again = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 12 });
  const retry = h("p", { hidden: true }, h("a", { href: "#/forgot-password" }, "Ask for a new link"));
  const form = h("form", { class: "editor", "aria-label": "Choose a new password" },
    field("reset-password", "New password", password, "At least 12 characters, a letter and something else; not a common password"),
    field("reset-again", "Repeat the new password", again),
    h("button", { type: "submit" }, "Set the new password"), box, retry);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    box.hidden = true;
    if (password.value !== again.value) {
      showError(box, "The two passwords differ.");
      again.focus();
      return;
    }
    try {
      await auth.resetPassword(token, password.value);
    } catch (exc) {
      if (exc.code === "invalid-token") {
        showError(box, "This link is invalid, already used or expired: ask for a new one.");
        retry.hidden = false;
      } else {
        showError(box, exc); // weak-password: the link still works, try another password
        password.focus();
      }
      return;
    }
    // The API ended every session of the account; this tab's, if it had one, with them.
    notice = "Your password is changed and every session of your account has ended. Log in with the new password.";
    await auth.logout();
    if (location.hash !== "#/login") location.hash = "#/login";
  });
  view.replaceChildren(heading("Choose a new password"), form);
}

async function viewVerifyEmail(token) {
  forgetToken("#/verify-email");
  const status = h("p", { id: "verify-status", role: "status" });
  const box = alertBox();
  const next = h("div");
  view.replaceChildren(heading("Confirm your email address"), status, box, next);
  const offerResend = () => next.replaceChildren(auth.user()
    ? resendControl()
    : h("p", {}, h("a", { href: "#/login" }, "Log in"), " to ask for a new link."));
  if (!token) {
    showError(box, "This address has no token: open the link from the mail again.");
    return offerResend();
  }
  status.textContent = "Checking the link…";
  try {
    const account = await auth.verifyEmail(token);
    status.textContent = `Thank you: ${account.email} is confirmed.`;
    next.replaceChildren(h("p", {}, auth.user()
      ? h("a", { href: "#/write" }, "Write a post")
      : h("a", { href: "#/login" }, "Log in")));
  } catch (exc) {
    status.textContent = "";
    showError(box, exc.code === "invalid-token"
      ? "This link is invalid, already used or expired (only the newest link works)."
      : exc);
    offerResend();
  }
}

async function viewOidcCallback(params) {
  forgetToken("#/oidc/callback"); // the login code is single use, but keep it out of history
  const status = h("p", { role: "status" });
  const box = alertBox();
  const next = h("div", { class: "stack" });
  view.replaceChildren(heading("Signing in"), status, box, next);
  const again = () => next.replaceChildren(h("p", {}, h("a", { href: "#/login" }, "Back to log in")));
  const code = params.get("login_code");
  if (!code) {
    showError(box, OIDC_ERRORS[params.get("error")] || "The sign-in did not finish: start again.");
    return again();
  }
  status.textContent = "Signing you in…";
  try {
    const result = await auth.oidcExchange(code);
    if (result.user) {
      location.hash = "#/";
      return;
    }
    status.textContent = "";
    const step = secondFactorForm(result.challenge, (message) => {
      notice = message;
      location.hash = "#/login";
    });
    next.replaceChildren(step);
    step.focusCode();
  } catch (exc) {
    status.textContent = "";
    showError(box, exc);
    again();
  }
}

async function viewAccount() {
  if (!requireUser()) return;
  try {
    await auth.reloadUser(); // the address may have been confirmed in another tab
  } catch {
    // shown as last known
  }
  const me = auth.user();
  const emailSection = h("section", { "aria-labelledby": "email-heading", class: "card" },
    h("h2", { id: "email-heading" }, "Email address"),
    h("p", {}, `${me.email} `, h("span", { id: "email-state", class: `badge ${me.email_verified ? "approved" : "pending"}` },
      me.email_verified ? "confirmed" : "not confirmed")),
    me.email_verified ? null : h("p", { class: "hint" },
      "Open the link we mailed you to confirm it (this site may ask for that before you post)."),
    me.email_verified ? null : resendControl());
  view.replaceChildren(heading("Your account"), h("p", { class: "meta" }, `${me.username} · ${me.role.replace("_", " ")}`),
    emailSection, twoFactorSection(me));
}

function twoFactorSection(me) {
  const holder = h("div");
  const box = alertBox();
  const section = h("section", { "aria-labelledby": "tf-heading", class: "card" },
    h("h2", { id: "tf-heading" }, "Two-step verification"), holder, box);
  const codeField = (id, label) => {
    const input = h("input", { type: "text", autocomplete: "one-time-code", autocapitalize: "off", spellcheck: "false", required: true, maxlength: 16 });
    return [input, field(id, label, input)];
  };
  if (me.totp_enabled) {
    const [code, codeRow] = codeField("tf-off-code", "Code from your app (or a recovery code)");
    const form = h("form", { class: "editor", "aria-label": "Turn off two-step verification" },
      codeRow, h("button", { type: "submit", class: "danger" }, "Turn off"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      box.hidden = true;
      try {
        await auth.disableTotp(code.value.trim());
        toast("Two-step verification is off.");
        await route();
      } catch (exc) {
        showError(box, exc);
        code.focus();
      }
    });
    holder.append(h("p", { id: "tf-state" }, "On: logging in asks for a code from your authenticator app."), form);
    return section;
  }
  const start = h("button", { type: "button" }, "Set up an authenticator app");
  holder.append(h("p", { id: "tf-state" }, "Off: your password alone signs you in."), start);
  start.addEventListener("click", async () => {
    box.hidden = true;
    let enrolment;
    try {
      enrolment = await auth.enrolTotp();
    } catch (exc) {
      return showError(box, exc);
    }
    const [code, codeRow] = codeField("tf-code", "Code the app shows");
    const form = h("form", { class: "editor", "aria-label": "Confirm the authenticator app" },
      codeRow, h("button", { type: "submit" }, "Turn on"));
    const title = h("h3", { tabindex: "-1" }, "Add this account to your authenticator app");
    holder.replaceChildren(title,
      h("ol", {},
        h("li", {}, "In the app, add an account with this key: ",
          h("code", { id: "totp-secret", class: "secret" }, enrolment.secret.match(/.{1,4}/g).join(" ")),
          " (on the phone with the app you may ", h("a", { href: enrolment.otpauth_uri }, "open this link"), " instead)."),
        h("li", {}, "Enter the six-digit code it shows.")),
      form);
    title.focus();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      box.hidden = true;
      let codes;
      try {
        codes = await auth.confirmTotp(code.value.trim());
      } catch (exc) {
        showError(box, exc);
        code.focus();
        return;
      }
      const done = h("h3", { tabindex: "-1" }, "Two-step verification is on");
      holder.replaceChildren(done,
        h("p", {}, "Keep these recovery codes somewhere safe. Each one replaces a code from the app once, if you lose your phone. They are shown only now."),
        h("ul", { id: "recovery-codes", class: "codes", "aria-label": "Recovery codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
        h("button", { type: "button", onclick: () => route() }, "I have stored them"));
      done.focus();
    });
  });
  return section;
}

// --- routing --------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/?$/, viewPosts],
  [/^#\/post\/(\d+)$/, (m) => viewPost(Number(m[1]))],
  [/^#\/edit\/(\d+)$/, (m) => viewEdit(Number(m[1]))],
  [/^#\/write$/, viewWrite],
  [/^#\/mine$/, viewMine],
  [/^#\/review$/, viewReview],
  [/^#\/features$/, viewFeatures],
  [/^#\/login$/, viewLogin],
  [/^#\/account$/, viewAccount],
  [/^#\/forgot-password$/, viewForgotPassword],
  // Where mailed links and the end of a provider sign-in land (FRONTEND_URL = this page + "#").
  [/^#\/reset-password$/, (m, params) => viewResetPassword(params.get("token"))],
  [/^#\/verify-email$/, (m, params) => viewVerifyEmail(params.get("token"))],
  [/^#\/oidc\/callback$/, (m, params) => viewOidcCallback(params)],
];

/** "#/path?query", or "#/path#fragment" (the OIDC callback's outcome): {path, params}. */
function parseHash(hash) {
  const [, path, rest] = /^(#[^?#]*)[?#]?(.*)$/.exec(hash || "#/");
  return { path: path || "#/", params: new URLSearchParams(rest) };
}

async function route() {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  delete document.body.dataset.ready; // "true" again once this view has loaded
  const { path, params } = parseHash(location.hash);
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const match = ROUTES.map(([re, fn]) => [path.match(re), fn]).find(([m]) => m);
  try {
    if (match) await match[1](match[0], params);
    else view.replaceChildren(heading("Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the posts")));
  } catch (exc) {
    view.append(h("p", { class: "error", role: "alert" }, exc.message));
  }
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  const title = $("h1", view);
  if (title && document.activeElement === document.body) title.focus();
  else if (title && !view.contains(document.activeElement)) title.focus();
  document.body.dataset.ready = "true";
}

window.addEventListener("hashchange", route);

(async () => {
  try {
    await auth.resume();
  } catch {
    // API unreachable: show the public pages; the next action tries again.
  }
  updateChrome();
  if (auth.user()) stream.start();
  await route();
})();
