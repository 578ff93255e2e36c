// The reference client: hash routes, one view at a time, live updates from one notification
// stream (SSE) and, on a post's page, its comments socket (WebSocket). No framework, no build.
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
  const form = h("form", { class: "editor" },
    field("title", "Title", title),
    field("content", "Text (markdown)", content),
    field("tags", "Tags", tags, "Comma-separated, e.g. python, web"),
    field("image", "Attach an image", file, "PNG, JPEG, WebP or GIF"),
    images, draftStatus, box,
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
      showError(box, exc);
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
  loginForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    loginBox.hidden = true;
    try {
      await auth.login(email.value, password.value);
      location.hash = "#/";
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
      location.hash = "#/";
    } catch (exc) {
      showError(regBox, exc);
    }
  });
  view.replaceChildren(heading("Welcome"), h("div", { class: "two" }, loginForm, regForm));
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
];

async function route() {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  const hash = location.hash || "#/";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === hash) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const match = ROUTES.map(([re, fn]) => [hash.match(re), fn]).find(([m]) => m);
  try {
    if (match) await match[1](match[0]);
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
