/**
 * The Slack stand-in's page (`/local/slack`): pick a demo user, read the channel, your direct messages
 * and the answers only you see, and click Approve / Deny as that user. A click goes through the
 * stand-in, which signs it like Slack and posts it to the real interactivity endpoint; a modal the app
 * opens appears as a form (redrawn when the app updates it), with its close button. Everything a person typed is rendered as text, never as markup.
 */
export function slackPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slack (local stand-in) · accessgate</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f8f8f8; color: #1d1c1d; }
  header { background: #3f0e40; color: #fff; padding: .6rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 1.05rem; margin: 0; }
  main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1rem; padding: 1rem; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
  section.pane { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: .5rem 1rem; }
  .msg { border-top: 1px solid #eee; padding: .6rem 0; }
  .msg:first-of-type { border-top: 0; }
  .meta { color: #616061; font-size: .8rem; }
  .hdr { font-weight: 700; font-size: 1.1rem; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: .3rem 1rem; }
  pre { background: #f4f4f4; border: 1px solid #ddd; border-radius: 4px; padding: .4rem; white-space: pre-wrap; word-break: break-word; margin: .2rem 0; }
  code { background: #f4f4f4; padding: 0 .2rem; border-radius: 3px; }
  blockquote { border-left: 3px solid #ddd; margin: .2rem 0; padding-left: .5rem; }
  .ctx { color: #616061; font-size: .85rem; }
  .actions { display: flex; gap: .5rem; margin-top: .4rem; flex-wrap: wrap; }
  button, .linkbtn { font: inherit; border: 1px solid #bbb; background: #fff; border-radius: 4px; padding: .25rem .8rem; cursor: pointer; text-decoration: none; color: inherit; }
  button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
  button.danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
  .ephemeral { background: #fffbe6; }
  .history { margin-top: .3rem; }
  .history summary { cursor: pointer; color: #616061; font-size: .8rem; }
  #status { font-size: .85rem; }
  textarea { width: 100%; min-height: 5rem; font: inherit; }
  .error { color: #e01e5a; }
  label { font-weight: 600; display: block; margin-top: .5rem; }
</style>
</head>
<body>
<header>
  <h1>Slack (local stand-in)</h1>
  <label for="user" style="margin:0">You are</label>
  <select id="user"></select>
  <span id="status" role="status" aria-live="polite"></span>
</header>
<main>
  <section class="pane" aria-labelledby="channel-title"><h2 id="channel-title">Channels</h2><div id="channel"></div></section>
  <div>
    <section class="pane" aria-labelledby="modal-title" id="modal-pane" hidden><h2 id="modal-title">Modal</h2><div id="modal"></div></section>
    <section class="pane" aria-labelledby="dm-title"><h2 id="dm-title">Direct messages and answers only you see</h2><div id="dms"></div></section>
  </div>
</main>
<script>
const EMOJI = { white_check_mark: '\\u2705', no_entry: '\\u26d4', hourglass: '\\u231b', zap: '\\u26a1', x: '\\u274c', checkered_flag: '\\ud83c\\udfc1', arrow_forward: '\\u25b6\\ufe0f', scissors: '\\u2702\\ufe0f', leftwards_arrow_with_hook: '\\u21a9\\ufe0f', tada: '\\ud83c\\udf89' };
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const unescapeSlack = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
let state = { messages: [], views: [], users: [] };

function inline(text) {
  // Slack's mrkdwn: entities are decoded, then everything is escaped for HTML before formatting applies.
  let html = esc(unescapeSlack(text));
  html = html.replace(/\`([^\`\\n]+)\`/g, '<code>$1</code>');
  html = html.replace(/(^|[\\s(])\\*([^*\\n]+)\\*/g, '$1<strong>$2</strong>').replace(/(^|[\\s(])_([^_\\n]+)_/g, '$1<em>$2</em>');
  return html.replace(/:([a-z_]+):/g, (m, name) => EMOJI[name] || m);
}
function mrkdwn(text) {
  const parts = [];
  let last = 0;
  const tokens = /<([^<>|]+)(?:\\|([^<>]*))?>|\`\`\`([\\s\\S]*?)\`\`\`/g;
  for (const m of text.matchAll(tokens)) {
    parts.push(lines(inline(text.slice(last, m.index))));
    if (m[3] !== undefined) parts.push('<pre>' + esc(unescapeSlack(m[3])) + '</pre>');
    else if (m[1].startsWith('!date')) parts.push(esc(unescapeSlack(m[2] || '')));
    else if (/^https?:/.test(m[1])) parts.push('<a href="' + esc(m[1]) + '" target="_blank" rel="noopener">' + esc(unescapeSlack(m[2] || m[1])) + '</a>');
    else parts.push(esc(unescapeSlack(m[2] || m[1])));
    last = m.index + m[0].length;
  }
  parts.push(lines(inline(text.slice(last))));
  return parts.join('');
}
function lines(html) {
  return html.split('\\n').map((line) => line.startsWith('&gt;') ? '<blockquote>' + line.slice(4) + '</blockquote>' : line).join('<br>');
}
const textOf = (t) => (t ? (t.type === 'mrkdwn' ? mrkdwn(t.text) : esc(t.text)) : '');

function blocks(list, message) {
  return (list || []).map((b) => {
    switch (b.type) {
      case 'header': return '<div class="hdr">' + esc(b.text.text) + '</div>';
      case 'section': return '<div>' + (b.text ? '<div>' + textOf(b.text) + '</div>' : '') + (b.fields ? '<div class="fields">' + b.fields.map((f) => '<div>' + textOf(f) + '</div>').join('') + '</div>' : '') + '</div>';
      case 'context': return '<div class="ctx">' + b.elements.map(textOf).join(' ') + '</div>';
      case 'actions': return '<div class="actions">' + b.elements.map((e) => e.url
          ? '<a class="linkbtn" href="' + esc(e.url) + '" target="_blank" rel="noopener">' + esc(e.text.text) + '</a>'
          : '<button class="' + esc(e.style || '') + '" data-channel="' + esc(message.channel) + '" data-ts="' + esc(message.ts) + '" data-action="' + esc(e.action_id) + '">' + esc(e.text.text) + '</button>').join('') + '</div>';
      case 'input': return '<label for="in-' + esc(b.block_id) + '">' + esc(b.label.text) + '</label><textarea id="in-' + esc(b.block_id) + '" data-block="' + esc(b.block_id) + '"></textarea>' + (b.hint ? '<div class="meta">' + esc(b.hint.text) + '</div>' : '');
      default: return '';
    }
  }).join('');
}
function messageHtml(m) {
  const history = m.updates.length ? '<details class="history"><summary>' + m.updates.length + ' update(s) · as first posted</summary>' + blocks(m.blocks, { channel: '', ts: '' }).replace(/<button[^>]*>[^<]*<\\/button>/g, '') + '</details>' : '';
  return '<div class="msg' + (m.ephemeral ? ' ephemeral' : '') + '"><div class="meta">' + esc(m.channel) + ' · ' + esc(new Date(Number(m.ts) * 1000).toLocaleString()) + (m.ephemeral ? ' · only visible to you' : '') + '</div>' + (m.latest.blocks.length ? blocks(m.latest.blocks, m) : mrkdwn(m.latest.text)) + history + '</div>';
}
function render() {
  const me = $('user').value;
  const channel = state.messages.filter((m) => !m.user).slice().reverse();
  const mine = state.messages.filter((m) => m.user === me).slice().reverse();
  $('channel').innerHTML = channel.map(messageHtml).join('') || '<p class="meta">No messages yet. Submit a command on postgres-demo.</p>';
  $('dms').innerHTML = mine.map(messageHtml).join('') || '<p class="meta">Nothing for you.</p>';
  // The newest modal is on top, as in Slack; views.update changes its hash, so it is drawn again.
  const view = state.views.filter((v) => v.user === me).at(-1);
  $('modal-pane').hidden = !view;
  if (view && $('modal').dataset.view !== view.id + ' ' + view.hash) {
    $('modal').dataset.view = view.id + ' ' + view.hash;
    $('modal-title').textContent = view.view.title.text;
    $('modal').innerHTML = blocks(view.view.blocks, {}) + '<div class="error" id="modal-error"></div><div class="actions">' + (view.view.submit ? '<button class="primary" id="submit">' + esc(view.view.submit.text) + '</button>' : '') + '<button id="close">' + esc(view.view.close ? view.view.close.text : 'Close') + '</button></div>';
    if (view.view.submit) $('submit').onclick = () => submit(view);
    $('close').onclick = async () => {
      await fetch('/local/slack/close', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: me, view_id: view.id }) });
      await refresh();
    };
  }
  if (view && view.errors) $('modal-error').textContent = Object.values(view.errors).join(' ');
  if (!view) $('modal').dataset.view = '';
}
async function refresh() {
  const me = $('user').value;
  const [messages, views] = await Promise.all([fetch('/local/slack/messages').then((r) => r.json()), fetch('/local/slack/views?user=' + encodeURIComponent(me)).then((r) => r.json())]);
  state = { ...state, messages, views };
  render();
}
async function post(path, body) {
  const started = performance.now();
  const reply = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  $('status').textContent = reply.error ? reply.error : 'accessgate answered ' + reply.status + ' in ' + reply.ms.toFixed(0) + ' ms (round trip ' + (performance.now() - started).toFixed(0) + ' ms)';
  await refresh();
}
async function submit(view) {
  const reason = document.querySelector('#modal textarea[data-block="reason"]');
  await post('/local/slack/submit', { user: $('user').value, view_id: view.id, reason: reason ? reason.value : '' });
}
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) post('/local/slack/click', { user: $('user').value, channel: button.dataset.channel, ts: button.dataset.ts, action_id: button.dataset.action });
});
(async () => {
  state.users = await fetch('/local/slack/users').then((r) => r.json());
  $('user').innerHTML = state.users.map((u) => '<option value="' + esc(u.id) + '">' + esc(u.name) + ' (' + esc(u.id) + ')</option>').join('');
  $('user').value = new URLSearchParams(location.search).get('user') || 'UBOB';
  $('user').onchange = () => { $('modal').dataset.view = ''; refresh(); };
  await refresh();
  setInterval(refresh, 1500);
})();
</script>
</body>
</html>`;
}
