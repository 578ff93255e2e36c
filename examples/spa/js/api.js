// REST calls and the session, as docs/auth-for-spa.md recommends:
// - the access token lives in memory only (this module's variables);
// - the refresh token lives in sessionStorage (this tab only, gone when it closes), so a reload
//   keeps the session: the page gets a new access token with it on start;
// - one refresh at a time (a shared promise), shortly before the access token expires, or on a
//   401 from an API call (then the call is retried once);
// - a 401 from /api/auth/refresh itself (expired, or reuse detected: the server revoked the whole
//   login) drops both tokens: every tab and stream of that login is signed out.
import { API_BASE } from "../config.js";

const REFRESH_KEY = "blog_api.refresh_token";

export const apiBase = (API_BASE || location.origin).replace(/\/$/, "");

/** An RFC 9457 problem answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = (this.problem.type || "").split("/").pop();
  }
}

/** Session events: "change" (signed in or out; detail: {user, reason}). */
export const session = new EventTarget();

let accessToken = null;
let accessExpiresAt = 0; // ms since epoch
let currentUser = null;
let refreshTimer = null;
let refreshing = null;

export function user() {
  return currentUser;
}

export function isReviewer() {
  return !!currentUser && (currentUser.role === "l1_approver" || currentUser.role === "admin");
}

function storedRefreshToken() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer);
  // Long-lived tokens: a minute before they expire. Short ones (tests, strict set-ups): at
  // three quarters of their life, so a request never leaves with a token about to die.
  const lead = expiresIn > 120 ? expiresIn - 60 : expiresIn * 0.75;
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {
      // Offline or a worker gone: the next call that needs the token tries again.
    });
  }, Math.max(lead, 1) * 1000);
}

function setTokens(pair) {
  accessToken = pair.access_token;
  accessExpiresAt = Date.now() + pair.expires_in * 1000;
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  scheduleRefresh(pair.expires_in);
}

function dropTokens(reason) {
  const wasSignedIn = !!(accessToken || currentUser || storedRefreshToken());
  clearTimeout(refreshTimer);
  accessToken = null;
  accessExpiresAt = 0;
  currentUser = null;
  sessionStorage.removeItem(REFRESH_KEY);
  if (wasSignedIn) session.dispatchEvent(new CustomEvent("change", { detail: { user: null, reason } }));
}

async function send(path, { method = "GET", body, headers = {}, token } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  // A read that fails on the network (a worker dying under a kept-alive connection) is tried
  // twice more: the next connection goes to a live worker. Writes are not retried here.
  const tries = method === "GET" ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(apiBase + path, init);
    } catch (exc) {
      if (attempt >= tries) {
        throw new ApiError(0, { title: "Network error", detail: "The API cannot be reached." });
      }
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}

async function parse(res) {
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof data === "object" ? data : null);
  return data;
}

/** Rotate the refresh token (one rotation at a time; concurrent callers share it). */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = storedRefreshToken();
      if (!token) {
        dropTokens("signed-out");
        throw new ApiError(401, { title: "Not signed in" });
      }
      const res = await send("/api/auth/refresh", { method: "POST", body: { refresh_token: token } });
      if (res.status === 401) {
        // Expired, logged out elsewhere, or this token was already spent (reuse: the server
        // has revoked the whole login). Either way: sign in again.
        dropTokens("session-ended");
        throw new ApiError(401, await res.json().catch(() => null));
      }
      setTokens(await parse(res));
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** A usable access token: refreshed first when missing or about to expire. */
export async function accessTokenNow() {
  if (!accessToken || Date.now() > accessExpiresAt - 2000) await refresh();
  return accessToken;
}

/**
 * Call the API. With `auth`, the access token is sent, refreshed first when needed, and a 401
 * refreshes once and retries. Returns {data, res} with `raw`, the parsed body otherwise.
 */
export async function api(path, { auth = false, raw = false, ...options } = {}) {
  let token = auth ? await accessTokenNow() : accessToken;
  let res = await send(path, { ...options, token });
  if (res.status === 401 && token) {
    await refresh();
    token = accessToken;
    res = await send(path, { ...options, token });
  }
  if (raw) return { res, data: await parse(res) };
  return parse(res);
}

async function loadUser() {
  currentUser = await api("/api/auth/me", { auth: true });
  session.dispatchEvent(new CustomEvent("change", { detail: { user: currentUser } }));
  return currentUser;
}

/** The user again (after a change the page made, e.g. a verified address), if signed in. */
export async function reloadUser() {
  return currentUser ? loadUser() : null;
}

/**
 * A login answer: a token pair (signed in: the user is returned), or, for an account with
 * two-factor on, a challenge `{second_factor_required, second_factor_token, expires_in}` that
 * `loginSecondFactor` finishes. Told apart by `second_factor_required`, as the API documents.
 */
