// Verity explorer: draws the page's charts (ECharts, data embedded by the server as JSON) and, on
// live pages, polls /api/status and reloads when new blocks have been indexed. No inline script.
(function () {
  'use strict';
  var el = document.getElementById('chart-data');
  var data = el ? JSON.parse(el.textContent) : {};
  function plot(name) {
    var box = document.querySelector('[data-chart="' + name + '"] .plot');
    return box && window.echarts ? window.echarts.init(box) : null;
  }
  function vrt(v) { return v.toPrecision(4) + ' VRT'; }
  var c;
  if (data.prices && (c = plot('prices'))) {
    c.setOption({
      animation: false, tooltip: { trigger: 'item', formatter: function (p) { return 'task ' + p.data[2] + ': ' + vrt(p.data[1]) + ' per work unit'; } },
      xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'VRT per work unit', scale: true },
      series: [{ type: 'line', showSymbol: true, symbolSize: 7, data: data.prices }]
    });
  }
  if (data.status && (c = plot('status'))) {
    var names = Object.keys(data.status);
    c.setOption({
      animation: false, tooltip: {}, xAxis: { type: 'category', data: names }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: names.map(function (k) { return data.status[k]; }) }]
    });
  }
  if (data.losses && data.losses.length && (c = plot('losses'))) {
    var areas = (data.lossMarks || []).map(function (m) { return [{ name: m[2], xAxis: m[0] }, { xAxis: m[1] }]; });
    c.setOption({
      animation: false, tooltip: { trigger: 'axis' }, xAxis: { type: 'value', name: 'step' }, yAxis: { type: 'value', name: 'loss', scale: true },
      series: [{ type: 'line', showSymbol: false, data: data.losses.map(function (p) { return [p[0], p[1]]; }),
        markArea: { itemStyle: { color: 'rgba(37,70,196,0.10)' }, label: { fontSize: 10 }, data: areas } }]
    });
  }
  if (data.zooNodes && data.zooNodes.length && (c = plot('zoo'))) {
    c.setOption({
      animation: false, tooltip: {},
      series: [{ type: 'graph', layout: 'force', roam: true, label: { show: true }, edgeSymbol: ['none', 'arrow'], force: { repulsion: 200 },
        data: data.zooNodes, links: data.zooLinks }]
    });
  }
  if (document.body.getAttribute('data-live') === '1') {
    var seen = null, live = document.getElementById('live');
    var tick = function () {
      fetch('/api/status').then(function (r) { return r.json(); }).then(function (s) {
        var key = s.indexedTo + '/' + s.events + '/' + s.rebuilds;
        if (live) { live.textContent = s.error ? 'chain: ' + s.error : 'live · block ' + s.indexedTo; }
        if (seen !== null && key !== seen && !s.error) { window.location.reload(); }
        seen = key;
      }).catch(function () { if (live) { live.textContent = 'explorer unreachable'; } });
    };
    tick();
    setInterval(tick, 3000);
  }
})();
