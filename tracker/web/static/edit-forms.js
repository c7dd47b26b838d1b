/* The edit forms: the fields of a new source show only while "a new source" is chosen
 * (without JavaScript they always show, and the server reads them only then). */
(function () {
  'use strict';

  function wire(select) {
    var fields = select.closest('.source-fields').querySelector('.new-source');
    if (!fields) { return; }
    var update = function () { fields.hidden = select.value !== '_new'; };
    select.addEventListener('change', update);
    update();
  }

  document.querySelectorAll('.source-fields select[name="source"]').forEach(wire);
}());
