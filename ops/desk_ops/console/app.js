// Inquiry Desk console: signs in with the Cognito user pool (InitiateAuth, USER_PASSWORD_AUTH)
// and works through the agents' API with the ID token. No framework, no build step.
"use strict";
let config = null;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

async function signIn(user, password) {
  const res = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
    body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: config.clientId, AuthParameters: { USERNAME: user, PASSWORD: password } }),
  });
  const body = await res.json();
  if (!res.ok || !body.AuthenticationResult) throw new Error(body.message || body.__type || "sign-in failed");
  sessionStorage.setItem("idToken", body.AuthenticationResult.IdToken);
  sessionStorage.setItem("user", user);
}

async function api(path, options = {}) {
  const res = await fetch(config.apiBase + path, {
    ...options,
    headers: { "Authorization": "Bearer " + sessionStorage.getItem("idToken"), "Content-Type": "application/json" },
  });
  if (res.status === 401) { sessionStorage.clear(); show(); throw new Error("signed out"); }
  const body = await res.json();
  if (!res.ok) throw new Error(body.reason || body.message || res.status);
  return body;
}

async function loadList() {
  const team = $("team").value;
  const data = team ? await api("/api/queues/" + encodeURIComponent(team)) : await api("/api/inquiries?days=30&limit=200");
  $("list").innerHTML = data.inquiries.map((i) => `
    <tr class="row" data-id="${esc(i.inquiry_id)}">
      <td>${esc(i.received_at.slice(0, 16).replace("T", " "))}</td>
      <td>${esc(i.channel)}</td>
      <td><span class="pill">${esc(i.status)}</span> ${i.urgency === "urgent" ? '<span class="urgent">紧急</span>' : ""}</td>
      <td>${esc(i.description.slice(0, 60))}</td>
    </tr>`).join("");
  for (const row of document.querySelectorAll("tr.row")) row.onclick = () => loadDetail(row.dataset.id);
}

async function loadDetail(id) {
  const { inquiry: i, events, messages } = await api("/api/inquiries/" + encodeURIComponent(id));
  $("detail").innerHTML = `
    <h3>${esc(i.inquiry_id)} <span class="pill" id="status">${esc(i.status)}</span></h3>
    <p>${esc(i.customer_name || i.customer_id)} · ${esc(i.channel)} · ${esc(i.category)} · team ${esc(i.team)} ·
       ${i.urgency === "urgent" ? '<span class="urgent">紧急 urgent</span>' : "普通 normal"} · owner ${esc(i.owner || "-")}</p>
    <p>Next deadline: ${esc(i.next_deadline_at || "-")} · order ${esc(i.order_number || "-")}</p>
    <div id="messages">${messages.map((m) => `<div class="msg ${esc(m.direction)}">${esc(m.body)}
      <div class="event">${esc(m.at.slice(0, 19))} ${esc(m.author)} ${m.delivery_status ? "· " + esc(m.delivery_status) : ""}</div></div>`).join("")}</div>
    <div class="actions">
      <button id="ack">Acknowledge</button><button id="resolve">Resolve</button>
    </div>
    <textarea id="reply" rows="3" placeholder="Reply to the customer (goes out on their channel)"></textarea>
    <button id="send">Send reply</button>
    <p id="action-error" class="error"></p>
    <h4>Timeline</h4>
    <div>${events.map((e) => `<div class="event">${esc(e.at.slice(0, 19))} #${e.seq} <b>${esc(e.type)}</b> ${esc(e.actor)} ${esc(JSON.stringify(e.data))}</div>`).join("")}</div>`;
  const act = async (body) => {
    try { await api(`/api/inquiries/${encodeURIComponent(id)}/actions`, { method: "POST", body: JSON.stringify(body) }); await loadDetail(id); await loadList(); }
    catch (err) { $("action-error").textContent = err.message; }
  };
  $("ack").onclick = () => act({ action: "acknowledge" });
  $("resolve").onclick = () => act({ action: "resolve", result: prompt("Result (解决结果)") || "" });
  $("send").onclick = () => act({ action: "reply", text: $("reply").value });
}

function show() {
  const signedIn = Boolean(sessionStorage.getItem("idToken"));
  $("signin").hidden = signedIn;
  $("desk").hidden = !signedIn;
  $("who").textContent = signedIn ? sessionStorage.getItem("user") : "";
  if (signedIn) loadList().catch((err) => console.error(err));
}

async function main() {
  config = await (await fetch("config.json")).json();
  $("team").innerHTML += (config.teams || []).map((t) => `<option>${esc(t)}</option>`).join("");
  $("team").onchange = () => loadList();
  $("signin").onsubmit = async (event) => {
    event.preventDefault();
    try { await signIn($("user").value, $("password").value); show(); }
    catch (err) { $("signin-error").textContent = err.message; }
  };
  show();
}
main();
