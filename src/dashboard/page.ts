/**
 * The dashboard page: one HTML document with its CSS and script inline, so serving it needs no
 * build step and no files next to `dist`. The script takes a CSP nonce; it reads the token (if
 * any) from the page's own URL and opens `/events` with it.
 */

const styles = String.raw`
:root { color-scheme: dark; --bg: #0f1419; --panel: #161c24; --line: #263040; --text: #d8dee9; --dim: #8a96a8;
  --accent: #5ec4ff; --good: #6bd68a; --warn: #f0c05a; --bad: #ff6b6b; --p99: #c792ea; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; }
header { display: flex; align-items: center; gap: 24px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { margin: 0; font-size: 16px; letter-spacing: .5px; }
header h1 span { color: var(--accent); }
.stat { display: flex; flex-direction: column; }
.stat b { font-size: 15px; font-variant-numeric: tabular-nums; }
.stat small { color: var(--dim); font-size: 11px; text-transform: uppercase; letter-spacing: .6px; }
#connection { margin-left: auto; display: flex; align-items: center; gap: 6px; color: var(--dim); }
#connection i { width: 9px; height: 9px; border-radius: 50%; background: var(--bad); display: inline-block; }
#connection.live i { background: var(--good); box-shadow: 0 0 6px var(--good); }
main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr) 330px; grid-template-rows: auto 1fr; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; align-self: start; }
td .figure { line-height: 1.2; }
td svg.spark { display: block; margin-left: auto; margin-top: 2px; }
section h2 { margin: 0 0 10px; font-size: 12px; color: var(--dim); text-transform: uppercase; letter-spacing: .8px; font-weight: 600; }
#kernels-section { grid-column: 1 / 2; }
#events-section { grid-column: 2 / 3; grid-row: 1 / span 2; }
#topology-section { grid-column: 1 / 2; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: right; color: var(--dim); font-weight: 500; font-size: 11px; padding: 4px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { text-align: right; padding: 5px 5px; border-bottom: 1px solid #1d2530; white-space: nowrap; }
table.no-device .device, table.no-device [data-field="device"] { display: none; }
th:first-child, td:first-child, th.left, td.left { text-align: left; }
td.kernel { font-weight: 600; color: #fff; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11px; background: #2a3342; }
.state.active { background: #1f4030; color: var(--good); }
.state.launched, .state.deactivated { background: #41391f; color: var(--warn); }
.state.failed, .state.stalled { background: #4a2222; color: var(--bad); }
.state.stalled { margin-left: 4px; }
.state.terminating, .state.terminated { background: #2a3342; color: var(--dim); }
.bad { color: var(--bad); }
.queue { display: inline-flex; align-items: center; gap: 6px; }
.queue .bar { width: 60px; height: 6px; background: #263040; border-radius: 3px; overflow: hidden; }
.queue .bar b { display: block; height: 100%; background: var(--accent); }
svg.spark { vertical-align: middle; overflow: visible; }
.legend { color: var(--dim); font-size: 11px; margin-top: 8px; }
.legend i { display: inline-block; width: 10px; height: 2px; vertical-align: middle; margin: 0 4px 0 10px; }
.legend i.throughput { background: var(--accent); }
.legend i.p99 { background: var(--p99); }
#events { list-style: none; margin: 0; padding: 0; max-height: calc(100vh - 150px); overflow: auto; font-size: 12px; }
#events li { padding: 4px 0; border-bottom: 1px solid #1d2530; display: grid; grid-template-columns: 62px 1fr; gap: 6px; }
#events time { color: var(--dim); font-variant-numeric: tabular-nums; }
#events .who { font-weight: 600; }
#events .lifecycle .who { color: var(--accent); }
#events .error .who, #events .dropped .who, #events .rejected .who { color: var(--bad); }
#events .terminated .who { color: var(--warn); }
#empty { color: var(--dim); padding: 12px 0; }
#topology svg { width: 100%; }
#topology .node rect { fill: #1d2632; stroke: var(--accent); stroke-width: 1.2; }
#topology .node.failed rect { stroke: var(--bad); }
#topology .node text { fill: var(--text); font-size: 12px; }
#topology .edge { stroke: var(--dim); stroke-width: 1.4; fill: none; }
#topology .edge-label { fill: var(--dim); font-size: 10px; }
`;

