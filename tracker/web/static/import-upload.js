// The import page: send the file with a progress bar (XMLHttpRequest upload events), then
// show the preview the server answers. Without JavaScript the form posts as it is.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var box = form.querySelector(".import-progress");
  var bar = document.getElementById("import-progress-bar");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () { form.submit(); });
    box.hidden = false;
    bar.value = 0;
    xhr.send(new FormData(form));
  });
})();
