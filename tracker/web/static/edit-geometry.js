/* The geometry form's draw tool: points and lines on a Leaflet map (Leaflet is served by the
 * app from its pip package; no CDN, no plugin).
 *
 * It reads its data from <script type="application/json" id="edit-map-data"> (the current
 * geometry, the modes the project's kind allows, the view, the basemap, labels) and writes
 * what is drawn, as GeoJSON (lon/lat, 7 decimals), into the form's geometry_json field, which
 * the server reads and validates like any upload. Text goes into the page with textContent
 * only. A click adds a vertex to the current line (or moves the point); "new part" starts
 * another line (a MultiLineString), "undo" removes the last vertex, "clear" everything.
 *
 * window.trackerEditMap exposes the state for tests: map, geometry(), ready.
 */
(function (global) {
  'use strict';

  var L = global.L;
  var DECIMALS = 1e7;

  function byId(id) { return document.getElementById(id); }

  function round(v) { return Math.round(v * DECIMALS) / DECIMALS; }

  function toLngLat(ll) { return [round(ll.lng), round(ll.lat)]; }

  function fromLngLat(c) { return L.latLng(c[1], c[0]); }

  function start() {
    var data = JSON.parse(byId('edit-map-data').textContent);
    var output = byId('geometry_json');
    var count = byId('draw-count');
    var map = L.map('edit-map', {doubleClickZoom: false});
    var b = data.bounds;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [30, 30], maxZoom: 15});
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {attribution: data.tiles.attribution, maxZoom: 19})
        .addTo(map);
    }

    var state = {mode: data.modes[0], parts: [[]], point: null, touched: false};
    var g = data.geometry;
    if (g && g.type === 'Point') {
      state.point = fromLngLat(g.coordinates);
      state.mode = data.modes.indexOf('point') >= 0 ? 'point' : state.mode;
    } else if (g && g.type === 'LineString') {
      state.parts = [g.coordinates.map(fromLngLat)];
    } else if (g && g.type === 'MultiLineString') {
      state.parts = g.coordinates.map(function (line) { return line.map(fromLngLat); });
    }
    var radio = byId('draw-mode-' + state.mode);
    if (radio) { radio.checked = true; }

    var drawn = L.layerGroup().addTo(map);

    function geometry() {
      if (state.mode === 'point') {
        return state.point ? {type: 'Point', coordinates: toLngLat(state.point)} : null;
      }
      var lines = state.parts.filter(function (p) { return p.length >= 2; })
        .map(function (p) { return p.map(toLngLat); });
      if (!lines.length) { return null; }
      return lines.length === 1 ? {type: 'LineString', coordinates: lines[0]}
        : {type: 'MultiLineString', coordinates: lines};
    }

    function vertices() {
      if (state.mode === 'point') { return state.point ? 1 : 0; }
      return state.parts.reduce(function (n, p) { return n + p.length; }, 0);
    }

    function redraw() {
      drawn.clearLayers();
      if (state.mode === 'point') {
        if (state.point) {
          L.circleMarker(state.point, {radius: 8, color: '#0d6efd', weight: 3,
            fillOpacity: 0.6, interactive: false}).addTo(drawn);
        }
      } else {
        state.parts.forEach(function (part) {
          if (part.length >= 2) {
            L.polyline(part, {color: '#0d6efd', weight: 4, interactive: false}).addTo(drawn);
          }
          part.forEach(function (ll) {
            L.circleMarker(ll, {radius: 4, color: '#0d6efd', weight: 2, fillOpacity: 1,
              interactive: false}).addTo(drawn);
          });
        });
      }
      var n = vertices();
      count.textContent = n ? data.labels.vertices.replace('{n}', String(n))
        : data.labels.empty;
      if (state.touched) {
        var value = geometry();
        output.value = value ? JSON.stringify(value) : '';
      }
    }

    function change(fn) {
      return function (event) {
        if (event && event.preventDefault) { event.preventDefault(); }
        fn();
        state.touched = true;
        redraw();
      };
    }

    map.on('click', function (e) {
      if (state.mode === 'point') {
        state.point = e.latlng;
      } else {
        state.parts[state.parts.length - 1].push(e.latlng);
      }
      state.touched = true;
      redraw();
    });
    byId('draw-undo').addEventListener('click', change(function () {
      if (state.mode === 'point') { state.point = null; return; }
      var last = state.parts[state.parts.length - 1];
      if (last.length) { last.pop(); } else if (state.parts.length > 1) { state.parts.pop(); }
    }));
    byId('draw-new-part').addEventListener('click', change(function () {
      if (state.mode === 'line' && state.parts[state.parts.length - 1].length) {
        state.parts.push([]);
      }
    }));
    byId('draw-clear').addEventListener('click', change(function () {
      state.parts = [[]];
      state.point = null;
    }));
    data.modes.forEach(function (mode) {
      var input = byId('draw-mode-' + mode);
      if (input) {
        input.addEventListener('change', change(function () { state.mode = mode; }));
      }
    });
    byId('draw-new-part').hidden = data.modes.indexOf('line') < 0;

    redraw();
    global.trackerEditMap = {map: map, geometry: geometry, ready: true};
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}(window));