const script = String.raw`
(function () {
  'use strict';
  var HISTORY = 60;
  var history = new Map();
  var events = [];
  var token = new URLSearchParams(location.search).get('token');
  var query = token === null ? '' : '?token=' + encodeURIComponent(token);
  var $ = function (id) { return document.getElementById(id); };
  var SVG = 'http://www.w3.org/2000/svg';

  function formatCount(value) { return Math.round(value).toLocaleString('en-US'); }
  function formatRate(value) {
    if (!isFinite(value)) return '0';
    return value >= 100 ? formatCount(value) : value.toFixed(1);
  }
  function formatNs(ns) {
    if (!(ns > 0)) return '–';
    if (ns < 1e3) return ns.toFixed(0) + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(ns < 1e4 ? 2 : 1) + ' µs';
    if (ns < 1e9) return (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1) + ' ms';
    return (ns / 1e9).toFixed(2) + ' s';
  }
  function formatUptime(ms) {
    var s = Math.floor(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + 'h ' : '') + (h > 0 || m > 0 ? m + 'm ' : '') + (s % 60) + 's';
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sparkline(series, colors, width, height) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    var max = 0;
    series.forEach(function (values) { values.forEach(function (v) { if (v > max) max = v; }); });
    if (max === 0) max = 1;
    series.forEach(function (values, index) {
      if (values.length < 2) return;
      var points = values.map(function (v, i) {
        var x = (i / (HISTORY - 1)) * width;
        var y = height - 1 - (v / max) * (height - 2);
        return x.toFixed(1) + ',' + y.toFixed(1);
      }).join(' ');
      var line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points);
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', colors[index]);
      line.setAttribute('stroke-width', '1.4');
      svg.appendChild(line);
    });
    return svg;
  }

  // Sparklines show each update interval on its own (the runtime's figures are since launch):
  // throughput from the processed count's change, latency as the interval's mean, exact from
  // the histogram's mean and count.
  function remember(kernel, time) {
    var entry = history.get(kernel.kernelId);
    if (entry === undefined) {
      entry = { throughput: [], latency: [], time: time, processed: kernel.messagesProcessed,
        count: kernel.latency.count, sum: kernel.latency.mean * kernel.latency.count, lastLatency: 0 };
      history.set(kernel.kernelId, entry);
      return entry;
    }
    var push = function (list, value) { list.push(value); if (list.length > HISTORY) list.shift(); };
    var seconds = (time - entry.time) / 1000;
    if (seconds <= 0) return entry;
    var sum = kernel.latency.mean * kernel.latency.count;
    var finished = kernel.latency.count - entry.count;
    if (finished > 0) entry.lastLatency = (sum - entry.sum) / finished;
    push(entry.throughput, Math.max(0, kernel.messagesProcessed - entry.processed) / seconds);
    push(entry.latency, finished > 0 ? entry.lastLatency : 0);
    entry.time = time;
    entry.processed = kernel.messagesProcessed;
    entry.count = kernel.latency.count;
    entry.sum = sum;
    return entry;
  }

  function cell(row, field, className) {
    var td = element('td', className);
    td.dataset.field = field;
    row.appendChild(td);
    return td;
  }

  function renderKernels(snapshot) {
    var body = $('kernels');
    var seen = new Set();
    snapshot.kernels.forEach(function (kernel) {
      seen.add(kernel.kernelId);
      var entry = remember(kernel, snapshot.time);
      var row = body.querySelector('tr[data-kernel="' + CSS.escape(kernel.kernelId) + '"]');
      if (row === null) {
        row = element('tr');
        row.dataset.kernel = kernel.kernelId;
        cell(row, 'kernelId', 'kernel');
        ['state', 'messagesReceived', 'messagesProcessed', 'messagesSent', 'messagesDropped', 'messagesRejected',
          'errors', 'restarts', 'inputQueueDepth', 'outputQueueDepth', 'throughputPerSecond', 'latency',
          'device'].forEach(function (field) {
          cell(row, field, field === 'state' ? 'left' : '');
        });
        body.appendChild(row);
      }
      var set = function (field, text) { row.querySelector('[data-field="' + field + '"]').textContent = text; };
      set('kernelId', kernel.kernelId);
      var state = row.querySelector('[data-field="state"]');
      state.replaceChildren(element('span', 'state ' + kernel.state, kernel.state));
      if (kernel.healthy === false) state.appendChild(element('span', 'state stalled', 'stalled'));
      state.dataset.value = kernel.state;
      var device = row.querySelector('[data-field="device"]');
      device.textContent = kernel.device === undefined ? '–' : kernel.device.backend + ' · ' +
        formatCount(kernel.device.batches) + ' batches · ' + kernel.device.meanBatchSize.toFixed(1) + '/batch';
      ['messagesReceived', 'messagesProcessed', 'messagesSent', 'messagesDropped', 'messagesRejected', 'errors',
        'restarts']
        .forEach(function (field) {
          var td = row.querySelector('[data-field="' + field + '"]');
          td.textContent = formatCount(kernel[field]);
          td.dataset.value = String(kernel[field]);
          td.classList.toggle('bad', field !== 'messagesReceived' && field !== 'messagesProcessed' &&
            field !== 'messagesSent' && kernel[field] > 0);
        });
      ['input', 'output'].forEach(function (queue) {
        var depth = kernel[queue + 'QueueDepth'], capacity = kernel[queue + 'QueueCapacity'];
        var td = row.querySelector('[data-field="' + queue + 'QueueDepth"]');
        td.dataset.value = String(depth);
        var bar = element('span', 'bar');
        var fill = element('b');
        fill.style.width = Math.min(100, (depth / Math.max(1, capacity)) * 100).toFixed(1) + '%';
        bar.appendChild(fill);
        var wrap = element('span', 'queue');
        wrap.title = depth + ' of ' + capacity;
        wrap.append(bar, element('span', '', formatCount(depth)));
        td.replaceChildren(wrap);
      });
      var throughput = row.querySelector('[data-field="throughputPerSecond"]');
      throughput.dataset.value = String(kernel.throughputPerSecond);
      throughput.replaceChildren(element('div', 'figure', formatRate(kernel.throughputPerSecond) + '/s'),
        sparkline([entry.throughput], ['#5ec4ff'], 100, 22));
      var latency = row.querySelector('[data-field="latency"]');
      latency.dataset.value = String(kernel.latency.p50);
      latency.replaceChildren(
        element('div', 'figure', formatNs(kernel.latency.p50) + ' / ' + formatNs(kernel.latency.p95) + ' / ' + formatNs(kernel.latency.p99)),
        sparkline([entry.latency], ['#c792ea'], 130, 22));
    });
    Array.prototype.slice.call(body.querySelectorAll('tr[data-kernel]')).forEach(function (row) {
      if (!seen.has(row.dataset.kernel)) { row.remove(); history.delete(row.dataset.kernel); }
    });
    $('empty').hidden = snapshot.kernels.length !== 0;
    $('kernel-table').classList.toggle('no-device', !snapshot.kernels.some(function (k) { return k.device !== undefined; }));
  }

  function renderSummary(snapshot) {
    var summary = snapshot.summary;
    $('kernel-count').textContent = summary.activeKernels + ' / ' + summary.kernelCount;
    $('processed-total').textContent = formatCount(summary.messagesProcessed);
    $('throughput-total').textContent = formatRate(summary.throughputPerSecond) + '/s';
    $('latency-total').textContent = formatNs(summary.latency.p50) + ' / ' + formatNs(summary.latency.p99);
    $('uptime').textContent = formatUptime(summary.uptimeMs);
  }

  function renderTopology(snapshot) {
    var section = $('topology-section');
    var routes = snapshot.routes;
    if (!routes || routes.length === 0) { section.hidden = true; return; }
    section.hidden = false;
    var states = new Map(snapshot.kernels.map(function (k) { return [k.kernelId, k.state]; }));
    var nodes = [], edges = [];
    var add = function (id) { if (nodes.indexOf(id) < 0) nodes.push(id); };
    routes.forEach(function (route) {
      add(route.from);
      route.to.forEach(function (to) { add(to); edges.push({ from: route.from, to: to, label: route.to.length > 1 ? route.strategy : '' }); });
    });
    var depth = new Map(nodes.map(function (id) { return [id, 0]; }));
    for (var pass = 0; pass < nodes.length; pass++) {
      edges.forEach(function (edge) {
        if (edge.from !== edge.to && depth.get(edge.to) < depth.get(edge.from) + 1 && depth.get(edge.from) + 1 < nodes.length) {
          depth.set(edge.to, depth.get(edge.from) + 1);
        }
      });
    }
    var columns = new Map();
    nodes.forEach(function (id) {
      var d = depth.get(id);
      if (!columns.has(d)) columns.set(d, []);
      columns.get(d).push(id);
    });
    var W = 150, H = 30, GX = 70, GY = 18, position = new Map(), rows = 0;
    columns.forEach(function (ids, d) {
      rows = Math.max(rows, ids.length);
      ids.forEach(function (id, i) { position.set(id, { x: 10 + d * (W + GX), y: 10 + i * (H + GY) }); });
    });
    var svg = document.createElementNS(SVG, 'svg');
    var width = 20 + columns.size * (W + GX) - GX, height = 20 + rows * (H + GY) - GY;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('height', String(height));
    svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a96a8"/></marker></defs>';
    edges.forEach(function (edge) {
      var a = position.get(edge.from), b = position.get(edge.to);
      var path = document.createElementNS(SVG, 'path');
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      if (edge.from === edge.to) { x2 = a.x + W - 20; y2 = a.y; path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + (x1 + 40) + ',' + (y1 - 40) + ' ' + (x2 + 10) + ',' + (y2 - 30) + ' ' + x2 + ',' + y2); }
      else if (x2 <= x1) { path.setAttribute('d', 'M' + (a.x + W / 2) + ',' + (a.y + H) + ' C' + (a.x + W / 2) + ',' + (a.y + H + 30) + ' ' + (b.x + W / 2) + ',' + (b.y + H + 30) + ' ' + (b.x + W / 2) + ',' + (b.y + H)); }
      else { var mx = (x1 + x2) / 2; path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2); }
      path.setAttribute('class', 'edge');
      path.setAttribute('marker-end', 'url(#arrow)');
      svg.appendChild(path);
      if (edge.label) {
        var label = document.createElementNS(SVG, 'text');
        label.setAttribute('class', 'edge-label');
        label.setAttribute('x', String((x1 + x2) / 2 - 20));
        label.setAttribute('y', String((y1 + y2) / 2 - 4));
        label.textContent = edge.label;
        svg.appendChild(label);
      }
    });
    nodes.forEach(function (id) {
      var p = position.get(id);
      var group = document.createElementNS(SVG, 'g');
      group.setAttribute('class', 'node ' + (states.get(id) || 'sink'));
      group.dataset.kernel = id;
      var rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(p.x)); rect.setAttribute('y', String(p.y));
      rect.setAttribute('width', String(W)); rect.setAttribute('height', String(H)); rect.setAttribute('rx', '6');
      var text = document.createElementNS(SVG, 'text');
      text.setAttribute('x', String(p.x + 10)); text.setAttribute('y', String(p.y + H / 2 + 4));
      text.textContent = id.length > 20 ? id.slice(0, 19) + '…' : id;
      group.append(rect, text);
      svg.appendChild(group);
    });
    $('topology').replaceChildren(svg);
  }

  function renderCluster(snapshot) {
    var section = $('cluster-section');
    var cluster = snapshot.cluster;
    if (!cluster) { section.hidden = true; return; }
    section.hidden = false;
    var status = cluster.status;
    $('cluster-link').textContent = 'node ' + status.node + ' in cluster ' + status.cluster + ' · ' +
      (status.connected ? 'connected to ' + (status.server || '?') : 'disconnected') + ' · ' + status.reconnects + ' reconnect(s)';
    var rows = cluster.members.map(function (member) {
      var tr = document.createElement('tr');
      var served = Object.keys(member.kernels).map(function (id) { return id + '@' + member.node + ' (' + member.kernels[id] + ')'; });
      [member.node + (member.node === status.node ? ' (this runtime)' : ''), member.host, served.join(', ') || '–',
        Math.max(0, Math.round((snapshot.time - member.lastSeen) / 100) / 10) + ' s ago'].forEach(function (value, column) {
        var td = document.createElement('td');
        td.textContent = value;
        if (column < 3) td.className = 'left';
        tr.appendChild(td);
      });
      return tr;
    });
    $('cluster-members').replaceChildren.apply($('cluster-members'), rows);
  }

  function renderEvents(batch) {
    var list = $('events');
    batch.forEach(function (event) {
      var item = element('li', event.type);
      var when = new Date(event.time);
      item.appendChild(element('time', '', when.toTimeString().slice(0, 8)));
      var what = element('span');
      what.append(element('span', 'who', event.kernelId), document.createTextNode(' ' + event.text));
      item.appendChild(what);
      list.insertBefore(item, list.firstChild);
    });
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  var source = new EventSource('events' + query);
  source.addEventListener('open', function () { $('connection').className = 'live'; $('connection-text').textContent = 'live'; });
  source.addEventListener('error', function () { $('connection').className = ''; $('connection-text').textContent = 'reconnecting'; });
  source.addEventListener('snapshot', function (message) {
    var snapshot = JSON.parse(message.data);
    renderSummary(snapshot);
    renderKernels(snapshot);
    renderTopology(snapshot);
    renderCluster(snapshot);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || '0') + 1);
  });
  source.addEventListener('inspection', function (message) { renderEvents(JSON.parse(message.data)); });
})();
`;

