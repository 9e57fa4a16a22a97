// The stats page: polls stats.json and redraws the figures in place (no page reload).
// Every value from the server is written with textContent or as an SVG attribute, never as
// markup, so keys and paths sent by clients are shown as text.
(function () {
  'use strict';
  var POLL_MILLIS = 2000;
  var TIMEOUT_MILLIS = 5000;
  var SVG = 'http://www.w3.org/2000/svg';
  var updates = 0;

  function byId(id) { return document.getElementById(id); }
  function setText(id, value) { byId(id).textContent = value == null ? '-' : String(value); }
  function fmt(n) { return n == null ? '-' : Number(n).toLocaleString('en-US'); }
  function rate(count, seconds) { return (count / seconds).toFixed(2) + ' /s'; }

  function time(iso) {
    if (!iso) { return '-'; }
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) { return seconds + ' s'; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s'; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + ' h ' + Math.floor(seconds % 3600 / 60) + ' min'; }
    return Math.floor(seconds / 86400) + ' d ' + Math.floor(seconds % 86400 / 3600) + ' h';
  }

  function ago(iso, nowIso) {
    var then = Date.parse(iso), now = Date.parse(nowIso);
    return isNaN(then) || isNaN(now) ? '' : ' (' + duration((now - then) / 1000) + ' ago)';
  }

  function cell(row, value, className) {
    var td = document.createElement('td');
    td.textContent = value == null ? '' : String(value);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function usageCell(row, current, limit) {
    var td = cell(row, '', 'usage-cell');
    var box = document.createElement('div');
    box.className = 'usage';
    var bar = document.createElement('div');
    var fill = document.createElement('div');
    var ratio = limit > 0 ? Math.min(1, current / limit) : (current > 0 ? 1 : 0);
    bar.className = ratio >= 0.9 ? 'bar high' : 'bar';
    fill.style.width = Math.round(ratio * 100) + '%';
    bar.appendChild(fill);
    var label = document.createElement('span');
    label.textContent = fmt(current) + ' / ' + fmt(limit);
    box.appendChild(bar);
    box.appendChild(label);
    td.appendChild(box);
    return td;
  }

  function fillTable(id, items, columns, fillRow, emptyText) {
    var rows = document.createDocumentFragment();
    items.forEach(function (item) {
      var tr = document.createElement('tr');
      fillRow(tr, item);
      rows.appendChild(tr);
    });
    if (items.length === 0) {
      var tr = document.createElement('tr');
      var td = cell(tr, emptyText, 'empty');
      td.colSpan = columns;
      rows.appendChild(tr);
    }
    byId(id).tBodies[0].replaceChildren(rows);
  }

  function svg(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (a) { element.setAttribute(a, String(attributes[a])); });
    parent.appendChild(element);
    return element;
  }

  function drawChart(series) {
    var width = 900, height = 200, left = 48, right = 8, top = 10, bottom = 22;
    var admitted = series.admitted, denied = series.denied, n = admitted.length;
    var peak = 1;
    for (var i = 0; i < n; i++) { peak = Math.max(peak, admitted[i], denied[i]); }
    var root = document.createElementNS(SVG, 'svg');
    root.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    root.setAttribute('preserveAspectRatio', 'none');
    root.setAttribute('role', 'img');
    root.setAttribute('aria-label', 'admitted and denied requests per second');
    var plotWidth = width - left - right, plotHeight = height - top - bottom;
    [0, 0.5, 1].forEach(function (f) {
      var y = top + plotHeight * (1 - f);
      svg('line', {x1: left, x2: width - right, y1: y, y2: y, 'class': 'grid'}, root);
      svg('text', {x: left - 6, y: y + 4, 'text-anchor': 'end', 'class': 'axis'}, root).textContent =
          f === 0 ? '0' : (peak * f).toFixed(peak * f < 10 ? 1 : 0);
    });
    [[0, '-' + Math.round(n / 60) + ' min'], [0.5, '-' + (n / 120).toFixed(1).replace('.0', '') + ' min'], [1, 'now']]
        .forEach(function (tick) {
          svg('text', {x: left + plotWidth * tick[0], y: height - 6, 'text-anchor': tick[0] === 0 ? 'start' : tick[0] === 1 ? 'end' : 'middle',
            'class': 'axis'}, root).textContent = tick[1];
        });
    function line(values, className) {
      var points = [];
      for (var i = 0; i < n; i++) {
        var x = left + (n === 1 ? plotWidth : plotWidth * i / (n - 1));
        var y = top + plotHeight * (1 - values[i] / peak);
        points.push(x.toFixed(1) + ',' + y.toFixed(1));
      }
      svg('polyline', {points: points.join(' '), 'class': className}, root);
    }
    line(admitted, 'admitted');
    line(denied, 'denied');
    byId('chart').replaceChildren(root);
    setText('chart-peak', 'peak ' + fmt(peak) + ' /s');
  }

  function render(s) {
    var last = s.requests.lastMinute, total = s.requests.total;
    setText('config-version', s.config.version);
    setText('uptime', duration(s.uptimeSeconds));
    setText('generated-at', time(s.generatedAt));
    setText('admitted-last-minute', fmt(last.admitted));
    setText('admitted-rate', rate(last.admitted, 60));
    setText('denied-per-second-last-minute', fmt(last.denied_per_second));
    setText('denied-per-second-rate', rate(last.denied_per_second, 60));
    setText('denied-per-minute-last-minute', fmt(last.denied_per_minute));
    setText('denied-per-minute-rate', rate(last.denied_per_minute, 60));
    setText('refused-other-last-minute', fmt(last.denied_concurrent + (last.denied_client_ip || 0) + last.rejected));
    setText('refused-other-detail', fmt(last.denied_concurrent) + ' over the in-flight limit, '
        + fmt(last.denied_client_ip || 0) + ' by the client-IP rules, ' + fmt(last.rejected) + ' rejected as malformed');
    setText('total-admitted', fmt(total.admitted));
    var byIp = total.denied_client_ip || 0;
    setText('total-denied', fmt(total.denied_per_second + total.denied_per_minute + total.denied_concurrent + byIp)
        + ' denied (' + fmt(total.denied_per_second) + ' /s, ' + fmt(total.denied_per_minute) + ' /min, '
        + fmt(total.denied_concurrent) + ' in flight, ' + fmt(byIp) + ' client IP), ' + fmt(total.rejected) + ' rejected');
    var up = s.backends.filter(function (b) { return b.status === 'UP'; }).length;
    setText('backends-up', up + ' / ' + s.backends.length);
    setText('backends-detail', up === 0 ? 'no healthy backend' : up === s.backends.length ? 'all healthy' : 'some down');
    setText('table-keys', fmt(s.table.keys));
    setText('table-detail', 'of ' + fmt(s.table.capacity) + ', ' + fmt(s.table.evictions) + ' evicted');

    drawChart(s.series);

    fillTable('backends', s.backends, 6, function (tr, b) {
      tr.setAttribute('data-url', b.url);
      cell(tr, b.url, 'key');
      cell(tr, b.role);
      cell(tr, b.status, b.status === 'UP' ? 'state state-up' : 'state state-down');
      cell(tr, time(b.since) + ago(b.since, s.generatedAt));
      cell(tr, b.lastCheckMillis == null ? '-' : b.lastCheckMillis.toFixed(1) + ' ms', 'num');
      cell(tr, b.error || '', 'error');
    }, 'no backends');

    fillTable('groups', s.groups, 11, function (tr, g) {
      tr.setAttribute('data-group', g.group);
      cell(tr, g.group, 'group');
      cell(tr, fmt(g.limitPerSecond), 'num limit-per-second');
      cell(tr, fmt(g.limitPerMinute), 'num limit-per-minute');
      cell(tr, fmt(g.keysMapped), 'num');
      cell(tr, fmt(g.activeKeys), 'num');
      usageCell(tr, g.busiestKeyPerSecond, g.limitPerSecond);
      usageCell(tr, g.busiestKeyPerMinute, g.limitPerMinute);
      cell(tr, fmt(g.currentPerMinute), 'num');
      cell(tr, fmt(g.admittedTotal), 'num');
      cell(tr, fmt(g.deniedPerSecondTotal), 'num');
      cell(tr, fmt(g.deniedPerMinuteTotal), 'num');
    }, 'no groups');

    fillTable('top-keys', s.topKeys, 7, function (tr, k) {
      cell(tr, k.key, 'key');
      cell(tr, k.group, 'group');
      usageCell(tr, k.perSecond, k.limitPerSecond);
      usageCell(tr, k.perMinute, k.limitPerMinute);
      cell(tr, fmt(k.admittedTotal), 'num');
      cell(tr, fmt(k.deniedTotal), 'num denied');
      cell(tr, duration(k.idleSeconds), 'num');
    }, 'no keys in the table');

    fillTable('recent-denials', s.recentDenials, 6, function (tr, d) {
      cell(tr, time(d.time));
      cell(tr, d.key, 'key');
      cell(tr, d.group, 'group');
      cell(tr, d.reason, 'reason');
      cell(tr, d.method);
      cell(tr, d.path, 'path');
    }, 'no denials since start');

    setText('config-version-detail', s.config.version);
    setText('config-last-reload', time(s.config.lastReload) + (s.config.lastReload ? ago(s.config.lastReload, s.generatedAt) : ''));
    setText('config-last-error', s.config.lastReloadErrors.length ? s.config.lastReloadErrors.join('; ') : 'none');
    byId('config-last-error').className = s.config.lastReloadErrors.length ? 'error state-down' : '';
    setText('config-reloads', fmt(s.config.reloads) + ' / ' + fmt(s.config.reloadFailures));
  }

  function status(text, className) {
    var element = byId('status');
    element.textContent = text;
    element.className = 'status ' + className;
  }

  function poll() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MILLIS);
    fetch('stats.json', {cache: 'no-store', credentials: 'same-origin', signal: controller.signal})
      .then(function (response) {
        if (!response.ok) { throw new Error('stats.json answered ' + response.status); }
        return response.json();
      })
      .then(function (stats) {
        render(stats);
        updates++;
        document.body.setAttribute('data-updates', String(updates));
        status('live', 'live');
      })
      .catch(function (error) { status('stale: ' + (error && error.message ? error.message : error), 'stale'); })
      .then(function () { clearTimeout(timer); setTimeout(poll, POLL_MILLIS); });
  }

  poll();
}());