async function signedIn(answer) {
  if (answer.second_factor_required) return { challenge: answer };
  setTokens(answer);
  return { user: await loadUser() };
}

/** Email and password: {user} when signed in, {challenge} when a second factor is needed. */
export async function login(email, password) {
  const res = await send("/api/auth/login", { method: "POST", body: { email, password } });
  return signedIn(await parse(res));
}

/** The second step: the challenge's token and a code from the app (or a recovery code). */
export async function loginSecondFactor(challenge, code) {
  const body = { second_factor_token: challenge.second_factor_token, code };
  const res = await send("/api/auth/login/second-factor", { method: "POST", body });
  setTokens(await parse(res));
  return loadUser();
}

export async function register(email, username, password) {
  await parse(
    await send("/api/auth/register", { method: "POST", body: { email, username, password } }),
  );
  return (await login(email, password)).user; // a new account has no second factor yet
}

export async function logout() {
  const token = storedRefreshToken();
  if (token) {
    // Revokes the login server-side; its streams and sockets end on every worker.
    await send("/api/auth/logout", { method: "POST", body: { refresh_token: token } }).catch(() => {});
  }
  dropTokens("logged-out");
}

// --- account flows (docs/auth-for-spa.md, "Account flows") ------------------------------------

/** Spend a mailed verification token; answers the account it verified. */
export async function verifyEmail(token) {
  const account = await api("/api/auth/email/verify", { method: "POST", body: { token } });
  if (currentUser && currentUser.id === account.id) await loadUser();
  return account;
}

/** Mail the signed-in user a new verification link (earlier links stop working). */
export function resendVerification() {
  return api("/api/auth/email/verify/resend", { method: "POST", auth: true });
}

/** Ask for a reset link; the answer is the same whether or not the address has an account. */
export function forgotPassword(email) {
  return api("/api/auth/password/forgot", { method: "POST", body: { email } });
}

/** Set a new password with a mailed token. Every login of that account ends on the server. */
export async function resetPassword(token, password) {
  await parse(await send("/api/auth/password/reset", { method: "POST", body: { token, password } }));
}

const OIDC_BINDING_KEY = "blog_api.oidc_binding";

/** The OpenID Connect providers the API offers ([] when none is configured). */
export async function oidcProviders() {
  return api("/api/auth/oidc/providers");
}

/** Leave for the provider's sign-in page; the binding stays in this tab for the way back. */
export async function oidcStart(name) {
  const started = await api(`/api/auth/oidc/${encodeURIComponent(name)}/start`, { method: "POST" });
  sessionStorage.setItem(OIDC_BINDING_KEY, started.login_binding);
  location.assign(started.authorization_url);
}

/** Back from the provider: the login code and this tab's binding -> {user} or {challenge}. */
export async function oidcExchange(loginCode) {
  const binding = sessionStorage.getItem(OIDC_BINDING_KEY);
  sessionStorage.removeItem(OIDC_BINDING_KEY); // single use either way
  if (!binding) {
    throw new ApiError(400, { detail: "This sign-in was not started in this tab: start again." });
  }
  const res = await send("/api/auth/oidc/exchange", {
    method: "POST", body: { login_code: loginCode, login_binding: binding },
  });
  return signedIn(await parse(res));
}

/** TOTP enrolment: {secret, otpauth_uri}; nothing changes until `confirmTotp`. */
export function enrolTotp() {
  return api("/api/auth/2fa/totp/enrol", { method: "POST", auth: true });
}

/** Turn two-factor on with a first code; answers the ten recovery codes (shown once). */
export async function confirmTotp(code) {
  const answer = await api("/api/auth/2fa/totp/confirm", { method: "POST", auth: true, body: { code } });
  await loadUser();
  return answer.recovery_codes;
}

export async function disableTotp(code) {
  await api("/api/auth/2fa/totp/disable", { method: "POST", auth: true, body: { code } });
  await loadUser();
}

/** On page load: resume the session of this tab, if it has one. */
export async function resume() {
  if (!storedRefreshToken()) return null;
  try {
    await refresh();
    return await loadUser();
  } catch (exc) {
    if (exc.status !== 401) throw exc;
    return null;
  }
}

/** A single-use ticket for the SSE stream or the WebSocket (never the token in a URL). */
export async function ticket(purpose) {
  const data = await api("/api/notifications/ticket", {
    method: "POST",
    auth: true,
    body: { purpose },
  });
  return data.ticket;
}

/** A random id (for comment client_id, Idempotency-Key); works outside secure contexts too. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An absolute URL for a path the API returned (/media/...). */
export function apiUrl(path) {
  return /^https?:/.test(path) ? path : apiBase + path;
}
