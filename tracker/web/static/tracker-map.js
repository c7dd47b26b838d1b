/* The planners' map: draws the projects onto the Leaflet map Folium built.
 *
 * Folium's frame (the map, basemaps, overlays, layer control, legend) holds no data: this
 * file reads everything else from the page's <script type="application/json"> data block
 * (labels, the features or their URL, province outlines, the view, the kinds shown).
 * Data never passes through innerHTML: popups, tooltips and search results are DOM nodes
 * whose text is set with textContent, so a project named <script>…</script> shows as text.
 *
 * window.trackerMaps[mapId] (and window.trackerMap, the last one drawn) expose the state for
 * tests and benchmarks: map, layers (by project code), count, ready, and the times (ms since
 * navigation) parsedAt (data in hand) and readyAt (drawn and painted), buildMs (making layers).
 */
(function (global) {
  'use strict';

  var L = global.L;

  function fold(text) {
    return String(text || '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D')
      .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .toLowerCase().replace(/\s+/g, ' ').trim();
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function label(cfg, key) {
    return (cfg.labels && cfg.labels[key]) || key;
  }

  /* A phone (Bootstrap's "md" breakpoint): the layer list and the legend start folded. */
  function narrow() {
    return !!(global.matchMedia && global.matchMedia('(max-width: 767.98px)').matches);
  }

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) { throw new Error('map data block #' + id + ' is missing'); }
    return JSON.parse(node.textContent);
  }

  function displayName(cfg, p) {
    return (cfg.lang === 'en' && p.name_en) ? p.name_en : p.name_vi;
  }

  function statusOf(cfg, p) {
    return cfg.statuses[p.status] ||
      {label: p.status, colour: cfg.style.unknown, text: '#ffffff'};
  }

  /* ------------------------------------------------------------------ styles */

  /* Style objects are shared by every feature with the same look (status, kind, accuracy):
   * ten thousand features need a few dozen of them, not ten thousand. */
  function styles(state, p) {
    var cfg = state.cfg;
    var key = p.status + '|' + p.kind + '|' + p.accuracy;
    var cached = state.styleCache[key];
    if (cached) { return cached; }
    var kind = cfg.kinds[p.kind] || {weight: 3, dash: null, symbol: 'line'};
    var approx = p.accuracy === 'approximate';
    var colour = statusOf(cfg, p).colour;
    var opacity = approx ? cfg.style.approximateOpacity : cfg.style.opacity;
    var line = {
      renderer: state.renderer, color: colour, weight: kind.weight, opacity: opacity,
      dashArray: kind.dash || null, lineCap: kind.dash ? 'butt' : 'round', lineJoin: 'round',
      fill: false
    };
    var area = L.extend({}, line, {fill: true, fillOpacity: approx ? 0.15 : 0.3});
    var marker = {
      renderer: state.renderer, radius: cfg.style.bridgeRadius,
      color: cfg.style.bridgeOutline, weight: 2, opacity: approx ? 0.7 : 1,
      dashArray: approx ? '3 3' : null, fillColor: colour, fillOpacity: opacity
    };
    var water = kind.symbol !== 'water' ? null : {
      renderer: state.renderer, interactive: false, color: cfg.style.water,
      weight: kind.weight + 4, lineCap: 'butt', fill: false,
      opacity: approx ? cfg.style.approximateOpacity : 0.8
    };
    cached = {line: line, area: area, marker: marker, water: water};
    state.styleCache[key] = cached;
    return cached;
  }

  function latLngs(coordinates) {
    var out = new Array(coordinates.length);
    for (var i = 0; i < coordinates.length; i++) {
      out[i] = L.latLng(coordinates[i][1], coordinates[i][0]);
    }
    return out;
  }

  function makeLayers(state, feature) {
    var p = feature.properties || {};
    var style = styles(state, p);
    var geometry = feature.geometry;
    var main;
    var under = null;
    if (geometry.type === 'Point') {
      var c = geometry.coordinates;
      main = L.circleMarker([c[1], c[0]], style.marker);
    } else if (geometry.type === 'LineString') {  // the common case, built directly
      var line = latLngs(geometry.coordinates);
      main = L.polyline(line, style.line);
      if (style.water) { under = L.polyline(line, style.water); }
    } else {
      var polygonal = geometry.type === 'Polygon' || geometry.type === 'MultiPolygon';
      var options = L.extend({}, polygonal ? style.area : style.line, {
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, style.marker); }
      });
      main = L.GeoJSON.geometryToLayer(feature, options);
      if (main.eachLayer) {  // a multi-part geometry: every part answers for the project
        main.eachLayer(function (part) { part.feature = feature; });
      }
      if (style.water && !polygonal) {
        under = L.GeoJSON.geometryToLayer(feature, style.water);
      }
    }
    main.feature = feature;
    return {main: main, under: under};
  }

  /* ------------------------------------------------------------------ popup, tooltip */

  function row(dl, term, value) {
    dl.appendChild(el('dt', null, term));
    var dd = el('dd', null, value);
    dl.appendChild(dd);
    return dd;
  }

  function statusBadge(cfg, p) {
    var st = statusOf(cfg, p);
    var badge = el('span', 'tm-badge', st.label);
    badge.style.backgroundColor = st.colour;
    badge.style.color = st.text;
    return badge;
  }

  function fillDetails(state, dl, p) {
    var cfg = state.cfg;
    var noData = label(cfg, 'no_data');
    dl.textContent = '';
    var progress = row(dl, label(cfg, 'popup_progress'), '');
    if (typeof p.progress_pct === 'number' && isFinite(p.progress_pct)) {
      var pct = Math.max(0, Math.min(100, p.progress_pct));
      var bar = el('div', 'progress tm-progress');
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      bar.setAttribute('aria-valuenow', String(pct));
      var fill = el('div', 'progress-bar');
      fill.style.width = pct + '%';
      bar.appendChild(fill);
      progress.appendChild(bar);
      progress.appendChild(el('span', 'tm-progress-text',
        pct.toLocaleString(cfg.lang === 'en' ? 'en' : 'vi') + ' %'));
    } else {
      progress.textContent = noData;
    }
    if (p.status_as_of !== undefined) {
      var asOf = row(dl, label(cfg, 'popup_status_as_of'), p.status_as_of);
      asOf.className = 'tm-status-as-of';
      if (p.stale) {
        asOf.appendChild(document.createTextNode(' '));
        asOf.appendChild(el('span', 'tm-badge tm-stale', p.stale_text));
      }
      if (p.late_unconfirmed) {
        asOf.appendChild(el('div', 'tm-late-unconfirmed', p.late_unconfirmed));
      }
    }
    row(dl, label(cfg, 'popup_investment'), p.investment || noData);
    row(dl, label(cfg, 'popup_disbursed'), p.disbursed || noData);
    row(dl, label(cfg, 'popup_planned'), p.planned || noData);
    row(dl, label(cfg, 'popup_governing_body'), p.governing_body || noData);
    row(dl, label(cfg, 'popup_project_owner'), p.project_owner || noData);
    var accuracy = row(dl, label(cfg, 'popup_accuracy'),
      (cfg.accuracy[p.accuracy] || p.accuracy || noData));
    if (p.accuracy === 'approximate') {
      accuracy.className = 'tm-approximate';
      accuracy.appendChild(el('div', 'tm-note', label(cfg, 'popup_approximate_note')));
    }
  }

  function fetchDetails(state, code) {
    var url = state.cfg.popupUrl + encodeURIComponent(code) + '.json?lang=' +
      encodeURIComponent(state.cfg.lang);
    return global.fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.json();
      })
      .then(function (body) { return body.properties; });
  }

  function popupContent(state, layer) {
    var cfg = state.cfg;
    var p = layer.feature.properties || {};
    var root = el('div', 'tm-popup');
    root.setAttribute('data-code', p.code);
    var first = cfg.lang === 'en' ? (p.name_en || p.name_vi) : p.name_vi;
    var second = cfg.lang === 'en' ? p.name_vi : p.name_en;
    root.appendChild(el('div', 'tm-popup-name', first));
    if (second && second !== first) {
      root.appendChild(el('div', 'tm-popup-alt', second));
    }
    var dl = el('dl', 'tm-popup-facts');
    row(dl, label(cfg, 'popup_status'), '').appendChild(statusBadge(cfg, p));
    root.appendChild(dl);
    var details = el('dl', 'tm-popup-facts tm-popup-details');
    root.appendChild(details);
    var link = el('a', 'tm-popup-link', label(cfg, 'popup_open'));
    link.href = cfg.projectUrl + encodeURIComponent(p.code);
    root.appendChild(link);
    if (p.investment !== undefined) {
      fillDetails(state, details, p);
      root.setAttribute('data-loaded', 'true');
    } else {
      // The overview carries only what drawing needs; the rest is fetched for this project.
      details.appendChild(el('dd', 'tm-loading', label(cfg, 'popup_loading')));
      fetchDetails(state, p.code).then(function (more) {
        Object.keys(more).forEach(function (key) { p[key] = more[key]; });
        fillDetails(state, details, p);
        root.setAttribute('data-loaded', 'true');
      }).catch(function () {
        details.textContent = '';
        details.appendChild(el('dd', 'tm-error', label(cfg, 'load_error')));
        root.setAttribute('data-loaded', 'error');
      }).then(function () {
        if (state.popup.isOpen()) { state.popup.update(); }
      });
    }
    return root;
  }

  function tooltipContent(state, layer) {
    var p = (layer.feature && layer.feature.properties) || {};
    var root = el('span', 'tm-tooltip');
    root.appendChild(el('strong', null, displayName(state.cfg, p)));
    root.appendChild(document.createTextNode(' · '));
    root.appendChild(el('span', null, statusOf(state.cfg, p).label));
    return root;
  }

  function anchorOf(layer) {
    if (layer.getLatLng) { return layer.getLatLng(); }
    if (layer.getCenter && layer._map) {
      try { return layer.getCenter(); } catch (e) { /* empty geometry */ }
    }
    return layer.getBounds().getCenter();
  }

  function openPopup(state, layer, latlng) {
    state.popup
      .setLatLng(latlng || anchorOf(layer))
      .setContent(popupContent(state, layer))
      .openOn(state.map);
  }

  /* ------------------------------------------------------------------ zoom, search */

  function zoomTo(state, layer, open) {
    var map = state.map;
    var group = state.groups[layer.feature.properties.kind];
    if (group && !map.hasLayer(group)) { map.addLayer(group); }
    if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), {maxZoom: state.cfg.fitMaxZoom, padding: [30, 30],
        animate: false});
    } else {
      map.setView(layer.getLatLng(), state.cfg.fitMaxZoom, {animate: false});
    }
    if (open) { openPopup(state, layer); }
  }

  function searchControl(state) {
    var cfg = state.cfg;
    var Control = L.Control.extend({
      options: {position: 'topleft'},
      onAdd: function () {
        var box = el('div', 'leaflet-bar tm-search');
        var id = state.map.getContainer().id + '_search';
        var lab = el('label', 'visually-hidden', label(cfg, 'search_label'));
        lab.htmlFor = id;
        var input = el('input', 'form-control form-control-sm');
        input.type = 'search';
        input.id = id;
        input.placeholder = label(cfg, 'search_placeholder');
        input.autocomplete = 'off';
        input.setAttribute('role', 'combobox');
        input.setAttribute('aria-expanded', 'false');
        var list = el('ul', 'tm-search-results');
        list.id = id + '_results';
        list.setAttribute('role', 'listbox');
        input.setAttribute('aria-controls', list.id);
        box.appendChild(lab);
        box.appendChild(input);
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);

        function matches(query) {
          var words = fold(query).split(' ').filter(Boolean);
          if (!words.length) { return []; }
          if (!state.index) {  // built on the first search, not while the map loads
            state.index = state.features.map(function (layer) {
              var p = layer.feature.properties;
              return {text: fold([p.code, p.name_vi, p.name_en].join(' ')), layer: layer};
            });
          }
          var out = [];
          for (var i = 0; i < state.index.length && out.length < 8; i++) {
            var entry = state.index[i];
            if (words.every(function (w) { return entry.text.indexOf(w) !== -1; })) {
              out.push(entry.layer);
            }
          }
          return out;
        }
        function choose(layer) {
          list.textContent = '';
          input.setAttribute('aria-expanded', 'false');
          input.value = displayName(cfg, layer.feature.properties);
          zoomTo(state, layer, true);
        }
        function show() {
          list.textContent = '';
          var found = matches(input.value);
          if (!input.value.trim()) {
            input.setAttribute('aria-expanded', 'false');
            return found;
          }
          if (!found.length) {
            list.appendChild(el('li', 'tm-search-none', label(cfg, 'search_none')));
          }
          found.forEach(function (layer) {
            var li = el('li');
            li.setAttribute('role', 'option');
            var button = el('button', 'tm-search-hit',
              displayName(cfg, layer.feature.properties));
            button.type = 'button';
            button.addEventListener('click', function () { choose(layer); });
            li.appendChild(button);
            list.appendChild(li);
          });
          input.setAttribute('aria-expanded', 'true');
          return found;
        }
        input.addEventListener('input', show);
        input.addEventListener('keydown', function (ev) {
          if (ev.key === 'Enter') {
            ev.preventDefault();
            var found = show();
            if (found.length) { choose(found[0]); }
          } else if (ev.key === 'Escape') {
            list.textContent = '';
            input.setAttribute('aria-expanded', 'false');
          }
        });
        return box;
      }
    });
    return new Control();
  }

  function messageControl() {
    var Control = L.Control.extend({
      options: {position: 'bottomleft'},
      onAdd: function () {
        var box = el('div', 'tm-message');
        box.setAttribute('role', 'status');
        box.setAttribute('aria-live', 'polite');
        return box;
      },
      set: function (text, kind) {
        this.getContainer().textContent = text;
        this.getContainer().className = 'tm-message' + (kind ? ' tm-message-' + kind : '');
      }
    });
    return new Control();
  }

  /* ------------------------------------------------------------------ drawing */

  /* Draw order, bottom to top: waterways, then lines from the widest, then bridges, so a
   * road is never hidden under an expressway and a bridge is never under a road. */
  function drawOrder(cfg, groups) {
    var rank = function (kind) {
      var k = cfg.kinds[kind] || {weight: 3, symbol: 'line'};
      if (k.symbol === 'marker') { return 1000; }
      if (k.symbol === 'water') { return -1000; }
      return -k.weight;
    };
    return Object.keys(groups).sort(function (a, b) { return rank(a) - rank(b); });
  }

  function restack(state) {
    state.order.forEach(function (kind) {
      var group = state.groups[kind];
      if (state.map.hasLayer(group)) { group.bringToFront(); }
    });
  }

  function addFeatures(state, collection) {
    var cfg = state.cfg;
    var t0 = global.performance.now();
    var features = (collection && collection.features) || [];
    state.simplifiedM = (collection && collection.simplified_m) || 0;
    var perGroup = {};
    var bounds = L.latLngBounds([]);
    for (var i = 0; i < features.length; i++) {
      var feature = features[i];
      if (!feature || !feature.geometry) { continue; }
      var p = feature.properties || {};
      var group = state.groups[p.kind];
      if (!group) { continue; }
      var made = makeLayers(state, feature);
      var list = perGroup[p.kind] || (perGroup[p.kind] = []);
      if (made.under) { list.push(made.under); }
      list.push(made.main);
      state.layers[p.code] = made.main;
      state.features.push(made.main);
      state.count += 1;
      if (cfg.fitToData) {
        bounds.extend(made.main.getBounds ? made.main.getBounds() : made.main.getLatLng());
      }
    }
    // Fill each overlay while it is off the map, then put it back: one redraw, not 10,000.
    // They go back in drawing order, so no restacking is needed (state.filling).
    state.filling = true;
    state.order.forEach(function (kind) {
      var layers = perGroup[kind];
      if (!layers) { return; }
      var group = state.groups[kind];
      var shown = state.map.hasLayer(group);
      if (shown) { state.map.removeLayer(group); }
      for (var j = 0; j < layers.length; j++) { group.addLayer(layers[j]); }
      if (shown) { state.map.addLayer(group); }
    });
    state.filling = false;
    if (cfg.fitToData && bounds.isValid() && !cfg.focus) {
      state.map.fitBounds(bounds, {maxZoom: cfg.fitMaxZoom, padding: [24, 24], animate: false});
    }
    state.buildMs = global.performance.now() - t0;
  }

  function bindGroups(state) {
    Object.keys(state.groups).forEach(function (kind) {
      var group = state.groups[kind];
      // One tooltip for the whole map, following the mouse (never two open at once).
      group.on('mouseover', function (ev) {
        if (!ev.layer || !ev.layer.feature) { return; }
        state.tooltip.setContent(tooltipContent(state, ev.layer)).setLatLng(ev.latlng);
        if (!state.map.hasLayer(state.tooltip)) { state.tooltip.openOn(state.map); }
      });
      group.on('mousemove', function (ev) { state.tooltip.setLatLng(ev.latlng); });
      group.on('mouseout', function () { state.tooltip.close(); });
      group.on('click', function (ev) {
        if (!ev.layer || !ev.layer.feature) { return; }
        L.DomEvent.stop(ev);
        openPopup(state, ev.layer, ev.latlng);
      });
    });
  }

  function whenPainted(state) {
    // Two animation frames: Leaflet's canvas redraw runs in the first, the paint follows.
    global.requestAnimationFrame(function () {
      global.requestAnimationFrame(function () {
        state.ready = true;
        state.readyAt = global.performance.now();
        state.map.getContainer().setAttribute('data-ready', 'true');
        state.map.fire('trackerready', {count: state.count});
      });
    });
  }

  function finish(state) {
    var cfg = state.cfg;
    var text = label(cfg, 'drawn').replace('{n}',
      state.count.toLocaleString(cfg.lang === 'en' ? 'en' : 'vi'));
    if (state.simplifiedM) {
      text += ' · ' + label(cfg, 'simplified').replace('{m}', String(state.simplifiedM));
    }
    state.message.set(text);
    state.map.invalidateSize({animate: false});
    if (cfg.bounds && !cfg.focus) {
      state.map.fitBounds(cfg.bounds, {maxZoom: cfg.fitMaxZoom, padding: [24, 24],
        animate: false});
    }
    if (cfg.focus) {
      var layer = state.layers[cfg.focus];
      if (layer) {
        zoomTo(state, layer, true);
      } else {
        state.message.set(label(cfg, 'focus_missing'), 'warning');
      }
    }
    whenPainted(state);
  }

  /* What the frame leaves to the request: the kinds in the selection (the others leave the
   * map and the layer control), the province outlines, translated controls, the view. */
  function prepareFrame(map, groups, frame, cfg) {
    var control = frame.control;
    Object.keys(groups).forEach(function (kind) {
      if (cfg.shown.indexOf(kind) === -1) {
        map.removeLayer(groups[kind]);
        control.removeLayer(groups[kind]);
        delete groups[kind];
      }
    });
    var outlines = cfg.boundaries && cfg.boundaries.features;
    if (outlines && outlines.length) {
      frame.boundaries.addData(cfg.boundaries);
    } else {
      map.removeLayer(frame.boundaries);
      control.removeLayer(frame.boundaries);
    }
    L.control.zoom({position: 'topleft', zoomInTitle: label(cfg, 'zoom_in'),
      zoomOutTitle: label(cfg, 'zoom_out')}).addTo(map);
    var toggle = control.getContainer().querySelector('.leaflet-control-layers-toggle');
    if (toggle) {
      toggle.title = label(cfg, 'layers');
      toggle.setAttribute('aria-label', label(cfg, 'layers'));
    }
    if (map.attributionControl) {  // Leaflet's own prefix carries an English title
      map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    }
    if (narrow()) {  // the layer list folds into its button; a tap on the map folds it again
      control.options.collapsed = true;
      control.collapse();
      map.on('click', control.collapse, control);
    }
    if (cfg.bounds) {
      map.fitBounds(cfg.bounds, {maxZoom: cfg.fitMaxZoom, padding: [24, 24], animate: false});
    }
  }

  function draw(map, groups, frame) {
    var cfg = readData(frame.data);
    prepareFrame(map, groups, frame, cfg);
    var state = {
      map: map, groups: groups, cfg: cfg, layers: {}, features: [], index: null, count: 0,
      styleCache: {},
      ready: false,
      renderer: L.canvas({padding: 0.3, tolerance: 6}),
      popup: L.popup({maxWidth: 340, minWidth: 240, autoPanPadding: [20, 20]}),
      tooltip: L.tooltip({direction: 'top', offset: [0, -8], opacity: 0.95})
    };
    state.order = drawOrder(cfg, groups);
    map.on('overlayadd', function () { if (!state.filling) { restack(state); } });
    global.trackerMaps = global.trackerMaps || {};
    global.trackerMaps[map.getContainer().id] = state;
    global.trackerMap = state;
    state.message = messageControl().addTo(map);
    state.message.set(label(cfg, 'loading'));
    if (cfg.search) { searchControl(state).addTo(map); }
    bindGroups(state);

    var loaded;
    if (cfg.data) {
      loaded = Promise.resolve(cfg.data);
    } else {
      // Same request as the page's <link rel="preload">, so the download started early.
      loaded = global.fetch(cfg.url, {credentials: 'same-origin'}).then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.json();
      });
    }
    state.loaded = loaded.then(function (collection) {
      state.parsedAt = global.performance.now();  // data downloaded and parsed
      addFeatures(state, collection);
      finish(state);
    }).catch(function (err) {
      state.error = String(err);
      state.message.set(label(cfg, 'load_error'), 'error');
      map.getContainer().setAttribute('data-ready', 'error');
    });
    return state;
  }

  function legend(map, elementId) {
    var node = document.getElementById(elementId);
    if (!node) { return null; }
    var state = global.trackerMaps && global.trackerMaps[map.getContainer().id];
    if (state) {  // only the kinds in the selection
      Array.prototype.forEach.call(node.querySelectorAll('[data-kind]'), function (item) {
        if (state.cfg.shown.indexOf(item.getAttribute('data-kind')) === -1) {
          item.parentNode.removeChild(item);
        }
      });
    }
    var details = node.querySelector('details');
    if (details && narrow()) { details.open = false; }
    var Control = L.Control.extend({
      options: {position: 'bottomright'},
      onAdd: function () {
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        return node;
      }
    });
    return new Control().addTo(map);
  }

  global.TrackerMap = {draw: draw, legend: legend, fold: fold};
})(window);
