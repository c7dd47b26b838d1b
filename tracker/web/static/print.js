/* Printing a page with a small map: Leaflet measures its box only when told, so when the page
 * switches to paper (and back) each drawn map is re-measured and fitted to its project again.
 * Maps are found through window.trackerMaps (tracker-map.js). The print media query's change
 * is the moment the paper's layout applies; 'beforeprint' comes while it is still the screen's. */
(function (global) {
  'use strict';

  function refit() {
    var maps = global.trackerMaps || {};
    Object.keys(maps).forEach(function (id) {
      var state = maps[id];
      if (!state || !state.map) { return; }
      state.map.invalidateSize({animate: false, pan: false});
      if (state.cfg && state.cfg.bounds) {
        state.map.fitBounds(state.cfg.bounds, {maxZoom: state.cfg.fitMaxZoom,
          padding: [12, 12], animate: false});
      }
      // the canvas repaints on the next animation frame, which printing may not wait for
      if (state.renderer && state.renderer._redraw) { state.renderer._redraw(); }
    });
  }

  global.addEventListener('beforeprint', refit);
  global.addEventListener('afterprint', refit);
  if (global.matchMedia) {
    var paper = global.matchMedia('print');
    if (paper.addEventListener) { paper.addEventListener('change', refit); }
  }
}(window));