/** The dashboard's HTML, with `nonce` on its inline style and script (for the CSP header). */
export function dashboardPage(nonce: string, title = 'ringkernel dashboard'): string {
  const safeTitle = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${safeTitle}</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body data-updates="0">
<header>
  <h1><span>ring</span>kernel</h1>
  <div class="stat"><b id="kernel-count">–</b><small>active / kernels</small></div>
  <div class="stat"><b id="processed-total">–</b><small>processed</small></div>
  <div class="stat"><b id="throughput-total">–</b><small>throughput</small></div>
  <div class="stat"><b id="latency-total">–</b><small>latency p50 / p99</small></div>
  <div class="stat"><b id="uptime">–</b><small>uptime</small></div>
  <div id="connection"><i></i><span id="connection-text">connecting</span></div>
</header>
<main>
  <section id="kernels-section">
    <h2>Kernels</h2>
    <table id="kernel-table">
      <thead><tr>
        <th>kernel</th><th class="left">state</th><th>received</th><th>processed</th><th>sent</th><th>dropped</th>
        <th>rejected</th><th>errors</th><th>restarts</th><th>input queue</th><th>output queue</th><th>throughput</th>
        <th>latency p50 / p95 / p99</th><th class="device">device</th>
      </tr></thead>
      <tbody id="kernels"></tbody>
    </table>
    <div id="empty">No kernels launched.</div>
    <div class="legend">sparklines, one point per update: <i class="throughput"></i>messages/s <i class="p99"></i>mean latency · figures: throughput over the last ~10 s, latency percentiles since launch</div>
  </section>
  <section id="topology-section" hidden>
    <h2>Routes</h2>
    <div id="topology"></div>
  </section>
  <section id="cluster-section" hidden>
    <h2>Cluster</h2>
    <div id="cluster-link"></div>
    <table id="cluster-table">
      <thead><tr><th class="left">node</th><th class="left">host</th><th class="left">remote kernels</th><th>last heartbeat</th></tr></thead>
      <tbody id="cluster-members"></tbody>
    </table>
  </section>
  <section id="events-section">
    <h2>Events</h2>
    <ul id="events"></ul>
  </section>
</main>
<script nonce="${nonce}">${script}</script>
</body>
</html>
`;
}
